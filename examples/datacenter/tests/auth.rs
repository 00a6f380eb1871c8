//! One tower layer for every transport: `datacenter serve --token` refuses the
//! same unauthorized call on REST, JSON-RPC, XML-RPC, AMQP and the WebSocket,
//! each in its own form, and serves the same authorized call on all of them;
//! a subscription (WebSocket, Server-Sent Events) is checked alike.

mod common;

use std::time::{Duration, Instant};

use common::Served;
use datacenter::DatacenterClient;
use http::header::AUTHORIZATION;
use rpc_amqp::AmqpTransport;
use rpc_core::{ClientError, Transport};
use rpc_http::client::{JsonRpcTransport, RestTransport, WebSocketTransport, XmlRpcTransport};

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

async fn active_ids<T: Transport>(transport: T) -> Result<Vec<u32>, ClientError> {
    let servers = DatacenterClient::new(transport)
        .get_active_servers(3)
        .await?;
    Ok(servers.iter().map(|s| s.id).collect())
}

fn refused(result: Result<Vec<u32>, ClientError>, protocol: &str) {
    let err = result.expect_err(protocol);
    let err = err.rpc().unwrap_or_else(|| panic!("{protocol}: {err}"));
    assert_eq!(err.code(), 401, "{protocol}: {err:?}");
    assert!(
        err.message().contains("Authorization: Bearer"),
        "{protocol}: {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_call_is_refused_or_served_on_every_transport() {
    let queue = format!("datacenter-test-auth-{}", std::process::id());
    let served = Served::start_with(&[
        "--token",
        "s3cret",
        "--amqp",
        &amqp_url(),
        "--amqp-queue",
        &queue,
    ]);
    let url = served.url.clone();
    let bearer: http::HeaderValue = "Bearer s3cret".parse().unwrap();
    let wrong: http::HeaderValue = "Bearer guess".parse().unwrap();

    // Wait until the AMQP server consumes (it answers 401, which proves it).
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Err(err) = active_ids(AmqpTransport::new(amqp_url(), queue.as_str())).await {
        if err.rpc().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the AMQP server never consumed: {err}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Refused, in each protocol's own form.
    refused(active_ids(RestTransport::new(&url).unwrap()).await, "REST");
    refused(
        active_ids(JsonRpcTransport::new(&format!("{url}/jsonrpc")).unwrap()).await,
        "JSON-RPC",
    );
    refused(
        active_ids(XmlRpcTransport::new(&format!("{url}/RPC2")).unwrap()).await,
        "XML-RPC",
    );
    refused(
        active_ids(AmqpTransport::new(amqp_url(), queue.as_str())).await,
        "AMQP",
    );
    let ws = format!("{}/ws", url.replace("http://", "ws://"));
    refused(
        active_ids(WebSocketTransport::new(&ws).unwrap()).await,
        "WebSocket",
    );
    // A subscription is a call as any other: refused alike, over a
    // WebSocket and as Server-Sent Events.
    for (transport, events) in [
        (
            "WebSocket",
            watch(WebSocketTransport::new(&ws).unwrap()).await,
        ),
        ("SSE", watch(RestTransport::new(&url).unwrap()).await),
    ] {
        let err = events
            .err()
            .unwrap_or_else(|| panic!("{transport}: subscribed"));
        assert_eq!(err.rpc().map(|e| e.code()), Some(401), "{transport}: {err}");
    }
    let wrong_token = JsonRpcTransport::new(&format!("{url}/jsonrpc"))
        .unwrap()
        .header(AUTHORIZATION, wrong);
    refused(active_ids(wrong_token).await, "JSON-RPC with a wrong token");
    let rest = RestTransport::new(&url).unwrap();
    let err = DatacenterClient::new(rest).get_server(1).await.unwrap_err();
    assert_eq!(err.rpc().unwrap().http_status(), 401, "REST answers 401");

    // Served, the same call on every transport.
    let rest = RestTransport::new(&url)
        .unwrap()
        .header(AUTHORIZATION, bearer.clone());
    assert_eq!(active_ids(rest).await.unwrap(), [1, 2]);
    let jsonrpc = JsonRpcTransport::new(&format!("{url}/jsonrpc"))
        .unwrap()
        .header(AUTHORIZATION, bearer.clone());
    assert_eq!(active_ids(jsonrpc).await.unwrap(), [1, 2]);
    let xmlrpc = XmlRpcTransport::new(&format!("{url}/RPC2"))
        .unwrap()
        .header(AUTHORIZATION, bearer);
    assert_eq!(active_ids(xmlrpc).await.unwrap(), [1, 2]);
    let amqp =
        AmqpTransport::new(amqp_url(), queue.as_str()).header("authorization", "Bearer s3cret");
    assert_eq!(active_ids(amqp).await.unwrap(), [1, 2]);
    let ws = WebSocketTransport::new(&ws)
        .unwrap()
        .header(AUTHORIZATION, "Bearer s3cret".parse().unwrap());
    assert_eq!(active_ids(ws.clone()).await.unwrap(), [1, 2]);
    assert!(watch(ws).await.is_ok(), "WebSocket: not subscribed");
    let sse = RestTransport::new(&url)
        .unwrap()
        .header(AUTHORIZATION, "Bearer s3cret".parse().unwrap());
    assert!(watch(sse).await.is_ok(), "SSE: not subscribed");
}

/// Subscribes to every change.
async fn watch<T: Transport>(
    transport: T,
) -> Result<rpc_core::SubscriptionStream<datacenter::ServerEvent>, ClientError> {
    DatacenterClient::new(transport).watch_servers(None).await
}

#[test]
fn datacenter_call_sends_the_token() {
    let served = Served::start_with(&["--token", "s3cret", "--no-amqp"]);
    let refused = served.call(&["get_server", "1"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("(code 401)"));
    for protocol in ["jsonrpc", "xmlrpc", "rest", "ws"] {
        let output = served.call(&[
            "--token",
            "s3cret",
            "--protocol",
            protocol,
            "get_server",
            "1",
        ]);
        assert!(output.status.success(), "{protocol}: {output:?}");
    }
}
