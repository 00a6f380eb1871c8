//! Codec micro-benchmarks: the JSON-RPC envelope and the XML-RPC codec,
//! encoding and decoding a small call and a large document (an array of
//! 10,000 structs), in bytes per second. Run: `cargo bench -p rpc-core`.

use bytes::Bytes;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use rpc_core::jsonrpc::{JsonRpc, decode_reply};
use rpc_core::xmlrpc::{XmlRpc, decode_response};
use rpc_core::{Context, Protocol, RpcError};
use serde::{Deserialize, Serialize};

fn main() {
    divan::main();
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Server {
    id: u32,
    hostname: String,
    country: u32,
    datacenter: String,
    active: bool,
}

fn servers(n: u32) -> Vec<Server> {
    (0..n)
        .map(|id| Server {
            id,
            hostname: format!("host-{id}.example"),
            country: id % 200,
            datacenter: "fra1".into(),
            active: id % 3 != 0,
        })
        .collect()
}

#[rpc_core::service]
pub trait Bench {
    async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, RpcError>;
    async fn all(&self) -> Result<Vec<Server>, RpcError>;
}

struct Impl {
    small: Vec<Server>,
    large: Vec<Server>,
}

impl Bench for Impl {
    async fn get_active_servers(&self, _country: u32) -> Result<Vec<Server>, RpcError> {
        Ok(self.small.clone())
    }
    async fn all(&self) -> Result<Vec<Server>, RpcError> {
        Ok(self.large.clone())
    }
}

fn server() -> BenchServer<Impl> {
    BenchServer::new(Impl {
        small: servers(2),
        large: servers(10_000),
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

const JSON_CALL: &str = r#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#;
const JSON_LARGE_CALL: &str = r#"{"jsonrpc":"2.0","method":"all","id":1}"#;
const XML_CALL: &str = "<?xml version=\"1.0\"?><methodCall><methodName>get_active_servers</methodName><params><param><value><int>3</int></value></param></params></methodCall>";
const XML_LARGE_CALL: &str =
    "<?xml version=\"1.0\"?><methodCall><methodName>all</methodName></methodCall>";

/// A whole small JSON-RPC call: envelope, params, dispatch, result.
#[divan::bench]
fn jsonrpc_small_call(bencher: Bencher) {
    let (rt, jsonrpc) = (runtime(), JsonRpc::new(server()));
    let body = Bytes::from_static(JSON_CALL.as_bytes());
    let answer = rt
        .block_on(jsonrpc.handle(body.clone(), Context::new(Protocol::JsonRpc)))
        .unwrap();
    bencher
        .counter(BytesCount::new(body.len() + answer.len()))
        .bench_local(|| {
            rt.block_on(jsonrpc.handle(black_box(body.clone()), Context::new(Protocol::JsonRpc)))
        });
}

/// Encoding 10,000 structs as a JSON-RPC response.
#[divan::bench]
fn jsonrpc_encode_large(bencher: Bencher) {
    let (rt, jsonrpc) = (runtime(), JsonRpc::new(server()));
    let body = Bytes::from_static(JSON_LARGE_CALL.as_bytes());
    let answer = rt
        .block_on(jsonrpc.handle(body.clone(), Context::new(Protocol::JsonRpc)))
        .unwrap();
    bencher
        .counter(BytesCount::new(answer.len()))
        .bench_local(|| {
            rt.block_on(jsonrpc.handle(black_box(body.clone()), Context::new(Protocol::JsonRpc)))
        });
}

/// Decoding a JSON-RPC response of 10,000 structs (the client side).
#[divan::bench]
fn jsonrpc_decode_large(bencher: Bencher) {
    let (rt, jsonrpc) = (runtime(), JsonRpc::new(server()));
    let answer = rt
        .block_on(jsonrpc.handle(
            Bytes::from_static(JSON_LARGE_CALL.as_bytes()),
            Context::new(Protocol::JsonRpc),
        ))
        .unwrap();
    bencher
        .counter(BytesCount::new(answer.len()))
        .bench_local(|| decode_reply::<Vec<Server>>(black_box(&answer)).unwrap());
}

/// A whole small XML-RPC call: document, params, dispatch, result.
#[divan::bench]
fn xmlrpc_small_call(bencher: Bencher) {
    let (rt, xmlrpc) = (runtime(), XmlRpc::new(server()));
    let body = Bytes::from_static(XML_CALL.as_bytes());
    let answer = rt.block_on(xmlrpc.handle(body.clone(), Context::new(Protocol::XmlRpc)));
    bencher
        .counter(BytesCount::new(body.len() + answer.len()))
        .bench_local(|| {
            rt.block_on(xmlrpc.handle(black_box(body.clone()), Context::new(Protocol::XmlRpc)))
        });
}

/// Encoding 10,000 structs as an XML-RPC response.
#[divan::bench]
fn xmlrpc_encode_large(bencher: Bencher) {
    let (rt, xmlrpc) = (runtime(), XmlRpc::new(server()));
    let body = Bytes::from_static(XML_LARGE_CALL.as_bytes());
    let answer = rt.block_on(xmlrpc.handle(body.clone(), Context::new(Protocol::XmlRpc)));
    bencher
        .counter(BytesCount::new(answer.len()))
        .bench_local(|| {
            rt.block_on(xmlrpc.handle(black_box(body.clone()), Context::new(Protocol::XmlRpc)))
        });
}

/// Decoding an XML-RPC response of 10,000 structs (the client side).
#[divan::bench]
fn xmlrpc_decode_large(bencher: Bencher) {
    let (rt, xmlrpc) = (runtime(), XmlRpc::new(server()));
    let answer = rt.block_on(xmlrpc.handle(
        Bytes::from_static(XML_LARGE_CALL.as_bytes()),
        Context::new(Protocol::XmlRpc),
    ));
    bencher
        .counter(BytesCount::new(answer.len()))
        .bench_local(|| decode_response::<Vec<Server>>(black_box(&answer)).unwrap());
}
