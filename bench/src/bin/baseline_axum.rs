//! The hand-written baseline: the same REST route and a JSON-RPC handler,
//! written directly on axum and serde_json as a user could without the
//! framework. Usage: baseline_axum ADDR

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use datacenter::{Datacenter, InMemory};
use serde_json::{Value, json};

type Inventory = Arc<InMemory>;

async fn active(State(inventory): State<Inventory>, Path(country): Path<u32>) -> Json<Value> {
    match inventory.get_active_servers(country).await {
        Ok(servers) => Json(json!(servers)),
        Err(err) => Json(json!({ "error": err.to_string() })),
    }
}

/// JSON-RPC by hand: the request as a `serde_json::Value`, the method by
/// name, the params by position or by name.
async fn jsonrpc(State(inventory): State<Inventory>, Json(request): Json<Value>) -> Json<Value> {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let error = |code: i64, message: &str| {
        Json(json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": id}))
    };
    if request.get("jsonrpc") != Some(&json!("2.0")) {
        return error(-32600, "invalid request");
    }
    match request.get("method").and_then(Value::as_str) {
        Some("get_active_servers") => {
            let params = request.get("params");
            let country = params
                .and_then(|p| p.get(0).or_else(|| p.get("country")))
                .and_then(Value::as_u64)
                .and_then(|c| u32::try_from(c).ok());
            let Some(country) = country else {
                return error(-32602, "invalid params");
            };
            match inventory.get_active_servers(country).await {
                Ok(servers) => Json(json!({"jsonrpc": "2.0", "result": servers, "id": id})),
                Err(err) => error(404, &err.to_string()),
            }
        }
        _ => error(-32601, "method not found"),
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let app = Router::new()
        .route("/country/{country}/server/active", get(active))
        .route("/jsonrpc", post(jsonrpc))
        .with_state(Arc::new(InMemory::default()));
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    println!("ready");
    axum::serve(listener, app).await.unwrap();
}
