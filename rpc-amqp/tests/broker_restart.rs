//! A broker restart during a stream of calls: the server and the client
//! recover by themselves, and every call made after recovery succeeds.
//!
//! It restarts the whole broker (`rabbitmqctl stop_app` / `start_app`), so it
//! is alone in its test binary and the test command runs it alone.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{WorkClient, WorkServer, Worker, queue, url, wait_for_consumers};
use rpc_amqp::{AmqpServer, AmqpTransport};

fn rabbitmqctl(action: &str) {
    let status = Command::new("rabbitmqctl")
        .arg(action)
        .status()
        .expect("rabbitmqctl runs");
    assert!(status.success(), "rabbitmqctl {action} failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_and_client_recover_from_a_broker_restart() {
    let name = queue("restart");
    let server = AmqpServer::new(WorkServer::new(Worker::default())).queue(name.clone());
    tokio::spawn(server.serve_with_shutdown_owned(url(), std::future::pending()));
    wait_for_consumers(&name, 1).await;
    let client =
        WorkClient::new(AmqpTransport::new(url(), name.clone()).timeout(Duration::from_secs(2)));
    for i in 0..10 {
        assert_eq!(client.add(i, 1).await.unwrap(), i + 1);
    }

    // A stream of calls while the broker goes down and comes back.
    let streaming = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut failures = 0;
            for i in 0..200 {
                if client.add(i, 1).await.is_err() {
                    failures += 1;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            failures
        })
    };
    tokio::task::spawn_blocking(|| {
        rabbitmqctl("stop_app");
        std::thread::sleep(Duration::from_secs(1));
        rabbitmqctl("start_app");
    })
    .await
    .unwrap();

    // Recovery: the server consumes again, the client connects again.
    let deadline = Instant::now() + Duration::from_secs(60);
    wait_for_consumers(&name, 1).await;
    while client.add(1, 1).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the client did not recover within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every call after recovery succeeds.
    for i in 0..50 {
        assert_eq!(
            client.add(i, 2).await.unwrap(),
            i + 2,
            "call {i} after recovery"
        );
    }
    let failures = streaming.await.unwrap();
    assert!(failures < 200, "some calls of the stream succeeded");
}
