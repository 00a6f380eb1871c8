//! [`RpcRouter`]: every HTTP front end of a service, as one `axum::Router`.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use rpc_core::Dispatcher;
use rpc_core::jsonrpc::{DEFAULT_MAX_BATCH_LEN, JsonRpc};
use rpc_core::xmlrpc::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_MULTICALL_LEN, XmlRpc};

use crate::body::{DEFAULT_BODY_READ_TIMEOUT, DEFAULT_MAX_BODY_SIZE, Limits};
use crate::jsonrpc::{self, JsonRpcState};
use crate::xmlrpc::{self, XmlRpcState};
use crate::{openapi, problem, rest};

/// The path of the JSON-RPC 2.0 endpoint.
pub const JSONRPC_PATH: &str = "/jsonrpc";

/// The path of the XML-RPC endpoint.
pub const XMLRPC_PATH: &str = "/RPC2";

/// The path of the OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// The path of the docs page.
pub const DOCS_PATH: &str = "/docs";

/// The path of JSON-RPC 2.0 over a WebSocket (calls and subscriptions).
pub const WS_PATH: &str = "/ws";

/// Builds the `axum::Router` that serves a [`Dispatcher`] over HTTP: the
/// REST resources of the methods that have `#[rest(...)]`, JSON-RPC 2.0 at
/// `POST /jsonrpc`, XML-RPC at `POST /RPC2`, the OpenAPI 3.1 document at
/// `GET /openapi.json` and its docs page (Swagger UI, served from the binary,
/// no network needed) at `GET /docs` (with the `swagger-ui` feature, on by
/// default).
///
/// The result is an ordinary router: `merge` it with your own routes, `nest` it
/// under a prefix, `layer` tower-http middleware on it, serve it with
/// `axum::serve`.
///
/// ```
/// use rpc_core::RpcError;
/// use rpc_http::RpcRouter;
///
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// struct English;
/// impl Hello for English {
///     async fn hello(&self, name: String) -> Result<String, RpcError> {
///         Ok(format!("hello, {name}"))
///     }
/// }
///
/// let app: axum::Router = RpcRouter::new(HelloServer::new(English))
///     .max_body_size(64 * 1024)
///     .into_router()
///     .route("/health", axum::routing::get(|| async { "ok" }));
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
#[must_use = "call `into_router` to get the axum::Router"]
pub struct RpcRouter {
    dispatcher: Dispatcher,
    limits: Limits,
    max_batch_len: usize,
    max_xml_depth: usize,
    max_multicall_len: usize,
    max_subscriptions: usize,
    subscriber_timeout: std::time::Duration,
    api_version: String,
}

