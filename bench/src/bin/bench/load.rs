//! Putting load on a contender: wrk for HTTP, the repo's clients for AMQP
//! and WebSocket.

use std::path::Path;

use crate::Options;
use crate::process::{pinned, pinned_argv};

/// One measurement.
#[derive(Clone, Copy)]
pub struct Sample {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The load client's CPU time per call, where it is the contender
    /// (the client rows); NaN otherwise.
    pub cpu_us_per_call: f64,
    /// The server's CPU time per call, where the server is a process of
    /// the runner's; NaN otherwise.
    pub server_cpu_us_per_call: f64,
    /// The part of it spent in the kernel (its system calls, and the
    /// loopback's TCP work done on their back); NaN where the other is.
    pub server_kernel_us_per_call: f64,
}

impl Default for Sample {
    fn default() -> Self {
        Self {
            rps: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            cpu_us_per_call: f64::NAN,
            server_cpu_us_per_call: f64::NAN,
            server_kernel_us_per_call: f64::NAN,
        }
    }
}

/// What a row's contender is measured with.
pub enum Load {
    /// wrk on a URL, with an optional POST body and content type.
    Http {
        url: String,
        body: Option<(&'static str, String)>,
    },
    /// The AMQP load client (lapin by hand) on a queue, `in_flight` calls
    /// at a time; `confirmed`: with the framework's client's guarantees
    /// (publisher confirms, `mandatory`, `expiration`).
    Amqp {
        queue: String,
        in_flight: usize,
        confirmed: bool,
    },
    /// The client rows' load client (`client_load KIND URL TASKS`, or
    /// `dxr_client_load` for `dxr`): a client of `kind` calling `url` from
    /// `tasks` tasks.
    Client {
        kind: &'static str,
        url: String,
        tasks: usize,
    },
    /// The WebSocket load client: `mode` `calls` (one call at a time on
    /// each of `sockets`) or `notify` (`sockets` subscribers of one
    /// updater's changes).
    WebSocket {
        mode: &'static str,
        url: String,
        sockets: usize,
    },
    /// HTTP/1.1 on a Unix socket, one request at a time on each of the
    /// connections (`channel_load unix`).
    Unix { socket: String },
    /// The server `program` (a binary of the workspace) with `args`,
    /// started by the load and called over its pipes, 32 calls in flight
    /// (`channel_load stdio`).
    Stdio {
        program: &'static str,
        args: &'static [&'static str],
    },
    /// MQTT 5 request/response on `topic`, 64 calls in flight
    /// (`channel_load mqtt`).
    Mqtt { topic: String },
}

pub fn run(load: &Load, options: &Options, seconds: u64, dir: &Path, bin: &Path) -> Sample {
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
        Load::Amqp {
            queue,
            in_flight,
            confirmed,
        } => load_client(
            bin,
            "amqp_load",
            &[
                options.amqp_url.clone(),
                queue.clone(),
                in_flight.to_string(),
                seconds.to_string(),
                if *confirmed { "confirmed" } else { "" }.to_owned(),
            ],
        ),
        Load::Client { kind, url, tasks } => load_client(
            bin,
            // dxr's client is in a package of its own (see bench/dxr).
            if *kind == "dxr" {
                "dxr_client_load"
            } else {
                "client_load"
            },
            &[
                (*kind).to_owned(),
                url.replace("{amqp}", &options.amqp_url),
                tasks.to_string(),
                seconds.to_string(),
            ],
        ),
        Load::WebSocket { mode, url, sockets } => load_client(
            bin,
            "ws_load",
            &[
                (*mode).to_owned(),
                url.clone(),
                sockets.to_string(),
                seconds.to_string(),
            ],
        ),
        Load::Unix { socket } => load_client(
            bin,
            "channel_load",
            &[
                "unix".into(),
                socket.clone(),
                options.connections.to_string(),
                seconds.to_string(),
            ],
        ),
        Load::Stdio { program, args } => {
            let mut argv = vec![
                "stdio".to_owned(),
                "32".to_owned(),
                seconds.to_string(),
                "--".to_owned(),
            ];
            // The server on CPU 1, as the others.
            argv.extend(pinned_argv(1, &bin.join(program), args));
            load_client(bin, "channel_load", &argv)
        }
        Load::Mqtt { topic } => load_client(
            bin,
            "channel_load",
            &[
                "mqtt".into(),
                options.mqtt_url.clone(),
                topic.clone(),
                "64".into(),
                seconds.to_string(),
            ],
        ),
    }
}

/// Runs the repo's load client `program` pinned to CPU 0 with `args`, and
/// reads its line; a client that fails says why.
fn load_client(bin: &Path, program: &str, args: &[String]) -> Sample {
    let output = pinned(0, &bin.join(program))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if !output.status.success() {
        eprintln!(
            "warning: {program} {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_load(&String::from_utf8_lossy(&output.stdout))
}

/// The line of the repo's load clients: `per_second p50_ms p99_ms count`,
/// and the client's CPU µs per call after it where the client measures it.
fn parse_load(text: &str) -> Sample {
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields.as_slice() {
        [rps, p50, p99, rest @ ..] => Sample {
            rps: *rps,
            p50_ms: *p50,
            p99_ms: *p99,
            cpu_us_per_call: rest.get(1).copied().unwrap_or(f64::NAN),
            ..Sample::default()
        },
        _ => Sample::default(),
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
