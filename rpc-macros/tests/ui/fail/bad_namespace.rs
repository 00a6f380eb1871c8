use rpc_core::RpcError;

#[rpc_core::service(namespace = "inventory.")]
pub trait Svc {
    async fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
