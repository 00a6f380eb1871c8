//! The hand-written baseline: the same REST route and a JSON-RPC handler,
//! written directly on axum and serde_json as a user could without the
//! framework; with a certificate and its key, over TLS with tokio-rustls;
//! given `unix:PATH`, on a Unix socket.
//! Usage: baseline_axum ADDR|unix:PATH [CERT.pem KEY.pem]

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use datacenter::Datacenter;
use serde_json::{Value, json};

type Inventory = Arc<datacenter::Inventory>;

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
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9001".into());
    let app = Router::new()
        .route("/country/{country}/server/active", get(active))
        .route("/jsonrpc", post(jsonrpc))
        .with_state(Arc::new(datacenter::Inventory::default()));
    if let Some(path) = addr.strip_prefix("unix:") {
        let _ = std::fs::remove_file(path);
        let listener = tokio::net::UnixListener::bind(path).unwrap();
        println!("ready");
        axum::serve(listener, app).await.unwrap();
        return;
    }
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    match (args.next(), args.next()) {
        (Some(cert), Some(key)) => serve_tls(listener, app, &cert, &key).await,
        _ => {
            println!("ready");
            axum::serve(listener, app).await.unwrap();
        }
    }
}

/// HTTPS by hand: a rustls acceptor, then hyper on each TLS stream.
async fn serve_tls(listener: tokio::net::TcpListener, app: Router, cert: &str, key: &str) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    println!("ready");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
