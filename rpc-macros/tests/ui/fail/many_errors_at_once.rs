use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    fn a(&self) -> Result<(), RpcError>;
    async fn b(self) -> Result<(), RpcError>;
    #[rest(get = "/c/{nope}")]
    async fn c(&self, id: u32) -> Result<(), RpcError>;
    #[rpc(name = "a")]
    async fn d(&self) -> Result<(), RpcError>;
}

fn main() {}
