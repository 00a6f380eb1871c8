use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn ping<T: serde::Serialize>(&self, value: T) -> Result<(), RpcError>;
}

fn main() {}
