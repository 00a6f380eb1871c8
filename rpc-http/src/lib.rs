//! The HTTP front ends of the rpc framework, on axum, and the HTTP client
//! transports of the generated clients.
//!
//! [`RpcRouter`] turns a service into one `axum::Router`:
//!
//! | endpoint | protocol |
//! |---|---|
//! | the `#[rest(...)]` routes | REST resources, errors as `application/problem+json` |
//! | `POST /jsonrpc` | JSON-RPC 2.0: single calls, batches, notifications, `rpc.discover` |
//! | `POST /RPC2` | XML-RPC: faults, `system.listMethods`, `system.methodHelp`, `system.methodSignature`, `system.multicall` |
//! | `GET /ws` | JSON-RPC 2.0 over a WebSocket: every method, and subscriptions pushed as notifications |
//! | `GET /openapi.json` | the OpenAPI 3.1 document of the REST resources |
//! | `GET /docs` | its docs page (Swagger UI, served from the binary; the `swagger-ui` feature) |
//!
//! Errors that happen before a protocol can answer (a body over the limit, a
//! wrong content type) are `application/problem+json` documents ([`Problem`]).
//!
//! [`serve`] runs the router as `axum::serve` does, with a bound on the time
//! a client may take to send its headers and a graceful shutdown that answers
//! every call it has accepted. The router works with `axum::serve` too.
//!
//! # Example
//!
//! ```no_run
//! use rpc_core::RpcError;
//!
//! /// Greetings.
//! #[rpc_core::service]
//! pub trait Hello {
//!     /// Greets someone.
//!     async fn hello(&self, name: String) -> Result<String, RpcError>;
//! }
//!
//! struct English;
//! impl Hello for English {
//!     async fn hello(&self, name: String) -> Result<String, RpcError> {
//!         Ok(format!("hello, {name}"))
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = rpc_http::router(HelloServer::new(English));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     rpc_http::serve(listener, app).await
//! }
//! ```
//!
//! Then `curl 127.0.0.1:8080/jsonrpc -H 'content-type: application/json'
//! -d '{"jsonrpc":"2.0","method":"hello","params":["ada"],"id":1}'`.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `swagger-ui` | on | the docs page at `GET /docs` (Swagger UI, vendored: some 10 s of build time); without it `GET /openapi.json` is still served |
#![deny(missing_docs)]

mod body;
pub mod client;
mod context;
mod jsonrpc;
mod openapi;
mod problem;
mod rest;
mod router;
mod serve;
mod stream;
mod ws;
mod xmlrpc;

pub use self::body::{DEFAULT_BODY_READ_TIMEOUT, DEFAULT_MAX_BODY_SIZE};
pub use self::context::{REQUEST_ID, REQUEST_TIMEOUT};
pub use self::openapi::openapi;
pub use self::problem::{PROBLEM_JSON, Problem};
pub use self::rest::not_found;
pub use self::router::{
    DOCS_PATH, JSONRPC_PATH, OPENAPI_PATH, RpcRouter, WS_PATH, XMLRPC_PATH, router,
};
#[cfg(unix)]
pub use self::serve::bind_unix;
pub use self::serve::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_LINGERING_MAX_BYTES, DEFAULT_LINGERING_TIME,
    DEFAULT_LINGERING_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_SEND_TIMEOUT, Listener, Serve,
    Watcher, serve,
};
pub use self::ws::{DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_SUBSCRIBER_TIMEOUT};
