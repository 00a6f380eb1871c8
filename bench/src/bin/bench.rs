//! The benchmark runner: the datacenter service through the framework, side
//! by side with hand-written baselines and peers, in one run, on loopback.
//!
//! Every server runs pinned to CPU 1 and the load generator to CPU 0
//! (`taskset`), the contenders of a row take turns (A B A B …) for several
//! rounds after a warm-up, and the table gives the median requests per second,
//! the median p50/p99 latencies, each server's peak memory, and the ratio to
//! the row's baseline.
//!
//! Usage: `./scripts/bench [--rounds N] [--seconds S] [--connections C] [--only ROW]`,
//! where `--only xml` measures only the rows whose title contains `xml`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        rounds: 5,
        seconds: 3,
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

/// One measurement.
#[derive(Clone, Copy, Default)]
struct Sample {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// What a row's contender is measured with.
enum Load {
    /// wrk on a URL, with an optional POST body and content type.
    Http {
        url: String,
        body: Option<(&'static str, String)>,
    },
    /// The AMQP load client on a queue.
    Amqp { queue: String },
}

struct Contender {
    label: &'static str,
    server: &'static str,
    load: Load,
    samples: Vec<Sample>,
}

fn run(load: &Load, options: &Options, seconds: u64, dir: &Path, bin: &Path) -> Sample {
    match load {
        Load::Http { url, body } => {
            let mut command = pinned(0, Path::new("wrk"));
            command.args([
                "-t1",
                &format!("-c{}", options.connections),
                &format!("-d{seconds}s"),
                "--latency",
            ]);
            if let Some((content_type, body)) = body {
                let script = dir.join(format!("post-{}.lua", content_type.replace('/', "-")));
                let lua = format!(
                    "wrk.method = \"POST\"\nwrk.body = {body:?}\nwrk.headers[\"Content-Type\"] = \"{content_type}\"\n"
                );
                std::fs::write(&script, lua).unwrap();
                command.arg("-s").arg(&script);
            }
            let output = command
                .arg(url)
                .output()
                .expect("wrk runs (apt-get install wrk)");
            parse_wrk(&String::from_utf8_lossy(&output.stdout))
        }
        Load::Amqp { queue } => {
            let output = pinned(0, &bin.join("amqp_load"))
                .args([&options.amqp_url, queue, "64", &seconds.to_string()])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<f64> = text
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            match fields.as_slice() {
                [rps, p50, p99, ..] => Sample {
                    rps: *rps,
                    p50_ms: *p50,
                    p99_ms: *p99,
                },
                _ => Sample::default(),
            }
        }
    }
}

fn parse_wrk(output: &str) -> Sample {
    let duration_ms = |text: &str| {
        let text = text.trim();
        let (number, scale) = if let Some(n) = text.strip_suffix("us") {
            (n, 0.001)
        } else if let Some(n) = text.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1000.0)
        } else {
            (text, 1.0)
        };
        number.parse::<f64>().unwrap_or(f64::NAN) * scale
    };
    let mut sample = Sample::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rps) = line.strip_prefix("Requests/sec:") {
            sample.rps = rps.trim().parse().unwrap_or(0.0);
        } else if let Some(p50) = line.strip_prefix("50%") {
            sample.p50_ms = duration_ms(p50);
        } else if let Some(p99) = line.strip_prefix("99%") {
            sample.p99_ms = duration_ms(p99);
        }
    }
    if output.contains("Non-2xx") {
        eprintln!("warning: wrk saw error answers:\n{output}");
    }
    sample
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
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

    let id = std::process::id();
    let framework_queue = format!("bench-framework-{id}");
    let lapin_queue = format!("bench-lapin-{id}");
    let servers = [
        // The HTTP rows measure a server that serves HTTP only, as the
        // hand-written ones do, without the example's optional time and
        // concurrency limits, which they do not have either; AMQP is served
        // by a process of its own.
        Server::start(
            "datacenter (framework)",
            &bin.join("datacenter"),
            &[
                "serve",
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
            &["serve", "--listen", "127.0.0.1:9004", "--no-amqp"],
        ),
        Server::start(
            "datacenter (framework, AMQP)",
            &bin.join("datacenter"),
            &[
                "serve",
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
    let mut rows: Vec<(&str, Vec<Contender>)> = vec![
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
            for c in contenders.iter_mut() {
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
    println!("| scenario | contender | req/s (median) | p50 ms | p99 ms | peak RSS MiB | ratio |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (title, contenders) in &rows {
        let baseline = median(contenders[0].samples.iter().map(|s| s.rps));
        for c in contenders {
            let rps = median(c.samples.iter().map(|s| s.rps));
            println!(
                "| {title} | {} | {:.0} | {:.3} | {:.3} | {:.1} | {:.2}× |",
                c.label,
                rps,
                median(c.samples.iter().map(|s| s.p50_ms)),
                median(c.samples.iter().map(|s| s.p99_ms)),
                memory(c.server),
                rps / baseline
            );
        }
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
}
