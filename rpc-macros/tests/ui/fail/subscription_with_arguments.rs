use rpc_core::{RpcError, Subscription};

#[rpc_core::service]
pub trait Svc {
    #[subscription(buffer = 8)]
    async fn ticks(&self) -> Result<Subscription<u64>, RpcError>;
}

fn main() {}
