//! Subscriptions over AMQP, as any client sees them on the wire.
//!
//! A `#[subscription]` method is called as any other: a JSON-RPC 2.0 request
//! published to the service's queue with `reply_to` and `correlation_id`.
//! Every message that answers it goes to `reply_to` with that
//! `correlation_id`, as `application/json`, and with the headers
//! [`SEQ`] (its place in the stream, from 0) and [`SUBSCRIPTION`] (the
//! subscription's id):
//!
//! 0. the answer, `{"jsonrpc":"2.0","result":"<id>","id":…}`, whose
//!    `reply_to` property names the queue to send `rpc.unsubscribe` to and
//!    whose [`HEARTBEAT_MS`] header says how often an idle subscription
//!    sends a heartbeat; or the method's error, as for any call (and then
//!    nothing more);
//! 1. … each item, a notification
//!    `{"jsonrpc":"2.0","method":"<method>","params":{"subscription":"<id>","result":<item>}}`,
//!    and, while there is none, a heartbeat,
//!    `{"jsonrpc":"2.0","method":"rpc.heartbeat","params":{"subscription":"<id>"}}`;
//! 2. the last message, with the header [`END`]: the same notification
//!    with `"end":true` in place of `"result"` when the stream ended (or the
//!    subscriber unsubscribed), or `"error":{"code":…,"message":…}` when an
//!    error ended it (`-32004` when the server shut down: subscribe again).
//!
//! To end a subscription early, publish
//! `{"jsonrpc":"2.0","method":"rpc.unsubscribe","params":{"subscription":"<id>"}}`
//! to the queue named by the answer's `reply_to` (with an `id` and a
//! `reply_to` of your own to be answered `true`). A subscriber whose queue
//! disappears (deleted, or gone with its connection) is noticed at the next
//! item or heartbeat, which the broker returns, and its subscription ends.
//! A subscriber that hears nothing for three heartbeats may take the server
//! as gone: [`AmqpTransport`](crate::AmqpTransport) then ends the stream
//! with [`ClientError::Interrupted`](rpc_core::ClientError::Interrupted).
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use rpc_core::{RpcError, Subscription};
//! use rpc_amqp::AmqpTransport;
//!
//! #[rpc_core::service]
//! pub trait Clock {
//!     /// A tick a second.
//!     #[subscription]
//!     async fn ticks(&self) -> Result<Subscription<u64>, RpcError>;
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = ClockClient::new(AmqpTransport::new("amqp://127.0.0.1:5672/%2f", "clock"));
//! let mut ticks = client.ticks().await?;
//! while let Some(tick) = ticks.next().await {
//!     println!("{}", tick?);
//! }
//! # Ok(())
//! # }
//! ```

/// The header with a message's place in its subscription's stream, from 0
/// (the answer that names the subscription).
pub const SEQ: &str = "x-rpc-seq";

/// The header with the subscription's id.
pub const SUBSCRIPTION: &str = "x-rpc-subscription";

/// The header on the answer that says how often, in milliseconds, an idle
/// subscription sends a heartbeat.
pub const HEARTBEAT_MS: &str = "x-rpc-heartbeat-ms";

/// The header (`true`) on a subscription's last message.
pub const END: &str = "x-rpc-end";
