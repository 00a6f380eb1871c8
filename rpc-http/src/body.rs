//! Reading request bodies: a bounded size and an expected content type.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::Problem;

/// The default bound on a request body: 2 MiB, as axum's `DefaultBodyLimit`.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

/// The default bound on the time a client may take to send a request body:
/// 30 seconds.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The bounds on reading a request body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The largest body, in bytes.
    pub max_size: usize,
    /// The longest a client may take to send it.
    pub read_timeout: Duration,
}

/// Reads the whole body, refusing one over the size limit with 413 and one
/// that takes longer than the time limit with 408.
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limits: Limits,
) -> Result<Bytes, Problem> {
    let max = limits.max_size;
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is over the limit of {max} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Err(too_large());
    }
    let collected = tokio::time::timeout(limits.read_timeout, Limited::new(body, max).collect());
    let Ok(collected) = collected.await else {
        return Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} ms",
                limits.read_timeout.as_millis()
            ),
        ));
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(err) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {err}"),
        )),
    }
}

/// Refuses with 415 a body whose declared media type `accepts` refuses. A
/// body without `Content-Type` is let through.
pub(crate) fn check_content_type(
    headers: &HeaderMap,
    expected: &str,
    accepts: fn(&str) -> bool,
) -> Result<(), Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media_type = value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match media_type {
        Some(media_type) if accepts(&media_type) => Ok(()),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content type {value:?}: send `Content-Type: {expected}`"),
        )),
    }
}

/// `application/json` and the `+json` types (`application/json-rpc` too).
pub(crate) fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || media_type == "application/json-rpc"
        || media_type == "application/jsonrequest"
        || media_type.ends_with("+json")
}
