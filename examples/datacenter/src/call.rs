//! `datacenter call`: a method name and arguments from the command line,
//! called through the typed client.

use datacenter::DatacenterClient;
use futures_util::StreamExt;
use http::header::AUTHORIZATION;
use rpc_core::{ClientError, Transport};
use rpc_http::client::{JsonRpcTransport, RestTransport, WebSocketTransport, XmlRpcTransport};
use serde::Serialize;
use serde::de::DeserializeOwned;

type Error = Box<dyn std::error::Error>;

/// The protocols `datacenter call` speaks.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Protocol {
    /// JSON-RPC 2.0 at `/jsonrpc`.
    Jsonrpc,
    /// JSON-RPC 2.0 over a WebSocket at `/ws`.
    Ws,
    /// XML-RPC at `/RPC2`.
    Xmlrpc,
    /// The REST resources.
    Rest,
    /// JSON-RPC 2.0 over RabbitMQ (reply-to RPC).
    Amqp,
    /// JSON-RPC 2.0 over MQTT 5 request/response.
    Mqtt,
}

/// Where and how to call.
pub struct Target {
    pub url: String,
    pub protocol: Protocol,
    pub amqp: Option<String>,
    pub amqp_queue: String,
    pub mqtt: Option<String>,
    pub mqtt_topic: String,
    pub token: Option<String>,
    pub tls: crate::tls::ClientTlsArgs,
}

/// The endpoint at `path` under `base`: `http://host:port/path`, or
/// `unix:/socket:/path` over a Unix socket.
fn at(base: &str, path: &str) -> String {
    match base.strip_prefix("unix:") {
        Some(socket) if !socket.contains(":/") => format!("{base}:{path}"),
        _ => format!("{base}{path}"),
    }
}

