//! `datacenter serve`: the inventory on HTTP (TCP or a Unix socket), AMQP
//! and MQTT at once, with the same layers on every transport.

use std::time::Duration;

use clap::Args;
use datacenter::{
    DatacenterServer, Events, InMemory, Inventory, InventoryEventsServer, RequireBearer, SqlStore,
};
use rpc_amqp::{AmqpServer, AmqpTransport, QueueType};
use rpc_core::{BoxError, Dispatcher, TraceLayer};
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower::timeout::TimeoutLayer;

use crate::{listen, tls};

/// `--amqp-queue-type`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum QueueKind {
    Classic,
    Quorum,
}

/// The broker of a default RabbitMQ install.
const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port), or a Unix
    /// socket: `unix:/run/datacenter.sock`.
    #[arg(long, env = "DATACENTER_LISTEN", default_value = "127.0.0.1:8080")]
    listen: listen::Listen,
    /// The file permissions of a Unix socket, in octal: who may connect
    /// (0660: its owner and group).
    #[arg(long, env = "DATACENTER_SOCKET_MODE", default_value = "0660", value_parser = listen::parse_mode)]
    socket_mode: u32,
    /// The RabbitMQ broker to serve on too; while it cannot be reached,
    /// HTTP goes on and the broker is retried.
    #[arg(long, env = "AMQP_URL", default_value = DEFAULT_AMQP_URL)]
    amqp: String,
    /// The queue to consume.
    #[arg(long, env = "AMQP_QUEUE", default_value = "datacenter")]
    amqp_queue: String,
    /// The kind of queue: `quorum` (replicated: the default when --amqp
    /// names several nodes of a cluster) or `classic` (the default for one
    /// broker).
    #[arg(long, env = "AMQP_QUEUE_TYPE", value_enum)]
    amqp_queue_type: Option<QueueKind>,
    /// Serves HTTP only.
    #[arg(long)]
    no_amqp: bool,
    /// An MQTT 5 broker to serve on too (`mqtt://host:port`): requests on
    /// --mqtt-topic, shared with every other server there, answered on
    /// their response topic.
    #[arg(long, env = "MQTT_URL")]
    mqtt: Option<String>,
    /// The MQTT request topic.
    #[arg(long, env = "MQTT_TOPIC", default_value = "datacenter/rpc")]
    mqtt_topic: String,
    /// The topic exchange the inventory's changes are published to, for
    /// every process serving the same queue (default: `<queue>.events`).
    #[arg(long, env = "AMQP_EVENTS_EXCHANGE")]
    amqp_events_exchange: Option<String>,
    /// Where the inventory is kept: `sqlite::memory:` (embedded, in memory,
    /// seeded with five servers), `sqlite://FILE` (embedded, in a file),
    /// `postgres://USER@HOST/DB` (created and migrated on first start), or
    /// `memory` (no SQL: a map in this process).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite::memory:")]
    database: String,
    /// How often an idle AMQP subscription sends a heartbeat, in
    /// milliseconds: by it the server learns that a subscriber is gone.
    #[arg(long, env = "AMQP_SUBSCRIPTION_HEARTBEAT_MS", default_value_t = 15_000)]
    amqp_subscription_heartbeat_ms: u64,
    /// Requires `Authorization: Bearer <TOKEN>` on every call, on every
    /// transport (an HTTP header, or an AMQP message header).
    #[arg(long, env = "DATACENTER_TOKEN")]
    token: Option<String>,
    /// The longest a call may run, in milliseconds, before it is answered
    /// with a timeout error (a caller may ask for less); 0 for no limit.
    #[arg(long, env = "DATACENTER_CALL_TIMEOUT_MS", default_value_t = 30_000)]
    call_timeout_ms: u64,
    /// How many calls may run at once, over every transport; more wait for a
    /// place, within their time limit; 0 for no limit.
    #[arg(long, env = "DATACENTER_MAX_CONCURRENT_CALLS", default_value_t = 512)]
    max_concurrent_calls: usize,
    /// The longest a client may take to send a request's headers, in
    /// milliseconds, before its connection is closed.
    #[arg(
        long,
        env = "DATACENTER_HEADER_READ_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    header_read_timeout_ms: u64,
    /// How many HTTP connections are served at once; more wait to be accepted.
    #[arg(long, env = "DATACENTER_MAX_CONNECTIONS", default_value_t = rpc_http::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    #[command(flatten)]
    tls: tls::ServerTlsArgs,
    /// Whom to trust when connecting to an amqps:// or mqtts:// broker.
    #[command(flatten)]
    broker_tls: tls::ClientTlsArgs,
}

/// The inventory on the store `database` names (see `--database`),
/// telling `events` of its changes.
pub async fn inventory(database: &str, events: Events) -> Result<Dispatcher, String> {
    Ok(if database == "memory" {
        Dispatcher::new(DatacenterServer::new(Inventory::with_events(
            InMemory::default(),
            events,
        )))
    } else {
        let store = SqlStore::open(database).await.map_err(|err| {
            format!(
                "cannot open the database {}: {err}",
                rpc_amqp::redact(database)
            )
        })?;
        Dispatcher::new(DatacenterServer::new(Inventory::with_events(store, events)))
    })
}

