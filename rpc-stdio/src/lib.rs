//! JSON-RPC 2.0 over pipes for the rpc framework: a process's stdin and
//! stdout, as language servers (LSP) and Model Context Protocol tool
//! servers speak it.
//!
//! [`StdioServer`] serves a service's dispatcher (the same methods and
//! layers as over HTTP or AMQP) on a reader and a writer, framed with
//! `Content-Length` headers or one message per line ([`Framing`]), telling
//! the two apart by the first bytes it reads. [`StdioTransport`] is the
//! generated clients' transport: it spawns the server as a child process
//! and calls it over its pipes.
//!
//! ```
//! use rpc_core::RpcError;
//! use rpc_stdio::{StdioServer, StdioTransport};
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
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Two pipes in this process, where a child's stdin and stdout would be.
//! let (client_end, server_end) = tokio::io::duplex(64 * 1024);
//! let (server_reads, server_writes) = tokio::io::split(server_end);
//! tokio::spawn(StdioServer::new(HelloServer::new(English)).serve(server_reads, server_writes));
//!
//! let (client_reads, client_writes) = tokio::io::split(client_end);
//! let client = HelloClient::new(StdioTransport::builder().connect(client_reads, client_writes));
//! assert_eq!(client.hello("ada".into()).await?, "hello, ada");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod client;
mod framing;
mod server;

pub use self::client::{Builder, DEFAULT_TIMEOUT, StdioTransport};
pub use self::framing::Framing;
pub use self::server::{DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_MESSAGE_SIZE, StdioServer};
