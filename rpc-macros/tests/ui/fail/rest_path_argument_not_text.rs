use rpc_core::RpcError;

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Point {
    x: i32,
    y: i32,
}

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/points/{point}")]
    async fn find(&self, point: Point) -> Result<u32, RpcError>;
}

fn main() {}
