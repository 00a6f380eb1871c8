//! [`MqttTransport`]: the generated clients' transport over MQTT 5
//! request/response, with a response topic of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use rpc_core::tls::ClientTls;
use rpc_core::{ClientError, MethodMeta, Transport, jsonrpc};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
use rumqttc::v5::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{oneshot, watch};

use crate::MqttError;
use crate::options::{options, redact, unique_id};

/// The default time a call may take: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest pause between two tries to reach the broker.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Calls a service's methods over MQTT 5: each call is a JSON-RPC 2.0
/// request published (QoS 1) to the service's request topic, with the
/// transport's own response topic (`<topic>/reply/<client id>`, subscribed
/// before the first call) and the call's id as correlation data.
///
/// Every call has one outcome within its timeout:
///
/// - the broker cannot be reached: [`ClientError::Connect`] at once (the
///   call was not sent);
/// - the connection is lost after the call was sent, before its answer:
///   [`ClientError::Interrupted`] at once (it may have run);
/// - no answer in time (no server is subscribed, or the one that took the
///   call died): [`ClientError::Timeout`].
///
/// The transport connects on its first call and reconnects by itself, with
/// backoff. Clones share one connection.
///
/// ```no_run
/// # #[rpc_core::service] pub trait Hello { async fn hello(&self, name: String) -> Result<String, rpc_core::RpcError>; }
/// use std::time::Duration;
/// use rpc_mqtt::MqttTransport;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = MqttTransport::new("mqtt://127.0.0.1:1883", "hello/rpc")?
///     .timeout(Duration::from_secs(5))
///     .header("authorization", "Bearer s3cret");
/// let client = HelloClient::new(transport);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MqttTransport {
    config: Arc<Config>,
    /// Made by the first call; clones share it.
    connection: Arc<OnceLock<Connection>>,
}

/// What the transport was told; applies to the connection the first call
/// makes.
#[derive(Clone, Debug)]
struct Config {
    url: String,
    options: MqttOptions,
    topic: String,
    reply_topic: String,
    timeout: Duration,
    /// Sent with every call as user properties.
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct Connection {
    client: AsyncClient,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    next_id: AtomicU64,
    /// Calls waiting for their answer, by id.
    waiting: Mutex<HashMap<u64, oneshot::Sender<Bytes>>>,
    state: watch::Sender<State>,
}

/// Where the connection stands.
#[derive(Clone, Debug)]
enum State {
    Connecting,
    /// Connected, and the response topic subscribed.
    Ready,
    /// Lost or not reached; being tried again.
    Down(String),
}

impl MqttTransport {
    /// A transport calling the service whose request topic is `topic`
    /// (e.g. `datacenter/rpc`), on the broker at `url`
    /// (`mqtt://[user:password@]host[:port]`, or `mqtts://…` over TLS,
    /// trusting the platform's roots until [`tls`](Self::tls) says
    /// otherwise). It connects on its first call, in the background.
    pub fn new(url: &str, topic: impl Into<String>) -> Result<Self, MqttError> {
        let topic = topic.into();
        let id = unique_id("rpc-client");
        Ok(Self {
            config: Arc::new(Config {
                url: url.to_owned(),
                options: options(url, &id, &ClientTls::new())?,
                reply_topic: format!("{topic}/reply/{id}"),
                topic,
                timeout: DEFAULT_TIMEOUT,
                headers: Vec::new(),
            }),
            connection: Arc::default(),
        })
    }

    /// Bounds the time of a call (default [`DEFAULT_TIMEOUT`]); it is also
    /// sent as the request's message expiry interval (rounded up to a
    /// second), which the server takes as the call's deadline.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.config).timeout = timeout;
        self
    }

