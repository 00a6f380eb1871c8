use rpc_core::{RpcError, Subscription};

#[rpc_core::service]
pub trait Feed {
    #[subscription]
    async fn latest(&self) -> Result<String, RpcError>;
    #[subscription]
    #[rest(post = "/feed")]
    async fn watch(&self) -> Result<Subscription<String>, RpcError>;
}

fn main() {}
