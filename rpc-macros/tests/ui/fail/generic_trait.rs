use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc<T> {
    async fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
