use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn take(&self, #[schema(type = String)] value: u32) -> Result<(), RpcError>;
    #[schema(value_type = String)]
    async fn give(&self) -> Result<u32, RpcError>;
}

fn main() {}
