//! Hostile input over real sockets: every case gets a clear error in its
//! protocol's own form, the server answers a normal call right after it, and
//! its memory stays bounded.

mod common;

use std::process::Command;

use common::{Served, json};

/// Sends `body` with curl; returns the status and the body.
fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("hostile-{}-{n}.bin", std::process::id()));
    std::fs::write(&path, body).unwrap();
    let output = Command::new("curl")
        .args([
            "-s",
            "-w",
            "\n%{http_code}",
            "-H",
            &format!("content-type: {content_type}"),
            "--data-binary",
        ])
        .arg(format!("@{}", path.display()))
        .arg(url)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_owned())
}

fn still_serving(served: &Served) {
    let (status, body) = post(
        &format!("{}/jsonrpc", served.url),
        "application/json",
        br#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["result"]["id"], 1, "{body}");
}

/// The server's peak memory stayed bounded through every case.
fn assert_memory_bounded(served: &Served) {
    let peak = peak_memory_mib(served);
    assert!(peak < 64.0, "peak memory {peak} MiB");
}

fn peak_memory_mib(served: &Served) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", served.child.id())).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb / 1024.0
}

#[test]
fn hostile_jsonrpc_payloads_get_jsonrpc_errors() {
    let served = Served::start();
    let url = format!("{}/jsonrpc", served.url);
    let deep = "[".repeat(100_000);
    let flood = format!(
        "[{}]",
        vec![r#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1}"#; 1000].join(",")
    );
    let long_method = format!(
        r#"{{"jsonrpc":"2.0","method":"{}","id":1}}"#,
        "a".repeat(100_000)
    );
    let big_string = format!(
        r#"{{"jsonrpc":"2.0","method":"get_server","params":["{}"],"id":1}}"#,
        "x".repeat(1_900_000)
    );
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("truncated", b"{".to_vec(), -32700),
        ("deep nesting", deep.into_bytes(), -32700),
        (
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\xfe\",\"id\":1}".to_vec(),
            -32700,
        ),
        (
            "huge number",
            br#"{"jsonrpc":"2.0","method":"get_server","params":[1e999999],"id":1}"#.to_vec(),
            -32602,
        ),
        (
            "u64 overflow",
            br#"{"jsonrpc":"2.0","method":"get_server","params":[18446744073709551616],"id":1}"#
                .to_vec(),
            -32602,
        ),
        (
            "negative id param",
            br#"{"jsonrpc":"2.0","method":"get_server","params":[-1],"id":1}"#.to_vec(),
            -32602,
        ),
        (
            "wrong type",
            br#"{"jsonrpc":"2.0","method":"create_server","params":[{"hostname":7}],"id":1}"#
                .to_vec(),
            -32602,
        ),
        ("batch flood", flood.into_bytes(), -32600),
        ("long method name", long_method.into_bytes(), -32601),
        ("big string param", big_string.into_bytes(), -32602),
        ("not an object", b"\"hello\"".to_vec(), -32600),
        (
            "id is an object",
            br#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":{"a":1}}"#.to_vec(),
            -32600,
        ),
    ];
    for (case, body, code) in cases {
        let (status, answer) = post(&url, "application/json", &body);
        assert_eq!(status, 200, "{case}");
        assert!(
            answer.len() < 4096,
            "{case}: the answer does not echo the payload ({} bytes)",
            answer.len()
        );
        assert_eq!(json(&answer)["error"]["code"], code, "{case}: {answer}");
        still_serving(&served);
    }
    let (status, answer) = post(&url, "application/json", &vec![b' '; 3 << 20]);
    assert_eq!(status, 413, "{answer}");
    still_serving(&served);
    assert_memory_bounded(&served);
}

