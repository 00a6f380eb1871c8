use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn ping(&mut self) -> Result<(), RpcError>;
}

fn main() {}
