use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rpc(rename = "p")]
    async fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
