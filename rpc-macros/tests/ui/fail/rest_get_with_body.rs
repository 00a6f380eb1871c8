use rpc_core::RpcError;

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Filter {
    country: u32,
}

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/servers")]
    async fn search(&self, filter: Filter) -> Result<Vec<u32>, RpcError>;
}

fn main() {}
