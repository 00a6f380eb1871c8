//! The load generator of the local channels and MQTT: keeps N calls of
//! `get_active_servers(3)` in flight for a while and prints
//! `requests_per_second p50_ms p99_ms count`.
//!
//! Usage:
//! - `channel_load unix SOCKET N SECONDS`: `GET /country/3/server/active`
//!   on N kept-alive HTTP/1.1 connections to a Unix socket, one request at
//!   a time each (as wrk does on TCP);
//! - `channel_load stdio N SECONDS -- PROGRAM ARGS...`: spawns the server
//!   and calls it over its pipes, one JSON-RPC message per line;
//! - `channel_load mqtt URL TOPIC N SECONDS`: MQTT 5 request/response.
//!
//! Both contenders of a row are driven by the same client, so their ratio
//! compares the servers.

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| usage())
    };
    let latencies = match args.first().map(String::as_str) {
        Some("unix") => {
            let socket = args.get(1).unwrap_or_else(|| usage()).clone();
            let deadline = Instant::now() + Duration::from_secs(number(3));
            let workers = (0..number(2)).map(|_| unix_worker(socket.clone(), deadline));
            rpc_bench::measure(workers).await
        }
        Some("stdio") => {
            let command = args
                .iter()
                .position(|a| a == "--")
                .map(|at| &args[at + 1..])
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| usage());
            let mut child = std::process::Command::new(&command[0]);
            child
                .args(&command[1..])
                .stderr(std::process::Stdio::null());
            let transport = rpc_stdio::StdioTransport::spawn(child).expect("the server starts");
            rpc_bench::typed_calls(transport, number(1), number(2)).await
        }
        Some("mqtt") => {
            let (url, topic) = (
                args.get(1).unwrap_or_else(|| usage()),
                args.get(2).unwrap_or_else(|| usage()),
            );
            let transport = rpc_mqtt::MqttTransport::new(url, topic.as_str())
                .expect("a URL")
                .timeout(Duration::from_secs(5));
            rpc_bench::typed_calls(transport, number(3), number(4)).await
        }
        _ => usage(),
    };
    report(latencies);
}

fn usage() -> ! {
    eprintln!(
        "usage: channel_load unix SOCKET N SECONDS | stdio N SECONDS -- PROGRAM ARGS... | mqtt URL TOPIC N SECONDS"
    );
    std::process::exit(2)
}

/// One kept-alive HTTP/1.1 connection to the socket, one request at a time.
async fn unix_worker(socket: String, deadline: Instant) -> Vec<Duration> {
    use http_body_util::{BodyExt, Empty};
    let stream = tokio::net::UnixStream::connect(&socket)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {socket}: {e}"));
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let request = http::Request::get("/country/3/server/active")
            .header("host", "localhost")
            .body(Empty::<bytes::Bytes>::new())
            .unwrap();
        let sent = Instant::now();
        let response = sender.send_request(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.into_body().collect().await.unwrap();
        latencies.push(sent.elapsed());
    }
    latencies
}

fn report((latencies, elapsed): (Vec<Duration>, f64)) {
    rpc_bench::print_line(latencies, elapsed);
}
