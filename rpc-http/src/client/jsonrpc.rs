//! [`JsonRpcTransport`]: calls over JSON-RPC 2.0 on HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rpc_core::{ClientError, MethodMeta, Transport, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Endpoint, InvalidUrl, status_error};

/// A [`Transport`] that calls a JSON-RPC 2.0 endpoint over HTTP, such as the
/// `/jsonrpc` of an [`RpcRouter`](crate::RpcRouter) or any other JSON-RPC
/// server. Connections are pooled and kept alive; clones share them.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_http::client::JsonRpcTransport;
///
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = JsonRpcTransport::new("http://127.0.0.1:8080/jsonrpc")?
///     .header(http::header::AUTHORIZATION, http::HeaderValue::from_static("Bearer s3cret"))
///     .timeout(std::time::Duration::from_secs(5));
/// let client = HelloClient::new(transport);
/// println!("{}", client.hello("ada".into()).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct JsonRpcTransport {
    endpoint: Endpoint,
    next_id: Arc<AtomicU64>,
}

impl JsonRpcTransport {
    /// A transport calling the endpoint at `url`: `http://host:port/path`,
    /// `https://…`, or over a Unix socket `unix:/path/to.sock:/jsonrpc`
    /// (the socket, then the HTTP path, as nginx writes it).
    ///
    /// ```
    /// use rpc_http::client::JsonRpcTransport;
    ///
    /// let tcp = JsonRpcTransport::new("http://127.0.0.1:8080/jsonrpc")?;
    /// let unix = JsonRpcTransport::new("unix:/run/datacenter.sock:/jsonrpc")?;
    /// # Ok::<_, rpc_http::client::InvalidUrl>(())
    /// ```
    pub fn new(url: &str) -> Result<Self, InvalidUrl> {
        Ok(Self {
            endpoint: Endpoint::new(url)?,
            next_id: Arc::new(AtomicU64::new(1)),
        })
    }
}

endpoint_options!(JsonRpcTransport);
http2_option!(JsonRpcTransport);

impl Transport for JsonRpcTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let answer = self.endpoint.post("application/json", body).await?;
        if !answer.status.is_success() {
            return Err(status_error(&answer));
        }
        jsonrpc::decode_reply(&answer.body)
    }
}
