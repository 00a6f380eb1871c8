//! [`TraceLayer`]: a `tracing` span around every call, whatever its transport.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Instant;

use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::Span;

use crate::{Request, Response};

/// Runs each call in a `tracing` span named `rpc` carrying its `protocol`,
/// `method` and `request_id` (see [`Context::request_id`]), so that every
/// event the method logs says which call it belongs to, on every transport.
///
/// The span and the `call started` / `call finished` events (with the latency
/// and, for a failure, the error's code) are at `DEBUG` level, as tower-http's
/// `TraceLayer` has them: they cost nothing unless enabled
/// (`RUST_LOG=rpc_core=debug`). A call that fails with an internal error is
/// logged at `ERROR` whatever the level.
///
/// [`Context::request_id`]: crate::Context::request_id
///
/// ```
/// use rpc_core::{Dispatcher, RpcError, TraceLayer};
///
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// struct English;
/// impl Hello for English {
///     async fn hello(&self, name: String) -> Result<String, RpcError> {
///         tracing::info!("greeting"); // logged inside the call's span
///         Ok(format!("hello, {name}"))
///     }
/// }
///
/// let dispatcher = Dispatcher::new(HelloServer::new(English)).layer(TraceLayer::new());
/// # let _ = dispatcher;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceLayer {
    _private: (),
}

impl TraceLayer {
    /// A span per call.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The service of [`TraceLayer`].
#[derive(Clone, Debug)]
pub struct Trace<S> {
    inner: S,
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Display,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let context = request.context();
        let span = tracing::debug_span!(
            "rpc",
            protocol = context.protocol().as_str(),
            method = request.method(),
            request_id = context.request_id(),
        );
        let call = {
            let _entered = span.enter();
            tracing::debug!("call started");
            self.inner.call(request)
        };
        // The clock is read only for a span that is recorded.
        let started = (!span.is_disabled()).then(Instant::now);
        TraceFuture {
            call,
            span,
            started,
        }
    }
}

pin_project! {
    /// The future of [`Trace`]: the call, polled inside its span, and logged
    /// when it ends.
    ///
    /// ```
    /// # use rpc_core::{Request, Response, Trace, TraceFuture};
    /// # use tower::Service;
    /// fn traced<S: Service<Request, Response = Response>>(
    ///     service: &mut Trace<S>,
    ///     request: Request,
    /// ) -> TraceFuture<S::Future>
    /// where
    ///     S::Error: std::fmt::Display,
    /// {
    ///     service.call(request)
    /// }
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct TraceFuture<F> {
        #[pin]
        call: F,
        span: Span,
        started: Option<Instant>,
    }
}

impl<F, E> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response, E>>,
    E: Display,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let response = ready!(this.call.poll(cx));
        let latency_ms = this
            .started
            .map(|started| started.elapsed().as_secs_f64() * 1000.0);
        match &response {
            Ok(response) if response.is_stream() => {
                tracing::debug!(latency_ms, "subscription started");
            }
            Ok(response) => match response.result() {
                Ok(_) => tracing::debug!(latency_ms, "call finished"),
                Err(err) if err.kind() == crate::ErrorKind::Internal => {
                    tracing::error!(latency_ms, code = err.code(), error = %err, "call failed");
                }
                Err(err) => {
                    tracing::debug!(latency_ms, code = err.code(), error = %err, "call finished with an error");
                }
            },
            // A layer's error (a timeout…), answered by the dispatcher.
            Err(err) => tracing::debug!(latency_ms, error = %err, "call stopped by a layer"),
        }
        Poll::Ready(response)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use std::convert::Infallible;

    use futures_util::StreamExt;

    use super::*;
    use crate::{Context, Params, Protocol, RpcError};

    /// Collects what is logged, as text.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn every_call_has_a_span_with_its_protocol_method_and_id() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let mut service =
            TraceLayer::new().layer(tower::service_fn(|request: Request| async move {
                tracing::info!("inside the method");
                Ok::<_, Infallible>(match request.method() {
                    "ok" => Response::ok(1),
                    "watch" => Response::stream("watch", futures_util::stream::empty().boxed()),
                    _ => Response::error(RpcError::internal("broken")),
                })
            }));
        let mut context = Context::new(Protocol::JsonRpc);
        context.set_request_id("abc-1");
        service
            .call(Request::new("ok", Params::json("[]"), context))
            .await
            .unwrap();
        service
            .call(Request::new(
                "boom",
                Params::json("[]"),
                Context::new(Protocol::Rest),
            ))
            .await
            .unwrap();

        service
            .call(Request::new(
                "watch",
                Params::json("[]"),
                Context::new(Protocol::WebSocket),
            ))
            .await
            .unwrap();

        let logged = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = logged.lines().collect();
        let has = |needles: &[&str]| lines.iter().any(|l| needles.iter().all(|n| l.contains(n)));
        let span = r#"rpc{protocol="jsonrpc" method="ok" request_id="abc-1"}"#;
        assert!(has(&[span, "call started"]), "{logged}");
        assert!(has(&[span, "inside the method"]), "{logged}");
        assert!(has(&[span, "call finished", "latency_ms"]), "{logged}");
        // A subscription is no error: it started.
        let watch = r#"rpc{protocol="websocket" method="watch"}"#;
        assert!(has(&[watch, "subscription started"]), "{logged}");
        assert!(!has(&[watch, "error"]), "{logged}");
        assert!(
            has(&[
                "ERROR",
                r#"rpc{protocol="rest" method="boom"}"#,
                "call failed",
                "code=-32603"
            ]),
            "{logged}"
        );
    }
}
