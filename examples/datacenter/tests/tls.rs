//! `datacenter` over TLS, with certificates it makes itself
//! (`datacenter certs`): `serve --tls-cert --tls-key` answers `curl
//! --cacert`, Python and `datacenter call --ca-cert`; and on a RabbitMQ node
//! with a TLS listener, started here on its own ports, `serve` and `call`
//! reach it over `amqps://`, as does pika over TLS.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::rabbit::{Node, free_port};
use common::{Served, curl, ids, json};

/// `datacenter certs` into a directory of the test's own.
fn certs(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("datacenter-certs-{name}-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .arg("certs")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    dir
}

fn file(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn https_serve_answers_curl_python_and_datacenter_call() {
    let dir = certs("https");
    let served = Served::start_with(&[
        "--no-amqp",
        "--tls-cert",
        &file(&dir, "server.pem"),
        "--tls-key",
        &file(&dir, "server.key"),
    ]);
    assert!(served.url.starts_with("https://"), "{}", served.url);

    let (status, body) = curl(&[
        "--cacert",
        &file(&dir, "ca.pem"),
        &format!("{}/country/3/server/active", served.url),
    ]);
    assert_eq!((status, ids(&json(&body))), (200, vec![1, 2]));

    for protocol in ["jsonrpc", "xmlrpc", "rest"] {
        let output = served.call(&[
            "--ca-cert",
            &file(&dir, "ca.pem"),
            "--protocol",
            protocol,
            "get_active_servers",
            "3",
        ]);
        assert!(output.status.success(), "{protocol}: {output:?}");
        assert_eq!(ids(&json(&String::from_utf8_lossy(&output.stdout))), [1, 2]);
    }
    // The platform's roots honour SSL_CERT_FILE, as OpenSSL's do.
    let output = Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .args(["call", "--url", &served.url, "get_server", "1"])
        .env("SSL_CERT_FILE", file(&dir, "ca.pem"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // Without the CA, the call says why it failed.
    let output = served.call(&["get_server", "1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("signed by an unknown authority"),
        "{stderr}"
    );

    let script = r#"
import http.client, json, ssl, sys, xmlrpc.client
base, ca = sys.argv[1], sys.argv[2]
context = ssl.create_default_context(cafile=ca)
proxy = xmlrpc.client.ServerProxy(base + "/RPC2", context=context)
assert [s["id"] for s in proxy.get_active_servers(3)] == [1, 2]
host, port = base.removeprefix("https://").split(":")
connection = http.client.HTTPSConnection(host, int(port), context=context)
connection.request("GET", "/servers/4")
assert json.loads(connection.getresponse().read())["hostname"] == "eu-central-1a"
print("python over https: all checks passed")
"#;
    common::assert_passes(Command::new("python3").args([
        "-c",
        script,
        &served.url,
        &file(&dir, "ca.pem"),
    ]));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn amqps_both_ways_against_a_tls_rabbitmq_node() {
    let dir = certs("amqps");
    let port = free_port();
    let config = format!(
        "listeners.tcp = none\n\
         listeners.ssl.default = 127.0.0.1:{port}\n\
         ssl_options.cacertfile = {ca}\n\
         ssl_options.certfile = {cert}\n\
         ssl_options.keyfile = {key}\n\
         ssl_options.verify = verify_peer\n\
         ssl_options.fail_if_no_peer_cert = false\n",
        ca = file(&dir, "ca.pem"),
        cert = file(&dir, "server.pem"),
        key = file(&dir, "server.key"),
    );
    let _node = Node::start("tls", &config);
    let url = format!("amqps://guest:guest@localhost:{port}/%2f");
    let queue = format!("datacenter-amqps-{}", std::process::id());
    let ca = file(&dir, "ca.pem");
    let _served = Served::start_with(&["--amqp", &url, "--amqp-queue", &queue, "--ca-cert", &ca]);
    let call = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .args(["call", "--amqp", &url, "--amqp-queue", &queue])
            .args(args)
            .output()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let output = loop {
        let output = call(&["--ca-cert", &ca, "get_active_servers", "3"]);
        if output.status.success() || Instant::now() > deadline {
            break output;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(output.status.success(), "{output:?}");
    assert_eq!(ids(&json(&String::from_utf8_lossy(&output.stdout))), [1, 2]);

    // Without the CA: refused, and said so.
    let output = call(&["get_server", "1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("signed by an unknown authority"),
        "{stderr}"
    );

    // pika over TLS, the RabbitMQ tutorial's client.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pika_client.py");
    common::assert_passes(Command::new(common::pytool("python")).args([script, &url, &queue, &ca]));
    let _ = std::fs::remove_dir_all(dir);
}
