//! The project's XML-RPC client against a real peer written by others:
//! Python's `SimpleXMLRPCServer`, decoding every type it returns.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use rpc_core::xmlrpc::{Base64, DateTime};
use rpc_core::{ClientError, RpcError};
use rpc_http::client::XmlRpcTransport;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Item {
    Int(i32),
    Double(f64),
    Text(String),
    Nothing(Option<()>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Everything {
    int: i32,
    double: f64,
    yes: bool,
    text: String,
    list: Vec<Option<Item>>,
    #[schema(value_type = Object)]
    nested: BTreeMap<String, BTreeMap<String, Vec<Vec<i32>>>>,
    nothing: Option<String>,
    when: DateTime,
    blob: Base64,
}

/// The functions the Python server registers.
#[rpc_core::service]
pub trait Peer {
    async fn add(&self, a: i32, b: i32) -> i32;
    async fn nothing(&self) -> Option<i32>;
    async fn now(&self) -> DateTime;
    async fn blob(&self) -> Base64;
    async fn everything(&self) -> Everything;
    async fn fail(&self) -> Result<(), RpcError>;
    async fn echo(&self, value: Everything) -> Everything;
}

struct PythonServer(Child);

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python_server() -> (PythonServer, String) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/xmlrpc_server.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (the test command installs it)");
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/RPC2", port.trim());
    (PythonServer(child), url)
}

#[tokio::test]
async fn the_xmlrpc_client_decodes_every_type_python_returns() {
    let (_server, url) = python_server();
    let client = PeerClient::new(XmlRpcTransport::new(&url).unwrap());

    assert_eq!(client.add(2, 40).await.unwrap(), 42);
    assert_eq!(client.nothing().await.unwrap(), None);
    let when: DateTime = "19980717T14:08:55".parse().unwrap();
    assert_eq!(client.now().await.unwrap(), when);
    assert_eq!(
        client.blob().await.unwrap(),
        Base64(b"\x00\xff binary \x01".to_vec())
    );

    let everything = client.everything().await.unwrap();
    assert_eq!(everything.int, -42);
    assert_eq!(everything.double, 2.5);
    assert!(everything.yes);
    assert_eq!(everything.text, "a <b> & \"c\" 'd' é 日本");
    assert_eq!(
        everything.list,
        [
            Some(Item::Int(1)),
            Some(Item::Text("two".into())),
            Some(Item::Double(3.0)),
            None
        ]
    );
    assert_eq!(everything.nested["inner"]["deep"], vec![Vec::<i32>::new()]);
    assert_eq!(everything.nothing, None);
    assert_eq!(everything.when, when);
    assert_eq!(everything.blob.as_ref(), b"\x00\xff binary \x01");

    // What we encode, Python decodes and sends back the same.
    assert_eq!(client.echo(everything.clone()).await.unwrap(), everything);

    let fault = client.fail().await.unwrap_err();
    let ClientError::Rpc(fault) = fault else {
        panic!("{fault:?}")
    };
    assert_eq!(
        (fault.code(), fault.message()),
        (42, "the answer is not allowed")
    );
}
