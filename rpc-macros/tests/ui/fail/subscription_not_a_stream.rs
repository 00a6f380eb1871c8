use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[subscription]
    async fn ticks(&self) -> Result<u64, RpcError>;
}

fn main() {}
