use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    async fn add(&self, (a, b): (i32, i32)) -> Result<i32, RpcError>;
}

fn main() {}
