//! [`RequireBearer`]: a bearer-token check as one tower layer, applied to
//! every transport at once.

use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::future::{BoxFuture, FutureExt};
use rpc_core::{Request, Response, RpcError};
use tower::{Layer, Service};

/// Refuses calls that do not carry `Authorization: Bearer <token>`: an HTTP
/// header, or an AMQP message header of the same name. The refusal is an
/// [`RpcError`] with code and status 401, which each protocol shows in its
/// own form (a 401 problem document, a JSON-RPC error, an XML-RPC fault, an
/// AMQP error reply).
///
/// ```
/// use datacenter::{DatacenterServer, Inventory, RequireBearer};
/// use rpc_core::Dispatcher;
///
/// let dispatcher = Dispatcher::new(DatacenterServer::new(Inventory::default()))
///     .layer(RequireBearer::new("s3cret"));
/// # let _ = dispatcher;
/// ```
#[derive(Clone, Debug)]
pub struct RequireBearer {
    expected: Arc<str>,
}

impl RequireBearer {
    /// Calls must carry `Authorization: Bearer {token}`.
    pub fn new(token: &str) -> Self {
        Self {
            expected: format!("Bearer {token}").into(),
        }
    }
}

impl<S> Layer<S> for RequireBearer {
    type Service = RequireBearerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireBearerService {
            inner,
            expected: Arc::clone(&self.expected),
        }
    }
}

/// The service of [`RequireBearer`].
#[derive(Clone, Debug)]
pub struct RequireBearerService<S> {
    inner: S,
    expected: Arc<str>,
}

impl<S> Service<Request> for RequireBearerService<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let authorized = request
            .context()
            .headers()
            .get(http::header::AUTHORIZATION)
            .is_some_and(|value| value.as_bytes() == self.expected.as_bytes());
        if authorized {
            self.inner.call(request).boxed()
        } else {
            let refusal = RpcError::new(401, "unauthorized: send `Authorization: Bearer <token>`")
                .with_status(http::StatusCode::UNAUTHORIZED);
            futures_util::future::ready(Ok(Response::error(refusal))).boxed()
        }
    }
}