    /// Sends this user property with every call; the server hands it to
    /// its layers as a header (e.g. `authorization`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config)
            .headers
            .push((name.into(), value.into()));
        self
    }

    /// Trusts, for an `mqtts://` broker, what `tls` says (extra CAs, a
    /// client certificate), rather than the platform's roots alone. Set it
    /// before the first call.
    pub fn tls(mut self, tls: &ClientTls) -> Result<Self, MqttError> {
        let config = Arc::make_mut(&mut self.config);
        let id = config.options.client_id();
        config.options = options(&config.url, &id, tls)?;
        Ok(self)
    }

    /// The connection, made by the first call.
    fn connection(&self) -> &Connection {
        self.connection.get_or_init(|| {
            let (client, events) = AsyncClient::new(self.config.options.clone(), 64);
            let (state, _) = watch::channel(State::Connecting);
            let shared = Arc::new(Shared {
                next_id: AtomicU64::new(1),
                waiting: Mutex::default(),
                state,
            });
            tokio::spawn(drive(
                events,
                client.clone(),
                Arc::clone(&shared),
                self.config.reply_topic.clone(),
                redact(&self.config.url),
            ));
            Connection { client, shared }
        })
    }

    /// Waits, within the call's time, until the response topic is
    /// subscribed; an error if the broker cannot be reached now.
    async fn ready(&self, shared: &Shared) -> Result<(), ClientError> {
        let timeout = self.config.timeout;
        let mut state = shared.state.subscribe();
        let ready = state.wait_for(|s| !matches!(s, State::Connecting));
        let state = tokio::time::timeout(timeout, ready)
            .await
            .map_err(|_| ClientError::Timeout(timeout))?
            .map_err(|_| ClientError::connect("the MQTT connection has ended"))?
            .clone();
        match state {
            State::Ready => Ok(()),
            State::Down(reason) => Err(ClientError::connect(reason)),
            State::Connecting => unreachable!("waited for"),
        }
    }
}

impl Transport for MqttTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let Connection { client, shared } = self.connection();
        self.ready(shared).await?;
        let config = &self.config;
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let (answered, answer) = oneshot::channel();
        shared
            .waiting
            .lock()
            .expect("never poisoned")
            .insert(id, answered);
        let _forget = Forget { shared, id };
        let properties = PublishProperties {
            response_topic: Some(config.reply_topic.clone()),
            correlation_data: Some(Bytes::from(id.to_string())),
            content_type: Some("application/json".into()),
            message_expiry_interval: Some(
                u32::try_from(config.timeout.as_millis().div_ceil(1000)).unwrap_or(u32::MAX),
            ),
            user_properties: config.headers.clone(),
            ..Default::default()
        };
        client
            .publish_with_properties(
                config.topic.clone(),
                QoS::AtLeastOnce,
                false,
                body,
                properties,
            )
            .await
            .map_err(|err| ClientError::connect(format!("cannot publish the call: {err}")))?;
        match tokio::time::timeout(config.timeout, answer).await {
            Ok(Ok(body)) => jsonrpc::decode_reply(&body),
            Ok(Err(_)) => Err(ClientError::interrupted(
                "the connection to the MQTT broker was lost before the answer came",
            )),
            Err(_) => Err(ClientError::Timeout(config.timeout)),
        }
    }
}

struct Forget<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.shared.waiting.lock() {
            waiting.remove(&self.id);
        }
    }
}

/// Runs the connection: subscribes the response topic on each connect,
/// hands each answer to its call, and on a loss fails the calls waiting
/// and tries again with backoff. Ends when every transport is dropped.
async fn drive(
    mut events: EventLoop,
    client: AsyncClient,
    shared: Arc<Shared>,
    reply_topic: String,
    broker: String,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(100);
                let subscribed = client
                    .subscribe(reply_topic.clone(), QoS::AtLeastOnce)
                    .await;
                if subscribed.is_err() {
                    return;
                }
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                shared.state.send_replace(State::Ready);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let id = publish
                    .properties
                    .as_ref()
                    .and_then(|p| p.correlation_data.as_deref())
                    .and_then(|c| std::str::from_utf8(c).ok())
                    .and_then(|c| c.parse::<u64>().ok());
                let waiting =
                    id.and_then(|id| shared.waiting.lock().expect("never poisoned").remove(&id));
                if let Some(waiting) = waiting {
                    let _ = waiting.send(publish.payload);
                }
            }
            Ok(_) => {}
            Err(ConnectionError::RequestsDone) => return,
            Err(err) => {
                let reason = format!("{broker}: {err}");
                tracing::debug!(error = %reason, "MQTT connection lost; trying again in {backoff:?}");
                shared.state.send_replace(State::Down(reason));
                // What was sent on the lost connection may or may not have
                // run: those calls end now.
                shared.waiting.lock().expect("never poisoned").clear();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
