use rpc_core::RpcError;

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Item {
    id: u32,
}

#[rpc_core::service(namespace = "inventory")]
pub trait Inventory {
    #[rpc(name = "list")]
    #[rest(get = "/items")]
    async fn list_items(&self, limit: Option<u32>) -> Result<Vec<Item>, RpcError>;

    #[rpc(name = "items.get")]
    #[rest(get = "/items/{id}")]
    async fn get(&self, id: u32) -> Result<Item, RpcError>;

    #[rest(post = "/items", status = 201)]
    async fn create(&self, item: Item) -> Result<Item, RpcError>;

    #[rest(delete = "/items/{id}")]
    async fn delete(&self, id: u32) -> Result<(), RpcError>;

    #[rest(put = "/items/{id}")]
    async fn replace(&self, id: u32, item: Item) -> Result<Item, RpcError>;

    #[rest(patch = "/items/{id}/label")]
    async fn label(&self, id: u32, r#type: String) -> Result<Item, RpcError>;
}

fn main() {
    let names: Vec<_> = InventoryClient::<()>::METADATA.methods.iter().map(|m| m.name).collect();
    assert_eq!(names, ["inventory.list", "inventory.items.get", "inventory.create", "inventory.delete", "inventory.replace", "inventory.label"]);
    assert_eq!(InventoryClient::<()>::METADATA.methods[5].params[1].name, "type");
}
