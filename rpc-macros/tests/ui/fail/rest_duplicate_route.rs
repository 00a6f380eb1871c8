use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/servers/{id}")]
    async fn get(&self, id: u32) -> Result<u32, RpcError>;
    #[rest(get = "/servers/{name}")]
    async fn by_name(&self, name: String) -> Result<u32, RpcError>;
}

fn main() {}
