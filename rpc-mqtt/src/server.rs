//! [`MqttServer`]: serves a dispatcher's methods on an MQTT 5 request
//! topic, answering on each request's response topic.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rpc_core::jsonrpc::{JsonRpc, encode_error};
use rpc_core::tls::ClientTls;
use rpc_core::{Context, Dispatcher, Protocol, RpcError};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, Publish, PublishProperties};
use rumqttc::v5::{AsyncClient, Event};
use tokio::task::JoinSet;

use crate::options::{options, redact, unique_id};
use crate::{MqttError, MqttProperties};

/// The default bound on a request's body: 2 MiB, as on HTTP and AMQP.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

/// The default bound on requests running at once: 64 (the server's MQTT
/// receive maximum: the broker sends no more until one is acknowledged).
pub const DEFAULT_MAX_IN_FLIGHT: u16 = 64;

/// The user property a reply names its server by.
pub const SERVER_PROPERTY: &str = "x-rpc-server";

/// The longest pause between two tries to reach the broker.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Serves a dispatcher's methods over MQTT 5 request/response.
///
/// The server subscribes (QoS 1) to its request topic, by default the
/// service's name followed by `/rpc` (`datacenter/rpc`), through a shared
/// subscription (`$share/<group>/<topic>`, the group being the service's
/// name), so that several processes split the calls between them, as
/// servers on one AMQP queue do. Each request is a JSON-RPC 2.0 message
/// (a call, a batch or a notification), as on AMQP; its answer is published
/// (QoS 1) to the request's *response topic* with its *correlation data*,
/// and with the user property `x-rpc-server` naming the server. A request
/// without a response topic is a notification: run, never answered. The
/// request is acknowledged once its answer is handed to the client library,
/// so a server that dies before that leaves it unacknowledged.
///
/// A request's user properties are the call's headers (so a bearer-token
/// layer reads `authorization` as it does an HTTP header), and its message
/// expiry interval, if any, its deadline. The server reconnects by itself,
/// with backoff, and subscribes again.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_mqtt::{MqttServer, MqttTransport};
///
/// /// Greetings.
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
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let url = "mqtt://127.0.0.1:1883";
/// tokio::spawn(MqttServer::new(HelloServer::new(English)).serve(url));
///
/// let client = HelloClient::new(MqttTransport::new(url, "hello/rpc")?);
/// assert_eq!(client.hello("ada".into()).await?, "hello, ada");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a server does nothing until it serves"]
pub struct MqttServer {
    jsonrpc: JsonRpc,
    topic: String,
    group: Option<String>,
    max_body_size: usize,
    max_in_flight: u16,
    tls: ClientTls,
}

/// The request topic of a service named `service`: `<name>/rpc`, lowercase.
///
/// ```
/// # #[rpc_core::service] pub trait Datacenter { async fn m(&self); }
/// let service = &DatacenterClient::<()>::METADATA;
/// assert_eq!(rpc_mqtt::default_topic(service), "datacenter/rpc");
/// ```
pub fn default_topic(service: &rpc_core::ServiceMeta) -> String {
    format!("{}/rpc", service.name.to_lowercase())
}

