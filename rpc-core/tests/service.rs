//! The attribute used the way a user would, through the in-process client.

use rpc_core::{ClientError, Dispatcher, LocalTransport, RestMethod, RpcError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("point ({0}, {1}) is off the map")]
    OffTheMap(i32, i32),
}

impl From<GeoError> for RpcError {
    fn from(err: GeoError) -> Self {
        RpcError::new(4001, err.to_string()).with_status(http::StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// Geometry on a small map.
#[rpc_core::service(namespace = "geo")]
pub trait Geo {
    /// Moves a point.
    ///
    /// Fails off the map.
    #[rest(post = "/points/move/{dx}", status = 201)]
    async fn translate(&self, point: Point, dx: i32, dy: Option<i32>) -> Result<Point, GeoError>;

    /// The origin.
    #[rpc(name = "origin.get")]
    async fn origin(&self) -> Point;

    /// Does nothing, and says so.
    #[rest(delete = "/nothing")]
    async fn nothing(&self);

    /// A provided method, with a body in the trait.
    async fn twice(&self, n: i64) -> Result<i64, RpcError> {
        n.checked_mul(2).ok_or_else(|| RpcError::new(1, "overflow"))
    }

    async fn boom(&self) -> Result<(), RpcError>;
}

struct Map;

impl Geo for Map {
    async fn translate(&self, point: Point, dx: i32, dy: Option<i32>) -> Result<Point, GeoError> {
        let moved = Point {
            x: point.x + dx,
            y: point.y + dy.unwrap_or(0),
        };
        if moved.x.abs() > 100 || moved.y.abs() > 100 {
            return Err(GeoError::OffTheMap(moved.x, moved.y));
        }
        Ok(moved)
    }

    async fn origin(&self) -> Point {
        Point { x: 0, y: 0 }
    }

    async fn nothing(&self) {}

    async fn boom(&self) -> Result<(), RpcError> {
        panic!("secret panic message")
    }
}

fn client() -> GeoClient<LocalTransport> {
    GeoClient::new(LocalTransport::new(GeoServer::new(Map)))
}

#[tokio::test]
async fn every_method_round_trips_in_process() {
    let client = client();
    let p = client
        .translate(Point { x: 1, y: 2 }, 3, Some(4))
        .await
        .unwrap();
    assert_eq!(p, Point { x: 4, y: 6 });
    let p = client
        .translate(Point { x: 1, y: 2 }, 3, None)
        .await
        .unwrap();
    assert_eq!(p, Point { x: 4, y: 2 });
    assert_eq!(client.origin().await.unwrap(), Point { x: 0, y: 0 });
    client.nothing().await.unwrap();
    assert_eq!(client.twice(21).await.unwrap(), 42);
}

#[tokio::test]
async fn application_errors_keep_their_code_and_message() {
    let err = client()
        .translate(Point { x: 99, y: 0 }, 5, None)
        .await
        .unwrap_err();
    let ClientError::Rpc(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(err.code(), 4001);
    assert_eq!(err.message(), "point (104, 0) is off the map");
    let err = client().twice(i64::MAX).await.unwrap_err();
    assert_eq!(err.rpc().unwrap().code(), 1);
}

#[tokio::test]
async fn a_panic_is_an_internal_error_without_its_message() {
    let client = client();
    let err = client.boom().await.unwrap_err();
    let err = err.rpc().unwrap();
    assert_eq!(err.code(), RpcError::INTERNAL_ERROR);
    assert!(!err.message().contains("secret"), "{}", err.message());
    // The service keeps serving.
    assert_eq!(client.twice(2).await.unwrap(), 4);
}

#[test]
fn metadata_describes_every_method() {
    let meta = GeoClient::<()>::METADATA;
    assert_eq!(meta.name, "Geo");
    assert_eq!(meta.namespace, Some("geo"));
    assert_eq!(meta.doc, "Geometry on a small map.");
    let names: Vec<_> = meta.methods.iter().map(|m| m.name).collect();
    assert_eq!(
        names,
        [
            "geo.translate",
            "geo.origin.get",
            "geo.nothing",
            "geo.twice",
            "geo.boom"
        ]
    );

    let translate = &meta.methods[0];
    assert_eq!(translate.rust_name, "translate");
    assert_eq!(translate.doc, "Moves a point.\n\nFails off the map.");
    let params: Vec<_> = translate
        .params
        .iter()
        .map(|p| (p.name, p.ty.rust, p.optional))
        .collect();
    assert_eq!(
        params,
        [
            ("point", "Point", false),
            ("dx", "i32", false),
            ("dy", "Option<i32>", true)
        ]
    );
    assert_eq!(translate.result.rust, "Point");
    let rest = translate.rest.unwrap();
    assert_eq!(
        (rest.method, rest.path, rest.status),
        (RestMethod::Post, "/points/move/{dx}", 201)
    );
    // A named type is a component of the document, referred to by `$ref`.
    let mut components = Vec::new();
    let schema = serde_json::to_value(translate.result.schema(&mut components)).unwrap();
    assert_eq!(schema["$ref"], "#/components/schemas/Point");
    let (name, point) = &components[0];
    assert_eq!(name, "Point");
    let point = serde_json::to_value(point).unwrap();
    assert_eq!(point["required"], serde_json::json!(["x", "y"]));
    // An integer says its bounds.
    let dx = serde_json::to_value(translate.params[1].ty.schema(&mut components)).unwrap();
    assert_eq!(
        (dx["minimum"].as_i64(), dx["maximum"].as_i64()),
        (Some(i32::MIN.into()), Some(i32::MAX.into()))
    );

    let nothing = meta.method("geo.nothing").unwrap();
    assert_eq!(nothing.result.rust, "()");
    assert_eq!(nothing.rest.unwrap().status, 204);
    assert!(meta.method("geo.twice").unwrap().rest.is_none());
}

#[rpc_core::service(namespace = "other")]
pub trait Other {
    async fn origin(&self) -> i32;
}

struct OtherImpl;
impl Other for OtherImpl {
    async fn origin(&self) -> i32 {
        7
    }
}

#[tokio::test]
async fn merged_services_share_one_dispatcher() {
    let dispatcher = Dispatcher::new(GeoServer::new(Map)).merge(OtherServer::new(OtherImpl));
    let transport = LocalTransport::new(dispatcher.clone());
    assert_eq!(
        OtherClient::new(transport.clone()).origin().await.unwrap(),
        7
    );
    assert_eq!(
        GeoClient::new(transport).origin().await.unwrap(),
        Point { x: 0, y: 0 }
    );
    assert_eq!(dispatcher.services().len(), 2);
}

#[test]
#[should_panic(expected = "two services serve the method `geo.translate`")]
fn merging_clashing_services_panics_with_advice() {
    let _ = Dispatcher::new(GeoServer::new(Map)).merge(GeoServer::new(Map));
}

#[derive(Clone, Debug, PartialEq)]
struct User(&'static str);

/// Methods that read the per-call context.
#[rpc_core::service]
pub trait Whoami {
    /// The context may stand anywhere among the arguments.
    async fn greet(
        &self,
        greeting: String,
        #[context] ctx: rpc_core::Context,
        punctuation: char,
    ) -> String;
}

struct WhoamiImpl;

impl Whoami for WhoamiImpl {
    async fn greet(&self, greeting: String, ctx: rpc_core::Context, punctuation: char) -> String {
        let user = ctx.extensions().get::<User>().map_or("stranger", |u| u.0);
        format!(
            "{greeting}, {user} ({}){punctuation}",
            ctx.protocol().as_str()
        )
    }
}

#[tokio::test]
async fn a_context_argument_receives_the_per_call_context() {
    let mut context = rpc_core::Context::new(rpc_core::Protocol::Local);
    context.extensions_mut().insert(User("ada"));
    let transport = LocalTransport::new(WhoamiServer::new(WhoamiImpl)).with_context(context);
    let client = WhoamiClient::new(transport);
    // The client has no context argument: it is not on the wire.
    assert_eq!(
        client.greet("hello".into(), '!').await.unwrap(),
        "hello, ada (local)!"
    );
    let params: Vec<_> = WhoamiClient::<()>::METADATA.methods[0]
        .params
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(params, ["greeting", "punctuation"]);
}

/// A service whose one method waits until released, to hold calls in flight.
#[rpc_core::service]
pub trait Gate {
    async fn pass(&self) -> Result<u32, RpcError>;
}

struct Gated {
    inside: std::sync::atomic::AtomicUsize,
    release: tokio::sync::Semaphore,
}

impl Default for Gated {
    fn default() -> Self {
        Self {
            inside: Default::default(),
            release: tokio::sync::Semaphore::new(0),
        }
    }
}

impl Gate for std::sync::Arc<Gated> {
    async fn pass(&self) -> Result<u32, RpcError> {
        self.inside
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let _permit = self
            .release
            .acquire()
            .await
            .map_err(|_| RpcError::internal("closed"))?;
        Ok(1)
    }
}

#[tokio::test]
async fn towers_timeout_is_answered_as_a_timeout_error() {
    let dispatcher = Dispatcher::new(GateServer::new(std::sync::Arc::new(Gated::default()))).layer(
        tower::timeout::TimeoutLayer::new(std::time::Duration::from_millis(50)),
    );
    let client = GateClient::new(LocalTransport::new(dispatcher));
    let err = client.pass().await.unwrap_err();
    let err = err.rpc().expect("an RpcError");
    assert_eq!(err.kind(), rpc_core::ErrorKind::Timeout);
    assert_eq!(err.http_status(), http::StatusCode::GATEWAY_TIMEOUT);
    assert!(err.message().contains("time limit"), "{err}");
}

#[tokio::test]
async fn a_concurrency_limit_with_load_shedding_turns_calls_away_as_overloaded() {
    let gate = std::sync::Arc::new(Gated::default());
    let dispatcher = Dispatcher::new(GateServer::new(gate.clone())).layer(
        tower::ServiceBuilder::new()
            .load_shed()
            .concurrency_limit(2),
    );
    let client = GateClient::new(LocalTransport::new(dispatcher));
    // Two calls take the two places and wait at the gate…
    let held: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.pass().await })
        })
        .collect();
    while gate.inside.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    // …so a third is turned away at once, with the protocol's overload error.
    let err = client.pass().await.unwrap_err();
    let err = err.rpc().expect("an RpcError");
    assert_eq!(err.code(), RpcError::OVERLOADED);
    assert_eq!(err.http_status(), http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(gate.inside.load(std::sync::atomic::Ordering::SeqCst), 2);
    // Released, the two held calls finish.
    gate.release.add_permits(2);
    for call in held {
        assert_eq!(call.await.unwrap().unwrap(), 1);
    }
}

/// What a front end holds while a call runs stays small: the call itself is
/// boxed, and the codecs' futures do not keep the request, its context and
/// the parsed call beside it (each was copied as the next future was built
/// around it; `JsonRpc::handle`'s future was 1,816 bytes).
#[test]
fn the_futures_around_a_call_stay_small() {
    use bytes::Bytes;
    use rpc_core::jsonrpc::JsonRpc;
    use rpc_core::xmlrpc::XmlRpc;
    use rpc_core::{Context, Params, Protocol, Request};

    let dispatcher = Dispatcher::new(GeoServer::new(Map));
    let call = dispatcher.call(Request::new(
        "geo.origin",
        Params::none(),
        Context::new(Protocol::JsonRpc),
    ));
    assert_eq!(size_of_val(&call), 2 * size_of::<usize>());
    let jsonrpc = JsonRpc::new(dispatcher.clone());
    let handle = jsonrpc.handle(Bytes::new(), Context::new(Protocol::JsonRpc));
    assert!(
        size_of_val(&handle) <= 512,
        "{} bytes",
        size_of_val(&handle)
    );
    let xmlrpc = XmlRpc::new(dispatcher);
    let handle = xmlrpc.handle(Bytes::new(), Context::new(Protocol::XmlRpc));
    assert!(
        size_of_val(&handle) <= 512,
        "{} bytes",
        size_of_val(&handle)
    );
}
