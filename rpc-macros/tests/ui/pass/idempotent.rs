//! `#[rpc(idempotent)]`: a method whose call may run twice, which a client
//! may send again after losing its connection.
use rpc_core::RpcError;

#[rpc_core::service]
pub trait Inventory {
    #[rpc(idempotent)]
    async fn get(&self, id: u32) -> Result<u32, RpcError>;
    #[rpc(name = "getAll", idempotent)]
    async fn all(&self) -> Result<Vec<u32>, RpcError>;
    async fn add(&self, id: u32) -> Result<u32, RpcError>;
}

fn main() {
    let methods = InventoryClient::<()>::METADATA.methods;
    assert!(methods[0].idempotent);
    assert_eq!(methods[1].name, "getAll");
    assert!(methods[1].idempotent);
    assert!(!methods[2].idempotent);
}
