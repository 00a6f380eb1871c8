use rpc_core::RpcError;

/// Plain return types cannot fail; a method without return type returns `()`;
/// a provided method has its body in the trait.
#[rpc_core::service]
pub trait Mixed {
    async fn plain(&self) -> u64;
    async fn unit(&self, note: String);
    async fn provided(&self, n: u32) -> Result<u32, RpcError> {
        Ok(n + 1)
    }
    /// User attributes stay on the trait's methods.
    #[allow(unused_variables)]
    #[must_use]
    async fn attributed(&self, x: i8) -> i8;
}

struct Impl;
impl Mixed for Impl {
    async fn plain(&self) -> u64 {
        1
    }
    async fn unit(&self, _note: String) {}
    async fn attributed(&self, x: i8) -> i8 {
        x
    }
}

fn main() {
    let _ = MixedServer::new(Impl);
}
