use rpc_core::RpcError;

#[rpc_core::service(prefix = "x")]
pub trait Svc {
    async fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
