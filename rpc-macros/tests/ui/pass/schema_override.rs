//! `#[schema(value_type = T)]` on an argument and `#[schema(result = T)]` on
//! a method: the documents show `T` for a type that has no schema of its own.

use rpc_core::RpcError;

/// An id kept as text by a crate without utoipa support.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Opaque(String);

#[rpc_core::service]
pub trait Svc {
    #[schema(result = Vec<String>)]
    async fn take(&self, #[schema(value_type = String)] id: Opaque) -> Result<Vec<Opaque>, RpcError>;
}

fn main() {
    let method = &SvcClient::<()>::METADATA.methods[0];
    let mut components = Vec::new();
    let param = serde_json::to_value(method.params[0].ty.schema(&mut components)).unwrap();
    assert_eq!(param["type"], "string");
    assert_eq!(method.params[0].ty.rust, "Opaque");
    let result = serde_json::to_value(method.result.schema(&mut components)).unwrap();
    assert_eq!(result["items"]["type"], "string");
}
