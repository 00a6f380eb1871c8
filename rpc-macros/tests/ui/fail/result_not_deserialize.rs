use rpc_core::RpcError;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OnlySerialize {
    x: u32,
}

#[rpc_core::service]
pub trait Svc {
    async fn give(&self) -> Result<OnlySerialize, RpcError>;
}

fn main() {}
