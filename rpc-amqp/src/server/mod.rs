//! [`AmqpServer`]: serves a dispatcher on a RabbitMQ queue, reply-to RPC.

mod acks;
mod connection;
mod delivery;
mod quarantine;
mod subscription;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lapin::types::FieldTable;
use rpc_core::Dispatcher;
use rpc_core::jsonrpc::JsonRpc;
use rpc_core::tls::ClientTls;
use rpc_core::xmlrpc::XmlRpc;

use self::connection::Stop;
use self::quarantine::Quarantine;
use self::subscription::Subscriptions;
use crate::{AmqpError, Brokers, default_queue};

/// The default time an idle subscription waits before it sends a
/// heartbeat: 15 seconds.
pub const DEFAULT_SUBSCRIPTION_HEARTBEAT: Duration = Duration::from_secs(15);

/// The default bound on the calls a server runs at once (the QoS prefetch).
pub const DEFAULT_PREFETCH: u16 = 64;

/// Serves a [`Dispatcher`] on a RabbitMQ queue, the way the RabbitMQ RPC
/// tutorial describes: each message is a call (a JSON-RPC 2.0 request as
/// `application/json`, or an XML-RPC `methodCall` as `text/xml`), and its
/// answer is published to the default exchange with the request's `reply_to`
/// as routing key, its `correlation_id` and its content type.
///
/// - At most [`prefetch`](Self::prefetch) calls run at once (the broker's QoS).
/// - A request is acknowledged only once its reply is confirmed by the broker,
///   so a server that dies mid-call loses nothing: the broker redelivers it.
///   Requests done in a row are acknowledged with one `basic.ack`
///   (`multiple`); one done while an earlier call still runs is acknowledged
///   alone at once, so a long call holds up no other.
/// - A message without `reply_to` is a notification: run, not answered. One
///   that cannot be decoded is answered with an error when it has a
///   `reply_to`, and otherwise rejected without requeue (a dead-letter
///   exchange, if the queue has one, keeps it).
/// - When the connection drops, the server reconnects with backoff and
///   consumes again; on shutdown it stops consuming, finishes and acknowledges
///   the calls in flight, then closes.
/// - An answer to a caller on a node the broker does not know (gone with its
///   node, or forged), which RabbitMQ 3.x refuses by closing the connection
///   that publishes it, costs no other call: answers to nodes not reached yet
///   and to redelivered calls go on a connection of the server's own
///   (`rpc-amqp quarantine (server QUEUE)`), and one the broker refuses so is
///   dropped, its call acknowledged.
///
/// Several servers on the same queue share the calls (competing consumers).
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_amqp::AmqpServer;
///
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// struct English;
/// impl Hello for English {
///     async fn hello(&self, name: String) -> Result<String, RpcError> {
///         Ok(format!("hello, {name}"))
///     }
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), rpc_amqp::AmqpError> {
/// AmqpServer::new(HelloServer::new(English))
///     .queue("hello")
///     .prefetch(32)
///     .serve_with_shutdown("amqp://guest:guest@127.0.0.1:5672/%2f", async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "call `serve` to consume the queue"]
pub struct AmqpServer {
    codecs: Arc<Codecs>,
    queue: String,
    /// Whether the queue was named by the user (for an exchange: a durable
    /// queue of the user's, rather than one of the connection's own).
    queue_named: bool,
    /// Set when serving the calls published to this topic exchange.
    exchange: Option<String>,
    prefetch: u16,
    durable: bool,
    queue_type: QueueType,
    arguments: FieldTable,
    tls: Arc<ClientTls>,
    heartbeat: Duration,
    subscriptions: Arc<Subscriptions>,
}

/// The kind of queue a server declares for its service.
///
/// ```no_run
/// # #[rpc_core::service] pub trait Hello { async fn hi(&self); }
/// # struct I; impl Hello for I { async fn hi(&self) {} }
/// use rpc_amqp::{AmqpServer, QueueType};
///
/// # async fn run() -> Result<(), rpc_amqp::AmqpError> {
/// AmqpServer::new(HelloServer::new(I))
///     .queue_type(QueueType::Quorum)
///     .serve("amqp://a:5672/%2f,amqp://b:5672/%2f,amqp://c:5672/%2f")
///     .await
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueueType {
    /// A classic queue, kept on one node (the default): the choice for a
    /// single broker.
    #[default]
    Classic,
    /// A quorum queue (`x-queue-type=quorum`), replicated on a majority of
    /// the cluster's nodes: the choice for a cluster, as it survives the loss
    /// of a node with the calls it holds. Always durable.
    Quorum,
}

/// The protocols a message can be in, and the bound on its size.
#[derive(Debug, Clone)]
pub(crate) struct Codecs {
    pub jsonrpc: JsonRpc,
    pub xmlrpc: XmlRpc,
    pub max_body_size: usize,
}

impl Codecs {
    /// Whether `method` is a `#[subscription]`.
    fn is_subscription(&self, method: &str) -> bool {
        self.jsonrpc
            .dispatcher()
            .method(method)
            .is_some_and(|m| m.subscription)
    }
}

/// Publishes `body` to `routing_key` through the default exchange on
/// `channel` (in confirm mode) and waits for the broker's confirm: how the
/// server sends every answer and pushed item.
async fn publish_confirmed(
    channel: &lapin::Channel,
    routing_key: &str,
    options: lapin::options::BasicPublishOptions,
    body: &[u8],
    properties: lapin::BasicProperties,
) -> Result<lapin::Confirmation, lapin::Error> {
    channel
        .basic_publish("".into(), routing_key.into(), options, body, properties)
        .await?
        .await
}

/// The default bound on a message body: 2 MiB, as the HTTP front ends'.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

impl AmqpServer {
    /// Serves `dispatcher` on the queue named after its service (see
    /// [`default_queue`]).
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        let dispatcher = dispatcher.into();
        let queue = dispatcher
            .services()
            .first()
            .map(|s| default_queue(s))
            .unwrap_or_else(|| "rpc".into());
        Self {
            codecs: Arc::new(Codecs {
                jsonrpc: JsonRpc::new(dispatcher.clone()),
                xmlrpc: XmlRpc::new(dispatcher),
                max_body_size: DEFAULT_MAX_BODY_SIZE,
            }),
            queue,
            queue_named: false,
            exchange: None,
            prefetch: DEFAULT_PREFETCH,
            durable: true,
            queue_type: QueueType::Classic,
            arguments: FieldTable::default(),
            tls: Arc::new(ClientTls::new()),
            heartbeat: DEFAULT_SUBSCRIPTION_HEARTBEAT,
            subscriptions: Arc::new(Subscriptions::new()),
        }
    }

    /// How long an idle subscription waits before it publishes a heartbeat
    /// (default [`DEFAULT_SUBSCRIPTION_HEARTBEAT`]): the subscriber learns
    /// the server is there, and the server, from a heartbeat the broker
    /// returns, that the subscriber's queue is gone, which ends the
    /// subscription.
    ///
    /// ```
    /// # #[rpc_core::service] pub trait Hello { async fn hi(&self); }
    /// # struct I; impl Hello for I { async fn hi(&self) {} }
    /// let server = rpc_amqp::AmqpServer::new(HelloServer::new(I))
    ///     .subscription_heartbeat(std::time::Duration::from_secs(5));
    /// # let _ = server;
    /// ```
    pub fn subscription_heartbeat(mut self, every: Duration) -> Self {
        self.heartbeat = every.max(Duration::from_millis(10));
        self
    }

    /// Bounds the size of a message body (default [`DEFAULT_MAX_BODY_SIZE`]);
    /// a larger call is answered with an invalid-request error (or, without
    /// `reply_to`, rejected) and never decoded.
    ///
    /// ```
    /// # #[rpc_core::service] pub trait Hello { async fn hi(&self); }
    /// # struct I; impl Hello for I { async fn hi(&self) {} }
    /// let server = rpc_amqp::AmqpServer::new(HelloServer::new(I))
    ///     .max_body_size(256 * 1024)
    ///     .max_batch_len(20);
    /// # let _ = server;
    /// ```
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        Arc::make_mut(&mut self.codecs).max_body_size = bytes;
        self
    }

    /// Bounds the number of requests in one JSON-RPC batch (default 100).
    pub fn max_batch_len(mut self, len: usize) -> Self {
        let codecs = Arc::make_mut(&mut self.codecs);
        codecs.jsonrpc = codecs.jsonrpc.clone().max_batch_len(len);
        self
    }

    /// Consumes this queue instead.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = queue.into();
        self.queue_named = true;
        self
    }

    /// Serves the calls published to the topic `exchange`
    /// ([`AmqpTransport::publisher`](crate::AmqpTransport::publisher)):
    /// every server bound to it runs every call, one at a time in the order
    /// they were published, where on a queue ([`queue`](Self::queue) alone)
    /// each call goes to one server and calls run at once. Use a
    /// queue for calls that want an answer or share work, an exchange for
    /// events that every process must see.
    ///
    /// The server binds a queue of its own to the exchange for every
    /// routing key (`#`): by default one the broker names, exclusive to its
    /// connection and gone with it, so calls published while the server is
    /// away are missed; with [`queue`](Self::queue), that durable queue,
    /// where they wait for it.
    ///
    /// ```no_run
    /// use rpc_core::RpcError;
    /// use rpc_amqp::AmqpServer;
    ///
    /// #[rpc_core::service]
    /// pub trait Events {
    ///     async fn happened(&self, what: String) -> Result<(), RpcError>;
    /// }
    ///
    /// struct Log;
    ///
    /// impl Events for Log {
    ///     async fn happened(&self, what: String) -> Result<(), RpcError> {
    ///         println!("{what}");
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), rpc_amqp::AmqpError> {
    /// AmqpServer::new(EventsServer::new(Log))
    ///     .exchange("events")
    ///     .serve("amqp://guest:guest@127.0.0.1:5672/%2f")
    ///     .await
    /// # }
    /// ```
    pub fn exchange(mut self, exchange: impl Into<String>) -> Self {
        self.exchange = Some(exchange.into());
        self
    }

    /// Runs at most `prefetch` calls at once (default [`DEFAULT_PREFETCH`]).
    pub fn prefetch(mut self, prefetch: u16) -> Self {
        self.prefetch = prefetch.max(1);
        self
    }

    /// Declares the queue durable (default) or not. It must match how the
    /// queue was declared before, or the broker refuses it.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Declares the queue with these arguments: a dead-letter exchange
    /// (`x-dead-letter-exchange`), a quorum queue (`x-queue-type: quorum`)…
    /// They must match how the queue was declared before.
    ///
    /// ```
    /// use rpc_amqp::lapin::types::{AMQPValue, FieldTable};
    ///
    /// let mut arguments = FieldTable::default();
    /// arguments.insert("x-queue-type".into(), AMQPValue::LongString("quorum".into()));
    /// # #[rpc_core::service] pub trait S { async fn m(&self); }
    /// # struct I; impl S for I { async fn m(&self) {} }
    /// let server = rpc_amqp::AmqpServer::new(SServer::new(I)).queue_arguments(arguments);
    /// # let _ = server;
    /// ```
    pub fn queue_arguments(mut self, arguments: FieldTable) -> Self {
        self.arguments = arguments;
        self
    }

    /// The kind of queue to declare (default [`QueueType::Classic`]; use
    /// [`QueueType::Quorum`] on a cluster). A queue that exists with another
    /// kind is not changed: serving stops with [`AmqpError::Queue`].
    pub fn queue_type(mut self, queue_type: QueueType) -> Self {
        self.queue_type = queue_type;
        self
    }

    /// Trusts, over `amqps://`, what `tls` says (default: the platform's
    /// roots), and shows its client certificate if it has one.
    ///
    /// ```no_run
    /// # #[rpc_core::service] pub trait Hello { async fn hi(&self); }
    /// # struct I; impl Hello for I { async fn hi(&self) {} }
    /// use rpc_core::tls::ClientTls;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let tls = ClientTls::new().add_ca_file("ca.pem")?;
    /// rpc_amqp::AmqpServer::new(HelloServer::new(I))
    ///     .tls(tls)
    ///     .serve("amqps://guest:guest@broker.example:5671/%2f")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, tls: ClientTls) -> Self {
        self.tls = Arc::new(tls);
        self
    }

    /// The queue this server consumes.
    pub fn queue_name(&self) -> &str {
        &self.queue
    }

    /// Serves on `brokers` (one URL, or the nodes of a cluster: see
    /// [`Brokers`]) until the process ends.
    pub async fn serve(self, brokers: impl Into<Brokers>) -> Result<(), AmqpError> {
        self.serve_with_shutdown(brokers, std::future::pending())
            .await
    }

    /// The same as [`serve_with_shutdown`](Self::serve_with_shutdown); kept
    /// for the code that calls it so.
    pub async fn serve_with_shutdown_owned(
        self,
        brokers: impl Into<Brokers>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), AmqpError> {
        self.serve_with_shutdown(brokers, shutdown).await
    }

    /// Serves on `brokers` until `shutdown` resolves, then stops consuming,
    /// finishes and acknowledges the calls in flight, and closes. A broker
    /// that cannot be reached, or a connection lost, is retried with backoff
    /// on the next node of the cluster, each attempt logged; the queue is
    /// declared again on each connection.
    pub async fn serve_with_shutdown(
        self,
        brokers: impl Into<Brokers>,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), AmqpError> {
        let brokers = brokers.into();
        let quarantine = Arc::new(Quarantine::new(
            brokers.clone(),
            Arc::clone(&self.tls),
            &self.queue,
        ));
        let mut shutdown = std::pin::pin!(shutdown);
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.consume(&brokers, &quarantine, shutdown.as_mut()).await {
                Ok(()) => {
                    quarantine.close().await;
                    return Ok(());
                }
                Err(Stop::Connect(
                    err @ (AmqpError::Url { .. } | AmqpError::Tls(_) | AmqpError::Queue { .. }),
                )) => {
                    // Settings that no retry mends.
                    return Err(err);
                }
                Err(Stop::Connect(err)) => {
                    tracing::warn!(queue = %self.queue, error = %err, retry_in = ?backoff, "cannot connect to the AMQP broker; retrying");
                }
                Err(Stop::Lost(err)) => {
                    tracing::warn!(queue = %self.queue, error = %err, retry_in = ?backoff, "AMQP connection lost or refused; reconnecting");
                }
                Err(Stop::Connected(err)) => {
                    backoff = Duration::from_millis(100);
                    tracing::warn!(queue = %self.queue, error = %err, retry_in = ?backoff, "AMQP connection lost; reconnecting");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = shutdown.as_mut() => {
                    quarantine.close().await;
                    return Ok(());
                }
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}