impl MqttServer {
    /// Serves `dispatcher` on the request topic named after its service
    /// (see [`default_topic`]), shared by every server of that service.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        let dispatcher = dispatcher.into();
        let service = dispatcher.services().first().copied();
        Self {
            topic: service.map_or_else(|| "rpc".into(), default_topic),
            group: Some(service.map_or_else(|| "rpc".into(), |s| s.name.to_lowercase())),
            jsonrpc: JsonRpc::new(dispatcher),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            tls: ClientTls::new(),
        }
    }

    /// Trusts, for an `mqtts://` broker, what `tls` says (extra CAs, a
    /// client certificate) rather than the platform's roots alone.
    pub fn tls(mut self, tls: ClientTls) -> Self {
        self.tls = tls;
        self
    }

    /// Serves on this request topic instead.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = topic.into();
        self
    }

    /// The shared subscription's group (default: the service's name); the
    /// servers of one group split the calls. `None` subscribes to the topic
    /// itself: every server then runs every call.
    pub fn share_group(mut self, group: Option<String>) -> Self {
        self.group = group;
        self
    }

    /// Bounds a request's body (default [`DEFAULT_MAX_BODY_SIZE`]); a
    /// larger one is answered with an "invalid request" error (and one over
    /// four times that is not delivered by the broker at all: it is the
    /// server's MQTT maximum packet size).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Bounds the requests running at once (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]).
    pub fn max_in_flight(mut self, max: u16) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// The topic filter the server subscribes to.
    fn filter(&self) -> String {
        match &self.group {
            Some(group) => format!("$share/{group}/{}", self.topic),
            None => self.topic.clone(),
        }
    }

    /// Serves on the broker at `url` (`mqtt://[user:password@]host[:port]`)
    /// until the process ends.
    pub async fn serve(self, url: &str) -> Result<(), MqttError> {
        self.serve_with_shutdown(url, std::future::pending()).await
    }

    /// Serves until `signal` resolves, then stops taking calls (it
    /// unsubscribes), finishes and answers those it has, and disconnects.
    pub async fn serve_with_shutdown(
        self,
        url: &str,
        signal: impl Future<Output = ()> + Send,
    ) -> Result<(), MqttError> {
        let id = unique_id("rpc-server");
        let mut options = options(url, &id, &self.tls)?;
        options
            .set_manual_acks(true)
            .set_receive_maximum(Some(self.max_in_flight))
            .set_max_packet_size(Some(
                u32::try_from(self.max_body_size.saturating_mul(4)).unwrap_or(u32::MAX),
            ))
            .set_session_expiry_interval(Some(0));
        let (client, mut events) = AsyncClient::new(options, usize::from(self.max_in_flight));
        let filter = self.filter();
        let shared = Arc::new(Shared {
            jsonrpc: self.jsonrpc,
            max_body_size: self.max_body_size,
            id,
        });
        let mut calls = JoinSet::new();
        let mut backoff = Duration::from_millis(100);
        let mut signal = std::pin::pin!(signal);
        let where_ = redact(url);
        loop {
            tokio::select! {
                event = events.poll() => match event {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        backoff = Duration::from_millis(100);
                        tracing::info!(broker = %where_, filter, "serving MQTT");
                        client.subscribe(filter.clone(), QoS::AtLeastOnce).await?;
                    }
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        calls.spawn(handle(publish, client.clone(), Arc::clone(&shared)));
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(broker = %where_, error = %err, "MQTT connection lost; trying again in {backoff:?}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                },
                Some(_) = calls.join_next(), if !calls.is_empty() => {}
                () = &mut signal => break,
            }
        }
        // No new calls; the ones taken are finished and answered, the
        // event loop still running to carry their answers out.
        let _ = client.unsubscribe(filter).await;
        while !calls.is_empty() {
            tokio::select! {
                _ = calls.join_next() => {}
                event = events.poll() => if event.is_err() { break },
            }
        }
        let _ = client.disconnect().await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match tokio::time::timeout_at(deadline.into(), events.poll()).await {
                Ok(Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect))) | Ok(Err(_)) | Err(_) => {
                    break;
                }
                Ok(Ok(_)) => {}
            }
        }
        tracing::info!("MQTT server stopped");
        Ok(())
    }
}

/// What every call's task shares.
struct Shared {
    jsonrpc: JsonRpc,
    max_body_size: usize,
    /// The server's client id, named in its replies.
    id: String,
}

/// Runs one request, answers it on its response topic, then acknowledges it.
async fn handle(publish: Publish, client: AsyncClient, shared: Arc<Shared>) {
    let properties = publish.properties.clone().unwrap_or_default();
    let answer = run(&publish.payload, &properties, &shared).await;
    if let (Some(answer), Some(topic)) = (answer, properties.response_topic.clone()) {
        let reply = PublishProperties {
            correlation_data: properties.correlation_data.clone(),
            content_type: Some("application/json".into()),
            user_properties: vec![(SERVER_PROPERTY.into(), shared.id.clone())],
            ..Default::default()
        };
        if let Err(err) = client
            .publish_with_properties(topic, QoS::AtLeastOnce, false, answer, reply)
            .await
        {
            tracing::warn!(error = %err, "cannot publish an answer");
        }
    }
    if let Err(err) = client.ack(&publish).await {
        tracing::debug!(error = %err, "cannot acknowledge a request");
    }
}

/// The answer to a request, if it has one.
async fn run(body: &Bytes, properties: &PublishProperties, shared: &Shared) -> Option<Vec<u8>> {
    let json = properties
        .content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    if !matches!(
        json.as_deref(),
        None | Some("" | "application/json" | "application/json-rpc")
    ) {
        let err = RpcError::invalid_request(format!(
            "content type `{}`: send JSON-RPC 2.0 (application/json)",
            properties.content_type.as_deref().unwrap_or_default()
        ));
        return Some(encode_error(&err));
    }
    if body.len() > shared.max_body_size {
        let err = RpcError::invalid_request(format!(
            "a request of {} bytes, over the limit of {}: send smaller ones",
            body.len(),
            shared.max_body_size
        ));
        return Some(encode_error(&err));
    }
    let mut context = Context::new(Protocol::Mqtt);
    for (name, value) in &properties.user_properties {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            context.headers_mut().append(name, value);
        }
    }
    if let Some(seconds) = properties.message_expiry_interval {
        context.set_deadline(Some(Instant::now() + Duration::from_secs(seconds.into())));
    }
    if let Some(id) = properties
        .correlation_data
        .as_deref()
        .and_then(|c| std::str::from_utf8(c).ok())
    {
        context.set_request_id(id);
    }
    context
        .extensions_mut()
        .insert(MqttProperties(properties.clone()));
    shared.jsonrpc.handle(body.clone(), context).await
}
