//! [`LocalTransport`]: call a service in process, through the same dispatcher.

use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    ClientError, Context, Dispatcher, MethodMeta, Params, Protocol, Request, SubscriptionStream,
    Transport,
};

/// A [`Transport`] that calls a [`Dispatcher`] in the same process: the params
/// are encoded and the result decoded exactly as over the wire (as JSON), and
/// every layer of the dispatcher runs. Made for tests of a service and of its
/// layers without a socket.
///
/// ```
/// use rpc_core::{LocalTransport, RpcError};
///
/// #[rpc_core::service]
/// pub trait Calc {
///     async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError>;
/// }
///
/// struct Impl;
/// impl Calc for Impl {
///     async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError> {
///         a.checked_add(b).ok_or_else(|| RpcError::new(1, "overflow"))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let client = CalcClient::new(LocalTransport::new(CalcServer::new(Impl)));
/// assert_eq!(client.add(2, 3).await.unwrap(), 5);
/// let err = client.add(i64::MAX, 1).await.unwrap_err();
/// assert_eq!(err.rpc().unwrap().message(), "overflow");
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct LocalTransport {
    dispatcher: Dispatcher,
    context: Context,
}

impl LocalTransport {
    /// A transport calling `dispatcher`, with a [`Protocol::Local`] context.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        Self {
            dispatcher: dispatcher.into(),
            context: Context::new(Protocol::Local),
        }
    }

    /// Uses `context` (e.g. with extensions a layer expects) for every call.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }
}

impl LocalTransport {
    async fn response<P: Serialize>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<crate::Response, ClientError> {
        let params = serde_json::to_vec(&params).map_err(ClientError::transport)?;
        let request = Request::new(method.name, Params::json(params), self.context.clone());
        Ok(self.dispatcher.call(request).await)
    }
}

/// A value, as it would come over the wire: written as JSON, read as `R`.
fn through_json<R: DeserializeOwned>(value: crate::BoxSerialize) -> Result<R, ClientError> {
    let mut json = Vec::new();
    value.write_json(&mut json).map_err(ClientError::decode)?;
    serde_json::from_slice(&json).map_err(ClientError::decode)
}

impl Transport for LocalTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let value = self.response(method, params).await?.into_result()?;
        through_json(value)
    }

    async fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<SubscriptionStream<R>, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        let response = self.response(method, params).await?;
        let items = response
            .into_stream()
            .map_err(|answer| match answer.into_result() {
                Err(err) => ClientError::Rpc(err),
                Ok(_) => ClientError::decode(format!(
                    "`{}` answered one value, not a stream",
                    method.name
                )),
            })?;
        Ok(Box::pin(items.map(|item| match item {
            Ok(value) => through_json(value),
            Err(err) => Err(ClientError::Rpc(err)),
        })))
    }
}