pub async fn run(target: &Target, method: &str, args: &[String]) -> Result<(), Error> {
    let base = target.url.trim_end_matches('/');
    let args = Args::new(method, args);
    // `--amqp URL` (or `--mqtt URL`) alone means calling over it.
    let protocol = match (target.protocol, &target.amqp, &target.mqtt) {
        (Protocol::Jsonrpc, Some(_), _) => Protocol::Amqp,
        (Protocol::Jsonrpc, None, Some(_)) => Protocol::Mqtt,
        (protocol, _, _) => protocol,
    };
    let bearer = target.token.as_ref().map(|token| format!("Bearer {token}"));
    let tls = target.tls.client_tls()?;
    let json = match protocol {
        Protocol::Jsonrpc => {
            let mut transport = JsonRpcTransport::new(&at(base, "/jsonrpc"))?.tls(&tls)?;
            if let Some(bearer) = &bearer {
                transport = transport.header(AUTHORIZATION, bearer.parse()?);
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
        Protocol::Ws => {
            let ws = base
                .replacen("http://", "ws://", 1)
                .replacen("https://", "wss://", 1);
            let mut transport = WebSocketTransport::new(&at(&ws, "/ws"))?.tls(&tls)?;
            if let Some(bearer) = &bearer {
                transport = transport.header(AUTHORIZATION, bearer.parse()?);
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
        Protocol::Xmlrpc => {
            let mut transport = XmlRpcTransport::new(&at(base, "/RPC2"))?.tls(&tls)?;
            if let Some(bearer) = &bearer {
                transport = transport.header(AUTHORIZATION, bearer.parse()?);
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
        Protocol::Rest => {
            let mut transport = RestTransport::new(base)?.tls(&tls)?;
            if let Some(bearer) = &bearer {
                transport = transport.header(AUTHORIZATION, bearer.parse()?);
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
        Protocol::Amqp => {
            let url = target
                .amqp
                .as_deref()
                .unwrap_or("amqp://guest:guest@127.0.0.1:5672/%2f");
            let mut transport = rpc_amqp::AmqpTransport::new(url, target.amqp_queue.as_str())
                .timeout(std::time::Duration::from_secs(10))
                .tls(tls);
            if let Some(bearer) = &bearer {
                transport = transport.header("authorization", bearer);
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
        Protocol::Mqtt => {
            let url = target.mqtt.as_deref().unwrap_or("mqtt://127.0.0.1:1883");
            let mut transport = rpc_mqtt::MqttTransport::new(url, target.mqtt_topic.as_str())?
                .timeout(std::time::Duration::from_secs(10))
                .tls(&tls)?;
            if let Some(bearer) = &bearer {
                transport = transport.header("authorization", bearer.as_str());
            }
            call(&DatacenterClient::new(transport), method, args).await?
        }
    };
    if !json.is_empty() {
        println!("{json}");
    }
    Ok(())
}

async fn call<T: Transport>(
    client: &DatacenterClient<T>,
    method: &str,
    mut args: Args<'_>,
) -> Result<String, Error> {
    let meta = DatacenterClient::<()>::METADATA;
    if let Some(known) = meta.method(method)
        && args.raw.len() > known.params.len()
    {
        let (takes, got) = (known.params.len(), args.raw.len());
        return Err(format!("`{method}` takes {takes} argument(s), got {got}").into());
    }
    match method {
        "get_active_servers" => json(client.get_active_servers(args.required()?).await),
        "get_server" => json(client.get_server(args.required()?).await),
        "list_servers" => json(
            client
                .list_servers(args.optional()?, args.optional()?)
                .await,
        ),
        "create_server" => json(client.create_server(args.required()?).await),
        "update_server" => json(
            client
                .update_server(args.required()?, args.required()?)
                .await,
        ),
        "delete_server" => json(client.delete_server(args.required()?).await),
        // A subscription: each item on a line of its own, as it comes.
        "watch_servers" => {
            let mut events = client
                .watch_servers(args.optional()?)
                .await
                .map_err(rpc_error)?;
            eprintln!("subscribed: each change on a line of its own; Ctrl-C ends it");
            while let Some(event) = events.next().await {
                println!("{}", serde_json::to_string(&event.map_err(rpc_error)?)?);
            }
            Ok(String::new())
        }
        other => {
            let known: Vec<_> = meta.methods.iter().map(|m| m.name).collect();
            Err(format!("no method `{other}`: the methods are {}", known.join(", ")).into())
        }
    }
}

/// The result as pretty JSON, fields in the order of the type.
fn json<T: Serialize>(result: Result<T, ClientError>) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(&result.map_err(rpc_error)?)?)
}

/// The server's error in words, with its code and data.
fn rpc_error(err: ClientError) -> Error {
    match err {
        ClientError::Rpc(err) => format!(
            "{} (code {}){}",
            err.message(),
            err.code(),
            err.data()
                .map(|d| format!(", data: {d}"))
                .unwrap_or_default()
        )
        .into(),
        other => other.into(),
    }
}

/// The arguments, read in order.
struct Args<'a> {
    method: &'a str,
    raw: &'a [String],
    next: usize,
}

impl<'a> Args<'a> {
    fn new(method: &'a str, raw: &'a [String]) -> Self {
        Self {
            method,
            raw,
            next: 0,
        }
    }

    fn required<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let position = self.next + 1;
        match self.optional::<T>()? {
            Some(value) => Ok(value),
            None => {
                Err(format!("`{}` needs an argument at position {position}", self.method).into())
            }
        }
    }

    fn optional<T: DeserializeOwned>(&mut self) -> Result<Option<T>, Error> {
        let Some(raw) = self.raw.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        if raw == "null" {
            return Ok(None);
        }
        // JSON first; a bare word is a string.
        serde_json::from_str(raw)
            .or_else(|_| serde_json::from_value(serde_json::Value::String(raw.clone())))
            .map(Some)
            .map_err(|e| format!("argument {} of `{}` ({raw}): {e}", self.next, self.method).into())
    }
}
