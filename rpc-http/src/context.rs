//! The per-call context of an HTTP request, the same for every front end.

use std::time::{Duration, Instant};

use http::HeaderName;
use http::request::Parts;
use rpc_core::{Context, Protocol};

/// The header that carries a caller's deadline, in milliseconds from now
/// (`x-request-timeout: 1500`). The HTTP client transports send their timeout
/// in it; the dispatcher cancels a call whose deadline passes and answers it
/// with a timeout error.
pub const REQUEST_TIMEOUT: &str = "x-request-timeout";

/// The header that names a call for logs and traces (`x-request-id: 7f3a…`):
/// it becomes the call's [`Context::request_id`], which
/// [`TraceLayer`](rpc_core::TraceLayer) puts in the call's span.
pub const REQUEST_ID: &str = "x-request-id";

/// The context of a call that arrived in `parts`: its extensions (what axum
/// and tower layers put there), its headers (an `http::HeaderMap`) and its
/// deadline.
pub(crate) fn from_parts(protocol: Protocol, parts: Parts) -> Context {
    // Names known at compile time: a lookup does not parse them again.
    static TIMEOUT: HeaderName = HeaderName::from_static(REQUEST_TIMEOUT);
    static ID: HeaderName = HeaderName::from_static(REQUEST_ID);
    let mut context = Context::new(protocol);
    let millis = parts
        .headers
        .get(&TIMEOUT)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if let Some(millis) = millis {
        context.set_deadline(Some(Instant::now() + Duration::from_millis(millis)));
    }
    if let Some(id) = parts.headers.get(&ID).and_then(|v| v.to_str().ok()) {
        context.set_request_id(id);
    }
    *context.extensions_mut() = parts.extensions;
    *context.headers_mut() = parts.headers;
    context
}
