//! Answers given before the request body was read (413, 415, a 401 from the
//! bearer layer) reach the clients people use, which write their whole
//! request before they read: Python's `http.client` and `xmlrpc.client`.
//! A client that never stops sending is cut off, and memory stays flat.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Served;

fn run_script(url: &str, token: Option<&str>) {
    let script = format!(
        "{}/tests/interop/early_answers.py",
        env!("CARGO_MANIFEST_DIR")
    );
    common::assert_passes(Command::new("python3").arg(&script).arg(url).args(token));
}

#[test]
fn python_clients_read_413_and_415_answers_to_large_bodies() {
    let served = Served::start();
    run_script(&served.url, None);
}

#[test]
fn python_clients_read_the_bearer_layers_refusal_of_a_large_body() {
    let served = Served::start_with(&["--no-amqp", "--token", "s3cret"]);
    run_script(&served.url, Some("s3cret"));
}

fn peak_memory_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

#[test]
fn a_client_that_streams_an_endless_body_is_cut_off_and_memory_stays_flat() {
    let served = Served::start();
    let addr = served.url.trim_start_matches("http://").to_owned();
    let before = peak_memory_mib(served.child.id());
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut client = TcpStream::connect(addr).unwrap();
                client
                    .write_all(
                        b"POST /jsonrpc HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
                    )
                    .unwrap();
                let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
                let started = Instant::now();
                let mut sent = 0u64;
                while client.write_all(chunk.as_bytes()).is_ok() {
                    sent += 0x10000;
                    assert!(started.elapsed() < Duration::from_secs(60), "never cut off");
                }
                (started.elapsed(), sent)
            })
        })
        .collect();
    for client in clients {
        let (took, sent) = client.join().unwrap();
        // The default bounds: 30 s, or 128 MiB read and discarded.
        assert!(took < Duration::from_secs(40), "cut off after {took:?}");
        assert!(sent < 512 << 20, "{sent} bytes sent before the cut-off");
    }
    let after = peak_memory_mib(served.child.id());
    assert!(
        after - before < 16.0,
        "peak memory grew from {before:.1} to {after:.1} MiB"
    );
    // And the server goes on serving.
    let (status, body) = common::jsonrpc(
        &served.url,
        r#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1}"#,
    );
    assert_eq!(status, 200, "{body}");
}
