//! HTTP/2 beside HTTP/1.1 on the same port: with prior knowledge (h2c) on a
//! plain connection and by ALPN over TLS; curl (nghttp2) and our clients
//! with `.http2()` call over it, many calls as streams of one connection;
//! HTTP/1.1 clients (curl, Python's `http.client`) are served as before;
//! `http1_only` turns HTTP/2 off; a graceful shutdown closes HTTP/2
//! connections too.

mod common;

use std::collections::HashSet;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::ConnectInfo;
use common::certs::{Pki, arg};
use rpc_core::RpcError;
use rpc_core::tls::{ClientTls, ServerTls};
use rpc_http::RpcRouter;
use rpc_http::client::{JsonRpcTransport, RestTransport, XmlRpcTransport};

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

/// The router of `Echo`, which notes every caller's address in `peers`
/// through a layer of the user's own (as axum's `ConnectInfo`).
fn app(peers: &Peers) -> axum::Router {
    let peers = Arc::clone(peers);
    RpcRouter::new(EchoServer::new(EchoImpl))
        .into_router()
        .layer(axum::middleware::from_fn(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>,
                  request: axum::extract::Request,
                  next: axum::middleware::Next| {
                peers.lock().unwrap().insert(peer);
                next.run(request)
            },
        ))
}

/// `curl -s -w '\n%{http_version} %{http_code}' ARGS`: the body, the HTTP
/// version and the status.
fn curl(args: &[&str]) -> (String, String, u16) {
    let output = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            "-w",
            "\n%{http_version} %{http_code}",
        ])
        .args(args)
        .output()
        .expect("curl is installed (the test command installs it)");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, last) = text.rsplit_once('\n').unwrap();
    let (version, status) = last.split_once(' ').unwrap();
    (body.to_owned(), version.to_owned(), status.parse().unwrap())
}

const CALL: &str = r#"{"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_and_http1_share_a_port_and_calls_share_one_connection() {
    let peers = Peers::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        rpc_http::serve(listener, app(&peers))
            .with_connect_info()
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .into_future(),
    );

    // Our clients over h2c: 100 concurrent calls, on one connection.
    let jsonrpc = EchoClient::new(
        JsonRpcTransport::new(&format!("http://{addr}/jsonrpc"))
            .unwrap()
            .http2(),
    );
    let calls = (0..100).map(|i| {
        let jsonrpc = jsonrpc.clone();
        async move { jsonrpc.echo(format!("call {i}")).await }
    });
    for (i, answer) in futures_util::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(answer.unwrap(), format!("call {i}"));
    }
    assert_eq!(
        peers.lock().unwrap().len(),
        1,
        "100 concurrent calls over HTTP/2 are streams of one connection"
    );
    let xmlrpc = EchoClient::new(
        XmlRpcTransport::new(&format!("http://{addr}/RPC2"))
            .unwrap()
            .http2(),
    );
    assert_eq!(xmlrpc.echo("xml".into()).await.unwrap(), "xml");
    let rest = EchoClient::new(
        RestTransport::new(&format!("http://{addr}"))
            .unwrap()
            .http2(),
    );
    assert_eq!(rest.echo("rest".into()).await.unwrap(), "rest");

    // curl, with prior knowledge and without, on the same port.
    let url = format!("http://{addr}/jsonrpc");
    let (h2, h1) = tokio::task::spawn_blocking(move || {
        let h2 = curl(&[
            "--http2-prior-knowledge",
            &url,
            "-H",
            "content-type: application/json",
            "-d",
            CALL,
        ]);
        let h1 = curl(&[&url, "-H", "content-type: application/json", "-d", CALL]);
        (h2, h1)
    })
    .await
    .unwrap();
    assert_eq!(h2.1, "2", "curl --http2-prior-knowledge speaks HTTP/2");
    assert_eq!(h2.2, 200);
    assert!(h2.0.contains(r#""result":"hi""#), "{}", h2.0);
    assert_eq!(h1.1, "1.1");
    assert!(h1.0.contains(r#""result":"hi""#), "{}", h1.0);

    // Python's http.client (HTTP/1.1 only) is served as before.
    let python = Command::new("python3")
        .args([
            "-c",
            "import http.client,sys\n\
             c=http.client.HTTPConnection('127.0.0.1',int(sys.argv[1]))\n\
             c.request('GET','/echo/py')\n\
             r=c.getresponse()\n\
             print(r.status, r.read().decode())",
            &addr.port().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&python.stdout).trim(), "200 \"py\"");

    // A graceful shutdown closes the idle HTTP/2 connection of our client.
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server stops with an HTTP/2 connection open")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_agreed_by_alpn_over_tls() {
    let pki = Pki::new("http2");
    let (cert, key) = pki.leaf("server", &["127.0.0.1"], false);
    let tls = ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    let peers = Peers::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rpc_http::serve(listener, app(&peers))
        .with_connect_info()
        .tls(&tls)
        .unwrap();
    tokio::spawn(server.into_future());

    let trusting = ClientTls::new()
        .without_platform_roots()
        .add_ca_pem(pki.ca_pem.as_bytes())
        .unwrap();
    let client = EchoClient::new(
        JsonRpcTransport::new(&format!("https://{addr}/jsonrpc"))
            .unwrap()
            .tls(&trusting)
            .unwrap()
            .http2(),
    );
    let calls = (0..20).map(|_| client.echo("tls".into()));
    for answer in futures_util::future::join_all(calls).await {
        assert_eq!(answer.unwrap(), "tls");
    }
    assert_eq!(peers.lock().unwrap().len(), 1, "one TLS connection");
    // Our client without `.http2()` still speaks HTTP/1.1 over TLS.
    let h1 = EchoClient::new(
        RestTransport::new(&format!("https://{addr}"))
            .unwrap()
            .tls(&trusting)
            .unwrap(),
    );
    assert_eq!(h1.echo("one".into()).await.unwrap(), "one");

    let ca = arg(&pki.path("ca.pem"));
    let url = format!("https://{addr}/echo/curl");
    let (h2, h1) = tokio::task::spawn_blocking(move || {
        let h2 = curl(&["--cacert", &ca, "--http2", &url]);
        let h1 = curl(&["--cacert", &ca, "--http1.1", &url]);
        (h2, h1)
    })
    .await
    .unwrap();
    assert_eq!((h2.0.as_str(), h2.1.as_str(), h2.2), ("\"curl\"", "2", 200));
    assert_eq!(
        (h1.0.as_str(), h1.1.as_str(), h1.2),
        ("\"curl\"", "1.1", 200)
    );
}

#[tokio::test]
async fn http1_only_refuses_the_preface_and_serves_http1() {
    let peers = Peers::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rpc_http::serve(listener, app(&peers))
        .with_connect_info()
        .http1_only();
    tokio::spawn(server.into_future());
    let url = format!("http://{addr}/echo/one");
    let (h2, h1) = tokio::task::spawn_blocking(move || {
        (curl(&["--http2-prior-knowledge", &url]), curl(&[&url]))
    })
    .await
    .unwrap();
    assert_ne!(
        h2.2, 200,
        "no HTTP/2 from a server that serves HTTP/1.1 only"
    );
    assert_eq!(
        (h1.0.as_str(), h1.1.as_str(), h1.2),
        ("\"one\"", "1.1", 200)
    );
}
