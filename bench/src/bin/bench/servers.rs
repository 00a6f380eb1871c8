//! The server processes of the benchmark, started before the rows are
//! measured and killed at the end; and the names they share with the rows
//! (queues, sockets, topics, the database).

use std::path::Path;
use std::time::Duration;

use crate::Options;
use crate::process::Server;

/// The names the servers and the rows share.
pub struct Setup {
    pub database: String,
    pub framework_queue: String,
    pub lapin_queue: String,
    pub lapin_quorum: String,
    /// The Unix sockets of the framework and of axum by hand.
    pub unix_framework: String,
    pub unix_axum: String,
    /// The MQTT request topics of the framework and of rumqttc by hand.
    pub mqtt_framework: String,
    pub mqtt_rumqttc: String,
    id: u32,
}

impl Setup {
    pub fn new(dir: &Path) -> Self {
        let id = std::process::id();
        // The PostgreSQL row's database, created by the servers, dropped at the end.
        let postgres = std::env::var("RPC_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        Self {
            database: format!("{}/rpc_bench_{id}", postgres.trim_end_matches('/')),
            framework_queue: format!("bench-framework-{id}"),
            lapin_queue: format!("bench-lapin-{id}"),
            lapin_quorum: format!("bench-lapin-quorum-{id}"),
            unix_framework: dir.join("framework.sock").display().to_string(),
            unix_axum: dir.join("axum.sock").display().to_string(),
            mqtt_framework: format!("bench/framework-{id}/rpc"),
            mqtt_rumqttc: format!("bench/rumqttc-{id}/rpc"),
            id,
        }
    }

    /// The queue of the scale-out group of `n` processes on a `kind` queue.
    pub fn scale_queue(&self, kind: &str, n: usize) -> String {
        format!("bench-{kind}-{n}-{}", self.id)
    }
}

/// The framework's rows run `datacenter serve` on HTTP only (AMQP and MQTT
/// by processes of their own), without the example's optional time and
/// concurrency limits, which the hand-written servers do not have either.
const HTTP_ONLY_UNLIMITED: [&str; 5] = [
    "--no-amqp",
    "--call-timeout-ms",
    "0",
    "--max-concurrent-calls",
    "0",
];

/// [`HTTP_ONLY_UNLIMITED`] on tokio's current-thread scheduler.
const CURRENT_THREAD: [&str; 7] = [
    "--no-amqp",
    "--call-timeout-ms",
    "0",
    "--max-concurrent-calls",
    "0",
    "--runtime",
    "current-thread",
];

/// `datacenter serve --database DATABASE --listen LISTEN` and `more`.
fn datacenter(
    name: &'static str,
    bin: &Path,
    database: &str,
    listen: &str,
    more: &[&str],
) -> Server {
    let mut args = vec!["serve", "--database", database, "--listen", listen];
    args.extend_from_slice(more);
    Server::start(name, &bin.join("datacenter"), &args)
}