impl RpcRouter {
    /// Serves `dispatcher` (a generated `TraitServer`, or a [`Dispatcher`]
    /// of several services with layers), with the default limits.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        Self {
            dispatcher: dispatcher.into(),
            limits: Limits {
                max_size: DEFAULT_MAX_BODY_SIZE,
                read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            },
            max_batch_len: DEFAULT_MAX_BATCH_LEN,
            max_xml_depth: DEFAULT_MAX_DEPTH,
            max_multicall_len: DEFAULT_MAX_MULTICALL_LEN,
            max_subscriptions: crate::ws::DEFAULT_MAX_SUBSCRIPTIONS,
            subscriber_timeout: crate::ws::DEFAULT_SUBSCRIBER_TIMEOUT,
            api_version: "1.0.0".to_owned(),
        }
    }

    /// The version of your API, shown in the OpenAPI document (default 1.0.0).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Bounds the size of a request body (default 2 MiB); a larger one is
    /// answered with 413 and a problem document.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.limits.max_size = bytes;
        self
    }

    /// Bounds the time a client may take to send a request body (default 30
    /// seconds); a slower one is answered with 408 and a problem document. The
    /// time to send the request's headers is bounded by [`serve`](crate::serve).
    ///
    /// ```
    /// # #[rpc_core::service] pub trait Hello { async fn hi(&self); }
    /// # struct I; impl Hello for I { async fn hi(&self) {} }
    /// use std::time::Duration;
    ///
    /// let app: axum::Router = rpc_http::RpcRouter::new(HelloServer::new(I))
    ///     .body_read_timeout(Duration::from_secs(5))
    ///     .into_router();
    /// # let _ = app;
    /// ```
    pub fn body_read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.limits.read_timeout = timeout;
        self
    }

    /// Bounds the number of requests in one JSON-RPC batch (default 100).
    pub fn max_batch_len(mut self, len: usize) -> Self {
        self.max_batch_len = len;
        self
    }

    /// Bounds the nesting of elements in an XML-RPC document (default 128).
    pub fn max_xml_depth(mut self, depth: usize) -> Self {
        self.max_xml_depth = depth;
        self
    }

    /// Bounds the number of calls in one `system.multicall` (default 100).
    pub fn max_multicall_len(mut self, len: usize) -> Self {
        self.max_multicall_len = len;
        self
    }

    /// Bounds the subscriptions of one WebSocket connection (default 1024);
    /// one more is refused with an error.
    pub fn max_subscriptions(mut self, max: usize) -> Self {
        self.max_subscriptions = max;
        self
    }

    /// Bounds the time a subscription waits for a client that does not read
    /// its items (default 10 s), once the connection's queue of outgoing
    /// messages is full; past it, the subscription is dropped with a last
    /// notification that says so.
    pub fn subscriber_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.subscriber_timeout = timeout;
        self
    }

    /// The router. Generic over the state type, so that it merges into a
    /// router of yours whatever its state.
    ///
    /// ```
    /// # #[rpc_core::service] pub trait Hello { async fn hi(&self) -> String; }
    /// # struct I; impl Hello for I { async fn hi(&self) -> String { "hi".into() } }
    /// use axum::extract::State;
    /// use axum::routing::get;
    ///
    /// #[derive(Clone)]
    /// struct AppState {
    ///     greeting: &'static str,
    /// }
    ///
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/greeting", get(|State(s): State<AppState>| async move { s.greeting }))
    ///     .merge(rpc_http::RpcRouter::new(HelloServer::new(I)).into_router::<AppState>())
    ///     .with_state(AppState { greeting: "hello" });
    /// # let _ = app;
    /// ```
    pub fn into_router<S>(self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        // Built with no state of its own, then handed the caller's: the
        // handlers and everything under them are compiled once, in this
        // crate, rather than again for each state type in the user's.
        self.build().with_state(())
    }

    /// The routes, their states given.
    fn build(self) -> Router {
        let dispatcher = self.dispatcher.clone();
        let jsonrpc = Arc::new(JsonRpcState {
            jsonrpc: JsonRpc::new(self.dispatcher.clone()).max_batch_len(self.max_batch_len),
            limits: self.limits,
        });
        let xmlrpc = Arc::new(XmlRpcState {
            xmlrpc: XmlRpc::new(self.dispatcher.clone())
                .max_depth(self.max_xml_depth)
                .max_multicall_len(self.max_multicall_len),
            limits: self.limits,
        });
        let jsonrpc = Router::new()
            .route(
                JSONRPC_PATH,
                post(jsonrpc::serve).fallback(jsonrpc::method_not_allowed),
            )
            .with_state(jsonrpc);
        let xmlrpc = Router::new()
            .route(
                XMLRPC_PATH,
                post(xmlrpc::serve).fallback(xmlrpc::method_not_allowed),
            )
            .with_state(xmlrpc);
        let ws = Router::new()
            .route(WS_PATH, axum::routing::get(crate::ws::upgrade))
            .with_state(Arc::new(crate::ws::WsState {
                jsonrpc: JsonRpc::new(self.dispatcher.clone()).max_batch_len(self.max_batch_len),
                max_message_size: self.limits.max_size,
                max_subscriptions: self.max_subscriptions,
                subscriber_timeout: self.subscriber_timeout,
            }));
        let rest = rest::routes(&dispatcher, self.limits);
        let docs = docs(openapi(&dispatcher, &self.api_version))
            .layer(axum::middleware::map_response(problem::for_foreign_errors));
        jsonrpc.merge(xmlrpc).merge(ws).merge(rest).merge(docs)
    }
}

/// The OpenAPI document at [`OPENAPI_PATH`], and Swagger UI at [`DOCS_PATH`].
#[cfg(feature = "swagger-ui")]
fn docs(openapi: utoipa::openapi::OpenApi) -> Router {
    utoipa_swagger_ui::SwaggerUi::new(DOCS_PATH)
        .url(OPENAPI_PATH, openapi)
        .into()
}

/// The OpenAPI document at [`OPENAPI_PATH`] (no docs page: the `swagger-ui`
/// feature is off).
#[cfg(not(feature = "swagger-ui"))]
fn docs(openapi: utoipa::openapi::OpenApi) -> Router {
    use axum::response::IntoResponse;

    let json = match openapi.to_json() {
        Ok(json) => bytes::Bytes::from(json),
        Err(err) => {
            tracing::error!(error = %err, "cannot write the OpenAPI document");
            bytes::Bytes::new()
        }
    };
    let serve = move || {
        let json = json.clone();
        async move {
            if json.is_empty() {
                return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            ([(http::header::CONTENT_TYPE, "application/json")], json).into_response()
        }
    };
    Router::new().route(OPENAPI_PATH, axum::routing::get(serve))
}

impl<S: Clone + Send + Sync + 'static> From<RpcRouter> for Router<S> {
    fn from(router: RpcRouter) -> Self {
        router.into_router()
    }
}

/// The router of a service with the default limits: shorthand for
/// `RpcRouter::new(dispatcher).into_router()`.
///
/// ```no_run
/// # use rpc_core::RpcError;
/// # #[rpc_core::service]
/// # pub trait Hello { async fn hello(&self) -> Result<String, RpcError>; }
/// # struct English;
/// # impl Hello for English { async fn hello(&self) -> Result<String, RpcError> { Ok("hi".into()) } }
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let app = rpc_http::router(HelloServer::new(English));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn router(dispatcher: impl Into<Dispatcher>) -> Router {
    RpcRouter::new(dispatcher).into_router()
}
