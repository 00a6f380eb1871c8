//! [`AmqpTransport`]: calls a service over RabbitMQ, with direct reply-to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use rpc_core::tls::ClientTls;
use rpc_core::{ClientError, MethodMeta, ServiceMeta, Transport, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use crate::{AmqpError, default_queue};

/// RabbitMQ's pseudo-queue for direct reply-to.
const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

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
/// - After the connection is lost (a broker restart), the next call connects
///   again.
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
    timeout: Duration,
    headers: FieldTable,
    tls: Arc<ClientTls>,
}

#[derive(Debug)]
struct Inner {
    url: String,
    /// The calls waiting for their answer, by correlation id.
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<Delivery>>>>,
    session: tokio::sync::Mutex<Option<Session>>,
    next_id: AtomicU64,
    prefix: String,
}

#[derive(Debug)]
struct Session {
    connection: Connection,
    channel: Channel,
}

impl AmqpTransport {
    /// A transport calling the service that consumes `queue` on the broker at
    /// `url` (`amqp://user:password@host:port/vhost`). It connects on the
    /// first call.
    pub fn new(url: &str, queue: impl Into<String>) -> Self {
        static INSTANCE: AtomicU64 = AtomicU64::new(0);
        let prefix = format!(
            "{}-{}",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            config: Arc::new(Config {
                queue: queue.into(),
                timeout: DEFAULT_TIMEOUT,
                headers: FieldTable::default(),
                tls: Arc::new(ClientTls::new()),
            }),
            inner: Arc::new(Inner {
                url: url.to_owned(),
                pending: Arc::default(),
                session: tokio::sync::Mutex::new(None),
                next_id: AtomicU64::new(1),
                prefix,
            }),
        }
    }

    /// A transport calling `service` on its default queue ([`default_queue`]).
    pub fn for_service(url: &str, service: &ServiceMeta) -> Self {
        Self::new(url, default_queue(service))
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

    /// The channel of the current connection, connecting if there is none or
    /// it was lost.
    async fn channel(&self) -> Result<Channel, AmqpError> {
        let mut session = self.inner.session.lock().await;
        if let Some(current) = session.as_ref() {
            if current.channel.status().connected() && current.connection.status().connected() {
                return Ok(current.channel.clone());
            }
            tracing::info!(queue = %self.config.queue, "the AMQP connection was lost; connecting again");
        }
        let properties =
            ConnectionProperties::default().with_connection_name("rpc-amqp client".into());
        let connection =
            crate::connect::connect(&self.inner.url, properties, &self.config.tls).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let options = BasicConsumeOptions {
            no_ack: true,
            ..Default::default()
        };
        let mut replies = channel
            .basic_consume(
                DIRECT_REPLY_TO.into(),
                "".into(),
                options,
                FieldTable::default(),
            )
            .await?;
        let pending = Arc::clone(&self.inner.pending);
        tokio::spawn(async move {
            while let Some(Ok(reply)) = replies.next().await {
                let waiting = reply
                    .properties
                    .correlation_id()
                    .as_ref()
                    .and_then(|id| pending.lock().ok()?.remove(id.as_str()));
                match waiting {
                    Some(caller) => drop(caller.send(reply)),
                    None => tracing::debug!(
                        "dropping an answer nobody waits for (a call that timed out)"
                    ),
                }
            }
            // The connection is gone: the calls still waiting fail now
            // rather than at their timeout.
            if let Ok(mut pending) = pending.lock() {
                pending.clear();
            }
        });
        *session = Some(Session {
            connection,
            channel: channel.clone(),
        });
        Ok(channel)
    }

    async fn publish(&self, body: &[u8], correlation_id: &str) -> Result<(), AmqpError> {
        let mut last_error = None;
        // A connection lost since the last call is noticed when publishing:
        // connect again once.
        for _ in 0..2 {
            let channel = self.channel().await?;
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
            let confirmation = match published {
                Ok(confirm) => confirm.await,
                Err(err) => Err(err),
            };
            match confirmation {
                Ok(Confirmation::Ack(None) | Confirmation::NotRequested) => return Ok(()),
                Ok(Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned))) => {
                    return Err(AmqpError::NoServer {
                        queue: self.config.queue.clone(),
                        reason: returned.reply_text.to_string(),
                    });
                }
                Ok(Confirmation::Nack(None)) => {
                    return Err(AmqpError::Refused(self.config.queue.clone()));
                }
                Err(err) => {
                    *self.inner.session.lock().await = None;
                    last_error = Some(err);
                }
            }
        }
        Err(last_error.map_or(AmqpError::Lost, AmqpError::Broker))
    }
}

impl Transport for AmqpTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let correlation_id = format!("{}-{id}", self.inner.prefix);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let (sender, answer) = oneshot::channel();
        self.inner
            .pending
            .lock()
            .map_err(|_| ClientError::transport("the client's state is poisoned"))?
            .insert(correlation_id.clone(), sender);
        let forget = || {
            if let Ok(mut pending) = self.inner.pending.lock() {
                pending.remove(&correlation_id);
            }
        };
        let exchange = async {
            self.publish(&body, &correlation_id).await.map_err(|err| {
                if err.is_connect() {
                    ClientError::connect(err)
                } else {
                    ClientError::transport(err)
                }
            })?;
            answer
                .await
                .map_err(|_| ClientError::transport(AmqpError::Lost))
        };
        match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(Ok(reply)) => jsonrpc::decode_reply(&reply.data),
            Ok(Err(err)) => {
                forget();
                Err(err)
            }
            Err(_) => {
                forget();
                Err(ClientError::Timeout(self.config.timeout))
            }
        }
    }
}
