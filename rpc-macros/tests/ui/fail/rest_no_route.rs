use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(status = 201)]
    async fn create(&self) -> Result<u32, RpcError>;
}

fn main() {}
