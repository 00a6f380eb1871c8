//! `AmqpTransport` on the real broker: no server, timeouts, late answers,
//! and a real peer written by others (a pika server, the RabbitMQ tutorial's
//! way).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{WorkClient, WorkServer, Worker, queue, url, wait_for_consumers};
use rpc_amqp::{AmqpServer, AmqpTransport};
use rpc_core::ClientError;

/// A call's future stays small: connecting and publishing (lapin's futures,
/// kilobytes of them) are boxed where they are awaited, not carried inline
/// and copied with every call (a call's future was 4,944 bytes in a release
/// build, 464 once they were boxed).
#[test]
fn a_call_future_stays_small() {
    let client = WorkClient::new(AmqpTransport::new(url(), queue("size")));
    let call = client.add(1, 2);
    assert!(size_of_val(&call) <= 1024, "{} bytes", size_of_val(&call));
    let publisher = WorkClient::new(AmqpTransport::publisher(url(), "size"));
    let call = publisher.note("a note".into());
    assert!(size_of_val(&call) <= 1024, "{} bytes", size_of_val(&call));
}

#[tokio::test]
async fn a_call_to_a_queue_without_server_fails_at_once() {
    let client = WorkClient::new(AmqpTransport::new(url(), queue("nobody")));
    let started = Instant::now();
    let err = client.add(1, 2).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(
        message.contains("no server consumes the queue"),
        "{message}"
    );
}

#[tokio::test]
async fn a_call_past_its_timeout_fails_and_its_late_answer_is_dropped() {
    let name = queue("timeout");
    let server = AmqpServer::new(WorkServer::new(Worker::default())).queue(name.clone());
    tokio::spawn(server.serve_with_shutdown_owned(url(), std::future::pending()));
    wait_for_consumers(&name, 1).await;
    let client =
        WorkClient::new(AmqpTransport::new(url(), name).timeout(Duration::from_millis(200)));
    let started = Instant::now();
    assert!(matches!(
        client.work(600).await,
        Err(ClientError::Timeout(_))
    ));
    assert!(started.elapsed() < Duration::from_millis(500));
    // The late answer arrives while this call waits, and is dropped.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(client.add(20, 22).await.unwrap(), 42);
}

#[tokio::test]
async fn the_client_calls_a_pika_server() {
    let name = queue("pika");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pika_server.py");
    let python = std::env::var_os("RPC_PYTOOLS")
        .map(|dir| std::path::PathBuf::from(dir).join("python"))
        .unwrap_or_else(|| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../target/pytools/bin/python").into()
        });
    let mut server = Command::new(&python)
        .args([script, &url(), &name])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} runs pika (./scripts/test installs it): {e}",
                python.display()
            )
        });
    let mut ready = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");

    #[rpc_core::service]
    pub trait Fibonacci {
        async fn fib(&self, n: u32) -> u64;
        async fn missing(&self) -> u64;
    }
    let client = FibonacciClient::new(AmqpTransport::new(url(), name));
    let result = client.fib(30).await;
    let missing = client.missing().await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(result.unwrap(), 832_040);
    assert_eq!(missing.unwrap_err().rpc().unwrap().code(), -32601);
}
