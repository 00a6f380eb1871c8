//! [`AmqpTransport`]: calls a service over RabbitMQ, with direct reply-to.

mod publisher;
mod retry;
mod session;
mod subscribe;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use lapin::options::BasicPublishOptions;
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation};
use rpc_core::tls::ClientTls;
use rpc_core::{ClientError, MethodMeta, ServiceMeta, SubscriptionStream, Transport, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

pub use self::retry::Retry;
use self::session::{DIRECT_REPLY_TO, Pending, Session};
use crate::{AmqpError, Brokers, default_queue};

/// The default time a call may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A [`Transport`] that calls a service over RabbitMQ: each call is a
/// JSON-RPC 2.0 request published to the service's queue, and its answer
/// comes back by RabbitMQ's direct reply-to, matched by `correlation_id`.
///
/// - Many calls run at once on one connection.
/// - A call to a queue no server consumes fails at once with
///   [`AmqpError::NoServer`] (the call is published `mandatory`).
/// - A call that outlives its timeout fails with [`ClientError::Timeout`];
///   the timeout is also the message's `expiration`, so the broker drops a
///   request nobody waits for, and a late answer is dropped.
/// - It connects to one node of the cluster ([`Brokers`]); after losing it
///   (a broker restart, a node down), the next call connects to the next.
/// - Every call has exactly one outcome. One that could not be sent fails at
///   once with [`ClientError::Connect`] (it did not run). One that was sent
///   when the connection was lost, before its answer, fails at once with
///   [`ClientError::Interrupted`] (it may have run), unless [`Retry`] says to
///   send it again on a new connection (by default, the calls of methods
///   marked `#[rpc(idempotent)]`). No call waits for its timeout because of
///   a lost connection, and a second answer to one call is dropped.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_amqp::AmqpTransport;
///
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = AmqpTransport::new("amqp://guest:guest@127.0.0.1:5672/%2f", "hello")
///     .timeout(std::time::Duration::from_secs(5));
/// let client = HelloClient::new(transport);
/// println!("{}", client.hello("ada".into()).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AmqpTransport {
    config: Arc<Config>,
    inner: Arc<Inner>,
}

/// What a transport is told before its first call.
#[derive(Clone, Debug)]
struct Config {
    queue: String,
    /// Set for a publisher: calls go to this topic exchange.
    exchange: Option<String>,
    timeout: Duration,
    headers: FieldTable,
    tls: Arc<ClientTls>,
    retry: Retry,
}

#[derive(Debug)]
struct Inner {
    brokers: Brokers,
    pending: Arc<Pending>,
    session: tokio::sync::Mutex<Option<Session>>,
    /// How many connections were opened.
    generations: AtomicU64,
    next_id: AtomicU64,
    /// Calls the broker did not take, in a row: past [`REFUSALS_TO_MOVE`],
    /// the connection is left for another node.
    refused_in_a_row: AtomicU64,
    /// The connection on which a publisher declared its exchange.
    exchange_declared: AtomicU64,
}

/// How many calls in a row a node may decline to take (negative confirms)
/// before the transport connects again, to the next node: a node that has
/// just rejoined its cluster may decline calls for a long while.
const REFUSALS_TO_MOVE: u64 = 3;

impl AmqpTransport {
    /// A transport calling the service that consumes `queue` on the brokers
    /// of a cluster (one URL `amqp://user:password@host:port/vhost`, or
    /// several: see [`Brokers`]). It connects on the first call.
    pub fn new(brokers: impl Into<Brokers>, queue: impl Into<String>) -> Self {
        static INSTANCE: AtomicU64 = AtomicU64::new(0);
        let prefix = format!(
            "{}-{}-",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            config: Arc::new(Config {
                queue: queue.into(),
                exchange: None,
                timeout: DEFAULT_TIMEOUT,
                headers: FieldTable::default(),
                tls: Arc::new(ClientTls::new()),
                retry: Retry::default(),
            }),
            inner: Arc::new(Inner {
                brokers: brokers.into(),
                pending: Arc::new(Pending::new(prefix)),
                session: tokio::sync::Mutex::new(None),
                generations: AtomicU64::new(0),
                next_id: AtomicU64::new(1),
                refused_in_a_row: AtomicU64::new(0),
                exchange_declared: AtomicU64::new(0),
            }),
        }
    }

