//! Request bodies (a bounded size, an expected content type) and answer
//! bodies.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::BodyExt;

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
    let mut collect = pin!(collect(body, max));
    // A small body has mostly arrived with its headers: take it without
    // setting a timer.
    let first = poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(collected) => collected,
        Poll::Pending => match tokio::time::timeout(limits.read_timeout, collect).await {
            Ok(collected) => collected,
            Err(_) => {
                return Err(Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the request body did not arrive within {} ms",
                        limits.read_timeout.as_millis()
                    ),
                ));
            }
        },
    };
    collected.map_err(|err| match err {
        ReadError::TooLarge => too_large(),
        ReadError::Body(err) => Problem::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {err}"),
        ),
    })
}

enum ReadError {
    TooLarge,
    Body(axum::Error),
}

/// The body's data, up to `max` bytes; a body of one chunk is not copied.
async fn collect(mut body: Body, max: usize) -> Result<Bytes, ReadError> {
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        // Trailers carry nothing a call reads.
        let Ok(data) = frame.map_err(ReadError::Body)?.into_data() else {
            continue;
        };
        len += data.len();
        if len > max {
            return Err(ReadError::TooLarge);
        }
        if data.is_empty() {
            continue;
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            earlier => {
                if let Some(earlier) = earlier {
                    joined.extend_from_slice(&earlier);
                }
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}

/// An answer of `body`, of type `content_type`, built directly (not
/// through `IntoResponse`, which would set a type only to replace it).
pub(crate) fn answer(
    status: StatusCode,
    body: Vec<u8>,
    content_type: &'static str,
) -> axum::response::Response {
    let mut response = axum::response::Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
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
        .map(str::trim);
    match media_type {
        Some(media_type) if accepts(media_type) => Ok(()),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported content type {value:?}: send `Content-Type: {expected}`"),
        )),
    }
}

/// `application/json` and the `+json` types (`application/json-rpc` too).
pub(crate) fn is_json(media_type: &str) -> bool {
    is_media_type(
        media_type,
        &[
            "application/json",
            "application/json-rpc",
            "application/jsonrequest",
        ],
        "+json",
    )
}

/// `text/xml`, `application/xml` and the `+xml` types.
pub(crate) fn is_xml(media_type: &str) -> bool {
    is_media_type(media_type, &["text/xml", "application/xml"], "+xml")
}

/// Whether `media_type` is one of `names` or ends with `suffix`, in any case
/// (media types are case-insensitive), without a lowercase copy.
fn is_media_type(media_type: &str, names: &[&str], suffix: &str) -> bool {
    names
        .iter()
        .any(|name| media_type.eq_ignore_ascii_case(name))
        || media_type
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| media_type.get(at..))
            .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(chunks: &[&'static str]) -> Body {
        let chunks = chunks
            .iter()
            .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c.as_bytes())));
        Body::from_stream(futures_util::stream::iter(chunks.collect::<Vec<_>>()))
    }

    #[tokio::test]
    async fn a_body_is_joined_from_its_chunks_within_its_limit() {
        let joined = collect(chunked(&["{\"a\"", "", ":1", "}"]), 64).await;
        assert_eq!(joined.ok().as_deref(), Some(&b"{\"a\":1}"[..]));
        let over = collect(chunked(&["12345", "67890"]), 9).await;
        assert!(matches!(over, Err(ReadError::TooLarge)));
        let empty = collect(Body::empty(), 0).await;
        assert_eq!(empty.ok().as_deref(), Some(&b""[..]));
    }

    #[tokio::test]
    async fn a_body_of_one_chunk_is_not_copied() {
        let chunk = Bytes::from_static(b"[1,2,3]");
        let read = collect(Body::from(chunk.clone()), 64).await.ok().unwrap();
        assert_eq!(read.as_ptr(), chunk.as_ptr());
    }

    #[test]
    fn media_types_match_in_any_case() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON"));
        assert!(is_json("application/vnd.api+JSON"));
        assert!(!is_json("json"));
        assert!(!is_json("text/plain"));
        assert!(is_xml("TEXT/XML"));
        assert!(is_xml("application/atom+xml"));
        assert!(!is_xml("+xm"));
        assert!(!is_xml("application/json"));
    }
}
