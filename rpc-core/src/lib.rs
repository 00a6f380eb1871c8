//! One Rust trait, served as REST, JSON-RPC 2.0, XML-RPC and AMQP reply-to RPC,
//! and called through typed clients over each of them.
//!
//! This crate is the core every transport builds on:
//!
//! - [`#[service]`](service), the attribute you put on your trait. It keeps the
//!   trait as written (each `async fn` returns a `Send` future) and generates
//!   `TraitServer<T>`, the `tower::Service` that serves any `T: Trait`, and
//!   `TraitClient<Transport>`, a typed client with the same methods;
//! - [`Request`], [`Response`], [`Context`] and [`RpcError`], the one path every
//!   call takes from a front end through the [`Dispatcher`] to your code;
//! - [`TraceLayer`], a `tracing` span per call; any tower layer (timeouts,
//!   concurrency limits, your own) wraps a [`Dispatcher`] for every transport;
//! - [`jsonrpc`], the JSON-RPC 2.0 codec, shared by the HTTP and AMQP transports;
//! - [`Transport`], which clients are generic over, and [`LocalTransport`], which
//!   calls a service in process, for tests.
//!
//! Serve it over HTTP with `rpc-http`, over RabbitMQ with `rpc-amqp`.
//!
//! # Example
//!
//! ```
//! use rpc_core::{LocalTransport, RpcError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
//! pub struct Server {
//!     pub id: u32,
//!     pub hostname: String,
//! }
//!
//! /// Inventory of servers.
//! #[rpc_core::service]
//! pub trait Inventory {
//!     /// Servers currently in use in a country.
//!     #[rest(get = "/country/{country}/server/active")]
//!     async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, RpcError>;
//! }
//!
//! struct Fixed;
//!
//! impl Inventory for Fixed {
//!     async fn get_active_servers(&self, country: u32) -> Result<Vec<Server>, RpcError> {
//!         Ok(vec![Server { id: country, hostname: "a".into() }])
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let client = InventoryClient::new(LocalTransport::new(InventoryServer::new(Fixed)));
//! let servers = client.get_active_servers(3).await?;
//! assert_eq!(servers, vec![Server { id: 3, hostname: "a".into() }]);
//! # Ok::<_, rpc_core::ClientError>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

mod client;
mod context;
mod documented_error;
mod error;
pub mod json;
pub mod jsonrpc;
mod local;
mod metadata;
mod params;
mod request;
mod response;
pub mod schema;
mod service;
mod subscription;
#[cfg(feature = "tls")]
pub mod tls;
mod trace;
pub mod xmlrpc;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use self::client::{ClientError, Transport};
pub use self::context::{Context, MAX_REQUEST_ID_CHARS, Protocol};
pub use self::documented_error::{DocumentedErrors, ErrorMeta};
pub use self::error::{ErrorKind, RpcError};
pub use self::local::LocalTransport;
pub use self::metadata::{
    Components, MethodMeta, ParamMeta, RestMethod, RestRoute, ServiceMeta, TypeMeta,
};
pub use self::params::{Named, NamedParams, Params};
pub use self::request::Request;
pub use self::response::{BoxSerialize, Response, Value};
pub use self::service::{BoxError, CallFuture, Dispatcher, RpcService};
pub use self::subscription::{Closed, ResponseStream, Sink, Subscription, SubscriptionStream};
pub use self::trace::{Trace, TraceFuture, TraceLayer};

/// Serves a trait over every protocol and generates its typed client.
///
/// See the [crate documentation](crate) and the `rpc-macros` crate for the
/// attribute's options: `#[service(namespace = "…")]` on the trait,
/// `#[rpc(name = "…")]` and `#[rest(get = "/path/{arg}")]` on methods.
pub use rpc_macros::service;
