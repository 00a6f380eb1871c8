//! Start-up and size: the time from `exec` to the first answered call of a
//! server, and the size of its release binary; the framework's example
//! beside axum by hand.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::process::pinned;
use crate::report::median;

/// How many starts are measured per server.
const STARTS: usize = 20;

/// A server whose start is measured: its label, its binary and its
/// arguments, `{addr}` standing for the address it listens on.
struct Start {
    label: &'static str,
    program: &'static str,
    args: &'static [&'static str],
}

const SERVERS: [Start; 3] = [
    Start {
        label: "axum by hand (`baseline_axum`)",
        program: "baseline_axum",
        args: &["{addr}"],
    },
    Start {
        label: "framework: `datacenter serve --no-amqp` (SQLite in memory, the default)",
        program: "datacenter",
        args: &["serve", "--no-amqp", "--listen", "{addr}"],
    },
    Start {
        label: "framework: `datacenter serve --no-amqp --database memory`",
        program: "datacenter",
        args: &[
            "serve",
            "--no-amqp",
            "--database",
            "memory",
            "--listen",
            "{addr}",
        ],
    },
];

/// Measures and prints the table.
pub fn print(bin: &Path) {
    println!(
        "\n| server | exec to first answered call, median of {STARTS} (ms) | range (ms) | release binary (MiB) |\n|---|---:|---:|---:|"
    );
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); SERVERS.len()];
    for round in 0..STARTS {
        for (i, server) in SERVERS.iter().enumerate() {
            let port = 9100 + round * SERVERS.len() + i;
            times[i].push(start(bin, server, &format!("127.0.0.1:{port}")));
        }
    }
    for (server, times) in SERVERS.iter().zip(&times) {
        let low = times.iter().copied().fold(f64::INFINITY, f64::min);
        let high = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let size = std::fs::metadata(bin.join(server.program))
            .map_or(f64::NAN, |m| m.len() as f64 / (1024.0 * 1024.0));
        println!(
            "| {} | {:.1} | {low:.1}–{high:.1} | {size:.1} |",
            server.label,
            median(times.iter().copied())
        );
    }
}

/// Starts `server` on `addr` (pinned to CPU 1, as every server of the
/// benchmark) and calls `GET /country/3/server/active` until it answers 200:
/// the milliseconds from the start to that answer.
fn start(bin: &Path, server: &Start, addr: &str) -> f64 {
    let args: Vec<String> = server
        .args
        .iter()
        .map(|a| a.replace("{addr}", addr))
        .collect();
    let started = Instant::now();
    let mut child = pinned(1, &bin.join(server.program))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.program));
    let answered = loop {
        if answered(addr) {
            break started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(20) {
            panic!("{} did not answer within 20 s", server.label);
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let _ = child.kill();
    let _ = child.wait();
    answered.as_secs_f64() * 1000.0
}

/// Whether the server on `addr` answers the call with 200.
fn answered(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let request =
        "GET /country/3/server/active HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}
