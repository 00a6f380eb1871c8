//! What each fuzz target runs on its input, shared with the property tests of
//! the main test suite (`rpc-http/tests/fuzz_harness.rs`), which run it on
//! every CI run; `cargo fuzz` explores further (see `fuzz/README.md`).
//!
//! Each function feeds the input to one decoder through its public entry
//! point and checks what the peer would get back: never a panic, and always
//! an answer in the protocol's own form.

use std::sync::OnceLock;

use bytes::Bytes;
use rpc_core::xmlrpc::{Base64, DateTime, XmlRpc};
use rpc_core::{ClientError, Context, Protocol, RpcError, jsonrpc::JsonRpc};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

/// A thing with fields of several types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    /// Its id.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its price, if it has one.
    pub price: Option<f64>,
}

/// Methods with every shape of params the decoders read.
#[rpc_core::service]
pub trait Sample {
    /// Path and optional query params.
    #[rest(get = "/items/{id}")]
    async fn get(&self, id: u32, verbose: Option<bool>) -> Result<Item, RpcError>;
    /// Query params only.
    #[rest(get = "/items")]
    async fn list(&self, tag: Option<String>, limit: Option<u8>) -> Result<Vec<Item>, RpcError>;
    /// A whole body.
    #[rest(post = "/items", status = 201)]
    async fn create(&self, item: Item) -> Result<Item, RpcError>;
    /// A path param and a body of fields.
    #[rest(put = "/items/{id}/name")]
    async fn rename(&self, id: u32, name: String, note: Option<String>) -> Result<Item, RpcError>;
    /// No result.
    #[rest(delete = "/items/{id}")]
    async fn delete(&self, id: u32) -> Result<(), RpcError>;
    /// The XML-RPC-only types, numbers and nesting.
    async fn mixed(
        &self,
        when: DateTime,
        data: Base64,
        flags: Vec<bool>,
        ratio: f64,
        big: i64,
        nested: Vec<Vec<Item>>,
    ) -> Result<String, RpcError>;
}

struct Samples;

fn item(id: u32, name: String) -> Item {
    Item {
        id,
        name,
        tags: vec!["a".into()],
        price: Some(1.5),
    }
}

impl Sample for Samples {
    async fn get(&self, id: u32, _verbose: Option<bool>) -> Result<Item, RpcError> {
        Ok(item(id, "got".into()))
    }
    async fn list(&self, tag: Option<String>, limit: Option<u8>) -> Result<Vec<Item>, RpcError> {
        let n = u32::from(limit.unwrap_or(2).min(3));
        Ok((0..n)
            .map(|id| item(id, tag.clone().unwrap_or_default()))
            .collect())
    }
    async fn create(&self, item: Item) -> Result<Item, RpcError> {
        Ok(item)
    }
    async fn rename(&self, id: u32, name: String, _note: Option<String>) -> Result<Item, RpcError> {
        Ok(item(id, name))
    }
    async fn delete(&self, _id: u32) -> Result<(), RpcError> {
        Ok(())
    }
    async fn mixed(
        &self,
        when: DateTime,
        data: Base64,
        flags: Vec<bool>,
        ratio: f64,
        big: i64,
        nested: Vec<Vec<Item>>,
    ) -> Result<String, RpcError> {
        Ok(format!(
            "{when:?} {} {flags:?} {ratio} {big} {}",
            data.0.len(),
            nested.len()
        ))
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime")
    })
}

/// A JSON-RPC payload: every answer is JSON.
pub fn jsonrpc_payload(data: &[u8]) {
    static JSONRPC: OnceLock<JsonRpc> = OnceLock::new();
    let jsonrpc =
        JSONRPC.get_or_init(|| JsonRpc::new(SampleServer::new(Samples)).max_batch_len(16));
    let body = Bytes::copy_from_slice(data);
    let answer = runtime().block_on(jsonrpc.handle(body, Context::new(Protocol::JsonRpc)));
    if let Some(answer) = answer
        && let Err(err) = serde_json::from_slice::<serde_json::Value>(&answer)
    {
        panic!(
            "an answer that is not JSON ({err}): {}",
            String::from_utf8_lossy(&answer)
        );
    }
}

/// An XML-RPC document: every answer is a `methodResponse` that a client
/// reads (a result or a fault), and reading the input as a response, as a
/// client would, never panics.
pub fn xmlrpc_call(data: &[u8]) {
    static XMLRPC: OnceLock<XmlRpc> = OnceLock::new();
    let xmlrpc = XMLRPC.get_or_init(|| {
        XmlRpc::new(SampleServer::new(Samples))
            .max_depth(32)
            .max_multicall_len(16)
    });
    let body = Bytes::copy_from_slice(data);
    let answer = runtime().block_on(xmlrpc.handle(body, Context::new(Protocol::XmlRpc)));
    match rpc_core::xmlrpc::decode_response::<serde::de::IgnoredAny>(&answer) {
        Ok(_) | Err(ClientError::Rpc(_)) => {}
        Err(err) => panic!(
            "an answer a client cannot read ({err}): {}",
            String::from_utf8_lossy(&answer)
        ),
    }
    let _ = rpc_core::xmlrpc::decode_response::<serde_json::Value>(data);
}

/// The statuses a REST call may be answered with.
const STATUSES: [u16; 12] = [200, 201, 204, 303, 400, 404, 405, 408, 413, 415, 422, 503];

/// A REST request: the first byte picks the method, then comes the URI (path
/// and query), a zero byte, and the body. Every answer has one of the
/// documented statuses, and every error is an `application/problem+json`
/// document.
pub fn rest_request(data: &[u8]) {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    let router = ROUTER.get_or_init(|| {
        rpc_http::RpcRouter::new(SampleServer::new(Samples))
            .max_body_size(4096)
            .into_router()
            .fallback(rpc_http::not_found)
    });
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let methods = [
        http::Method::GET,
        http::Method::POST,
        http::Method::PUT,
        http::Method::PATCH,
        http::Method::DELETE,
    ];
    let method = methods[usize::from(pick) % methods.len()].clone();
    let (uri, body) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let uri = String::from_utf8_lossy(uri);
    // Not a URI hyper would hand to the router: refused before it, not ours.
    let Ok(uri) = http::Uri::try_from(format!("/{}", uri.trim_start_matches('/'))) else {
        return;
    };
    let request = http::Request::builder()
        .method(method)
        .uri(uri.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_vec()))
        .expect("a request");
    let response = runtime()
        .block_on(router.clone().oneshot(request))
        .expect("infallible");
    let status = response.status().as_u16();
    assert!(STATUSES.contains(&status), "{uri}: status {status}");
    if status >= 400 {
        let content_type = response.headers().get(http::header::CONTENT_TYPE).cloned();
        assert_eq!(
            content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some(rpc_http::PROBLEM_JSON),
            "{uri}: status {status} without a problem document"
        );
        let body = runtime()
            .block_on(http_body_util::BodyExt::collect(response.into_body()))
            .expect("a body")
            .to_bytes();
        let problem: serde_json::Value =
            serde_json::from_slice(&body).expect("a problem document is JSON");
        assert_eq!(problem["status"], status, "{uri}: {problem}");
    }
}
