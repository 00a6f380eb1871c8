//! The HTTP/1.1 client transports keep their connections alive: calls one
//! after another share one, concurrent calls open no more than there are
//! calls in flight, and a connection the server closed while it sat idle is
//! replaced without the caller seeing it. The server notes every caller's
//! address, so the tests count connections as the server saw them. A call
//! its connection lost says where it went and whether it may have run.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use rpc_core::{ClientError, RpcError};
use rpc_http::RpcRouter;
use rpc_http::client::{JsonRpcTransport, RestTransport, XmlRpcTransport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Echoes.
#[rpc_core::service]
pub trait Echo {
    /// Answers `text`.
    #[rest(get = "/echo/{text}")]
    async fn echo(&self, text: String) -> Result<String, RpcError>;
}

struct EchoImpl;

impl Echo for EchoImpl {
    async fn echo(&self, text: String) -> Result<String, RpcError> {
        Ok(text)
    }
}

/// The peers' addresses of the connections that carried calls.
type Peers = Arc<Mutex<HashSet<SocketAddr>>>;

/// Serves `Echo` on a new port, noting every caller's address in `peers`;
/// idle connections are closed after `idle`.
async fn server(peers: &Peers, idle: Duration) -> SocketAddr {
    let peers = Arc::clone(peers);
    let app = RpcRouter::new(EchoServer::new(EchoImpl))
        .into_router()
        .layer(axum::middleware::from_fn(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>,
                  request: axum::extract::Request,
                  next: axum::middleware::Next| {
                peers.lock().unwrap().insert(peer);
                next.run(request)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        rpc_http::serve(listener, app)
            .with_connect_info()
            .header_read_timeout(idle)
            .into_future(),
    );
    addr
}

#[tokio::test]
async fn calls_one_after_another_share_one_connection_on_every_transport() {
    let peers = Peers::default();
    let addr = server(&peers, Duration::from_secs(30)).await;
    in_a_row(
        &peers,
        "JSON-RPC",
        JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap(),
    )
    .await;
    in_a_row(
        &peers,
        "XML-RPC",
        XmlRpcTransport::new(&format!("http://{addr}/RPC2")).unwrap(),
    )
    .await;
    in_a_row(
        &peers,
        "REST",
        RestTransport::new(&format!("http://{addr}")).unwrap(),
    )
    .await;
}

/// 20 calls in a row over `transport` come on one connection.
async fn in_a_row(peers: &Peers, name: &str, transport: impl rpc_core::Transport) {
    let client = EchoClient::new(transport);
    peers.lock().unwrap().clear();
    for i in 0..20 {
        assert_eq!(
            client.echo(format!("call {i}")).await.unwrap(),
            format!("call {i}")
        );
    }
    assert_eq!(
        peers.lock().unwrap().len(),
        1,
        "{name}: 20 calls in a row, one connection"
    );
}

#[tokio::test]
async fn concurrent_calls_open_no_more_connections_than_calls_in_flight() {
    let peers = Peers::default();
    let addr = server(&peers, Duration::from_secs(30)).await;
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    for round in 0..5 {
        let calls = (0..8).map(|i| {
            let client = client.clone();
            async move { client.echo(format!("{round}.{i}")).await }
        });
        for (i, answer) in futures_util::future::join_all(calls)
            .await
            .into_iter()
            .enumerate()
        {
            assert_eq!(answer.unwrap(), format!("{round}.{i}"));
        }
    }
    let connections = peers.lock().unwrap().len();
    assert!(
        (1..=8).contains(&connections),
        "5 rounds of 8 concurrent calls took {connections} connections; at most 8 were in use at once"
    );
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_unseen() {
    let peers = Peers::default();
    // The server closes a connection that sends no request for 200 ms.
    let addr = server(&peers, Duration::from_millis(200)).await;
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    assert_eq!(client.echo("before".into()).await.unwrap(), "before");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(client.echo("after".into()).await.unwrap(), "after");
    assert_eq!(
        peers.lock().unwrap().len(),
        2,
        "the second call came on a new connection"
    );
}

/// A server that reads each request and then does `then` with the
/// connection: closes it, or writes what it is given.
async fn peer(then: Option<&'static [u8]>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut read = Vec::new();
                let mut buf = [0; 4096];
                // The head and the body of a small call.
                while !read.ends_with(b"}") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read.extend_from_slice(&buf[..n]),
                    }
                }
                if let Some(answer) = then {
                    let _ = stream.write_all(answer).await;
                    // The client reads it before the connection closes.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_call_its_connection_lost_says_where_it_went_and_that_it_may_have_run() {
    let addr = peer(None).await;
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    let err = client.echo("lost".into()).await.unwrap_err();
    assert!(matches!(err, ClientError::Interrupted(_)), "{err}");
    assert!(err.may_have_run());
    assert!(err.to_string().contains(&addr.to_string()), "{err}");

    let addr = peer(Some(b"this is not HTTP\r\n\r\n")).await;
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    let err = client.echo("nonsense".into()).await.unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err}");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");

    // Nothing listens any more: the call never left.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = gone.local_addr().unwrap();
    drop(gone);
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    let err = client.echo("refused".into()).await.unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err}");
    assert!(!err.may_have_run());
}
