//! The fuzz targets' harness: see `harness.rs` and `README.md`.
#![deny(missing_docs)]

mod harness;

pub use harness::{jsonrpc_payload, rest_request, xmlrpc_call};