/// Starts every server of the rows.
pub fn start_all(
    options: &Options,
    setup: &Setup,
    bin: &Path,
    root: &Path,
    cert: &str,
    key: &str,
) -> Vec<Server> {
    let unlimited = &HTTP_ONLY_UNLIMITED;
    // Without the example's time and concurrency limits, as over HTTP: the
    // baselines have none either.
    let amqp = |queue: &str, kind: &str| {
        [
            "--amqp".to_owned(),
            options.amqp_url.clone(),
            "--amqp-queue".to_owned(),
            queue.to_owned(),
            "--amqp-queue-type".to_owned(),
            kind.to_owned(),
            "--call-timeout-ms".to_owned(),
            "0".to_owned(),
            "--max-concurrent-calls".to_owned(),
            "0".to_owned(),
        ]
    };
    let framework_amqp = amqp(&setup.framework_queue, "classic");
    let framework_amqp: Vec<&str> = framework_amqp.iter().map(String::as_str).collect();
    let mut https = unlimited.to_vec();
    https.extend(["--tls-cert", cert, "--tls-key", key]);
    let mut servers = vec![
        datacenter(
            "datacenter (framework)",
            bin,
            "memory",
            "127.0.0.1:9000",
            unlimited,
        ),
        // The same on tokio's current-thread scheduler.
        datacenter(
            "datacenter (framework, current-thread scheduler)",
            bin,
            "memory",
            "127.0.0.1:9012",
            &CURRENT_THREAD,
        ),
        // The example as it runs by default: its time and concurrency limits on.
        datacenter(
            "datacenter (framework, limits on)",
            bin,
            "memory",
            "127.0.0.1:9004",
            &["--no-amqp"],
        ),
        datacenter(
            "datacenter (framework, AMQP)",
            bin,
            "memory",
            "127.0.0.1:0",
            &framework_amqp,
        ),
        Server::start(
            "axum by hand",
            &bin.join("baseline_axum"),
            &["127.0.0.1:9001"],
        ),
        // The example's service on rpc-http alone, as a binary that serves
        // HTTP only is built.
        Server::start(
            "framework, HTTP only",
            &bin.join("framework_http"),
            &["127.0.0.1:9013"],
        ),
        datacenter(
            "datacenter (framework, HTTPS)",
            bin,
            "memory",
            "127.0.0.1:9005",
            &https,
        ),
        Server::start(
            "axum + rustls by hand",
            &bin.join("baseline_axum"),
            &["127.0.0.1:9006", cert, key],
        ),
        datacenter(
            "datacenter (framework, PostgreSQL)",
            bin,
            &setup.database,
            "127.0.0.1:9008",
            unlimited,
        ),
        Server::start(
            "axum + sqlx by hand (PostgreSQL)",
            &bin.join("baseline_axum_sqlx"),
            &["127.0.0.1:9007", &setup.database],
        ),
        Server::start(
            "jsonrpsee",
            &bin.join("baseline_jsonrpsee"),
            &["127.0.0.1:9002"],
        ),
        // The ceiling of the HTTP rows, and the Rust XML-RPC peer.
        Server::start(
            "hyper ceiling",
            &bin.join("baseline_hyper"),
            &["127.0.0.1:9011"],
        ),
        // The axum floor: axum's router answering pre-encoded bytes, on
        // tokio's two schedulers.
        Server::start("axum floor", &bin.join("floor_axum"), &["127.0.0.1:9017"]),
        Server::start(
            "axum floor, current-thread",
            &bin.join("floor_axum"),
            &["127.0.0.1:9018", "current-thread"],
        ),
        Server::start("dxr server", &bin.join("baseline_dxr"), &["127.0.0.1:9010"]),
        Server::start(
            "Python SimpleXMLRPCServer",
            Path::new("python3"),
            &[
                root.join("bench/python/xmlrpc_server.py").to_str().unwrap(),
                "9003",
            ],
        ),
        Server::start(
            "lapin by hand",
            &bin.join("baseline_lapin"),
            &[&options.amqp_url, &setup.lapin_queue],
        ),
    ];
    // Scale-out: 1, 2 and 4 framework processes on one queue, classic and
    // quorum, each group on a queue of its own.
    servers.push(Server::start(
        "lapin by hand (quorum queue)",
        &bin.join("baseline_lapin"),
        &[&options.amqp_url, &setup.lapin_quorum, "quorum"],
    ));
    for kind in ["classic", "quorum"] {
        for n in [1, 2, 4] {
            let group = amqp(&setup.scale_queue(kind, n), kind);
            let group: Vec<&str> = group.iter().map(String::as_str).collect();
            for i in 1..=n {
                let name: &'static str = Box::leak(
                    format!("datacenter AMQP, {kind} queue, {i} of {n}").into_boxed_str(),
                );
                servers.push(datacenter(name, bin, "memory", "127.0.0.1:0", &group));
            }
        }
    }
    // The local channels and MQTT: the framework and the hand-written
    // baseline closest to each (the pipes' servers are started by their
    // load, as a parent starts its child).
    servers.push(datacenter(
        "datacenter (framework, Unix socket)",
        bin,
        "memory",
        &format!("unix:{}", setup.unix_framework),
        unlimited,
    ));
    servers.push(Server::start(
        "axum by hand (Unix socket)",
        &bin.join("baseline_axum"),
        &[&format!("unix:{}", setup.unix_axum)],
    ));
    let mut mqtt = vec![
        "--mqtt",
        &options.mqtt_url,
        "--mqtt-topic",
        &setup.mqtt_framework,
    ];
    mqtt.extend(unlimited);
    servers.push(datacenter(
        "datacenter (framework, MQTT)",
        bin,
        "memory",
        "127.0.0.1:0",
        &mqtt,
    ));
    let broker = options.mqtt_url.trim_start_matches("mqtt://");
    let (host, port) = broker.rsplit_once(':').unwrap_or((broker, "1883"));
    servers.push(Server::start(
        "rumqttc by hand",
        &bin.join("baseline_rumqttc"),
        &[host, port, &setup.mqtt_rumqttc],
    ));
    // The framework's AMQP consumer and MQTT subscription start after its
    // HTTP listener.
    std::thread::sleep(Duration::from_secs(2));
    servers
}
