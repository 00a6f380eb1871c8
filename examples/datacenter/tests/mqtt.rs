//! `datacenter serve --mqtt`: paho-mqtt (MQTT 5) calls two processes that
//! share the request topic, one of them killed mid-run; `datacenter call
//! --mqtt`; the bearer layer reads MQTT user properties.

mod common;

use std::process::Command;

use common::{Served, assert_passes, json, pytool};

fn mqtt_url() -> String {
    std::env::var("MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into())
}

/// `host` and `port` of the broker, for paho.
fn broker() -> (String, String) {
    let url = mqtt_url();
    let authority = url.trim_start_matches("mqtt://");
    let (host, port) = authority.rsplit_once(':').unwrap_or((authority, "1883"));
    (host.to_owned(), port.to_owned())
}

fn topic(test: &str) -> String {
    format!("datacenter-test/{test}/{}", std::process::id())
}

/// `datacenter serve` on `topic`, once it answers there.
fn serve_on(topic: &str, more: &[&str]) -> Served {
    let url = mqtt_url();
    let mut args = vec![
        "--no-amqp",
        "--mqtt",
        &url,
        "--mqtt-topic",
        topic,
        "--database",
        "memory",
    ];
    args.extend_from_slice(more);
    Served::start_with(&args)
}

fn call(topic: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .args(["call", "--mqtt", &mqtt_url(), "--mqtt-topic", topic])
        .args(args)
        .output()
        .unwrap()
}

/// Waits until `datacenter call` gets an answer on `topic`.
fn answered(topic: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !call(topic, &["get_server", "1"]).status.success() {
        assert!(
            std::time::Instant::now() < deadline,
            "nobody answers on {topic}"
        );
    }
}

#[test]
fn paho_calls_two_processes_that_share_the_topic_and_one_is_killed() {
    let topic = topic("paho");
    let a = serve_on(&topic, &[]);
    let _b = serve_on(&topic, &[]);
    answered(&topic);
    let (host, port) = broker();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/paho_client.py");
    assert_passes(Command::new(pytool("python")).arg(script).args([
        &host,
        &port,
        &topic,
        &a.child.id().to_string(),
    ]));
}

#[test]
fn datacenter_call_over_mqtt_and_the_bearer_layer_reads_user_properties() {
    let topic = topic("token");
    let _served = serve_on(&topic, &["--token", "s3cret"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = call(&topic, &["--token", "s3cret", "get_active_servers", "3"]);
        if out.status.success() {
            let ids: Vec<u64> = json(&String::from_utf8_lossy(&out.stdout))
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_u64().unwrap())
                .collect();
            assert_eq!(ids, [1, 2]);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out:?}");
    }
    let out = call(&topic, &["get_active_servers", "3"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("401") || said.to_lowercase().contains("token"),
        "{said}"
    );
}
