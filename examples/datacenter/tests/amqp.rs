//! `datacenter serve` on RabbitMQ: a pika client written the way the RabbitMQ
//! RPC tutorial does it, `datacenter call --amqp`, and a graceful stop.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Served, json};

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Serves on a queue of its own, and waits until calls get through.
fn serve_amqp(name: &str) -> (Served, String) {
    serve_amqp_with(name, &[])
}

/// The same, with more arguments.
fn serve_amqp_with(name: &str, args: &[&str]) -> (Served, String) {
    let queue = format!("datacenter-test-{name}-{}", std::process::id());
    let served = Served::start_with(
        &[
            ["--amqp", &amqp_url(), "--amqp-queue", &queue].as_slice(),
            args,
        ]
        .concat(),
    );
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
    common::assert_passes(Command::new(python).args([script, &amqp_url(), &queue]));
}

/// pika subscribes to `watch_servers`, receives the changes of its country
/// with its correlation id, unsubscribes; a subscriber whose queue is
/// deleted is noticed by the server's heartbeats.
#[test]
fn pika_subscribes_over_amqp_and_unsubscribes() {
    let (served, queue) = serve_amqp_with("pika-sub", &["--amqp-subscription-heartbeat-ms", "200"]);
    let python = common::pytool("python");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/pika_subscriber.py"
    );
    common::assert_passes(Command::new(python).args([script, &amqp_url(), &queue, &served.url]));
}

/// pika, bound to the exchange of changes, hears a server created, changed
/// and deleted over REST: the events are plain JSON-RPC notifications.
#[test]
fn pika_hears_the_changes_on_the_events_exchange() {
    let (served, queue) = serve_amqp("pika-events");
    let python = common::pytool("python");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pika_events.py");
    common::assert_passes(Command::new(python).args([
        script,
        &amqp_url(),
        &format!("{queue}.events"),
        &served.url,
    ]));
}

/// `datacenter call --amqp … watch_servers 3`: the typed client's stream
/// over AMQP, each change of country 3 on a line.
#[test]
fn datacenter_call_watches_over_amqp() {
    let (served, queue) = serve_amqp("watch");
    let mut watcher = Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .args([
            "call",
            "--url",
            &served.url,
            "--amqp",
            &amqp_url(),
            "--amqp-queue",
            &queue,
        ])
        .args(["watch_servers", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    BufReader::new(watcher.stderr.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.starts_with("subscribed"), "{said}");
    for (hostname, country) in [("amqp-44", 44), ("amqp-3", 3)] {
        let body = format!(r#"{{"hostname":"{hostname}","country":{country},"datacenter":"d"}}"#);
        assert!(served.call(&["create_server", &body]).status.success());
    }
    let mut line = String::new();
    BufReader::new(watcher.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let event = json(&line);
    assert_eq!(event["server"]["hostname"], "amqp-3", "{line}");
    let _ = watcher.kill();
    let _ = watcher.wait();
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

/// Calls published as a stream; SIGTERM to the server mid-stream; a second
/// server on the same queue. Every call is answered exactly once: the first
/// server answers and acknowledges what it accepted, the broker keeps the rest
/// for the second.
#[cfg(unix)]
#[test]
fn sigterm_under_load_loses_no_amqp_call_and_answers_none_twice() {
    use futures_util::StreamExt;
    use rpc_amqp::lapin::options::{
        BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions,
    };
    use rpc_amqp::lapin::types::FieldTable;
    use rpc_amqp::lapin::{BasicProperties, Connection, ConnectionProperties};
    use std::collections::HashMap;

    const CALLS: usize = 2000;
    let queue = format!("datacenter-test-drain-{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let connection = runtime
        .block_on(Connection::connect(
            &amqp_url(),
            ConnectionProperties::default(),
        ))
        .unwrap();
    let channel = runtime.block_on(connection.create_channel()).unwrap();
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..Default::default()
    };
    let replies = runtime
        .block_on(channel.queue_declare("".into(), exclusive, FieldTable::default()))
        .unwrap();
    // The calls wait in the queue (declared as the server declares it)
    // before the first server starts, so that it stops in the middle of them.
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    runtime
        .block_on(channel.queue_declare(queue.as_str().into(), durable, FieldTable::default()))
        .unwrap();
    let no_ack = BasicConsumeOptions {
        no_ack: true,
        ..Default::default()
    };
    let mut consumer = runtime
        .block_on(channel.basic_consume(
            replies.name().clone(),
            "".into(),
            no_ack,
            FieldTable::default(),
        ))
        .unwrap();
    runtime.block_on(async {
        for i in 0..CALLS {
            let body =
                format!(r#"{{"jsonrpc":"2.0","method":"get_server","params":[1],"id":{i}}}"#);
            let properties = BasicProperties::default()
                .with_content_type("application/json".into())
                .with_reply_to(replies.name().clone())
                .with_correlation_id(i.to_string().into());
            channel
                .basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    properties,
                )
                .await
                .unwrap();
        }
    });

    let mut first = Served::start_with(&["--amqp", &amqp_url(), "--amqp-queue", &queue]);
    let mut answers: HashMap<String, usize> = HashMap::new();
    let mut receive = |until: usize, within: Duration| {
        runtime.block_on(async {
            while answers.len() < until {
                let Ok(Some(delivery)) = tokio::time::timeout(within, consumer.next()).await else {
                    return;
                };
                let delivery = delivery.unwrap();
                let answer = json(&String::from_utf8_lossy(&delivery.data));
                assert_eq!(answer["result"]["id"], 1, "{answer}");
                let id = delivery.properties.correlation_id().clone().unwrap();
                *answers.entry(id.to_string()).or_default() += 1;
            }
        })
    };
    // Mid-stream: stop the first server.
    receive(100, Duration::from_secs(20));
    assert!(
        Command::new("kill")
            .args(["-TERM", &first.child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = first.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // It stopped mid-stream: calls are left in the queue…
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let left = runtime
        .block_on(channel.queue_declare(queue.as_str().into(), passive, FieldTable::default()))
        .unwrap()
        .message_count();
    eprintln!("{left} of {CALLS} calls left in the queue by the stopped server");
    assert!(
        left > 0,
        "the first server answered every call before SIGTERM"
    );
    // …and a second server answers them.
    let _second = Served::start_with(&["--amqp", &amqp_url(), "--amqp-queue", &queue]);
    receive(CALLS, Duration::from_secs(20));
    assert_eq!(answers.len(), CALLS, "calls were lost");
    let twice: Vec<_> = answers.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "answered more than once: {twice:?}");
    runtime
        .block_on(channel.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()))
        .unwrap();
}
