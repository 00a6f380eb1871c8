//! An error type that lists the errors it turns into, for the documents.
use rpc_core::{DocumentedErrors, ErrorMeta, RpcError};

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    #[error("sold out")]
    SoldOut,
}

impl From<ShopError> for RpcError {
    fn from(err: ShopError) -> Self {
        RpcError::new(409, err.to_string()).with_status(http::StatusCode::CONFLICT)
    }
}

impl DocumentedErrors for ShopError {
    const ERRORS: &'static [ErrorMeta] = &[ErrorMeta::new(409, "Sold out").status(409)];
}

/// A result alias of one argument: the error type is found through it.
pub type Result<T> = std::result::Result<T, ShopError>;

#[rpc_core::service]
pub trait Shop {
    async fn buy(&self, item: u32) -> std::result::Result<u32, ShopError>;
    async fn sell(&self, item: u32) -> Result<u32>;
    async fn count(&self) -> u32;
}

fn main() {
    let methods = ShopClient::<()>::METADATA.methods;
    assert_eq!((methods[0].errors)()[0].code, 409);
    assert_eq!((methods[1].errors)()[0].code, 409);
    assert!((methods[2].errors)().is_empty());
}
