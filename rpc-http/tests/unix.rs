//! The whole router over a Unix domain socket, served by `rpc_http::serve`:
//! our four client transports, curl's `--unix-socket`, Python's
//! `http.client` and `xmlrpc.client`, the early answer to a large body
//! (lingering close), the peer's credentials, the socket's permissions and
//! graceful shutdown.
#![cfg(unix)]

use std::future::IntoFuture;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::extract::ConnectInfo;
use futures_util::StreamExt;
use rpc_core::{RpcError, Subscription};
use rpc_http::client::{JsonRpcTransport, RestTransport, WebSocketTransport, XmlRpcTransport};
use tokio::net::unix::UCred;

/// Notes kept by number.
#[rpc_core::service]
pub trait Notes {
    /// The note numbered `id`.
    #[rest(get = "/notes/{id}")]
    async fn get_note(&self, id: u32) -> Result<String, RpcError>;

    /// Counts up from `from`, `count` times.
    #[subscription]
    #[rest(get = "/count")]
    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError>;
}

struct Book;

impl Notes for Book {
    async fn get_note(&self, id: u32) -> Result<String, RpcError> {
        Ok(format!("note {id}"))
    }

    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError> {
        Ok(Subscription::new(futures_util::stream::iter(
            from..from + count,
        )))
    }
}

/// A directory of the test's own.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rpc-unix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The router, with a 1 KiB body limit and a route that tells the peer's
/// user id, served on a socket at `path` until `stop` resolves.
fn start(
    path: &Path,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let app = rpc_http::RpcRouter::new(NotesServer::new(Book))
        .max_body_size(1024)
        .into_router()
        .route(
            "/whoami",
            axum::routing::get(|ConnectInfo(peer): ConnectInfo<UCred>| async move {
                peer.uid().to_string()
            }),
        );
    let listener = rpc_http::bind_unix(path, 0o600).unwrap();
    tokio::spawn(
        rpc_http::serve(listener, app)
            .with_connect_info()
            .with_graceful_shutdown(stop)
            .into_future(),
    )
}

fn curl(args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-s", "--max-time", "10", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed (the test command installs it)");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_router_answers_over_a_unix_socket() {
    let dir = dir("router");
    let path = dir.join("notes.sock");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = start(&path, async {
        let _ = stopped.await;
    });
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the socket has the mode it was given");
    let socket = path.to_str().unwrap().to_owned();

    // Our clients.
    let jsonrpc =
        NotesClient::new(JsonRpcTransport::new(&format!("unix:{socket}:/jsonrpc")).unwrap());
    assert_eq!(jsonrpc.get_note(1).await.unwrap(), "note 1");
    let xmlrpc = NotesClient::new(XmlRpcTransport::new(&format!("unix:{socket}:/RPC2")).unwrap());
    assert_eq!(xmlrpc.get_note(2).await.unwrap(), "note 2");
    let rest = NotesClient::new(RestTransport::new(&format!("unix:{socket}")).unwrap());
    assert_eq!(rest.get_note(3).await.unwrap(), "note 3");
    let counted: Vec<u64> = rest
        .count(5, 3)
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(counted, [5, 6, 7], "Server-Sent Events");
    let ws = NotesClient::new(WebSocketTransport::new(&format!("unix:{socket}:/ws")).unwrap());
    assert_eq!(ws.get_note(4).await.unwrap(), "note 4");
    let counted: Vec<u64> = ws
        .count(1, 2)
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(counted, [1, 2], "a subscription over the WebSocket");

    // curl.
    let (status, body, whoami) = tokio::task::spawn_blocking({
        let socket = socket.clone();
        move || {
            let (status, body) = curl(&[
                "--unix-socket",
                &socket,
                "http://localhost/jsonrpc",
                "-H",
                "content-type: application/json",
                "-d",
                r#"{"jsonrpc":"2.0","method":"get_note","params":[5],"id":1}"#,
            ]);
            let rest = curl(&["--unix-socket", &socket, "http://localhost/notes/6"]);
            assert_eq!(rest, (200, r#""note 6""#.to_owned()));
            let docs = curl(&["--unix-socket", &socket, "http://localhost/openapi.json"]);
            assert_eq!(docs.0, 200);
            let whoami = curl(&["--unix-socket", &socket, "http://localhost/whoami"]);
            (status, body, whoami)
        }
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"jsonrpc":"2.0","result":"note 5","id":1}"#);
    // The peer's credentials: this very process's user.
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    assert_eq!(whoami, (200, uid.trim().to_owned()));

    // Python's own clients, written for TCP, given a socket.
    let python = tokio::task::spawn_blocking({
        let socket = socket.clone();
        move || {
            Command::new("python3")
                .args(["-c", PYTHON_CLIENTS, &socket])
                .output()
                .expect("python3 runs (the test command installs it)")
        }
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&python.stdout);
    assert!(
        python.status.success() && said.contains("all checks passed"),
        "{said}\n{}",
        String::from_utf8_lossy(&python.stderr)
    );

    // Shut down: the calls finish, and the socket's file goes with it.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server ends")
        .unwrap()
        .unwrap();
    assert!(!path.exists(), "the socket's file is removed");
    let err = jsonrpc.get_note(1).await.unwrap_err();
    assert!(err.to_string().contains(&socket), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn tls_on_a_unix_socket_is_refused_with_a_reason() {
    let dir = dir("tls");
    let certs = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let tls = rpc_core::tls::ServerTls::from_pem(
        certs.cert.pem().as_bytes(),
        certs.signing_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    let listener = rpc_http::bind_unix(dir.join("tls.sock"), 0o600).unwrap();
    let err = rpc_http::serve(listener, axum::Router::new())
        .tls(&tls)
        .unwrap()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert!(err.to_string().contains("file permissions"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Python's `http.client` (a 3 MiB body over the limit, written whole
/// before it reads: the 413 reaches it) and `xmlrpc.client`, over the
/// socket given as the first argument.
const PYTHON_CLIENTS: &str = r#"
import http.client, json, socket, sys, xmlrpc.client

path = sys.argv[1]

class UnixConnection(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("localhost", timeout=10)
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)

class UnixTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        return UnixConnection()

c = UnixConnection()
c.request("POST", "/jsonrpc", json.dumps({"jsonrpc": "2.0", "method": "get_note", "params": [7], "id": 1}),
          {"content-type": "application/json"})
answer = c.getresponse()
assert answer.status == 200, answer.status
assert json.loads(answer.read())["result"] == "note 7"

c = UnixConnection()
c.request("POST", "/jsonrpc", b"[" + b" " * (3 << 20) + b"]", {"content-type": "application/json"})
answer = c.getresponse()
assert answer.status == 413, answer.status
assert answer.getheader("content-type") == "application/problem+json"
assert json.loads(answer.read())["status"] == 413

proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport())
assert proxy.get_note(8) == "note 8"
print("all checks passed")
"#;
