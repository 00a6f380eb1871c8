//! [`Subscription`]: what a `#[subscription]` method answers with, a stream
//! of items instead of one value; [`Sink`], which feeds one; and
//! [`SubscriptionStream`], what a typed client receives.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::mpsc;

use crate::{ClientError, RpcError};

/// The items of a subscription, as a front end receives them: each a value
/// to encode, or an error that ends the stream.
pub type ResponseStream = BoxStream<'static, Result<crate::BoxSerialize, RpcError>>;

/// The items a typed client receives from a subscription; dropping the
/// stream ends the subscription on the server.
pub type SubscriptionStream<T> = Pin<Box<dyn Stream<Item = Result<T, ClientError>> + Send>>;

/// The answer of a `#[subscription]` method: a stream of items, which each
/// transport that can carry one delivers as it comes (JSON-RPC notifications
/// on a WebSocket, Server-Sent Events on the method's REST route, messages to
/// `reply_to` over AMQP). The method checks its arguments first and may
/// refuse with an ordinary error; once it answers with a subscription, the
/// stream runs until it ends, fails, or the subscriber leaves.
///
/// ```
/// use futures_util::StreamExt;
/// use rpc_core::{RpcError, Subscription};
///
/// /// Counts.
/// #[rpc_core::service]
/// pub trait Counter {
///     /// The numbers from `from` on, `count` of them.
///     #[subscription]
///     async fn count(&self, from: u32, count: u32) -> Result<Subscription<u32>, RpcError>;
/// }
///
/// struct Numbers;
///
/// impl Counter for Numbers {
///     async fn count(&self, from: u32, count: u32) -> Result<Subscription<u32>, RpcError> {
///         if count > 100 {
///             return Err(RpcError::invalid_params("at most 100"));
///         }
///         Ok(Subscription::new(futures_util::stream::iter(from..from + count)))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let client = CounterClient::new(rpc_core::LocalTransport::new(CounterServer::new(Numbers)));
/// let items: Vec<u32> = client.count(7, 3).await?.map(Result::unwrap).collect().await;
/// assert_eq!(items, [7, 8, 9]);
/// # Ok::<_, rpc_core::ClientError>(())
/// # }).unwrap();
/// ```
pub struct Subscription<T> {
    items: BoxStream<'static, Result<T, RpcError>>,
}

impl<T: Send + 'static> Subscription<T> {
    /// The items of `stream`, until it ends.
    pub fn new(stream: impl Stream<Item = T> + Send + 'static) -> Self {
        Self {
            items: stream.map(Ok).boxed(),
        }
    }

    /// The items of `stream` until it ends, or until an error, which is the
    /// subscription's last word.
    pub fn try_new<E: Into<RpcError>>(
        stream: impl Stream<Item = Result<T, E>> + Send + 'static,
    ) -> Self {
        Self {
            items: stream.map(|item| item.map_err(Into::into)).boxed(),
        }
    }

    /// A subscription the method feeds through a [`Sink`], which holds at most
    /// `capacity` items the subscriber has not taken yet.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use rpc_core::Subscription;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let (sink, subscription) = Subscription::<u32>::channel(16);
    /// let feeder = tokio::spawn(async move {
    ///     for n in 0.. {
    ///         // Ends when the subscriber leaves.
    ///         if sink.send(n).await.is_err() {
    ///             return n;
    ///         }
    ///     }
    ///     unreachable!()
    /// });
    /// let first: Vec<u32> = subscription.take(3).map(Result::unwrap).collect().await;
    /// assert_eq!(first, [0, 1, 2]);
    /// assert!(feeder.await.unwrap() >= 3);
    /// # });
    /// ```
    pub fn channel(capacity: usize) -> (Sink<T>, Self) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let items = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let item = receiver.recv().await?;
            Some((item, receiver))
        });
        (
            Sink { sender },
            Self {
                items: items.boxed(),
            },
        )
    }

    /// The items, erased for the front ends.
    pub(crate) fn into_response_stream(self) -> ResponseStream
    where
        T: serde::Serialize,
    {
        self.items
            .map(|item| item.map(|value| Box::new(value) as crate::BoxSerialize))
            .boxed()
    }
}

impl<T> Stream for Subscription<T> {
    type Item = Result<T, RpcError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription")
    }
}

/// Feeds a [`Subscription`] made with [`Subscription::channel`].
#[derive(Debug)]
pub struct Sink<T> {
    sender: mpsc::Sender<Result<T, RpcError>>,
}

impl<T> Clone for Sink<T> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

/// The subscriber is gone: nothing more can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the subscriber is gone")]
pub struct Closed;

impl<T> Sink<T> {
    /// Sends an item, waiting while the subscriber's buffer is full; fails
    /// once the subscriber is gone.
    pub async fn send(&self, item: T) -> Result<(), Closed> {
        self.sender.send(Ok(item)).await.map_err(|_| Closed)
    }

    /// Sends an item if the subscriber's buffer has room; fails at once
    /// otherwise (full, or gone).
    pub fn try_send(&self, item: T) -> Result<(), Closed> {
        self.sender.try_send(Ok(item)).map_err(|_| Closed)
    }

    /// Ends the subscription with an error, the subscriber's last word.
    pub async fn fail(self, err: RpcError) {
        let _ = self.sender.send(Err(err)).await;
    }

    /// Whether the subscriber is gone.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }
}
