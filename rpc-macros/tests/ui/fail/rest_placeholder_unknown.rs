use rpc_core::RpcError;

#[rpc_core::service]
pub trait Svc {
    #[rest(get = "/country/{country_id}/server/active")]
    async fn get_active_servers(&self, country: u32) -> Result<Vec<u32>, RpcError>;
}

fn main() {}
