use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(post = "/servers", status = 404)]
    async fn create(&self) -> Result<u32, RpcError>;
}

fn main() {}
