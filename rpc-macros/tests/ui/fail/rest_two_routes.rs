use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/servers", post = "/servers")]
    async fn list(&self) -> Result<Vec<u32>, RpcError>;
}

fn main() {}
