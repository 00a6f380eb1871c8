//! The WebSocket load generator, for a server that speaks JSON-RPC on a
//! WebSocket (the framework's `/ws`, jsonrpsee's server).
//!
//! - `ws_load calls URL CONNECTIONS SECONDS`: each of CONNECTIONS sockets
//!   calls `get_active_servers(3)`, one call at a time, for SECONDS.
//! - `ws_load notify URL SUBSCRIBERS SECONDS`: SUBSCRIBERS sockets each
//!   subscribe to `watch_servers`, and one more socket calls `update_server`
//!   for SECONDS, each change pushed to every subscriber. The updater stays
//!   at most [`AHEAD`] changes ahead of the slowest subscriber, so that no
//!   server drops a subscriber for falling behind: what is measured is how
//!   many notifications a second the server delivers.
//!
//! Prints `per_second p50_ms p99_ms count`: calls (or notifications
//! delivered) a second, and the latency of a call (or from the change's call
//! to the notification's arrival).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How many changes the updater may be ahead of the slowest subscriber.
const AHEAD: u64 = 128;

/// One in this many notifications has its latency recorded.
const LATENCY_SAMPLE: u64 = 8;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: ws_load calls|notify URL CONNECTIONS SECONDS";
    let mode = args.next().expect(usage);
    let url = args.next().expect(usage);
    let connections: usize = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let duration = Duration::from_secs(seconds);
    let (count, mut latencies_us) = match mode.as_str() {
        "calls" => calls(&url, connections, duration).await,
        "notify" => notify(&url, connections, duration).await,
        _ => panic!("{usage}"),
    };
    latencies_us.sort_unstable();
    let at = |q: f64| {
        latencies_us
            .get(((latencies_us.len() as f64 * q) as usize).min(latencies_us.len().max(1) - 1))
            .map_or(f64::NAN, |&us| us as f64 / 1000.0)
    };
    println!(
        "{:.1} {:.3} {:.3} {count}",
        count as f64 / duration.as_secs_f64(),
        at(0.50),
        at(0.99)
    );
}

async fn open(url: &str) -> Socket {
    // The library zeroes its read buffer before each read: a small one, as
    // the servers measured use.
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .unwrap_or_else(|e| panic!("cannot open a WebSocket to {url}: {e}"));
    socket
}

/// The next text message (pings are answered by the library).
async fn next_text(socket: &mut Socket) -> String {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return text.as_str().to_owned(),
            Some(Ok(Message::Close(close))) => panic!("the server closed the socket: {close:?}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("the socket failed: {err}"),
            None => panic!("the server closed the socket"),
        }
    }
}

/// Calls on `connections` sockets, one call at a time on each.
async fn calls(url: &str, connections: usize, duration: Duration) -> (u64, Vec<u32>) {
    let mut sockets = Vec::new();
    for _ in 0..connections {
        sockets.push(open(url).await);
    }
    let deadline = Instant::now() + duration;
    let workers = sockets.into_iter().map(|mut socket| {
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut id = 0u64;
            while Instant::now() < deadline {
                id += 1;
                let call = format!(
                    r#"{{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":{id}}}"#
                );
                let sent = Instant::now();
                socket.send(Message::text(call)).await.unwrap();
                let answer = next_text(&mut socket).await;
                assert!(answer.contains("\"result\""), "the call failed: {answer}");
                latencies.push(sent.elapsed().as_micros() as u32);
            }
            let _ = socket.close(None).await;
            latencies
        })
    });
    let mut latencies = Vec::new();
    for worker in workers.collect::<Vec<_>>() {
        latencies.extend(worker.await.unwrap());
    }
    (latencies.len() as u64, latencies)
}

/// What the updater and the subscribers share.
struct Fanout {
    /// Notifications received, by subscriber.
    received: Vec<AtomicU64>,
    /// When each change was called for.
    sent_at: std::sync::Mutex<Vec<Instant>>,
    /// Rung when a subscriber reaches the count the updater waits for.
    caught_up: Notify,
    waiting_for: AtomicU64,
    /// Set at the deadline: counts stop there.
    over: AtomicBool,
}

/// Subscribers each on a socket of their own, fed by one updater.
async fn notify(url: &str, subscribers: usize, duration: Duration) -> (u64, Vec<u32>) {
    let fanout = Arc::new(Fanout {
        received: (0..subscribers).map(|_| AtomicU64::new(0)).collect(),
        sent_at: std::sync::Mutex::new(Vec::new()),
        caught_up: Notify::new(),
        waiting_for: AtomicU64::new(u64::MAX),
        over: AtomicBool::new(false),
    });
    let mut readers = Vec::new();
    for index in 0..subscribers {
        let mut socket = open(url).await;
        let subscribe = r#"{"jsonrpc":"2.0","method":"watch_servers","params":[],"id":1}"#;
        socket.send(Message::text(subscribe)).await.unwrap();
        let answer = next_text(&mut socket).await;
        assert!(
            answer.contains("\"result\""),
            "subscribing failed: {answer}"
        );
        let fanout = Arc::clone(&fanout);
        readers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !fanout.over.load(Ordering::Relaxed) {
                let Some(Ok(message)) = socket.next().await else {
                    break;
                };
                let Message::Text(text) = message else {
                    continue;
                };
                assert!(
                    text.as_str().contains("\"params\"") && !text.as_str().contains("\"error\""),
                    "not a notification of a change: {}",
                    text.as_str()
                );
                let n = fanout.received[index].fetch_add(1, Ordering::Relaxed);
                if n.is_multiple_of(LATENCY_SAMPLE)
                    && let Some(sent) = fanout.sent_at.lock().unwrap().get(n as usize)
                {
                    latencies.push(sent.elapsed().as_micros() as u32);
                }
                if n + 1 == fanout.waiting_for.load(Ordering::Relaxed) {
                    fanout.caught_up.notify_one();
                }
            }
            latencies
        }));
    }

    let mut updater = open(url).await;
    let slowest = |fanout: &Fanout| {
        fanout
            .received
            .iter()
            .map(|r| r.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    };
    let started = Instant::now();
    let deadline = started + duration;
    let mut sent = 0u64;
    while Instant::now() < deadline {
        while sent >= slowest(&fanout) + AHEAD {
            fanout
                .waiting_for
                .store(sent + 1 - AHEAD, Ordering::Relaxed);
            if sent < slowest(&fanout) + AHEAD {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, fanout.caught_up.notified()).await;
            if Instant::now() >= deadline {
                break;
            }
        }
        sent += 1;
        let call = format!(
            r#"{{"jsonrpc":"2.0","method":"update_server","params":[1,{{"active":true}}],"id":{sent}}}"#
        );
        fanout.sent_at.lock().unwrap().push(Instant::now());
        updater.send(Message::text(call)).await.unwrap();
        let answer = next_text(&mut updater).await;
        assert!(
            answer.contains("\"result\""),
            "update_server failed: {answer}"
        );
    }
    let delivered: u64 = fanout
        .received
        .iter()
        .map(|r| r.load(Ordering::Relaxed))
        .sum();
    fanout.over.store(true, Ordering::Relaxed);
    // One last change wakes the readers up to see that it is over.
    let last = r#"{"jsonrpc":"2.0","method":"update_server","params":[1,{"active":true}],"id":0}"#;
    let _ = updater.send(Message::text(last)).await;
    let mut latencies = Vec::new();
    for reader in readers {
        if let Ok(Ok(sampled)) = tokio::time::timeout(Duration::from_secs(5), reader).await {
            latencies.extend(sampled);
        }
    }
    (delivered, latencies)
}
