//! The benchmark runner: the datacenter service through the framework, side
//! by side with hand-written baselines and peers, in one run, on loopback.
//!
//! Every server runs pinned to CPU 1 and the load generator to CPU 0
//! (`taskset`), the contenders of a row take turns (A B C, then C B A, …) for
//! several rounds after a warm-up, and the table gives the median requests per
//! second, the median p50/p99 latencies, each server's peak memory, and the
//! ratio to the row's baseline, measured round by round (see `report`). A
//! second table checks the project's bars.
//!
//! Usage: `./scripts/bench [--rounds N] [--seconds S] [--connections C] [--only ROW]`,
//! where `--only xml` measures only the rows whose title contains `xml`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use self::load::{Load, run};
use self::report::{Bar, Contender, Row};

mod load;
mod report;

struct Options {
    rounds: usize,
    seconds: u64,
    connections: usize,
    amqp_url: String,
    /// Only the rows whose title contains this (case-insensitive).
    only: Option<String>,
}

fn options() -> Options {
    let mut options = Options {
        rounds: 10,
        seconds: 2,
        connections: 32,
        amqp_url: std::env::var("AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&arg))
        };
        match arg.as_str() {
            "--rounds" => options.rounds = value(),
            "--seconds" => options.seconds = value() as u64,
            "--connections" => options.connections = value(),
            "--only" => options.only = Some(args.next().unwrap_or_else(|| usage(&arg))),
            _ => usage(&arg),
        }
    }
    options
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "unexpected `{arg}`\nusage: bench [--rounds N] [--seconds S] [--connections C] [--only ROW]"
    );
    std::process::exit(2)
}

/// A server process, pinned to CPU 1, killed at the end.
struct Server {
    name: &'static str,
    child: Child,
}

