use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    type Item;
    const LIMIT: usize;
    async fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
