use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn ping(&self) -> Result<(), RpcError>;
    #[rpc(name = "ping")]
    async fn pong(&self) -> Result<(), RpcError>;
}

fn main() {}
