use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[schema(result = String)]
    #[schema(result = u32)]
    async fn take(
        &self,
        #[schema(value_type = String)]
        #[schema(value_type = u64)]
        value: u32,
    ) -> Result<u32, RpcError>;
}

fn main() {}
