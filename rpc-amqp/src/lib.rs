//! AMQP reply-to RPC for the rpc framework, on RabbitMQ with lapin.
//!
//! [`AmqpServer`] serves a service's dispatcher on a queue: the same methods,
//! the same layers, the same codecs as over HTTP. [`AmqpTransport`] is the
//! generated clients' transport. Any client that can publish a JSON-RPC 2.0
//! request with `reply_to` and `correlation_id` (the RabbitMQ tutorials'
//! pika code, for one) can call a service.
//!
//! ```no_run
//! use rpc_core::RpcError;
//! use rpc_amqp::{AmqpServer, AmqpTransport};
//!
//! /// Greetings.
//! #[rpc_core::service]
//! pub trait Hello {
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
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let url = "amqp://guest:guest@127.0.0.1:5672/%2f";
//! tokio::spawn(AmqpServer::new(HelloServer::new(English)).serve(url));
//!
//! let client = HelloClient::new(AmqpTransport::for_service(url, HelloClient::<()>::METADATA));
//! assert_eq!(client.hello("ada".into()).await?, "hello, ada");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod brokers;
mod client;
mod connect;
mod error;
mod server;
pub mod subscription;

use rpc_core::ServiceMeta;

pub use self::brokers::Brokers;
pub use self::client::{AmqpTransport, DEFAULT_TIMEOUT, Retry};
pub use self::connect::redact;
pub use self::error::AmqpError;
pub use self::server::{
    AmqpServer, DEFAULT_MAX_BODY_SIZE, DEFAULT_PREFETCH, DEFAULT_SUBSCRIPTION_HEARTBEAT, QueueType,
};
/// The AMQP client this crate is built on, for its types (`FieldTable`,
/// `BasicProperties`…).
pub use lapin;

/// The AMQP properties of the message a call arrived in, in the call's
/// [`Context`](rpc_core::Context) extensions (for layers and `#[context]`
/// arguments).
#[derive(Clone, Debug)]
pub struct AmqpProperties(pub lapin::BasicProperties);

/// Whether the broker delivers a call again: a server took it before and
/// did not acknowledge it (it died, or lost its connection, while running
/// it). In the call's [`Context`](rpc_core::Context) extensions, so that a
/// method that must not run twice can tell (delivery is at least once).
///
/// ```
/// # #[rpc_core::service] pub trait Shop { async fn buy(&self, #[context] ctx: rpc_core::Context, item: u32) -> u32; }
/// # struct S;
/// # impl Shop for S {
/// async fn buy(&self, ctx: rpc_core::Context, item: u32) -> u32 {
///     if ctx.extensions().get::<rpc_amqp::Redelivered>().is_some_and(|r| r.0) {
///         // Look up whether this purchase was already made.
///     }
///     item
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redelivered(pub bool);

/// The default queue of a service: its name in lower case (`Datacenter` →
/// `datacenter`).
///
/// ```
/// #[rpc_core::service]
/// pub trait Datacenter {
///     async fn ping(&self);
/// }
/// assert_eq!(rpc_amqp::default_queue(DatacenterClient::<()>::METADATA), "datacenter");
/// ```
pub fn default_queue(service: &ServiceMeta) -> String {
    service.name.to_lowercase()
}