impl Server {
    fn start(name: &'static str, program: &Path, args: &[&str]) -> Self {
        let mut command = pinned(1, program);
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", program.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.is_empty(), "{name} did not start");
        Self { name, child }
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    fn peak_memory_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pinned(cpu: usize, program: &Path) -> Command {
    if which("taskset") && std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
        let mut command = Command::new("taskset");
        command.arg("-c").arg(cpu.to_string()).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The project's bars (issue 6), as measured by the rows.
fn bars() -> Vec<Bar> {
    let bar = |what, row, contender, reference, at_least| Bar {
        what,
        row,
        contender,
        reference,
        at_least,
    };
    vec![
        bar(
            "REST: framework over axum by hand",
            "REST",
            "framework REST",
            "axum handler by hand (baseline)",
            0.95,
        ),
        bar(
            "REST over HTTPS: framework over axum + rustls by hand",
            "REST over HTTPS",
            "framework REST over HTTPS",
            "axum + rustls by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC: framework over axum + Value by hand",
            "JSON-RPC `get_active_servers",
            "framework JSON-RPC",
            "axum + serde_json::Value by hand (baseline)",
            1.00,
        ),
        bar(
            "JSON-RPC: framework over jsonrpsee",
            "JSON-RPC `get_active_servers",
            "framework JSON-RPC",
            "jsonrpsee",
            1.05,
        ),
        bar(
            "XML-RPC: framework over its own JSON-RPC",
            "XML-RPC",
            "framework XML-RPC",
            "framework JSON-RPC (baseline)",
            0.85,
        ),
        bar(
            "XML-RPC: framework over Python SimpleXMLRPCServer",
            "XML-RPC",
            "framework XML-RPC",
            "Python SimpleXMLRPCServer",
            10.0,
        ),
        bar(
            "REST on PostgreSQL: framework over axum + sqlx by hand",
            "REST on PostgreSQL",
            "framework REST on PostgreSQL",
            "axum + sqlx by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC over WebSocket: framework over jsonrpsee",
            "JSON-RPC over WebSocket",
            "framework WebSocket",
            "jsonrpsee WebSocket (baseline)",
            1.00,
        ),
        bar(
            "Notifications to 100 WebSocket subscribers: framework over jsonrpsee",
            "Notifications to 100 WebSocket subscribers",
            "framework WebSocket",
            "jsonrpsee WebSocket (baseline)",
            1.00,
        ),
        bar(
            "AMQP: framework over lapin by hand",
            "AMQP",
            "framework AMQP",
            "lapin by hand (baseline)",
            0.90,
        ),
    ]
}

fn main() {
    let options = options();
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let root = bin.join("../..");
    let dir = std::env::temp_dir().join(format!("rpc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(which("wrk"), "wrk is missing: apt-get install wrk");

    // Certificates for the HTTPS row, made by the example itself.
    let certs = dir.join("certs");
    let made = Command::new(bin.join("datacenter"))
        .arg("certs")
        .arg(&certs)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "datacenter certs failed");
    let cert = certs.join("server.pem").display().to_string();
    let key = certs.join("server.key").display().to_string();

    let id = std::process::id();
    // The PostgreSQL row's database, created by the servers, dropped at the end.
    let postgres = std::env::var("RPC_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let database = format!("{}/rpc_bench_{id}", postgres.trim_end_matches('/'));
    let framework_queue = format!("bench-framework-{id}");
    let lapin_queue = format!("bench-lapin-{id}");
    let mut servers = vec![
        // The HTTP rows measure a server that serves HTTP only, as the
        // hand-written ones do, without the example's optional time and
        // concurrency limits, which they do not have either; AMQP is served
        // by a process of its own.
        Server::start(
            "datacenter (framework)",
            &bin.join("datacenter"),
            &[
                "serve",
                "--database",
                "memory",
                "--listen",
                "127.0.0.1:9000",
                "--no-amqp",
                "--call-timeout-ms",
                "0",
                "--max-concurrent-calls",
                "0",
            ],
        ),
        // The example as it runs by default: its time and concurrency limits on.
        Server::start(
            "datacenter (framework, limits on)",
            &bin.join("datacenter"),
            &[
                "serve",
                "--database",
                "memory",
                "--listen",
                "127.0.0.1:9004",
                "--no-amqp",
            ],
        ),
        Server::start(
            "datacenter (framework, AMQP)",
            &bin.join("datacenter"),
            &[
                "serve",
                "--database",
                "memory",
                "--listen",
                "127.0.0.1:0",
                "--amqp",
                &options.amqp_url,
                "--amqp-queue",
                &framework_queue,
            ],
        ),
        Server::start(
            "axum by hand",
            &bin.join("baseline_axum"),
            &["127.0.0.1:9001"],
        ),
        Server::start(
            "datacenter (framework, HTTPS)",
            &bin.join("datacenter"),
            &[
                "serve",
                "--database",
                "memory",
                "--listen",
                "127.0.0.1:9005",
                "--no-amqp",
                "--call-timeout-ms",
                "0",
                "--max-concurrent-calls",
                "0",
                "--tls-cert",
                &cert,
                "--tls-key",
                &key,
            ],
        ),
        Server::start(
            "axum + rustls by hand",
            &bin.join("baseline_axum"),
            &["127.0.0.1:9006", &cert, &key],
        ),
        Server::start(
            "datacenter (framework, PostgreSQL)",
            &bin.join("datacenter"),
            &[
                "serve",
                "--database",
                &database,
                "--listen",
                "127.0.0.1:9008",
                "--no-amqp",
                "--call-timeout-ms",
                "0",
                "--max-concurrent-calls",
                "0",
            ],
        ),
        Server::start(
            "axum + sqlx by hand (PostgreSQL)",
            &bin.join("baseline_axum_sqlx"),
            &["127.0.0.1:9007", &database],
        ),
        Server::start(
            "jsonrpsee",
            &bin.join("baseline_jsonrpsee"),
            &["127.0.0.1:9002"],
        ),
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
            &[&options.amqp_url, &lapin_queue],
        ),
    ];
    // Scale-out: 1, 2 and 4 framework processes on one queue, classic and
    // quorum, each group on a queue of its own.
    let scale_queue = |kind: &str, n: usize| format!("bench-{kind}-{n}-{id}");
    let lapin_quorum = format!("bench-lapin-quorum-{id}");
    servers.push(Server::start(
        "lapin by hand (quorum queue)",
        &bin.join("baseline_lapin"),
        &[&options.amqp_url, &lapin_quorum, "quorum"],
    ));
    for kind in ["classic", "quorum"] {
        for n in [1, 2, 4] {
            for i in 1..=n {
                let name: &'static str = Box::leak(
                    format!("datacenter AMQP, {kind} queue, {i} of {n}").into_boxed_str(),
                );
                servers.push(Server::start(
                    name,
                    &bin.join("datacenter"),
                    &[
                        "serve",
                        "--database",
                        "memory",
                        "--listen",
                        "127.0.0.1:0",
                        "--amqp",
                        &options.amqp_url,
                        "--amqp-queue",
                        &scale_queue(kind, n),
                        "--amqp-queue-type",
                        kind,
                    ],
                ));
            }
        }
    }
    // The framework's AMQP consumer starts after its HTTP listener.
    std::thread::sleep(Duration::from_secs(2));

    let jsonrpc =
        r#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#.to_owned();
    let xmlrpc = "<?xml version=\"1.0\"?><methodCall><methodName>get_active_servers</methodName><params><param><value><int>3</int></value></param></params></methodCall>".to_owned();
    let http = |url: &str, body: Option<(&'static str, &String)>| Load::Http {
        url: url.to_owned(),
        body: body.map(|(t, b)| (t, b.clone())),
    };
    let contender = |label, server, load| Contender {
        label,
        server,
        load,
        samples: Vec::new(),
    };
    let mut rows: Vec<Row> = vec![
        (
            "REST `GET /country/3/server/active`",
            vec![
                contender(
                    "axum handler by hand (baseline)",
                    "axum by hand",
                    http("http://127.0.0.1:9001/country/3/server/active", None),
                ),
                contender(
                    "framework REST",
                    "datacenter (framework)",
                    http("http://127.0.0.1:9000/country/3/server/active", None),
                ),
                contender(
                    "framework REST, with the example's timeout and concurrency limit",
                    "datacenter (framework, limits on)",
                    http("http://127.0.0.1:9004/country/3/server/active", None),
                ),
            ],
        ),
        (
            "REST over HTTPS `GET /country/3/server/active`",
            vec![
                contender(
                    "axum + rustls by hand (baseline)",
                    "axum + rustls by hand",
                    http("https://127.0.0.1:9006/country/3/server/active", None),
                ),
                contender(
                    "framework REST over HTTPS",
                    "datacenter (framework, HTTPS)",
                    http("https://127.0.0.1:9005/country/3/server/active", None),
                ),
            ],
        ),
        (
            "REST on PostgreSQL `GET /country/3/server/active`",
            vec![
                contender(
                    "axum + sqlx by hand (baseline)",
                    "axum + sqlx by hand (PostgreSQL)",
                    http("http://127.0.0.1:9007/country/3/server/active", None),
                ),
                contender(
                    "framework REST on PostgreSQL",
                    "datacenter (framework, PostgreSQL)",
                    http("http://127.0.0.1:9008/country/3/server/active", None),
                ),
            ],
        ),
        (
            "JSON-RPC `get_active_servers(3)`",
            vec![
                contender(
                    "axum + serde_json::Value by hand (baseline)",
                    "axum by hand",
                    http(
                        "http://127.0.0.1:9001/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "framework JSON-RPC",
                    "datacenter (framework)",
                    http(
                        "http://127.0.0.1:9000/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "jsonrpsee",
                    "jsonrpsee",
                    http(
                        "http://127.0.0.1:9002/",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
            ],
        ),
        (
            "XML-RPC `get_active_servers(3)`",
            vec![
                contender(
                    "framework JSON-RPC (baseline)",
                    "datacenter (framework)",
                    http(
                        "http://127.0.0.1:9000/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "framework XML-RPC",
                    "datacenter (framework)",
                    http("http://127.0.0.1:9000/RPC2", Some(("text/xml", &xmlrpc))),
                ),
                contender(
                    "Python SimpleXMLRPCServer",
                    "Python SimpleXMLRPCServer",
                    http("http://127.0.0.1:9003/RPC2", Some(("text/xml", &xmlrpc))),
                ),
            ],
        ),
        (
            "JSON-RPC over WebSocket `get_active_servers(3)`, one call at a time per socket",
            vec![
                contender(
                    "jsonrpsee WebSocket (baseline)",
                    "jsonrpsee",
                    Load::WebSocket {
                        mode: "calls",
                        url: "ws://127.0.0.1:9002/".into(),
                        sockets: options.connections,
                    },
                ),
                contender(
                    "framework WebSocket",
                    "datacenter (framework)",
                    Load::WebSocket {
                        mode: "calls",
                        url: "ws://127.0.0.1:9000/ws".into(),
                        sockets: options.connections,
                    },
                ),
            ],
        ),
        (
            "Notifications to 100 WebSocket subscribers of `watch_servers` (per second delivered)",
            vec![
                contender(
                    "jsonrpsee WebSocket (baseline)",
                    "jsonrpsee",
                    Load::WebSocket {
                        mode: "notify",
                        url: "ws://127.0.0.1:9002/".into(),
                        sockets: 100,
                    },
                ),
                contender(
                    "framework WebSocket",
                    "datacenter (framework)",
                    Load::WebSocket {
                        mode: "notify",
                        url: "ws://127.0.0.1:9000/ws".into(),
                        sockets: 100,
                    },
                ),
            ],
        ),
        (
            "AMQP round trips, 64 in flight",
            vec![
                contender(
                    "lapin by hand (baseline)",
                    "lapin by hand",
                    Load::Amqp {
                        queue: lapin_queue.clone(),
                    },
                ),
                contender(
                    "framework AMQP",
                    "datacenter (framework, AMQP)",
                    Load::Amqp {
                        queue: framework_queue.clone(),
                    },
                ),
            ],
        ),
    ];
    for (kind, baseline_queue, baseline) in [
        ("classic", &lapin_queue, "lapin by hand"),
        ("quorum", &lapin_quorum, "lapin by hand (quorum queue)"),
    ] {
        let title: &'static str =
            Box::leak(format!("AMQP scale-out, {kind} queue, 64 in flight").into_boxed_str());
        let mut contenders = vec![contender(
            "lapin by hand, 1 process (baseline)",
            baseline,
            Load::Amqp {
                queue: baseline_queue.clone(),
            },
        )];
        for n in [1, 2, 4] {
            let label: &'static str =
                Box::leak(format!("framework, {n} server process(es)").into_boxed_str());
            let server: &'static str =
                Box::leak(format!("datacenter AMQP, {kind} queue, 1 of {n}").into_boxed_str());
            contenders.push(contender(
                label,
                server,
                Load::Amqp {
                    queue: scale_queue(kind, n),
                },
            ));
        }
        rows.push((title, contenders));
    }

    if let Some(only) = &options.only {
        let only = only.to_lowercase();
        rows.retain(|(title, _)| title.to_lowercase().contains(&only));
    }
    for (title, contenders) in &mut rows {
        eprintln!("{title}: warm-up");
        for c in contenders.iter() {
            run(&c.load, &options, 1, &dir, &bin);
        }
        for round in 1..=options.rounds {
            eprintln!("{title}: round {round}/{}", options.rounds);
            // A B C, then C B A: no contender always runs right after the
            // same one.
            let n = contenders.len();
            for i in 0..n {
                let c = &mut contenders[if round % 2 == 1 { i } else { n - 1 - i }];
                c.samples
                    .push(run(&c.load, &options, options.seconds, &dir, &bin));
            }
        }
    }

    let memory = |name: &str| {
        servers
            .iter()
            .find(|s| s.name == name)
            .map_or(f64::NAN, Server::peak_memory_mib)
    };
    report::print_rows(&rows, memory);
    report::print_bars(&rows, &bars());
    let framework = memory("datacenter (framework)");
    let by_hand = memory("axum by hand");
    let http_measured = rows.iter().any(|(title, _)| title.starts_with("REST `"));
    if http_measured && framework.is_finite() && by_hand.is_finite() {
        println!(
            "| peak server memory under HTTP load, framework over axum by hand | {:.2}× | | ≤ 2.00× | {} |",
            framework / by_hand,
            if framework <= 2.0 * by_hand {
                "yes"
            } else {
                "**no**"
            }
        );
    }
    println!("\n| server process | pid | peak RSS MiB |\n|---|---:|---:|");
    for server in &servers {
        println!(
            "| {} | {} | {:.1} |",
            server.name,
            server.child.id(),
            server.peak_memory_mib()
        );
    }
    println!(
        "\n{} rounds of {} s per contender after a 1 s warm-up, wrk -t1 -c{} pinned to CPU 0, servers pinned to CPU 1, {} CPUs.",
        options.rounds,
        options.seconds,
        options.connections,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    drop(servers);
    drop_database(&database);
}

/// Drops the PostgreSQL row's database.
fn drop_database(url: &str) {
    use sqlx::migrate::MigrateDatabase;
    let dropped = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(sqlx::Postgres::force_drop_database(url));
    if let Err(err) = dropped {
        eprintln!("warning: cannot drop the benchmark's database: {err}");
    }
}
