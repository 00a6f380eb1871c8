//! [`XmlRpcTransport`]: calls over XML-RPC on HTTP.

use rpc_core::{ClientError, MethodMeta, Transport, xmlrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Endpoint, InvalidUrl, status_error};

/// A [`Transport`] that calls an XML-RPC endpoint over HTTP, such as the
/// `/RPC2` of an [`RpcRouter`](crate::RpcRouter) or any other XML-RPC server
/// (Python's `SimpleXMLRPCServer`, Perl's `RPC::XML::Server`…). Each argument
/// of a method is one positional `<param>`. Connections are pooled.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_http::client::XmlRpcTransport;
///
/// #[rpc_core::service]
/// pub trait Calc {
///     async fn add(&self, a: i32, b: i32) -> Result<i32, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = CalcClient::new(XmlRpcTransport::new("http://127.0.0.1:8000/RPC2")?);
/// assert_eq!(client.add(2, 3).await?, 5);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct XmlRpcTransport {
    endpoint: Endpoint,
}

impl XmlRpcTransport {
    /// A transport calling the endpoint at `url`: `http://host:port/path`,
    /// `https://…`, or over a Unix socket `unix:/path/to.sock:/RPC2`.
    pub fn new(url: &str) -> Result<Self, InvalidUrl> {
        Ok(Self {
            endpoint: Endpoint::new(url)?,
        })
    }
}

endpoint_options!(XmlRpcTransport);
http2_option!(XmlRpcTransport);

impl Transport for XmlRpcTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let body = xmlrpc::encode_call(method.name, &params)?;
        let answer = self.endpoint.post("text/xml", body).await?;
        if !answer.status.is_success() {
            return Err(status_error(&answer));
        }
        xmlrpc::decode_response(&answer.body)
    }
}