/// The service and its layers, the same for every transport: a span per call
/// (protocol, method, request id), the bearer-token check, a time limit and a
/// bound on concurrent calls.
fn dispatcher(args: &ServeArgs, service: Dispatcher) -> Dispatcher {
    layered(
        service,
        args.token.as_deref(),
        args.call_timeout_ms,
        args.max_concurrent_calls,
    )
}

pub fn layered(
    service: Dispatcher,
    token: Option<&str>,
    call_timeout_ms: u64,
    max_concurrent_calls: usize,
) -> Dispatcher {
    service.layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new())
            .option_layer(token.map(RequireBearer::new))
            .option_layer(
                (call_timeout_ms > 0)
                    .then(|| TimeoutLayer::new(Duration::from_millis(call_timeout_ms))),
            )
            // Either arm of an optional layer must fail alike: as the timeout.
            .map_err(|never: std::convert::Infallible| -> BoxError { match never {} })
            .option_layer(
                (max_concurrent_calls > 0)
                    .then(|| ConcurrencyLimitLayer::new(max_concurrent_calls)),
            ),
    )
}

pub async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let broker_tls = args.broker_tls.client_tls()?;
    let amqp = (!args.no_amqp).then_some((args.amqp.clone(), args.amqp_queue.clone()));
    let brokers = amqp
        .as_ref()
        .map(|(url, _)| rpc_amqp::Brokers::from(url.as_str()));
    // With a broker, changes are published to an exchange that every
    // process serving the same queue listens on; without, they stay here.
    let events_exchange = args
        .amqp_events_exchange
        .clone()
        .unwrap_or_else(|| format!("{}.events", args.amqp_queue));
    let events = match &amqp {
        Some((url, _)) => Events::local().publishing(
            AmqpTransport::publisher(url.as_str(), events_exchange.as_str())
                .tls(broker_tls.clone()),
        ),
        None => Events::local(),
    };
    let service = inventory(&args.database, events.clone()).await?;
    let server = dispatcher(&args, service);
    let server_tls = args.tls.server_tls()?;
    let queue_type = match (args.amqp_queue_type, &brokers) {
        (Some(QueueKind::Quorum), _) => QueueType::Quorum,
        (Some(QueueKind::Classic), _) => QueueType::Classic,
        (None, Some(brokers)) if brokers.len() > 1 => QueueType::Quorum,
        (None, _) => QueueType::Classic,
    };
    let app = rpc_http::router(server.clone())
        .route("/live", axum::routing::get(live_page))
        .fallback(rpc_http::not_found);
    let scheme = if server_tls.is_some() {
        "https"
    } else {
        "http"
    };
    let (listener, url) = args.listen.bind(args.socket_mode, scheme).await?;
    // Signals are registered before the server says it is ready, so that a
    // signal sent as soon as it is ready stops it gracefully.
    let signal = shutdown_signal()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        let _ = stop.send(true);
    });
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };

    let mqtt = args.mqtt.clone().map(|url| {
        let server = rpc_mqtt::MqttServer::new(server.clone())
            .topic(args.mqtt_topic.clone())
            .tls(broker_tls.clone());
        tracing::info!(topic = %args.mqtt_topic, "serving MQTT on {}", rpc_mqtt::redact(&url));
        let stopped = until_stopped();
        tokio::spawn(async move { server.serve_with_shutdown(&url, stopped).await })
    });
    let amqp = amqp.zip(brokers).map(|((url, queue), brokers)| {
        // The changes published by every process, this one's included.
        let listener = AmqpServer::new(InventoryEventsServer::new(events.clone()))
            .exchange(events_exchange.clone())
            .tls(broker_tls.clone());
        tracing::info!(exchange = %events_exchange, "hearing the inventory's changes");
        let heard = tokio::spawn(listener.serve_with_shutdown(brokers.clone(), until_stopped()));
        let server = AmqpServer::new(server)
            .queue(queue.clone())
            .queue_type(queue_type)
            .subscription_heartbeat(Duration::from_millis(args.amqp_subscription_heartbeat_ms))
            .tls(broker_tls);
        tracing::info!(
            queue,
            ?queue_type,
            "serving AMQP on {}",
            rpc_amqp::redact(&url)
        );
        let served = tokio::spawn(server.serve_with_shutdown(brokers, until_stopped()));
        (served, heard)
    });
    let mut http = rpc_http::serve(listener, app)
        .header_read_timeout(Duration::from_millis(args.header_read_timeout_ms))
        .max_connections(args.max_connections)
        .with_graceful_shutdown(until_stopped());
    if let Some(tls) = &server_tls {
        http = http.tls(tls)?;
    }
    // The first line on stdout says where to call; scripts and tests read it.
    println!(
        "datacenter: serving on {url} (REST, JSON-RPC 2.0 at /jsonrpc and over a WebSocket at /ws, XML-RPC at /RPC2, docs at /docs, live changes at /live)"
    );
    tracing::info!(%url, "serving HTTP");
    http.await?;
    if let Some(mqtt) = mqtt {
        mqtt.await??;
    }
    if let Some((served, heard)) = amqp {
        served.await??;
        heard.await??;
    }
    tracing::info!("stopped");
    Ok(())
}

/// A page that shows the inventory's changes as they happen, through
/// `watch_servers` as Server-Sent Events (`?via=sse`, the default) or over
/// the WebSocket (`?via=ws`).
async fn live_page() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("live.html"))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; the handlers are installed now.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down: finishing the calls in flight");
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing the calls in flight");
    })
}
