//! The benchmark's Rust XML-RPC peer, dxr: its server (`baseline_dxr`) and
//! its client's load (`dxr_client_load`).
//!
//! A package of its own because dxr's server turns on axum's default
//! features (`original-uri` among them, one more request extension on every
//! call): built with the rest of the benchmark, cargo would give those
//! features to every axum in the build, the framework's and axum by hand's
//! included. `scripts/bench` builds this package in a cargo run of its own.

use dxr::{TryFromValue, TryToValue};

/// A server of the inventory as dxr carries it over XML-RPC: dxr maps
/// `i32`, not `u32`, so the peer's server and client both convert.
#[derive(Debug, TryToValue, TryFromValue)]
pub struct DxrServer {
    pub id: i32,
    pub hostname: String,
    pub country: i32,
    pub datacenter: String,
    pub active: bool,
}
