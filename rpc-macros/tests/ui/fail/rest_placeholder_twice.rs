use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/a/{id}/b/{id}")]
    async fn get(&self, id: u32) -> Result<u32, RpcError>;
}

fn main() {}
