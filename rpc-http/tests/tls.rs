//! HTTPS, for real: our server answers our three clients, `curl --cacert`
//! and Python's `xmlrpc.client` and `http.client`; our clients call a TLS
//! peer we did not write (Python's `http.server` in `ssl`); an unknown CA, a
//! wrong host name, an expired certificate and a refused connection are each
//! reported with their cause; mutual TLS.

mod common;

use std::future::IntoFuture;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use common::certs::{Pki, arg};
use rpc_core::tls::{ClientTls, ServerTls};
use rpc_core::{ClientError, RpcError};
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

/// An HTTPS server of `Echo` showing `tls`'s certificate.
async fn https(tls: &ServerTls) -> SocketAddr {
    let app = RpcRouter::new(EchoServer::new(EchoImpl))
        .max_body_size(1 << 20)
        .into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rpc_http::serve(listener, app).tls(tls).unwrap();
    tokio::spawn(server.into_future());
    addr
}

fn trusting(pki: &Pki) -> ClientTls {
    ClientTls::new()
        .without_platform_roots()
        .add_ca_pem(pki.ca_pem.as_bytes())
        .unwrap()
}

async fn echo_over_json_rpc(url: &str, tls: &ClientTls) -> Result<String, ClientError> {
    let transport = JsonRpcTransport::new(url).unwrap().tls(tls).unwrap();
    EchoClient::new(transport).echo("hi".into()).await
}

