//! MQTT 5 request/response for the rpc framework, on rumqttc.
//!
//! MQTT 5 has request/response built in: a request carries a *response
//! topic* and *correlation data*, and the answer goes to that topic with
//! the same data. [`MqttServer`] serves a service's dispatcher that way
//! (the same methods, layers and JSON-RPC 2.0 bodies as over AMQP), on a
//! shared subscription so that several processes split the calls.
//! [`MqttTransport`] is the generated clients' transport. Any MQTT 5 client
//! (paho-mqtt, mosquitto_rr) can call a service: publish a JSON-RPC request
//! with a response topic to `<service>/rpc`.
//!
//! The crate is rumqttc's `v5` client underneath: pure Rust on tokio, kept
//! by a team that also ships a broker, and the most used MQTT crate with
//! MQTT 5 support (paho-mqtt's Rust crate binds a C library and needs
//! CMake to build it).
//!
//! ```no_run
//! use rpc_core::RpcError;
//! use rpc_mqtt::{MqttServer, MqttTransport};
//!
//! /// Greetings.
//! #[rpc_core::service]
//! pub trait Hello {
//!     async fn hello(&self, name: String) -> Result<String, RpcError>;
//! }
//!
//! struct English;
//! impl Hello for English {
//!     async fn hello(&self, name: String) -> Result<String, RpcError> {
//!         Ok(format!("hello, {name}"))
//!     }
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let url = "mqtt://127.0.0.1:1883";
//! tokio::spawn(MqttServer::new(HelloServer::new(English)).serve(url));
//!
//! let client = HelloClient::new(MqttTransport::new(url, "hello/rpc")?);
//! assert_eq!(client.hello("ada".into()).await?, "hello, ada");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod client;
mod options;
mod server;

pub use self::client::{DEFAULT_TIMEOUT, MqttTransport};
pub use self::options::redact;
pub use self::server::{
    DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_IN_FLIGHT, MqttServer, SERVER_PROPERTY, default_topic,
};

/// Why an MQTT server or transport could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MqttError {
    /// The broker's URL cannot be used.
    #[error("`{url}` is not an MQTT broker's URL: {reason}")]
    Url {
        /// The URL, its password left out.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS settings cannot be used (a CA file that cannot be read…).
    #[error(transparent)]
    Tls(#[from] rpc_core::tls::TlsError),
    /// The client library refused a request (its event loop is gone).
    #[error("the MQTT client stopped: {0}")]
    Client(#[source] Box<rumqttc::v5::ClientError>),
}

impl From<rumqttc::v5::ClientError> for MqttError {
    fn from(err: rumqttc::v5::ClientError) -> Self {
        Self::Client(Box::new(err))
    }
}

/// The MQTT 5 properties of the request a call came in, in the call's
/// [`Context`](rpc_core::Context) extensions, for a method or a layer that
/// wants more than the user properties (which are the headers).
///
/// ```
/// # use rpc_core::{Context, Protocol};
/// fn topic_of_answer(context: &Context) -> Option<&str> {
///     let properties = context.extensions().get::<rpc_mqtt::MqttProperties>()?;
///     properties.0.response_topic.as_deref()
/// }
/// # assert_eq!(topic_of_answer(&Context::new(Protocol::Mqtt)), None);
/// ```
#[derive(Clone, Debug)]
pub struct MqttProperties(pub rumqttc::v5::mqttbytes::v5::PublishProperties);
