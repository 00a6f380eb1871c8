use rpc_core::{Context, RpcError};

#[rpc_core::service]
pub trait Svc {
    async fn ping(&self, #[context] a: Context, #[context] b: Context) -> Result<(), RpcError>;
}

fn main() {}
