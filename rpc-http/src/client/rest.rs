//! [`RestTransport`]: calls the REST resources of a service, built from the
//! routes of its metadata.

use futures_util::StreamExt;
use http_body_util::{BodyExt, Limited};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rpc_core::{ClientError, MethodMeta, RpcError, SubscriptionStream, Transport};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::args::Args;
use super::{Endpoint, InvalidUrl};
use crate::rest::in_path;

/// What a path segment keeps unencoded (RFC 3986 unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A [`Transport`] that calls the REST resources of a service: each method
/// with a `#[rest(...)]` route is an HTTP request to its path, its other
/// arguments in the query string (GET, DELETE) or the JSON body (POST, PUT,
/// PATCH), and a problem document is read back as the server's [`RpcError`].
/// A method without a route fails with [`ClientError::Transport`]. A
/// `#[subscription]` on a `GET` route is read as Server-Sent Events: its
/// items as they come; dropping the stream closes its connection.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_http::client::RestTransport;
///
/// #[rpc_core::service]
/// pub trait Hello {
///     #[rest(get = "/hello/{name}")]
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HelloClient::new(RestTransport::new("http://127.0.0.1:8080")?);
/// println!("{}", client.hello("ada".into()).await?); // GET /hello/ada
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RestTransport {
    endpoint: Endpoint,
}

impl RestTransport {
    /// A transport calling the routes under `base_url` (`http://host:port`,
    /// `https://…`, `unix:/path/to.sock` over a Unix socket, each with a
    /// prefix the router is nested under if there is one).
    pub fn new(base_url: &str) -> Result<Self, InvalidUrl> {
        Ok(Self {
            endpoint: Endpoint::new(base_url)?,
        })
    }
}

/// Appends a path segment's value as text (strings as they are, the rest
/// as JSON), percent-encoded.
fn push_segment(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => out.extend(utf8_percent_encode(s, SEGMENT)),
        // An integer's digits and `-`: nothing to encode.
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => out.push_str(itoa::Buffer::new().format(u)),
            (None, Some(i)) => out.push_str(itoa::Buffer::new().format(i)),
            _ => out.extend(utf8_percent_encode(&n.to_string(), SEGMENT)),
        },
        other => out.extend(utf8_percent_encode(&other.to_string(), SEGMENT)),
    }
}

/// A query value as text: strings as they are, the rest as JSON.
fn text(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

endpoint_options!(RestTransport);
http2_option!(RestTransport);

/// A call as an HTTP request: its verb, URL and JSON body, if any.
struct Call {
    verb: http::Method,
    uri: http::Uri,
    body: Option<Vec<u8>>,
}

impl RestTransport {
    /// The request that calls `method` with `params` on its route.
    fn request<P: Serialize>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<Call, ClientError> {
        let Some(route) = method.rest else {
            return Err(ClientError::transport(format!(
                "`{}` has no REST route: call it over JSON-RPC or XML-RPC",
                method.name
            )));
        };
        let Some(mut args) = Args::of(&params).map_err(ClientError::transport)? else {
            return Err(ClientError::transport(
                "the params do not serialize as a map",
            ));
        };
        // The whole path and query in one string, which becomes the URI's.
        let base = self.endpoint.base_path();
        let mut path = String::with_capacity(base.len() + route.path.len() + 32);
        path.push_str(base);
        for segment in route.path.split('/').filter(|s| !s.is_empty()) {
            path.push('/');
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    push_segment(&mut path, &args.remove(name));
                }
                None => path.push_str(segment),
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        let body = if route.method.has_body() {
            let mut rest = method
                .params
                .iter()
                .filter(|p| !in_path(route.path, p.name));
            let body = match (rest.next(), rest.next()) {
                (Some(only), None) => args.remove(only.name),
                _ => args.into_object(),
            };
            Some(serde_json::to_vec(&body).map_err(ClientError::transport)?)
        } else {
            let present = args.present();
            if !present.is_empty() {
                path.push('?');
                let start = path.len();
                let mut query = form_urlencoded::Serializer::for_suffix(path, start);
                for (name, value) in present {
                    query.append_pair(name, &text(value));
                }
                path = query.finish();
            }
            None
        };
        let uri = self.endpoint.uri_at(path)?;
        let verb = http::Method::from_bytes(route.method.as_str().as_bytes())
            .map_err(ClientError::transport)?;
        Ok(Call { verb, uri, body })
    }
}

impl Transport for RestTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let Call { verb, uri, body } = self.request(method, params)?;
        let content_type = body.as_ref().map(|_| "application/json");
        let answer = self
            .endpoint
            .send(verb, uri, content_type, body.unwrap_or_default())
            .await?;
        if answer.status.is_success() {
            let body: &[u8] = if answer.body.is_empty() {
                b"null"
            } else {
                &answer.body
            };
            return serde_json::from_slice(body).map_err(ClientError::decode);
        }
        Err(problem(answer.status, &answer.body))
    }

    /// Subscribes on the method's `GET` route, read as Server-Sent Events;
    /// dropping the stream closes its connection, which ends the
    /// subscription on the server.
    async fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<SubscriptionStream<R>, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        let Call { verb, uri, .. } = self.request(method, params)?;
        let response = self.endpoint.open(verb, uri).await?;
        let status = response.status();
        let is_events = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !status.is_success() || !is_events {
            let body = Limited::new(response.into_body(), 64 * 1024)
                .collect()
                .await
                .map(|body| body.to_bytes())
                .unwrap_or_default();
            if status.is_success() {
                return Err(ClientError::decode(format!(
                    "`{}` answered one value, not a stream of events",
                    method.name
                )));
            }
            return Err(problem(status, &body));
        }
        let items = super::events::items(response.into_body(), self.endpoint.max_response_size);
        Ok(Box::pin(items.map(|item| {
            let item = item?;
            serde_json::from_str(item.get()).map_err(ClientError::decode)
        })))
    }
}

/// The server's error from a problem document (or any error answer).
fn problem(status: http::StatusCode, body: &[u8]) -> ClientError {
    #[derive(serde::Deserialize)]
    struct Problem {
        detail: Option<String>,
        title: Option<String>,
        code: Option<i32>,
        data: Option<Value>,
    }
    match serde_json::from_slice::<Problem>(body) {
        Ok(problem) => {
            let message = problem
                .detail
                .or(problem.title)
                .unwrap_or_else(|| status.to_string());
            let mut err = RpcError::new(problem.code.unwrap_or(status.as_u16().into()), message)
                .with_status(status);
            if let Some(data) = problem.data {
                err = err.with_data(data);
            }
            ClientError::Rpc(err)
        }
        Err(_) => super::status_error(&super::Answer {
            status,
            body: bytes::Bytes::copy_from_slice(body),
        }),
    }
}
