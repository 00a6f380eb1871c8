//! The Rust XML-RPC peer: dxr's server (an axum router of its own) with the
//! same `get_active_servers` method, written as dxr's documentation shows.
//! Usage: baseline_dxr ADDR

use std::sync::Arc;

use datacenter::Datacenter;
use dxr::{Fault, TryFromParams, TryToValue, Value};
use dxr_server::{Handler, HandlerResult, RouteBuilder, async_trait, axum::http::HeaderMap};
use rpc_bench_dxr::DxrServer;

struct ActiveServers(Arc<datacenter::Inventory>);

#[async_trait]
impl Handler for ActiveServers {
    async fn handle(&self, params: &[Value], _headers: HeaderMap) -> HandlerResult {
        let country =
            i32::try_from_params(params).map_err(|e| Fault::new(-32602, e.to_string()))?;
        let servers = self
            .0
            .get_active_servers(country as u32)
            .await
            .map_err(|e| Fault::new(404, e.to_string()))?;
        let entries: Vec<DxrServer> = servers
            .into_iter()
            .map(|s| DxrServer {
                id: s.id as i32,
                hostname: s.hostname,
                country: s.country as i32,
                datacenter: s.datacenter,
                active: s.active,
            })
            .collect();
        entries
            .try_to_value()
            .map_err(|e| Fault::new(-32603, e.to_string()))
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9010".into());
    let inventory = Arc::new(datacenter::Inventory::default());
    let router = RouteBuilder::new()
        .set_path("/RPC2")
        .add_method(
            "get_active_servers",
            Box::new(ActiveServers(inventory)) as Box<dyn Handler>,
        )
        .build();
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    println!("ready");
    axum::serve(listener, router).await.unwrap();
}
