//! Any type serde can read and write, in a signature, served on every
//! protocol: maps of `serde_json::Value` (a struct of unknown shape), a
//! heterogeneous tuple with XML-RPC's dateTime and base64, `Box<RawValue>`,
//! and a type of a crate without utoipa support. Called over REST, JSON-RPC,
//! XML-RPC and AMQP with the typed client, and with Python's `xmlrpc.client`;
//! the OpenAPI document, with its open schemas, still validates.

mod common;

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::process::Command;
use std::time::Duration;

use common::pytool;
use rpc_amqp::{AmqpServer, AmqpTransport};
use rpc_core::xmlrpc::{Base64, DateTime};
use rpc_core::{RpcError, Transport};
use rpc_http::client::{JsonRpcTransport, RestTransport, XmlRpcTransport};
use serde_json::json;
use serde_json::value::RawValue;

/// A type of a crate without utoipa support: serde only.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Foreign {
    pub name: String,
    pub tags: Vec<String>,
}

/// The classic XML-RPC test methods, and their kin.
#[rpc_core::service]
pub trait Anything {
    /// Echoes a struct of any shape.
    #[rest(post = "/echo")]
    async fn echo_struct(
        &self,
        value: BTreeMap<String, serde_json::Value>,
    ) -> Result<BTreeMap<String, serde_json::Value>, RpcError>;

    /// One value of every kind.
    #[rest(get = "/mixed")]
    async fn mixed(&self) -> Result<(i32, bool, String, f64, DateTime, Base64), RpcError>;

    /// JSON passed through untouched.
    #[rest(post = "/raw")]
    async fn raw(&self, value: Box<RawValue>) -> Result<Box<RawValue>, RpcError>;

    /// A type without a schema, documented as the open schema.
    #[rest(post = "/foreign")]
    async fn foreign(&self, value: Foreign) -> Result<Vec<Foreign>, RpcError>;
}

struct Impl;

impl Anything for Impl {
    async fn echo_struct(
        &self,
        value: BTreeMap<String, serde_json::Value>,
    ) -> Result<BTreeMap<String, serde_json::Value>, RpcError> {
        Ok(value)
    }

    async fn mixed(&self) -> Result<(i32, bool, String, f64, DateTime, Base64), RpcError> {
        Ok((
            -7,
            true,
            "héllo <&>".into(),
            2.5,
            "19980717T14:08:55".parse().unwrap(),
            Base64::from(b"you can't read this!".to_vec()),
        ))
    }

    async fn raw(&self, value: Box<RawValue>) -> Result<Box<RawValue>, RpcError> {
        Ok(value)
    }

    async fn foreign(&self, value: Foreign) -> Result<Vec<Foreign>, RpcError> {
        Ok(vec![value.clone(), value])
    }
}

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Every method over `transport`.
async fn every_method<T: Transport>(client: AnythingClient<T>, protocol: &str) {
    let shape: BTreeMap<String, serde_json::Value> = serde_json::from_value(json!({
        "name": "ada", "age": 36, "ratio": 0.5, "ok": false, "tags": ["a", 1, null],
        "nested": {"deep": [{"x": "y"}]}
    }))
    .unwrap();
    let echoed = client.echo_struct(shape.clone()).await.unwrap();
    assert_eq!(echoed, shape, "{protocol}");

    let (int, boolean, string, double, when, bytes) = client.mixed().await.unwrap();
    assert_eq!(
        (int, boolean, string.as_str(), double),
        (-7, true, "héllo <&>", 2.5),
        "{protocol}"
    );
    assert_eq!(when.to_string(), "19980717T14:08:55", "{protocol}");
    assert_eq!(bytes.as_ref(), b"you can't read this!", "{protocol}");

    let raw = RawValue::from_string(r#"{"a":[1,2,{"b":null}]}"#.into()).unwrap();
    let back = client.raw(raw).await.unwrap();
    let back: serde_json::Value = serde_json::from_str(back.get()).unwrap();
    assert_eq!(back, json!({"a": [1, 2, {"b": null}]}), "{protocol}");

    let foreign = Foreign {
        name: "x".into(),
        tags: vec!["p".into(), "q".into()],
    };
    assert_eq!(
        client.foreign(foreign.clone()).await.unwrap(),
        vec![foreign.clone(), foreign],
        "{protocol}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn any_serde_type_is_served_on_every_protocol() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = rpc_http::router(AnythingServer::new(Impl));
    tokio::spawn(rpc_http::serve(listener, app).into_future());
    let queue = format!("anything-test-{}", std::process::id());
    let amqp = AmqpServer::new(AnythingServer::new(Impl))
        .queue(queue.as_str())
        .durable(false);
    tokio::spawn(async move { amqp.serve(&amqp_url()).await });

    every_method(
        AnythingClient::new(JsonRpcTransport::new(&format!("{base}/jsonrpc")).unwrap()),
        "JSON-RPC",
    )
    .await;
    every_method(
        AnythingClient::new(XmlRpcTransport::new(&format!("{base}/RPC2")).unwrap()),
        "XML-RPC",
    )
    .await;
    every_method(
        AnythingClient::new(RestTransport::new(&base).unwrap()),
        "REST",
    )
    .await;
    let amqp = AnythingClient::new(AmqpTransport::new(amqp_url(), queue.as_str()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while amqp.mixed().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the AMQP server never consumed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    every_method(amqp, "AMQP").await;

    // Python's xmlrpc.client reads and writes the same types.
    let script = r#"
import sys, xmlrpc.client as xc
p = xc.ServerProxy(sys.argv[1] + "/RPC2", allow_none=True, use_builtin_types=True)
shape = {"name": "ada", "age": 36, "tags": ["a", 1, None], "nested": {"deep": [{"x": "y"}]}}
assert p.echo_struct(shape) == shape, p.echo_struct(shape)
i, b, s, d, when, data = p.mixed()
assert (i, b, s, d) == (-7, True, "héllo <&>", 2.5)
assert when.isoformat() == "1998-07-17T14:08:55" and data == b"you can't read this!"
assert p.raw({"a": [1, 2]}) == {"a": [1, 2]}
assert p.foreign({"name": "x", "tags": []}) == [{"name": "x", "tags": []}] * 2
sig = p.system.methodSignature("foreign")
assert sig == [["array", "undef"]], sig
print("python: all checks passed")
"#;
    common::assert_passes(Command::new("python3").args(["-c", script, &base]));

    // The document: open schemas where there is none, still valid OpenAPI.
    let doc = get_json(&format!("{base}/openapi.json")).await;
    let foreign = &doc["paths"]["/foreign"]["post"];
    assert_eq!(
        foreign["requestBody"]["content"]["application/json"]["schema"],
        json!({})
    );
    let mixed =
        &doc["paths"]["/mixed"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(mixed["prefixItems"].as_array().unwrap().len(), 6, "{mixed}");
    let path = std::env::temp_dir().join(format!("anything-openapi-{}.json", std::process::id()));
    std::fs::write(&path, doc.to_string()).unwrap();
    let output = Command::new(pytool("openapi-spec-validator"))
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The JSON document at `url`, read with curl.
async fn get_json(url: &str) -> serde_json::Value {
    let (status, body) = common::curl(&[url]);
    assert_eq!(status, 200, "{body}");
    common::json(&body)
}
