//! The peer: the same method served by jsonrpsee's HTTP server.
//! Usage: baseline_jsonrpsee ADDR

use datacenter::{Datacenter, InMemory};
use jsonrpsee::server::{RpcModule, Server};
use jsonrpsee::types::ErrorObjectOwned;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let mut module = RpcModule::new(InMemory::default());
    module
        .register_async_method("get_active_servers", |params, inventory, _| async move {
            let country: u32 = match params.one() {
                Ok(country) => country,
                Err(_) => params.parse::<CountryParams>()?.country,
            };
            inventory
                .get_active_servers(country)
                .await
                .map_err(|e| ErrorObjectOwned::owned(404, e.to_string(), None::<()>))
        })
        .unwrap();
    let server = Server::builder().build(&addr).await.unwrap();
    let handle = server.start(module);
    println!("ready");
    handle.stopped().await;
}

#[derive(serde::Deserialize)]
struct CountryParams {
    country: u32,
}
