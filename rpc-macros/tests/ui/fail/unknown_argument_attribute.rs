use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn ping(&self, #[ctx] n: u32) -> Result<(), RpcError>;
}

fn main() {}
