use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rpc(name = "system.listMethods")]
    async fn list(&self) -> Result<Vec<String>, RpcError>;
}

fn main() {}
