//! The real `datacenter` binary, started on a free port, and `curl`.
#![allow(dead_code)]

pub mod postgres;
pub mod rabbit;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// A `datacenter serve` process, killed when dropped.
pub struct Served {
    pub child: Child,
    pub url: String,
}

impl Served {
    /// Starts `datacenter serve --listen 127.0.0.1:0 --no-amqp` and waits for
    /// the line that says where it listens.
    pub fn start() -> Self {
        Self::start_with(&["--no-amqp"])
    }

    /// Starts `datacenter serve --listen 127.0.0.1:0` with more arguments.
    pub fn start_with(args: &[&str]) -> Self {
        Self::listening("127.0.0.1:0", args)
    }

    /// Starts `datacenter serve --listen LISTEN` with more arguments.
    pub fn listening(listen: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .args(["serve", "--listen", listen])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the datacenter binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| {
                ["http://", "https://", "unix:"]
                    .iter()
                    .any(|s| w.starts_with(s))
            })
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// Runs `datacenter call --url … args…`.
    pub fn call(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_datacenter"))
            .args(["call", "--url", &self.url])
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `curl -s` with `args`; returns the HTTP status and the body.
pub fn curl(args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed (the test command installs it)");
    assert!(output.status.success(), "curl failed: {output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

/// POSTs a JSON-RPC payload with curl, as the README does.
pub fn jsonrpc(url: &str, body: &str) -> (u16, String) {
    curl(&[
        &format!("{url}/jsonrpc"),
        "-H",
        "content-type: application/json",
        "-d",
        body,
    ])
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A tool of the Python environment that the test command prepares
/// (`target/pytools`, or `$RPC_PYTOOLS`).
pub fn pytool(name: &str) -> std::path::PathBuf {
    let dir = std::env::var_os("RPC_PYTOOLS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pytools/bin")
        });
    let tool = dir.join(name);
    assert!(
        tool.exists(),
        "{} is missing: run ./scripts/test, which installs openapi-spec-validator and schemathesis into target/pytools",
        tool.display()
    );
    tool
}

/// The ids of a JSON array of servers.
pub fn ids(result: &serde_json::Value) -> Vec<u64> {
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect()
}

/// Runs a program written by others (a Python or Perl client) and checks
/// that it ran to its end: it prints "all checks passed" when it does.
pub fn assert_passes(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?} (the test command installs it): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // What it says (a screenshot's path…) is in the test's output.
    println!("{stdout}");
    assert!(
        output.status.success() && stdout.contains("all checks passed"),
        "{command:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The headless browser the test command installs.
pub fn chromium() -> &'static str {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).exists())
    .unwrap_or("chromium")
}
