#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    #[error("sold out")]
    SoldOut,
}

impl From<ShopError> for rpc_core::RpcError {
    fn from(err: ShopError) -> Self {
        rpc_core::RpcError::new(409, err.to_string())
    }
}

#[rpc_core::service]
pub trait Shop {
    async fn buy(&self, item: u32) -> Result<u32, ShopError>;
}

fn main() {}
