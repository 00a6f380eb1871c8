"""Generates the two crates of the compile-time benchmark (scripts/compile-time):
the same 50 methods, as a service of the framework (`#[rpc_core::service]`,
ten of them with REST routes) and as a jsonrpsee `#[rpc(server, client)]`
trait, each with an implementation, a server and a client call, so that
everything the attribute generates is compiled.

Usage: generate.py OUT_DIR WORKSPACE_ROOT [--edited]
--edited changes one method's signature (method 25 takes a u64), the edit
whose rebuild is timed.
"""

import os
import sys

METHODS = 50
REST_EVERY = 5  # methods 0, 5, 10, ...: ten with REST routes


def arg_type(i, edited):
    return "u64" if edited and i == 25 else "u32"


def framework(root, edited):
    methods, impls = [], []
    for i in range(METHODS):
        t = arg_type(i, edited)
        rest = f'    #[rest(get = "/items/{{id}}/m{i}")]\n' if i % REST_EVERY == 0 else ""
        methods.append(
            f"    /// Method {i}.\n{rest}"
            f"    async fn method_{i}(&self, id: {t}, name: String) -> Result<Vec<Item>, RpcError>;\n"
        )
        impls.append(
            f"    async fn method_{i}(&self, id: {t}, name: String) -> Result<Vec<Item>, RpcError> {{\n"
            f"        Ok(vec![Item {{ id: id as u64 + {i}, name, tags: vec![] }}])\n    }}\n"
        )
    lib = f"""//! Generated: {METHODS} methods as a service of the framework.
use rpc_core::RpcError;
use serde::{{Deserialize, Serialize}};

/// An item.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {{
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
}}

/// The API.
#[rpc_core::service]
pub trait Api {{
{"".join(methods)}}}

/// The implementation.
pub struct Impl;

impl Api for Impl {{
{"".join(impls)}}}
"""
    main = """//! Serves the API, and calls it once with the typed client.
use std::future::IntoFuture;

use generated::{ApiClient, ApiServer, Impl};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = rpc_http::RpcRouter::new(ApiServer::new(Impl)).into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(rpc_http::serve(listener, app).into_future());
    let client = ApiClient::new(rpc_http::client::JsonRpcTransport::new(&format!("http://{addr}/jsonrpc"))?);
    println!("{:?}", client.method_0(1, "a".into()).await?);
    Ok(())
}
"""
    cargo = f"""[package]
name = "generated"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
rpc-core = {{ path = "{root}/rpc-core" }}
# No docs page (Swagger UI): jsonrpsee has none either.
rpc-http = {{ path = "{root}/rpc-http", default-features = false }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net"] }}
utoipa = "6"
"""
    return cargo, lib, main


def jsonrpsee(edited):
    methods, impls = [], []
    for i in range(METHODS):
        t = arg_type(i, edited)
        methods.append(
            f"    /// Method {i}.\n"
            f'    #[method(name = "method_{i}")]\n'
            f"    async fn method_{i}(&self, id: {t}, name: String) -> RpcResult<Vec<Item>>;\n"
        )
        impls.append(
            f"    async fn method_{i}(&self, id: {t}, name: String) -> RpcResult<Vec<Item>> {{\n"
            f"        Ok(vec![Item {{ id: id as u64 + {i}, name, tags: vec![] }}])\n    }}\n"
        )
    lib = f"""//! Generated: {METHODS} methods as a jsonrpsee API.
use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use serde::{{Deserialize, Serialize}};

/// An item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Item {{
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
}}

/// The API.
#[rpc(server, client)]
pub trait Api {{
{"".join(methods)}}}

/// The implementation.
pub struct Impl;

#[jsonrpsee::core::async_trait]
impl ApiServer for Impl {{
{"".join(impls)}}}
"""
    main = """//! Serves the API, and calls it once with the generated client.
use generated::{ApiClient, ApiServer, Impl};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = jsonrpsee::server::Server::builder().build("127.0.0.1:0").await?;
    let addr = server.local_addr()?;
    let handle = server.start(Impl.into_rpc());
    let client = jsonrpsee::http_client::HttpClientBuilder::default().build(format!("http://{addr}"))?;
    println!("{:?}", client.method_0(1, "a".into()).await?);
    handle.stop()?;
    Ok(())
}
"""
    cargo = """[package]
name = "generated"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
jsonrpsee = { version = "0.26", default-features = false, features = ["server", "http-client", "macros"] }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread", "net"] }
"""
    return cargo, lib, main


def write(directory, files):
    os.makedirs(os.path.join(directory, "src"), exist_ok=True)
    for name, text in files.items():
        path = os.path.join(directory, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:  # untouched files keep their times
            with open(path, "w") as f:
                f.write(text)


def main():
    out, root = sys.argv[1], os.path.abspath(sys.argv[2])
    edited = "--edited" in sys.argv[3:]
    for name, (cargo, lib, main_rs) in (
        ("framework", framework(root, edited)),
        ("jsonrpsee", jsonrpsee(edited)),
    ):
        write(
            os.path.join(out, name),
            {"Cargo.toml": cargo, "src/lib.rs": lib, "src/main.rs": main_rs},
        )


if __name__ == "__main__":
    main()