#[test]
fn hostile_xmlrpc_documents_get_faults() {
    let served = Served::start();
    let url = format!("{}/RPC2", served.url);
    let call = |params: &str| {
        format!(
            "<?xml version=\"1.0\"?><methodCall><methodName>get_server</methodName><params>{params}</params></methodCall>"
        )
    };
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><methodCall><methodName>&lol3;</methodName></methodCall>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>get_server</methodName><params><param><value>&xxe;</value></param></params></methodCall>"#;
    let deep = call(&format!(
        "<param>{}{}</param>",
        "<value><array><data>".repeat(20_000),
        "</data></array></value>".repeat(20_000)
    ));
    let flood = format!(
        "<methodCall><methodName>system.multicall</methodName><params><param><value><array><data>{}</data></array></value></param></params></methodCall>",
        "<value><struct><member><name>methodName</name><value>get_server</value></member><member><name>params</name><value><array><data><value><int>1</int></value></data></array></value></member></struct></value>".repeat(1000)
    );
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("billion laughs", laughs.as_bytes().to_vec(), -32600),
        ("external entity", xxe.as_bytes().to_vec(), -32600),
        (
            "undeclared entity",
            call("<param><value>&xxe;</value></param>").into_bytes(),
            -32700,
        ),
        // Refused at its first level (a u32 is no array), before any depth.
        ("deep nesting", deep.into_bytes(), -32602),
        (
            "unclosed",
            call("<param><value><int>1</int>").into_bytes(),
            -32700,
        ),
        (
            "mismatched tags",
            call("<param><value><int>1</string></value></param>").into_bytes(),
            -32700,
        ),
        (
            "huge int",
            call("<param><value><int>99999999999999999999</int></value></param>").into_bytes(),
            -32602,
        ),
        (
            "wrong type",
            call("<param><value><string>one</string></value></param>").into_bytes(),
            -32602,
        ),
        (
            "invalid UTF-8",
            call("<param><value>\u{fffd}</value></param>")
                .replace('\u{fffd}', "\u{0}")
                .into_bytes()
                .into_iter()
                .map(|b| if b == 0 { 0xff } else { b })
                .collect(),
            -32700,
        ),
        ("multicall flood", flood.into_bytes(), -32600),
        (
            "not XML-RPC",
            b"<html><body>hi</body></html>".to_vec(),
            -32600,
        ),
        ("empty", Vec::new(), -32700),
    ];
    for (case, body, code) in cases {
        let (status, answer) = post(&url, "text/xml", &body);
        assert_eq!(status, 200, "{case}");
        assert!(
            answer.contains("<fault>") && answer.contains(&format!("<int>{code}</int>")),
            "{case}: {answer}"
        );
        assert!(!answer.contains("root:"), "{case}: an entity was expanded");
        still_serving(&served);
    }
    assert_memory_bounded(&served);
}

#[test]
fn hostile_rest_requests_get_problem_documents() {
    let served = Served::start();
    let get = |path: &str| {
        let output = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}"])
            .arg(format!("{}{path}", served.url))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.parse::<u16>().unwrap(), body.to_owned())
    };
    for (path, status) in [
        ("/servers/99999999999999999999", 400),
        ("/servers/-1", 400),
        ("/servers?country=-1", 400),
        ("/servers?country=3&country=4", 400),
        ("/servers?active=%FF", 400),
        ("/country/%00/server/active", 400),
    ] {
        let (got, body) = get(path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(json(&body)["detail"].is_string(), "{path}: {body}");
        still_serving(&served);
    }
    let url = format!("{}/servers", served.url);
    for (case, body, status) in [
        ("deep nesting", "[".repeat(100_000).into_bytes(), 400),
        ("invalid UTF-8", b"{\"hostname\":\"\xff\"}".to_vec(), 400),
        ("wrong shape", b"[1,2,3]".to_vec(), 422),
        ("oversized", vec![b' '; 3 << 20], 413),
    ] {
        let (got, answer) = post(&url, "application/json", &body);
        assert_eq!(got, status, "{case}: {answer}");
        still_serving(&served);
    }
    assert_memory_bounded(&served);
}
