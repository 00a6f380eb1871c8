//! Every example of the JSON-RPC 2.0 specification (section 7), verbatim,
//! answered over a real socket exactly as the specification says.

mod common;

use std::sync::{Arc, Mutex};

use rpc_core::RpcError;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Datum {
    Text(String),
    Number(i64),
}

/// The methods the specification's examples call.
#[rpc_core::service]
pub trait Spec {
    async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, RpcError>;
    async fn sum(&self, a: i64, b: i64, c: i64) -> Result<i64, RpcError>;
    async fn update(&self, a: i64, b: i64, c: i64, d: i64, e: i64);
    async fn notify_hello(&self, n: i64);
    async fn notify_sum(&self, a: i64, b: i64, c: i64);
    async fn get_data(&self) -> Vec<Datum>;
}

#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn note(&self, what: String) {
        self.0.lock().unwrap().push(what);
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl Spec for Recorder {
    async fn subtract(&self, minuend: i64, subtrahend: i64) -> Result<i64, RpcError> {
        Ok(minuend - subtrahend)
    }
    async fn sum(&self, a: i64, b: i64, c: i64) -> Result<i64, RpcError> {
        Ok(a + b + c)
    }
    async fn update(&self, a: i64, b: i64, c: i64, d: i64, e: i64) {
        self.note(format!("update {a} {b} {c} {d} {e}"));
    }
    async fn notify_hello(&self, n: i64) {
        self.note(format!("hello {n}"));
    }
    async fn notify_sum(&self, a: i64, b: i64, c: i64) {
        self.note(format!("sum {}", a + b + c));
    }
    async fn get_data(&self) -> Vec<Datum> {
        vec![Datum::Text("hello".into()), Datum::Number(5)]
    }
}

async fn server() -> (std::net::SocketAddr, Recorder) {
    let recorder = Recorder::default();
    let addr = common::spawn(rpc_http::router(SpecServer::new(recorder.clone()))).await;
    (addr, recorder)
}

/// The specification's error messages are examples: compare codes and ids,
/// and check that each message says something.
fn without_messages(mut value: Value) -> Value {
    match &mut value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| *v = without_messages(v.take())),
        Value::Object(object) => {
            if let Some(Value::Object(error)) = object.get_mut("error") {
                let message = error.remove("message").expect("an error has a message");
                assert!(!message.as_str().unwrap().is_empty());
            }
        }
        _ => {}
    }
    value
}

async fn exchange(addr: std::net::SocketAddr, request: &str, expected: Value) {
    let answer = common::jsonrpc(addr, request).await;
    assert_eq!(answer.status, 200, "{request}");
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(without_messages(answer.json()), expected, "{request}");
}

async fn no_answer(addr: std::net::SocketAddr, request: &str) {
    let answer = common::jsonrpc(addr, request).await;
    assert_eq!(answer.status, 204, "{request}");
    assert_eq!(answer.body, "", "{request}");
}

