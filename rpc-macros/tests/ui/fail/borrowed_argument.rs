use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn greet(&self, name: &str) -> Result<String, RpcError>;
}

fn main() {}
