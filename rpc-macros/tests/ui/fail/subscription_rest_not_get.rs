use rpc_core::{RpcError, Subscription};

#[rpc_core::service]
pub trait Svc {
    #[subscription]
    #[rest(post = "/ticks")]
    async fn ticks(&self) -> Result<Subscription<u64>, RpcError>;
}

fn main() {}
