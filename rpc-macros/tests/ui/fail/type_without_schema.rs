use rpc_core::RpcError;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct NoSchema {
    x: u32,
}

#[rpc_core::service]
pub trait Svc {
    async fn take(&self, value: NoSchema) -> Result<(), RpcError>;
}

fn main() {}
