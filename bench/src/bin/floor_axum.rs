//! The axum floor: axum's router on the same routes as the framework
//! (`GET /country/{country}/server/active`, `POST /jsonrpc`), each handler
//! answering with the answer encoded once at start-up, as the ceiling does:
//! no params decoded, no method run, nothing encoded. What axum itself
//! costs beside hyper alone; no framework built on axum's router does less.
//! Usage: floor_axum ADDR [current-thread]

use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, post};
use http::header::CONTENT_TYPE;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9017".into());
    let runtime = match args.next().as_deref() {
        Some("current-thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .unwrap();
    let answers = rpc_bench::answers::answers();
    runtime.block_on(async move {
        let app = app(answers.rest, answers.jsonrpc);
        let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
        println!("ready");
        axum::serve(listener, app).await.unwrap();
    });
}

/// The two routes, each answering its bytes.
fn app(rest: Bytes, jsonrpc: Bytes) -> Router {
    Router::new()
        .route(
            "/country/{country}/server/active",
            get(move || async move { ([(CONTENT_TYPE, "application/json")], rest) }),
        )
        // The body read, as any server must to keep the connection.
        .route(
            "/jsonrpc",
            post(
                move |_body: Bytes| async move { ([(CONTENT_TYPE, "application/json")], jsonrpc) },
            ),
        )
}
