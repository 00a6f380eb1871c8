use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn ping(n: u32) -> Result<u32, RpcError>;
}

fn main() {}
