//! The AMQP load generator: keeps N calls of `get_active_servers(3)` in flight
//! on one queue for a while, by direct reply-to, and prints
//! `requests_per_second p50_ms p99_ms count client_cpu_us_per_call`: lapin by
//! hand, each answer decoded into `Vec<Server>`, the baseline of the AMQP
//! client row too.
//!
//! With `confirmed` as a fifth argument it gives each call the guarantees
//! the framework's `AmqpTransport` gives: the channel in confirm mode, the
//! call published `mandatory` with its timeout as `expiration`, and the
//! broker's confirm awaited (a call it returns or does not take fails at
//! once) before the answer.
//! Usage: amqp_load AMQP_URL QUEUE IN_FLIGHT SECONDS [confirmed]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};
use tokio::sync::oneshot;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("AMQP_URL");
    let queue = args.next().expect("QUEUE");
    let in_flight: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    let confirmed = args.next().as_deref() == Some("confirmed");

    let cpu = rpc_bench::cpu_time_us();
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    if confirmed {
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
    }
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..Default::default()
    };
    let mut replies = channel
        .basic_consume(
            "amq.rabbitmq.reply-to".into(),
            "".into(),
            no_ack,
            FieldTable::default(),
        )
        .await
        .unwrap();
    let pending: Arc<Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>> = Arc::default();
    let waiting = Arc::clone(&pending);
    tokio::spawn(async move {
        while let Some(Ok(reply)) = replies.next().await {
            let id = reply
                .properties
                .correlation_id()
                .as_ref()
                .map(|id| id.to_string());
            if let Some(sender) = id.and_then(|id| waiting.lock().unwrap().remove(&id)) {
                let _ = sender.send(reply.data);
            }
        }
    });

    let body = br#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers = (0..in_flight).map(|worker| {
        let channel = channel.clone();
        let pending = Arc::clone(&pending);
        let queue = queue.clone();
        async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let id = format!("{worker}-{n}");
                let (sender, answer) = oneshot::channel();
                pending.lock().unwrap().insert(id.clone(), sender);
                let mut properties = BasicProperties::default()
                    .with_content_type("application/json".into())
                    .with_reply_to("amq.rabbitmq.reply-to".into())
                    .with_correlation_id(id.into());
                if confirmed {
                    properties = properties.with_expiration("30000".into());
                }
                let options = BasicPublishOptions {
                    mandatory: confirmed,
                    ..Default::default()
                };
                let sent = Instant::now();
                let confirm = channel
                    .basic_publish("".into(), queue.as_str().into(), options, body, properties)
                    .await
                    .unwrap();
                if confirmed {
                    let taken = confirm.await.unwrap();
                    assert!(
                        matches!(taken, Confirmation::Ack(None)),
                        "the broker did not take a call: {taken:?}"
                    );
                }
                let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(10), answer).await
                else {
                    eprintln!("a call got no answer within 10 s");
                    continue;
                };
                // Decoded as a typed client would.
                let answer: Answer = serde_json::from_slice(&answer).expect("a JSON-RPC answer");
                assert_eq!(answer.result.len(), 2);
                latencies.push(sent.elapsed());
            }
            latencies
        }
    });
    let latencies: Vec<Duration> = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = rpc_bench::cpu_time_us() - cpu;
    println!("{}", rpc_bench::line_with_cpu(latencies, elapsed, cpu));
}

/// The answer's result, decoded.
#[derive(serde::Deserialize)]
struct Answer {
    result: Vec<datacenter::Server>,
}
