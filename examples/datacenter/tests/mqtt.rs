//! `datacenter serve --mqtt`: paho-mqtt (MQTT 5) calls two processes that
//! share the request topic, one of them killed mid-run; `datacenter call
//! --mqtt`; the bearer layer reads MQTT user properties.

mod common;

use std::process::Command;

use common::{Served, assert_passes, ids, json, pytool};

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
            assert_eq!(ids(&json(&String::from_utf8_lossy(&out.stdout))), [1, 2]);
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

/// A Mosquitto of the test's own with a TLS listener on a free port, its
/// certificate signed by a CA that `datacenter certs` made.
struct TlsBroker {
    port: u16,
    dir: std::path::PathBuf,
    child: std::process::Child,
}

impl TlsBroker {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("datacenter-mqtts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let made = Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .arg("certs")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(made.success());
        // Mosquitto may read them as its own user.
        for entry in std::fs::read_dir(&dir).unwrap() {
            use std::os::unix::fs::PermissionsExt;
            let path = entry.unwrap().path();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\ncertfile {}\nkeyfile {}\n",
                dir.join("server.pem").display(),
                dir.join("server.key").display()
            ),
        )
        .unwrap();
        let program = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("mosquitto");
        let child = Command::new(program)
            .arg("-c")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("mosquitto runs (the test command installs it)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "mosquitto did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self { port, dir, child }
    }
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn serve_and_call_reach_a_broker_over_mqtts() {
    let broker = TlsBroker::start();
    let url = format!("mqtts://127.0.0.1:{}", broker.port);
    let ca = broker.dir.join("ca.pem").display().to_string();
    let topic = topic("mqtts");
    let _served = Served::start_with(&[
        "--no-amqp",
        "--mqtt",
        &url,
        "--mqtt-topic",
        &topic,
        "--database",
        "memory",
        "--ca-cert",
        &ca,
    ]);
    let call = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .args(["call", "--mqtt", &url, "--mqtt-topic", &topic])
            .args(extra)
            .args(["get_server", "1"])
            .output()
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = call(&["--ca-cert", &ca]);
        if out.status.success() {
            let server = json(&String::from_utf8_lossy(&out.stdout));
            assert_eq!(server["hostname"], "us-east-1a");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{out:?}");
    }
    // Without the CA, the broker's certificate is refused, and said so.
    let out = call(&[]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.to_lowercase().contains("certificate") || said.contains("UnknownIssuer"),
        "{said}"
    );
}
