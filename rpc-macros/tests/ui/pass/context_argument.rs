use rpc_core::{Context, RpcError};

#[rpc_core::service]
pub trait Audited {
    async fn whoami(&self, #[context] ctx: Context) -> Result<String, RpcError>;
    async fn note(&self, text: String, #[context] ctx: Context);
}

struct Impl;
impl Audited for Impl {
    async fn whoami(&self, ctx: Context) -> Result<String, RpcError> {
        Ok(ctx.protocol().as_str().to_owned())
    }
    async fn note(&self, _text: String, _ctx: Context) {}
}

fn main() {
    let client = AuditedClient::new(rpc_core::LocalTransport::new(AuditedServer::new(Impl)));
    let _ = client.whoami();
    let _ = client.note(String::new());
}
