use rpc_core::RpcError;

#[rpc_core::service]
pub trait Ping {
    async fn ping(&self) -> Result<(), RpcError>;
}

struct Impl;
impl Ping for Impl {
    async fn ping(&self) -> Result<(), RpcError> {
        Ok(())
    }
}

fn main() {
    let _server = PingServer::new(Impl);
    let _client = PingClient::new(rpc_core::LocalTransport::new(PingServer::new(Impl)));
}
