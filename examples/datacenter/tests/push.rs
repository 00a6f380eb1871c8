//! Server push from the same trait: `watch_servers` over a WebSocket
//! (Python's `websockets`), as Server-Sent Events (`curl -N`), in headless
//! Chromium (`EventSource`, `WebSocket`) and through the typed client;
//! XML-RPC has no push and says so.

mod common;

use std::io::{BufRead, BufReader, Lines};
use std::process::{ChildStdout, Command, Stdio};

use common::Served;

#[test]
fn python_websockets_subscribes_receives_only_its_country_and_unsubscribes() {
    let served = Served::start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/ws_subscriber.py"
    );
    common::assert_passes(Command::new(common::pytool("python")).args([script, &served.url]));
}

/// The /live page in headless Chromium, once with `EventSource` and once
/// with `WebSocket`, shows the changes of its country as they are made
/// (screenshots under the test's target directory, named in its output).
#[test]
fn chromium_shows_live_changes_through_event_source_and_web_socket() {
    let served = Served::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/browser_live.py");
    common::assert_passes(Command::new(common::pytool("python")).args([
        script,
        common::chromium(),
        &served.url,
        env!("CARGO_TARGET_TMPDIR"),
    ]));
}

/// `datacenter call watch_servers 3`, the typed client, over the WebSocket
/// and as Server-Sent Events: each change of country 3 on a line.
#[test]
fn the_typed_client_watches_over_a_websocket_and_as_server_sent_events() {
    let served = Served::start();
    for protocol in ["ws", "rest"] {
        let mut watcher = Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .args(["call", "--url", &served.url, "--protocol", protocol])
            .args(["watch_servers", "3"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut said = String::new();
        BufReader::new(watcher.stderr.take().unwrap())
            .read_line(&mut said)
            .unwrap();
        assert!(said.starts_with("subscribed"), "{protocol}: {said}");
        for (hostname, country) in [("44", 44), ("3", 3)] {
            let hostname = format!("typed-{protocol}-{hostname}");
            let body =
                format!(r#"{{"hostname":"{hostname}","country":{country},"datacenter":"cli"}}"#);
            let (status, answer) = common::curl(&[
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-d",
                &body,
                &format!("{}/servers", served.url),
            ]);
            assert_eq!(status, 201, "{answer}");
        }
        let mut line = String::new();
        BufReader::new(watcher.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let event = common::json(&line);
        assert_eq!(event["change"], "created", "{protocol}: {line}");
        assert_eq!(
            event["server"]["hostname"],
            format!("typed-{protocol}-3"),
            "{protocol}: {line}"
        );
        let _ = watcher.kill();
        let _ = watcher.wait();
    }
}

#[test]
fn xml_rpc_refuses_a_subscription_and_does_not_list_it() {
    let served = Served::start();
    let script = r#"
import sys, xmlrpc.client as xc
proxy = xc.ServerProxy(sys.argv[1] + "/RPC2")
assert "watch_servers" not in proxy.system.listMethods()
try:
    proxy.watch_servers(3)
    raise AssertionError("a subscription over XML-RPC was served")
except xc.Fault as fault:
    assert fault.faultCode == -32600 and "subscription" in fault.faultString, fault
print("xml-rpc: all checks passed")
"#;
    common::assert_passes(Command::new("python3").args(["-c", script, &served.url]));
}

/// `curl -N` on the REST route: Server-Sent Events of country 3 only,
/// numbered from 1; SIGTERM ends the stream with an `end` event that says
/// the server is shutting down, and curl with it (exit 0: a whole stream),
/// while the server exits 0.
#[cfg(unix)]
#[test]
fn curl_reads_server_sent_events_until_the_server_shuts_down() {
    let mut served = Served::start();
    let mut curl = Command::new("curl")
        .args(["-sSiN", "--max-time", "60"])
        .arg(format!("{}/servers/events?country=3", served.url))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(curl.stdout.take().unwrap()).lines();
    // The stream opens with a comment once the subscription is made: what
    // follows is seen.
    let head = read_until(&mut lines, "");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert_eq!(read_until(&mut lines, ""), ": subscribed\n");

    for (hostname, country) in [("sse-3", 3), ("sse-44", 44), ("sse-3b", 3)] {
        let body = format!(r#"{{"hostname":"{hostname}","country":{country},"datacenter":"sse"}}"#);
        let (status, answer) = common::curl(&[
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            &body,
            &format!("{}/servers", served.url),
        ]);
        assert_eq!(status, 201, "{answer}");
    }
    let first = read_until(&mut lines, "");
    assert!(first.contains("id: 1\n"), "{first}");
    assert!(first.contains(r#""change":"created""#), "{first}");
    assert!(first.contains(r#""hostname":"sse-3""#), "{first}");
    // Country 44 is not sent: the second event is the second server of 3.
    let second = read_until(&mut lines, "");
    assert!(second.contains("id: 2\n"), "{second}");
    assert!(second.contains(r#""hostname":"sse-3b""#), "{second}");

    let killed = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let last = read_until(&mut lines, "");
    assert!(last.contains("event: end\n"), "{last}");
    assert!(last.contains(r#""code":-32004"#), "{last}");
    assert!(
        curl.wait().unwrap().success(),
        "curl saw the stream cut short"
    );
    assert!(served.child.wait().unwrap().success());
}

/// The lines up to the one equal to `end` (an event ends with a blank
/// line), joined with `\n`, without carriage returns.
fn read_until(lines: &mut Lines<BufReader<ChildStdout>>, end: &str) -> String {
    let mut text = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let line = line.trim_end_matches('\r');
        if line == end {
            return text;
        }
        text.push_str(line);
        text.push('\n');
    }
    panic!("the stream ended before an empty line: {text}");
}