    /// A transport that publishes each call to the topic `exchange` (declared
    /// durable if missing), routed by the method's name, for every server
    /// bound to it to run ([`AmqpServer::exchange`](crate::AmqpServer::exchange)):
    /// publish/subscribe, where [`new`](Self::new) is one call, one server.
    /// A call is a JSON-RPC 2.0 notification, `Ok` once the broker took it
    /// (publisher confirms), whether or not a server listens; only methods
    /// that return `()` can be published.
    ///
    /// ```no_run
    /// use rpc_core::RpcError;
    /// use rpc_amqp::AmqpTransport;
    ///
    /// #[rpc_core::service]
    /// pub trait Events {
    ///     async fn happened(&self, what: String) -> Result<(), RpcError>;
    /// }
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let events = EventsClient::new(AmqpTransport::publisher("amqp://127.0.0.1:5672/%2f", "events"));
    /// events.happened("the lights went out".into()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn publisher(brokers: impl Into<Brokers>, exchange: impl Into<String>) -> Self {
        let mut transport = Self::new(brokers, "");
        Arc::make_mut(&mut transport.config).exchange = Some(exchange.into());
        transport
    }

    /// A transport calling `service` on its default queue ([`default_queue`]).
    pub fn for_service(brokers: impl Into<Brokers>, service: &ServiceMeta) -> Self {
        Self::new(brokers, default_queue(service))
    }

    /// Which calls are sent again after a lost connection (default
    /// [`Retry::Idempotent`]).
    pub fn retry(mut self, retry: Retry) -> Self {
        Arc::make_mut(&mut self.config).retry = retry;
        self
    }

    /// Bounds the time of a call (default 30 s); it is also sent as the
    /// message's `expiration`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.config).timeout = timeout;
        self
    }

    /// Trusts, over `amqps://`, what `tls` says (default: the platform's
    /// roots), and shows its client certificate if it has one.
    pub fn tls(mut self, tls: ClientTls) -> Self {
        Arc::make_mut(&mut self.config).tls = Arc::new(tls);
        self
    }

    /// Sends this header with every call, as an AMQP message header (e.g.
    /// `Authorization`); a server gives it to layers as an HTTP header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let value = lapin::types::AMQPValue::LongString(value.into());
        Arc::make_mut(&mut self.config)
            .headers
            .insert(name.into(), value);
        self
    }

    /// The queue calls are sent to.
    pub fn queue(&self) -> &str {
        &self.config.queue
    }

    /// The current connection, opening one if there is none or it was lost.
    async fn session(&self) -> Result<tokio::sync::MappedMutexGuard<'_, Session>, AmqpError> {
        let mut session = self.inner.session.lock().await;
        if let Some(current) = session.as_ref()
            && !current.is_alive()
        {
            tracing::info!(queue = %self.config.queue, "the AMQP connection was lost; connecting again");
            current.retire(&self.inner.brokers);
            *session = None;
        }
        if session.is_none() {
            let generation = self.inner.generations.fetch_add(1, Ordering::Relaxed) + 1;
            // Boxed: connecting (TCP, TLS, AMQP's handshake) is a future
            // of kilobytes, which every call's future would carry inline
            // (and copy) when it only connects once in a while.
            let opened = Box::pin(Session::open(
                &self.inner.brokers,
                &self.config.tls,
                Arc::clone(&self.inner.pending),
                generation,
            ))
            .await?;
            *session = Some(opened);
        }
        Ok(tokio::sync::MutexGuard::map(session, |s| {
            s.as_mut().expect("a session was just opened")
        }))
    }

    /// Publishes call `number` and waits for the body of its answer.
    ///
    /// Boxed: the generic `call` awaits it, and a future polled only there
    /// would be compiled again in every crate that calls through a client.
    fn attempt<'a>(
        &'a self,
        body: &'a [u8],
        number: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, Failed>> {
        Box::pin(self.attempt_once(body, number))
    }

    /// What [`attempt`](Self::attempt) does.
    async fn attempt_once(&self, body: &[u8], number: u64) -> Result<Vec<u8>, Failed> {
        let correlation_id = self.inner.pending.correlation_id(number);
        let answer = self
            .publish(body, &correlation_id, |generation| {
                self.inner.pending.wait(number, generation)
            })
            .await?;
        answer.await.map_err(|_| Failed::MaybeRan(AmqpError::Lost))
    }

    /// Publishes one call, once `register` has said, for the connection it
    /// goes on, where its answers go; `register`'s handle once the broker
    /// took the call.
    async fn publish<T>(
        &self,
        body: &[u8],
        correlation_id: &str,
        mut register: impl FnMut(u64) -> T,
    ) -> Result<T, Failed> {
        // A connection lost since the last call shows when publishing: the
        // call was not sent, so it is sent on a new connection at once.
        for _ in 0..2 {
            let (channel, generation) = {
                let session = self.session().await.map_err(Failed::NotSent)?;
                (session.channel.clone(), session.generation)
            };
            let answer = register(generation);
            let properties = BasicProperties::default()
                .with_content_type("application/json".into())
                .with_reply_to(DIRECT_REPLY_TO.into())
                .with_correlation_id(correlation_id.into())
                .with_expiration(self.config.timeout.as_millis().to_string().into())
                .with_headers(self.config.headers.clone());
            let options = BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            };
            let published = channel
                .basic_publish(
                    "".into(),
                    self.config.queue.as_str().into(),
                    options,
                    body,
                    properties,
                )
                .await;
            let confirm = match published {
                Ok(confirm) => confirm,
                Err(err) => {
                    tracing::debug!(error = %err, "the call could not be published; connecting again");
                    self.drop_session(generation).await;
                    continue;
                }
            };
            // Sent: from here on, a loss means the call may have run.
            let confirmed = confirm.await;
            if matches!(confirmed, Ok(Confirmation::Nack(None))) {
                let refused = self.inner.refused_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                if refused >= REFUSALS_TO_MOVE {
                    tracing::info!(
                        refused,
                        "the broker node keeps declining calls; connecting to the next one"
                    );
                    self.inner.refused_in_a_row.store(0, Ordering::Relaxed);
                    self.drop_session(generation).await;
                }
            } else {
                self.inner.refused_in_a_row.store(0, Ordering::Relaxed);
            }
            return match confirmed {
                Ok(Confirmation::Ack(None) | Confirmation::NotRequested) => Ok(answer),
                Ok(Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned))) => {
                    Err(Failed::Refused(AmqpError::NoServer {
                        queue: self.config.queue.clone(),
                        reason: returned.reply_text.to_string(),
                    }))
                }
                // The broker did not take the call (a quorum queue electing a
                // new leader, a node going down): it did not run.
                Ok(Confirmation::Nack(None)) => Err(Failed::NotTaken(AmqpError::Refused(
                    self.config.queue.clone(),
                ))),
                Err(err) => {
                    self.drop_session(generation).await;
                    Err(Failed::MaybeRan(AmqpError::Broker(err)))
                }
            };
        }
        Err(Failed::NotSent(AmqpError::Lost))
    }

    /// Forgets connection `generation` if it is still the current one.
    async fn drop_session(&self, generation: u64) {
        let mut session = self.inner.session.lock().await;
        if let Some(current) = session.as_ref()
            && current.generation == generation
        {
            current.retire(&self.inner.brokers);
            *session = None;
        }
    }
}

