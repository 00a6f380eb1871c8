//! `datacenter serve` stopped by SIGTERM under load: every call the server
//! accepted is answered, whole, before it exits 0.
//!
//! Which calls the server accepted is read from its own log: the
//! `TraceLayer` logs `call started` with each call's `x-request-id`.
#![cfg(unix)]

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What a client saw of one call.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the texts are shown through Debug when a check fails"
)]
enum Outcome {
    /// A whole answer with the expected status and body.
    Answered,
    /// A whole answer that is not the expected one.
    Wrong(String),
    /// No whole answer: the connection failed or closed.
    Failed(String),
}

/// Sends `request` on a kept-alive connection and reads the whole answer.
fn exchange(stream: &mut TcpStream, request: &str) -> Result<(String, bool), String> {
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(format!("closed after {} bytes", buf.len())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no content-length in {head}"))?;
    while buf.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) => return Err("closed in the middle of the body".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    let close = head.contains("connection: close");
    Ok((String::from_utf8_lossy(&buf).into_owned(), close))
}

/// A client that calls in a loop, alternating REST and JSON-RPC, each call
/// named by `x-request-id`, until the server refuses its connection.
fn client(port: u16, name: usize, done: Arc<AtomicUsize>) -> HashMap<String, Outcome> {
    let mut outcomes = HashMap::new();
    let mut stream: Option<TcpStream> = None;
    for n in 0.. {
        let id = format!("c{name}-{n}");
        let connection = match stream.take() {
            Some(s) => s,
            None => match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => {
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    s
                }
                // Refused: the server has stopped accepting.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
                Err(e) => panic!("connect: {e}"),
            },
        };
        let mut connection = connection;
        let (request, expected) = if n % 2 == 0 {
            (
                format!(
                    "GET /country/3/server/active HTTP/1.1\r\nhost: t\r\nx-request-id: {id}\r\n\r\n"
                ),
                r#""hostname":"us-east-1b""#,
            )
        } else {
            let body = r#"{"jsonrpc":"2.0","method":"get_server","params":[2],"id":1}"#;
            (
                format!(
                    "POST /jsonrpc HTTP/1.1\r\nhost: t\r\nx-request-id: {id}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                ),
                r#""result":{"id":2"#,
            )
        };
        let outcome = match exchange(&mut connection, &request) {
            Ok((answer, close)) => {
                if !close {
                    stream = Some(connection);
                }
                if answer.starts_with("HTTP/1.1 200") && answer.contains(expected) {
                    Outcome::Answered
                } else {
                    Outcome::Wrong(answer)
                }
            }
            Err(e) => Outcome::Failed(e),
        };
        done.fetch_add(1, Ordering::Relaxed);
        outcomes.insert(id, outcome);
    }
    outcomes
}

/// The request ids of the calls the server logged as started.
fn started_calls(log: &str) -> HashSet<String> {
    log.lines()
        .filter(|l| l.contains("call started"))
        .filter_map(|l| {
            let rest = &l[l.find("request_id=\"")? + "request_id=\"".len()..];
            Some(rest[..rest.find('"')?].to_owned())
        })
        .collect()
}

#[test]
fn sigterm_under_load_answers_every_accepted_call() {
    sigterm_under_load("multi-thread");
}

/// The same on tokio's current-thread scheduler, which `datacenter` runs
/// on a single CPU.
#[test]
fn sigterm_under_load_answers_every_accepted_call_on_one_thread() {
    sigterm_under_load("current-thread");
}

fn sigterm_under_load(runtime: &str) {
    let log_path = std::env::temp_dir().join(format!(
        "datacenter-shutdown-{runtime}-{}.log",
        std::process::id()
    ));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-amqp"])
        .args(["--runtime", runtime])
        .env("RUST_LOG", "warn,rpc_core=debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("the datacenter binary starts");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://127.0.0.1:"))
        .and_then(|p| {
            p.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no port in {line:?}"));

    let done = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..8)
        .map(|name| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || client(port, name, done))
        })
        .collect();
    // Under load: SIGTERM once a few hundred calls went through.
    while done.load(Ordering::Relaxed) < 400 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let mut outcomes = HashMap::new();
    for client in clients {
        outcomes.extend(client.join().unwrap());
    }
    let status = server.wait().unwrap();
    assert!(status.success(), "the server did not exit 0: {status:?}");

    let log = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    let started = started_calls(&log);
    assert!(
        started.len() >= 400,
        "{} calls started:\n{log}",
        started.len()
    );
    for id in &started {
        match outcomes.get(id) {
            Some(Outcome::Answered) => {}
            other => panic!("call {id} was accepted by the server but got {other:?}"),
        }
    }
    let failed = outcomes
        .values()
        .filter(|o| matches!(o, Outcome::Failed(_)))
        .count();
    eprintln!(
        "{} calls sent, {} accepted by the server and answered, {failed} not accepted (sent as it stopped)",
        outcomes.len(),
        started.len()
    );
    // Every call that got a whole answer got the right one.
    let wrong: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Wrong(_)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}
