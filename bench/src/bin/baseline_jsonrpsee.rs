//! The peer: the same methods served by jsonrpsee's server (HTTP and
//! WebSocket on one port): `get_active_servers`, `update_server`, and the
//! `watch_servers` subscription fed by the same inventory as the example's.
//! Usage: baseline_jsonrpsee ADDR

use datacenter::{Datacenter, Inventory, ServerChanges};
use futures_util::StreamExt;
use jsonrpsee::core::SubscriptionError;
use jsonrpsee::server::{RpcModule, Server, ServerConfig, SubscriptionMessage};
use jsonrpsee::types::ErrorObjectOwned;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let mut module = RpcModule::new(Inventory::default());
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
    module
        .register_async_method("update_server", |params, inventory, _| async move {
            let (id, changes): (u32, ServerChanges) = params.parse()?;
            inventory
                .update_server(id, changes)
                .await
                .map_err(|e| ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>))
        })
        .unwrap();
    module
        .register_subscription(
            "watch_servers",
            "watch_servers",
            "rpc.unsubscribe",
            |params, pending, inventory, _| async move {
                let country: Option<u32> = params.sequence().optional_next().ok().flatten();
                let mut events = match inventory.watch_servers(country).await {
                    Ok(events) => events,
                    Err(e) => {
                        pending
                            .reject(ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>))
                            .await;
                        return Ok(());
                    }
                };
                let sink = pending.accept().await?;
                while let Some(Ok(event)) = events.next().await {
                    let message: SubscriptionMessage =
                        serde_json::value::to_raw_value(&event)?.into();
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
                Ok::<(), SubscriptionError>(())
            },
        )
        .unwrap();
    // jsonrpsee allows 100 connections by default: the benchmark opens more.
    let config = ServerConfig::builder().max_connections(10_000).build();
    let server = Server::builder()
        .set_config(config)
        .build(&addr)
        .await
        .unwrap();
    let handle = server.start(module);
    println!("ready");
    handle.stopped().await;
}

#[derive(serde::Deserialize)]
struct CountryParams {
    country: u32,
}
