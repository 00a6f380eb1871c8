//! [`Problem`]: HTTP errors as RFC 9457 `application/problem+json`.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use rpc_core::RpcError;
use serde::Serialize;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An HTTP error as an RFC 9457 problem document: what the HTTP front ends
/// answer when a request fails before or outside a protocol's own error form
/// (a body too large, a wrong content type), and how REST shows an [`RpcError`].
///
/// ```
/// use axum::response::IntoResponse;
/// use rpc_http::Problem;
///
/// let response = Problem::new(http::StatusCode::PAYLOAD_TOO_LARGE, "the body is over 2097152 bytes")
///     .into_response();
/// assert_eq!(response.status(), 413);
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
///
/// let from_rpc = Problem::from(&rpc_core::RpcError::method_not_found("x"));
/// assert_eq!(from_rpc.status(), http::StatusCode::NOT_FOUND);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    #[serde(serialize_with = "status_code")]
    status: StatusCode,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<serde_json::Value>,
}

fn status_code<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    /// A problem with `status` and a `detail` saying what went wrong and what
    /// to do about it.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status,
            detail: detail.into(),
            code: None,
            data: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl From<&RpcError> for Problem {
    fn from(err: &RpcError) -> Self {
        Self {
            code: Some(err.code()),
            data: err.data().cloned(),
            ..Self::new(err.http_status(), err.message())
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// Turns an error answer of a router we do not write (axum's 405 of a route
/// that does not take the method, its plain-text rejections, Swagger UI's 404
/// of a file it lacks) into a problem document, as every other error of the
/// router is; axum's text becomes the detail, its headers (`Allow`…) are kept.
pub(crate) async fn for_foreign_errors(
    response: axum::response::Response,
) -> axum::response::Response {
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error())
        || content_type.is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes())
    {
        return response;
    }
    let plain = content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let (parts, body) = response.into_parts();
    let text = if plain {
        http_body_util::Limited::new(body, 1024)
            .collect()
            .await
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let detail = match (text.is_empty(), status) {
        (false, _) => text,
        (true, StatusCode::METHOD_NOT_ALLOWED) => {
            "this method is not allowed here: see the Allow header".to_owned()
        }
        (true, _) => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let mut problem = Problem::new(status, detail).into_response();
    for (name, value) in &parts.headers {
        // The body is new: its length and type are the problem's own.
        if name != header::CONTENT_LENGTH && !problem.headers().contains_key(name) {
            problem.headers_mut().insert(name, value.clone());
        }
    }
    problem
}
