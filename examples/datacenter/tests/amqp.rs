//! `datacenter serve` on RabbitMQ: a pika client written the way the RabbitMQ
//! RPC tutorial does it, `datacenter call --amqp`, and a graceful stop.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Served, json};

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Serves on a queue of its own, and waits until calls get through.
fn serve_amqp(name: &str) -> (Served, String) {
    let queue = format!("datacenter-test-{name}-{}", std::process::id());
    let served = Served::start_with(&["--amqp", &amqp_url(), "--amqp-queue", &queue]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let output = served.call(&[
            "--amqp",
            &amqp_url(),
            "--amqp-queue",
            &queue,
            "get_server",
            "1",
        ]);
        if output.status.success() {
            return (served, queue);
        }
        assert!(
            Instant::now() < deadline,
            "the server never consumed {queue}: {output:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_pika_tutorial_client_gets_the_active_servers() {
    let (_served, queue) = serve_amqp("pika");
    let python = common::pytool("python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pika_client.py");
    let output = Command::new(python)
        .args([script, &amqp_url(), &queue])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}

#[test]
fn datacenter_call_over_amqp() {
    let (served, queue) = serve_amqp("call");
    let output = served.call(&[
        "--amqp",
        &amqp_url(),
        "--amqp-queue",
        &queue,
        "get_active_servers",
        "3",
    ]);
    assert!(output.status.success(), "{output:?}");
    let servers = json(&String::from_utf8_lossy(&output.stdout));
    let ids: Vec<u64> = servers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
    // HTTP and AMQP share one inventory.
    let created = served.call(&[
        "create_server",
        r#"{"hostname":"h","country":1,"datacenter":"d"}"#,
    ]);
    assert!(created.status.success());
    let output = served.call(&[
        "--amqp",
        &amqp_url(),
        "--amqp-queue",
        &queue,
        "get_server",
        "6",
    ]);
    assert_eq!(
        json(&String::from_utf8_lossy(&output.stdout))["hostname"],
        "h"
    );

    let output = served.call(&[
        "--amqp",
        &amqp_url(),
        "--amqp-queue",
        "nobody-serves-this",
        "get_server",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no server consumes the queue"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_http_and_amqp_cleanly() {
    let (mut served, _queue) = serve_amqp("sigterm");
    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_unreachable_broker_does_not_stop_http() {
    // Nothing listens on port 1: AMQP retries in the background, HTTP serves.
    let served = Served::start_with(&["--amqp", "amqp://guest:guest@127.0.0.1:1/%2f"]);
    let output = served.call(&["get_server", "1"]);
    assert!(output.status.success(), "{output:?}");
}
