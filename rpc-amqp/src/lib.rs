//! AMQP reply-to RPC for the rpc framework, on RabbitMQ.
//!
//! **Status: not implemented yet.** This crate reserves the place of the AMQP
//! transport in the workspace; its design is fixed by the project's
//! architecture and it is built next:
//!
//! - a server that consumes one queue per service (named after the service by
//!   default), runs each call through the same [`rpc_core::Dispatcher`] as
//!   HTTP, and publishes the answer to the request's `reply_to` with its
//!   `correlation_id` and content type (JSON-RPC 2.0 as `application/json`,
//!   XML-RPC as `text/xml`), acknowledging a request only once its reply is
//!   confirmed by the broker;
//! - a client transport for the generated clients, on RabbitMQ's direct
//!   reply-to, with per-call timeouts sent as the message `expiration`.
//!
//! Until then, serve and call services over HTTP with `rpc-http`.
#![deny(missing_docs)]

/// The JSON-RPC codec the AMQP transport will carry, re-exported so that the
/// crate's place in the dependency graph (`rpc-amqp` → `rpc-core`) is real.
pub use rpc_core::jsonrpc;
