//! `datacenter serve --listen unix:PATH`: the socket's permissions, every
//! protocol through `datacenter call --url unix:PATH`, curl's
//! `--unix-socket`, Python's `http.client`, and the socket gone after a
//! graceful stop.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Served, assert_passes, curl, ids, json};

#[test]
fn datacenter_serves_every_protocol_on_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("datacenter-unix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("datacenter.sock");
    let socket = path.to_str().unwrap();
    let mut served = Served::listening(
        &format!("unix:{socket}"),
        &["--no-amqp", "--socket-mode", "0600"],
    );
    assert_eq!(served.url, format!("unix:{socket}"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    for protocol in ["jsonrpc", "xmlrpc", "rest", "ws"] {
        let out = served.call(&["--protocol", protocol, "get_active_servers", "3"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{protocol}: {out:?}");
        assert_eq!(ids(&json(&text)), [1, 2], "{protocol}");
    }

    let (status, body) = curl(&[
        "--unix-socket",
        socket,
        "http://localhost/country/3/server/active",
    ]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = curl(&[
        "--unix-socket",
        socket,
        "http://localhost/jsonrpc",
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"jsonrpc":"2.0","method":"get_server","params":{"id":1},"id":7}"#,
    ]);
    assert_eq!(status, 200);
    assert_eq!(json(&body)["result"]["hostname"], "us-east-1a");
    let (status, body) = curl(&["--unix-socket", socket, "http://localhost/servers/99"]);
    assert_eq!(status, 404);
    assert_eq!(json(&body)["status"], 404);

    assert_passes(Command::new("python3").args([
        "-c",
        r#"
import http.client, json, socket, sys
class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
c = UnixConnection("localhost", timeout=10)
c.request("POST", "/servers", json.dumps({"hostname": "unix-1", "country": 5, "datacenter": "dc"}),
          {"content-type": "application/json"})
made = c.getresponse()
assert made.status == 201, made.status
server = json.loads(made.read())
c.request("GET", "/servers/%d" % server["id"])
again = c.getresponse()
assert again.status == 200 and json.loads(again.read()) == server
print("all checks passed")
"#,
        socket,
    ]));

    // SIGTERM: a graceful stop, and the socket's file goes with the server.
    let stopped = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while served.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!path.exists(), "the socket's file is removed");
    let out = served.call(&["get_server", "1"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains(socket),
        "the error names the socket: {said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
