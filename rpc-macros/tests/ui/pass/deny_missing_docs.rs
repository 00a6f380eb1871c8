//! A crate that denies missing docs: the generated items are documented.
#![deny(missing_docs)]

/// A documented service.
#[rpc_core::service]
pub trait Documented {
    /// A documented method.
    async fn ping(&self, n: u32) -> Result<u32, rpc_core::RpcError>;
}

fn main() {}
