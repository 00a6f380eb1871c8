//! [`Connections`]: how the server serves each connection it accepts, and
//! what it does when a connection ends or cannot be accepted.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use futures_util::TryFutureExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tower::ServiceExt;

use super::guarded::Guarded;
use super::header_deadline::{Answer, Watch};
use super::linger::{Bounds, RequestBody, Unread};
use super::send_timeout::SendTimer;

/// How the server serves each connection it accepts.
pub(super) struct Connections {
    pub builder: http1::Builder,
    pub header_read_timeout: Duration,
    pub send_timeout: Duration,
    pub lingering: Bounds,
    pub connect_info: bool,
    pub router: Router,
}

impl Connections {
    /// One connection, served by the router.
    pub(super) fn serve(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
    ) -> http1::Connection<
        Guarded<TokioIo<TcpStream>>,
        impl hyper::service::Service<
            http::Request<Incoming>,
            Response = http::Response<Answer>,
            Error = std::convert::Infallible,
            Future: Send,
        > + Send
        + use<>,
    > {
        // Small answers go out at once rather than after Nagle's delay.
        let _ = stream.set_nodelay(true);
        let watch = Watch::new(self.header_read_timeout);
        let unread = Arc::new(Unread::default());
        let io = Guarded::new(
            TokioIo::new(stream),
            Arc::clone(&watch),
            SendTimer::new(self.send_timeout),
            Arc::clone(&unread),
            self.lingering,
        );
        let peer = self.connect_info.then_some(ConnectInfo(peer));
        let router = self.router.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            watch.call_started();
            unread.clear();
            // A body that may be left unread tells the connection so, which
            // then lingers as it closes.
            let mut request = if request.body().is_end_stream() {
                request.map(Body::new)
            } else {
                let unread = Arc::clone(&unread);
                request.map(|body| Body::new(RequestBody::new(body, unread)))
            };
            if let Some(peer) = peer {
                request.extensions_mut().insert(peer);
            }
            let watch = Arc::clone(&watch);
            router
                .clone()
                .oneshot(request)
                .map_ok(move |response| response.map(|body| Answer::new(body, watch)))
        });
        self.builder.serve_connection(io, service)
    }
}

/// Ends a connection: its place is free again.
pub(super) fn release(place: OwnedSemaphorePermit) -> impl FnOnce(Result<(), hyper::Error>) {
    move |result| {
        drop(place);
        log_connection_end(result);
    }
}

pub(super) fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        // A peer that goes away, times out or sends garbage is its own business.
        tracing::debug!(error = %err, "connection ended with an error");
    }
}

/// An error of `accept`: a connection that failed before it was accepted is
/// passed over; anything else (out of file descriptors…) is logged and retried
/// after a pause, rather than spinning.
pub(super) async fn accept_failed(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection; retrying in one second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
