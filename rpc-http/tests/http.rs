//! The JSON-RPC front end as HTTP: limits, content types, methods, layers,
//! panics, and the typed client over a real socket.

mod common;

use std::convert::Infallible;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use http::Method;
use rpc_core::{ClientError, Dispatcher, Request, Response, RpcError};
use rpc_http::RpcRouter;
use rpc_http::client::JsonRpcTransport;
use tower::Service;

/// Echoes, sleeps, panics.
#[rpc_core::service]
pub trait Echo {
    /// Returns its argument.
    async fn echo(&self, text: String) -> Result<String, RpcError>;
    /// Sleeps, then answers.
    async fn sleep(&self, millis: u64) -> Result<u64, RpcError>;
    /// Panics with a message that must not reach the caller.
    async fn explode(&self) -> Result<(), RpcError>;
}

struct EchoImpl;

impl Echo for EchoImpl {
    async fn echo(&self, text: String) -> Result<String, RpcError> {
        Ok(text)
    }
    async fn sleep(&self, millis: u64) -> Result<u64, RpcError> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(millis)
    }
    async fn explode(&self) -> Result<(), RpcError> {
        panic!("database password is hunter2")
    }
}

async fn echo_server() -> std::net::SocketAddr {
    common::spawn(rpc_http::router(EchoServer::new(EchoImpl))).await
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_problem_json() {
    let app = RpcRouter::new(EchoServer::new(EchoImpl))
        .max_body_size(100)
        .into_router();
    let addr = common::spawn(app).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"echo","params":["{}"],"id":1}}"#,
        "x".repeat(200)
    );
    let answer = common::jsonrpc(addr, &big).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(answer.json()["status"], 413);
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("100 bytes")
    );
    // Under the limit, the same router answers.
    let small = common::jsonrpc(
        addr,
        r#"{"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1}"#,
    )
    .await;
    assert_eq!(small.json()["result"], "hi");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415_problem_json() {
    let addr = echo_server().await;
    let answer = common::send(addr, Method::POST, "/jsonrpc", Some("text/xml"), "<x/>").await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
    // A charset parameter and no content type at all are fine.
    let body = r#"{"jsonrpc":"2.0","method":"echo","params":["a"],"id":1}"#;
    let answer = common::send(
        addr,
        Method::POST,
        "/jsonrpc",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    assert_eq!(answer.json()["result"], "a");
    let answer = common::send(addr, Method::POST, "/jsonrpc", None, body).await;
    assert_eq!(answer.json()["result"], "a");
}

#[tokio::test]
async fn other_methods_than_post_are_405_with_allow() {
    let addr = echo_server().await;
    let answer = common::send(addr, Method::GET, "/jsonrpc", None, "").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.headers["allow"], "POST");
    assert_eq!(answer.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn a_panic_is_an_internal_error_and_the_server_keeps_serving() {
    let addr = echo_server().await;
    let answer = common::jsonrpc(addr, r#"{"jsonrpc":"2.0","method":"explode","id":1}"#).await;
    assert_eq!(answer.status, 200);
    let error = &answer.json()["error"];
    assert_eq!(error["code"], -32603);
    assert!(!answer.body.contains("hunter2"), "{}", answer.body);
    let after = common::jsonrpc(
        addr,
        r#"{"jsonrpc":"2.0","method":"echo","params":["still here"],"id":2}"#,
    )
    .await;
    assert_eq!(after.json()["result"], "still here");
}

#[tokio::test]
async fn invalid_utf8_and_garbage_are_parse_errors() {
    let addr = echo_server().await;
    for body in [
        &b"\xff\xfe{"[..],
        b"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"\xff\"],\"id\":1}",
        b"",
        b"nul",
    ] {
        let answer = common::send(
            addr,
            Method::POST,
            "/jsonrpc",
            Some("application/json"),
            body.to_vec(),
        )
        .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["error"]["code"], -32700, "{body:?}");
        assert_eq!(answer.json()["id"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn the_router_nests_and_merges_like_any_axum_router() {
    let app = axum::Router::new()
        .nest("/api", rpc_http::router(EchoServer::new(EchoImpl)))
        .route("/health", axum::routing::get(|| async { "ok" }));
    let addr = common::spawn(app).await;
    let body = r#"{"jsonrpc":"2.0","method":"echo","params":{"text":"nested"},"id":1}"#;
    let answer = common::send(
        addr,
        Method::POST,
        "/api/jsonrpc",
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(answer.json()["result"], "nested");
    assert_eq!(
        common::send(addr, Method::GET, "/health", None, "")
            .await
            .body,
        "ok"
    );
}

#[tokio::test]
async fn the_typed_client_calls_over_http() {
    let addr = echo_server().await;
    let client = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/jsonrpc")).unwrap());
    assert_eq!(
        client.echo("héllo \"there\"".into()).await.unwrap(),
        "héllo \"there\""
    );
    let err = client.explode().await.unwrap_err();
    assert_eq!(err.rpc().unwrap().code(), RpcError::INTERNAL_ERROR);
    // Calls in flight at once share the connection pool.
    let calls = (0..20).map(|i| {
        let client = client.clone();
        async move { client.sleep(i).await.unwrap() }
    });
    let results = futures_util::future::join_all(calls).await;
    assert_eq!(results, (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_client_reports_transport_failures_and_timeouts() {
    let addr = echo_server().await;
    let slow = EchoClient::new(
        JsonRpcTransport::new(&format!("http://{addr}/jsonrpc"))
            .unwrap()
            .timeout(Duration::from_millis(50)),
    );
    assert!(matches!(
        slow.sleep(2_000).await,
        Err(ClientError::Timeout(_))
    ));

    // A port that nothing listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let nobody = EchoClient::new(JsonRpcTransport::new(&format!("http://{free}/jsonrpc")).unwrap());
    let refused = nobody.echo("x".into()).await.unwrap_err();
    assert!(matches!(refused, ClientError::Connect(_)), "{refused:?}");
    // It names the address and the cause.
    let said = refused.to_string();
    assert!(
        said.starts_with(&format!("cannot connect to {free}: "))
            && said.to_lowercase().contains("refused"),
        "{said}"
    );

    // A URL that is not a JSON-RPC endpoint: the HTTP status is reported.
    let wrong = EchoClient::new(JsonRpcTransport::new(&format!("http://{addr}/nope")).unwrap());
    let err = wrong.echo("x".into()).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");

    assert!(JsonRpcTransport::new("ftp://x/").is_err());
    assert!(JsonRpcTransport::new("https://x/").is_ok());
}

/// A layer that refuses calls without an `x-token: letmein` header: the
/// HTTP headers reach layers through the per-call context.
#[derive(Clone)]
struct RequireToken<S>(S);

impl<S> Service<Request> for RequireToken<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = futures_util::future::BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let allowed = request
            .context()
            .headers()
            .get("x-token")
            .is_some_and(|t| t == "letmein");
        if allowed {
            Box::pin(self.0.call(request))
        } else {
            Box::pin(async { Ok(Response::error(RpcError::new(401, "no token"))) })
        }
    }
}

#[tokio::test]
async fn layers_on_the_dispatcher_see_the_http_headers() {
    let dispatcher = Dispatcher::new(EchoServer::new(EchoImpl))
        .layer(tower::layer::layer_fn(RequireToken))
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(
            100,
        )));
    let addr = common::spawn(rpc_http::router(dispatcher)).await;
    let url = format!("http://{addr}/jsonrpc");

    let anonymous = EchoClient::new(JsonRpcTransport::new(&url).unwrap());
    assert_eq!(
        anonymous
            .echo("x".into())
            .await
            .unwrap_err()
            .rpc()
            .unwrap()
            .code(),
        401
    );

    let token = http::HeaderValue::from_static("letmein");
    let trusted = EchoClient::new(
        JsonRpcTransport::new(&url)
            .unwrap()
            .header("x-token".try_into().unwrap(), token),
    );
    assert_eq!(trusted.echo("x".into()).await.unwrap(), "x");
    // The timeout layer's error is answered as a timeout error.
    let err = trusted.sleep(1_000).await.unwrap_err();
    assert_eq!(err.rpc().unwrap().code(), RpcError::TIMEOUT);
}

#[tokio::test]
async fn the_xmlrpc_endpoint_speaks_http_like_the_jsonrpc_one() {
    let app = RpcRouter::new(EchoServer::new(EchoImpl))
        .max_body_size(200)
        .into_router();
    let addr = common::spawn(app).await;
    let call = "<?xml version=\"1.0\"?><methodCall><methodName>echo</methodName><params><param><value>hi</value></param></params></methodCall>";
    let answer = common::send(addr, Method::POST, "/RPC2", Some("text/xml"), call).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "text/xml; charset=utf-8");
    assert!(
        answer.body.contains("<string>hi</string>"),
        "{}",
        answer.body
    );

    let answer = common::send(addr, Method::POST, "/RPC2", Some("application/json"), "{}").await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    let answer = common::send(addr, Method::GET, "/RPC2", None, "").await;
    assert_eq!(
        (answer.status.as_u16(), &answer.headers["allow"]),
        (405, &http::HeaderValue::from_static("POST"))
    );
    let big = format!(
        "<methodCall><methodName>echo</methodName><params><param><value>{}</value></param></params></methodCall>",
        "x".repeat(300)
    );
    let answer = common::send(addr, Method::POST, "/RPC2", Some("text/xml"), big).await;
    assert_eq!(answer.status, 413);

    // A panic is a fault without its message.
    let call = "<methodCall><methodName>explode</methodName></methodCall>";
    let answer = common::send(addr, Method::POST, "/RPC2", Some("text/xml"), call).await;
    assert!(
        answer.body.contains("<int>-32603</int>") && !answer.body.contains("hunter2"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_call_past_the_callers_deadline_is_cancelled_with_a_timeout_error() {
    let addr = echo_server().await;
    let deadline = [("x-request-timeout", "100")];
    let started = std::time::Instant::now();
    let body = r#"{"jsonrpc":"2.0","method":"sleep","params":[1000],"id":1}"#;
    let answer = common::send_with(
        addr,
        Method::POST,
        "/jsonrpc",
        Some("application/json"),
        &deadline,
        body,
    )
    .await;
    assert_eq!(answer.json()["error"]["code"], RpcError::TIMEOUT);
    let call = "<methodCall><methodName>sleep</methodName><params><param><value><int>1000</int></value></param></params></methodCall>";
    let answer = common::send_with(
        addr,
        Method::POST,
        "/RPC2",
        Some("text/xml"),
        &deadline,
        call,
    )
    .await;
    assert!(answer.body.contains("<int>-32000</int>"), "{}", answer.body);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "took {:?}",
        started.elapsed()
    );
    // Within its deadline, the call finishes.
    let body = r#"{"jsonrpc":"2.0","method":"sleep","params":[10],"id":1}"#;
    let answer = common::send_with(
        addr,
        Method::POST,
        "/jsonrpc",
        Some("application/json"),
        &deadline,
        body,
    )
    .await;
    assert_eq!(answer.json()["result"], 10);
}

#[tokio::test]
async fn the_openapi_document_is_served_with_or_without_the_docs_page() {
    let addr = echo_server().await;
    let answer = common::send(addr, Method::GET, "/openapi.json", None, "").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.headers["content-type"]
            .as_bytes()
            .starts_with(b"application/json"),
        "{:?}",
        answer.headers
    );
    let document = answer.json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["paths"].is_object(), "{document}");
    let docs = common::send(addr, Method::GET, "/docs/", None, "").await;
    if cfg!(feature = "swagger-ui") {
        assert_eq!(docs.status, 200);
        assert!(
            docs.headers["content-type"]
                .as_bytes()
                .starts_with(b"text/html")
        );
    } else {
        assert_eq!(docs.status, 404);
        assert_eq!(docs.headers["content-type"], rpc_http::PROBLEM_JSON);
    }
}

#[tokio::test]
async fn the_docs_endpoints_answer_errors_with_problem_documents_too() {
    let addr = echo_server().await;
    let paths: &[&str] = if cfg!(feature = "swagger-ui") {
        &["/openapi.json", "/docs/"]
    } else {
        &["/openapi.json"]
    };
    for &path in paths {
        let answer = common::send(addr, Method::POST, path, None, "").await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(
            answer.headers["content-type"],
            rpc_http::PROBLEM_JSON,
            "{path}"
        );
        assert_eq!(answer.headers["allow"], "GET,HEAD", "{path}");
        assert_eq!(answer.json()["status"], 405, "{path}");
    }
    let answer = common::send(addr, Method::GET, "/docs/no-such-file.js", None, "").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.headers["content-type"], rpc_http::PROBLEM_JSON);
    let answer = common::send(addr, Method::GET, "/no-such-page", None, "").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.headers["content-type"], rpc_http::PROBLEM_JSON);
}
