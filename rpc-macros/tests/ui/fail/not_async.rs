use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    fn ping(&self) -> Result<(), RpcError>;
}

fn main() {}