fn python(script: &str, args: &[&str]) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs (the test command installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn our_https_server_answers_our_clients_curl_and_python() {
    let pki = Pki::new("server");
    let (cert, key) = pki.leaf("server", &["localhost", "127.0.0.1"], false);
    let addr = https(&ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap()).await;
    let base = format!("https://127.0.0.1:{}", addr.port());
    let tls = trusting(&pki);

    assert_eq!(
        echo_over_json_rpc(&format!("{base}/jsonrpc"), &tls)
            .await
            .unwrap(),
        "hi"
    );
    let xmlrpc = XmlRpcTransport::new(&format!("{base}/RPC2"))
        .unwrap()
        .tls(&tls)
        .unwrap();
    assert_eq!(EchoClient::new(xmlrpc).echo("x".into()).await.unwrap(), "x");
    let rest = RestTransport::new(&base).unwrap().tls(&tls).unwrap();
    assert_eq!(EchoClient::new(rest).echo("y".into()).await.unwrap(), "y");
    // By host name too.
    let by_name = format!("https://localhost:{}/jsonrpc", addr.port());
    assert_eq!(echo_over_json_rpc(&by_name, &tls).await.unwrap(), "hi");

    let output = Command::new("curl")
        .args(["-s", "--cacert", &arg(&pki.path("ca.pem"))])
        .arg(format!("{base}/echo/curl"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), r#""curl""#);

    let script = r#"
import http.client, json, ssl, sys, xmlrpc.client
base, ca = sys.argv[1], sys.argv[2]
context = ssl.create_default_context(cafile=ca)
proxy = xmlrpc.client.ServerProxy(base + "/RPC2", context=context)
assert proxy.echo("py") == "py"
host, port = base.removeprefix("https://").split(":")
connection = http.client.HTTPSConnection(host, int(port), context=context)
call = json.dumps({"jsonrpc": "2.0", "method": "echo", "params": ["py"], "id": 1})
connection.request("POST", "/jsonrpc", call, {"content-type": "application/json"})
answer = connection.getresponse()
assert json.loads(answer.read())["result"] == "py"
# An early answer (over the 1 MiB limit) reaches it over TLS too.
connection = http.client.HTTPSConnection(host, int(port), context=context)
connection.request("POST", "/jsonrpc", b" " * (8 << 20), {"content-type": "application/json"})
answer = connection.getresponse()
assert answer.status == 413, answer.status
print("python over https: all checks passed")
"#;
    let out = python(script, &[&base, &arg(&pki.path("ca.pem"))]);
    assert!(out.contains("all checks passed"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn our_clients_call_a_tls_peer_we_did_not_write() {
    let pki = Pki::new("peer");
    pki.leaf("peer", &["127.0.0.1"], false);
    // Python's http.server in an ssl context, answering any JSON-RPC call.
    let script = r#"
import http.server, json, ssl, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        call = json.loads(self.rfile.read(int(self.headers["content-length"])))
        body = json.dumps({"jsonrpc": "2.0", "result": "from python: " + call["params"]["text"], "id": call["id"]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;
    let mut peer = Command::new("python3")
        .args(["-c", script])
        .args([arg(&pki.path("peer.pem")), arg(&pki.path("peer.key"))])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("https://127.0.0.1:{}/", port.trim());
    let answer = echo_over_json_rpc(&url, &trusting(&pki)).await;
    let _ = peer.kill();
    let _ = peer.wait();
    assert_eq!(answer.unwrap(), "from python: hi");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_ca_a_wrong_name_an_expired_certificate_and_a_refusal_say_so() {
    let pki = Pki::new("refusals");
    let (good, good_key) = pki.leaf("good", &["127.0.0.1"], false);
    let (other, other_key) = pki.leaf("other", &["example.com"], false);
    let (old, old_key) = pki.leaf("old", &["127.0.0.1"], true);
    let serve =
        |cert: &str, key: &str| ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    let refused = |result: Result<String, ClientError>| {
        let err = result.expect_err("refused");
        assert!(matches!(err, ClientError::Connect(_)), "{err:?}");
        err.to_string()
    };

    let good = https(&serve(&good, &good_key)).await;
    let url = format!("https://127.0.0.1:{}/jsonrpc", good.port());
    let unknown = refused(echo_over_json_rpc(&url, &ClientTls::new()).await);
    assert!(
        unknown.contains("certificate for 127.0.0.1 signed by an unknown authority"),
        "{unknown}"
    );

    let other = https(&serve(&other, &other_key)).await;
    let url = format!("https://127.0.0.1:{}/jsonrpc", other.port());
    let wrong_name = refused(echo_over_json_rpc(&url, &trusting(&pki)).await);
    assert!(
        wrong_name.contains("not valid for 127.0.0.1"),
        "{wrong_name}"
    );

    let old = https(&serve(&old, &old_key)).await;
    let url = format!("https://127.0.0.1:{}/jsonrpc", old.port());
    let expired = refused(echo_over_json_rpc(&url, &trusting(&pki)).await);
    assert!(
        expired.contains("certificate for 127.0.0.1 has expired"),
        "{expired}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("https://127.0.0.1:{port}/jsonrpc");
    let nobody = refused(echo_over_json_rpc(&url, &trusting(&pki)).await);
    assert!(
        nobody.contains(&format!("cannot connect to 127.0.0.1:{port}"))
            && nobody.to_lowercase().contains("refused"),
        "{nobody}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_requires_client_certificates_serves_only_those_its_ca_signed() {
    let pki = Pki::new("mutual");
    let (cert, key) = pki.leaf("server", &["127.0.0.1"], false);
    let (client_cert, client_key) = pki.leaf("client", &["client.test"], false);
    let stranger = Pki::new("stranger");
    let (stranger_cert, stranger_key) = stranger.leaf("client", &["client.test"], false);
    let tls = ServerTls::from_pem(cert.as_bytes(), key.as_bytes())
        .unwrap()
        .require_client_certs_pem(pki.ca_pem.as_bytes())
        .unwrap();
    let addr = https(&tls).await;
    let url = format!("https://127.0.0.1:{}/jsonrpc", addr.port());

    let with = trusting(&pki)
        .identity_pem(client_cert.as_bytes(), client_key.as_bytes())
        .unwrap();
    assert_eq!(echo_over_json_rpc(&url, &with).await.unwrap(), "hi");

    let without = echo_over_json_rpc(&url, &trusting(&pki)).await;
    let other = trusting(&pki)
        .identity_pem(stranger_cert.as_bytes(), stranger_key.as_bytes())
        .unwrap();
    let signed_elsewhere = echo_over_json_rpc(&url, &other).await;
    for refused in [without, signed_elsewhere] {
        assert!(
            refused.is_err(),
            "served a client without a good certificate"
        );
    }
}
