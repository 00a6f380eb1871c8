use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(fetch = "/servers")]
    async fn list(&self) -> Result<Vec<u32>, RpcError>;
}

fn main() {}