/// Why an attempt at a call failed.
enum Failed {
    /// The call was not sent: it did not run.
    NotSent(AmqpError),
    /// The broker refused the call (no server consumes the queue): it did not
    /// run.
    Refused(AmqpError),
    /// The broker did not take the call for now (a negative confirm): it did
    /// not run, and may be sent again after a pause.
    NotTaken(AmqpError),
    /// The connection was lost after the call was sent: it may have run.
    MaybeRan(AmqpError),
}

impl Transport for AmqpTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        if let Some(exchange) = &self.config.exchange {
            return self.publish_call(exchange, method, params).await;
        }
        let deadline = Instant::now() + self.config.timeout;
        let mut attempts = 0;
        let mut pause = Duration::from_millis(50);
        loop {
            attempts += 1;
            // Each attempt has its own id: an answer to an earlier attempt,
            // should one still come, is not taken for this one's.
            let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
            let body = jsonrpc::encode_call(method.name, &params, id)?;
            let attempt = tokio::time::timeout_at(deadline, self.attempt(&body, id));
            let failed = match attempt.await {
                Ok(Ok(reply)) => return jsonrpc::decode_reply(&reply),
                Ok(Err(failed)) => failed,
                Err(_) => {
                    self.inner.pending.forget_call(id);
                    return Err(ClientError::Timeout(self.config.timeout));
                }
            };
            self.inner.pending.forget_call(id);
            match failed {
                Failed::NotSent(err) if err.is_connect() => return Err(ClientError::connect(err)),
                Failed::NotSent(err) | Failed::Refused(err) => {
                    return Err(ClientError::transport(err));
                }
                Failed::NotTaken(err) => {
                    if Instant::now() + pause >= deadline {
                        return Err(ClientError::transport(err));
                    }
                    tracing::debug!(
                        method = method.name,
                        attempts,
                        "the broker did not take the call; sending it again"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                Failed::MaybeRan(err) if self.config.retry.allows(method) => {
                    tracing::info!(method = method.name, attempts, error = %err, "the connection was lost during a call; sending it again");
                }
                Failed::MaybeRan(err) => return Err(ClientError::interrupted(err)),
            }
        }
    }

    /// Subscribes with the call's own `reply_to`: its items come as they
    /// are published, heartbeats in between (see [`crate::subscription`]).
    /// A subscribe call is not sent again after a lost connection; dropping
    /// the stream sends `rpc.unsubscribe`.
    async fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<SubscriptionStream<R>, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        self.open_subscription(method, params).await
    }
}

impl Failed {
    /// The error of a call that failed so, not sent again.
    fn into_client_error(self) -> ClientError {
        match self {
            Failed::NotSent(err) if err.is_connect() => ClientError::connect(err),
            Failed::NotSent(err) | Failed::Refused(err) | Failed::NotTaken(err) => {
                ClientError::transport(err)
            }
            Failed::MaybeRan(err) => ClientError::interrupted(err),
        }
    }
}
