//! The framework's HTTP server as a service that serves HTTP only is built:
//! the example's `Datacenter` service (its inventory in memory) on
//! `rpc_http::router` and `rpc_http::serve`, and nothing else — no command
//! line, no AMQP, MQTT, SQL or logging, as `baseline_axum` has none. Beside
//! `datacenter serve`, which carries every transport and store, it tells what
//! the framework itself costs in memory.
//! Usage: framework_http ADDR

use datacenter::{DatacenterServer, Inventory};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9013".into());
    let app = rpc_http::router(DatacenterServer::new(Inventory::default()));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("ready");
    rpc_http::serve(listener, app).await
}