#[tokio::test]
async fn rpc_call_with_positional_parameters() {
    let (addr, _) = server().await;
    exchange(
        addr,
        r#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#,
        json!({"jsonrpc": "2.0", "result": 19, "id": 1}),
    )
    .await;
    exchange(
        addr,
        r#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#,
        json!({"jsonrpc": "2.0", "result": -19, "id": 2}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_named_parameters() {
    let (addr, _) = server().await;
    exchange(addr, r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
        json!({"jsonrpc": "2.0", "result": 19, "id": 3})).await;
    exchange(addr, r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#,
        json!({"jsonrpc": "2.0", "result": 19, "id": 4})).await;
}

#[tokio::test]
async fn a_notification_runs_and_is_not_answered() {
    let (addr, recorder) = server().await;
    no_answer(
        addr,
        r#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#,
    )
    .await;
    no_answer(addr, r#"{"jsonrpc": "2.0", "method": "foobar"}"#).await;
    assert_eq!(recorder.take(), ["update 1 2 3 4 5"]);
}

#[tokio::test]
async fn rpc_call_of_non_existent_method() {
    let (addr, _) = server().await;
    exchange(
        addr,
        r#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
        json!({"jsonrpc": "2.0", "error": {"code": -32601}, "id": "1"}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_invalid_json() {
    let (addr, _) = server().await;
    exchange(
        addr,
        r#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
        json!({"jsonrpc": "2.0", "error": {"code": -32700}, "id": null}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_invalid_request_object() {
    let (addr, _) = server().await;
    exchange(
        addr,
        r#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
        json!({"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_batch_with_invalid_json() {
    let (addr, _) = server().await;
    exchange(
        addr,
        r#"[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]"#,
        json!({"jsonrpc": "2.0", "error": {"code": -32700}, "id": null}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_an_empty_array() {
    let (addr, _) = server().await;
    exchange(
        addr,
        "[]",
        json!({"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_an_invalid_batch_but_not_empty() {
    let (addr, _) = server().await;
    exchange(
        addr,
        "[1]",
        json!([{"jsonrpc": "2.0", "error": {"code": -32600}, "id": null}]),
    )
    .await;
}

#[tokio::test]
async fn rpc_call_with_invalid_batch() {
    let (addr, _) = server().await;
    let invalid = json!({"jsonrpc": "2.0", "error": {"code": -32600}, "id": null});
    exchange(addr, "[1,2,3]", json!([invalid, invalid, invalid])).await;
}

#[tokio::test]
async fn rpc_call_batch() {
    let (addr, recorder) = server().await;
    exchange(
        addr,
        r#"[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]"#,
        json!([
            {"jsonrpc": "2.0", "result": 7, "id": "1"},
            {"jsonrpc": "2.0", "result": 19, "id": "2"},
            {"jsonrpc": "2.0", "error": {"code": -32600}, "id": null},
            {"jsonrpc": "2.0", "error": {"code": -32601}, "id": "5"},
            {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
        ]),
    )
    .await;
    assert_eq!(recorder.take(), ["hello 7"]);
}

#[tokio::test]
async fn rpc_call_batch_all_notifications() {
    let (addr, recorder) = server().await;
    no_answer(
        addr,
        r#"[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]"#,
    )
    .await;
    let mut seen = recorder.take();
    seen.sort();
    assert_eq!(seen, ["hello 7", "sum 7"]);
}

#[tokio::test]
async fn ids_are_echoed_verbatim_and_null_id_is_a_call() {
    let (addr, _) = server().await;
    for id in [
        r#""abc""#,
        "-7",
        "1.5",
        "12345678901234567890",
        "null",
        r#""\u00e9""#,
    ] {
        let request = format!(r#"{{"jsonrpc":"2.0","method":"sum","params":[1,1,1],"id":{id}}}"#);
        let answer = common::jsonrpc(addr, &request).await;
        assert_eq!(
            answer.body,
            format!(r#"{{"jsonrpc":"2.0","result":3,"id":{id}}}"#)
        );
    }
}

#[tokio::test]
async fn invalid_params_say_what_does_not_fit() {
    let (addr, _) = server().await;
    let cases = [
        (r#"[1]"#, "invalid length 1"),
        (r#"[1, 2, 3]"#, "trailing"),
        (r#"{"minuend": 1}"#, "missing field `subtrahend`"),
        (
            r#"{"minuend": 1, "subtrahend": "x"}"#,
            "invalid type: string",
        ),
        (
            r#"{"minuend": 1, "subtrahend": 2, "extra": 3}"#,
            "unknown field `extra`",
        ),
        (r#"{"minuend": 1e400, "subtrahend": 2}"#, ""),
    ];
    for (params, says) in cases {
        let request =
            format!(r#"{{"jsonrpc":"2.0","method":"subtract","params":{params},"id":1}}"#);
        let answer = common::jsonrpc(addr, &request).await.json();
        assert_eq!(answer["error"]["code"], -32602, "{params}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{params}: {message}");
    }
}
