//! The README's commands, for real: `datacenter serve`, `curl`, `datacenter call`.

mod common;

use common::{Served, curl, ids, json, jsonrpc};
use serde_json::json;

#[test]
fn readme_curl_calls_return_servers_1_and_2() {
    let served = Served::start();
    for params in [r#"{"country":3}"#, "[3]"] {
        let body = format!(
            r#"{{"jsonrpc":"2.0","method":"get_active_servers","params":{params},"id":1}}"#
        );
        let (status, answer) = jsonrpc(&served.url, &body);
        assert_eq!(status, 200);
        let answer = json(&answer);
        assert_eq!(answer["id"], 1);
        assert_eq!(ids(&answer["result"]), [1, 2]);
        assert_eq!(
            answer["result"][0],
            json!({"id": 1, "hostname": "us-east-1a", "country": 3, "datacenter": "nyc1", "active": true})
        );
    }
}

#[test]
fn datacenter_call_prints_json_and_fails_clearly() {
    let served = Served::start();
    for protocol in ["jsonrpc", "xmlrpc", "rest"] {
        let output = served.call(&["--protocol", protocol, "get_active_servers", "3"]);
        assert!(output.status.success(), "{output:?}");
        assert_eq!(ids(&json(&String::from_utf8_lossy(&output.stdout))), [1, 2]);
    }

    let output = served.call(&[
        "create_server",
        r#"{"hostname":"ap-south-1a","country":91,"datacenter":"bom1"}"#,
    ]);
    assert!(output.status.success(), "{output:?}");
    let created = json(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(created["id"], 6);
    assert_eq!(created["active"], true);

    let output = served.call(&["list_servers", "null", "false"]);
    assert_eq!(ids(&json(&String::from_utf8_lossy(&output.stdout))), [3]);

    let output = served.call(&["update_server", "6", r#"{"active":false}"#]);
    assert_eq!(
        json(&String::from_utf8_lossy(&output.stdout))["active"],
        false
    );

    let output = served.call(&["delete_server", "6"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "null");

    let failures = [
        (vec!["get_server", "6"], "server 6 not found (code 404)"),
        (
            vec!["frobnicate"],
            "no method `frobnicate`: the methods are get_active_servers",
        ),
        (
            vec!["get_server"],
            "`get_server` needs an argument at position 1",
        ),
        (
            vec!["get_server", "1", "2"],
            "`get_server` takes 1 argument(s), got 2",
        ),
        (
            vec!["get_server", "one"],
            "argument 1 of `get_server` (one)",
        ),
    ];
    for (args, says) in failures {
        let output = served.call(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }

    let nobody = Served::start();
    let url = nobody.url.clone();
    drop(nobody);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_datacenter"))
        .args(["call", "--url", &url, "get_server", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let address = url.trim_start_matches("http://");
    assert!(
        stderr.contains(&format!("cannot connect to {address}")),
        "{stderr}"
    );
}

/// The examples of the JSON-RPC 2.0 specification, transposed to the
/// datacenter's methods, sent with curl.
#[test]
fn jsonrpc_spec_examples_on_the_datacenter() {
    let served = Served::start();
    let exchange = |request: &str| {
        let (status, body) = jsonrpc(&served.url, request);
        (
            status,
            if body.is_empty() {
                serde_json::Value::Null
            } else {
                json(&body)
            },
        )
    };
    let code = |answer: &serde_json::Value| answer["error"]["code"].clone();

    // Positional and named params.
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"get_server","params":[4],"id":1}"#);
    assert_eq!(
        (a["result"]["hostname"].clone(), a["id"].clone()),
        (json!("eu-central-1a"), json!(1))
    );
    let (_, a) = exchange(
        r#"{"jsonrpc":"2.0","method":"list_servers","params":{"active":false,"country":3},"id":"x"}"#,
    );
    assert_eq!((ids(&a["result"]), a["id"].clone()), (vec![3], json!("x")));
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"list_servers","params":[44],"id":null}"#);
    assert_eq!((ids(&a["result"]), a["id"].clone()), (vec![5], json!(null)));

    // A notification changes the inventory and gets no answer.
    let (status, a) =
        exchange(r#"{"jsonrpc":"2.0","method":"update_server","params":[5,{"active":false}]}"#);
    assert_eq!((status, a), (204, json!(null)));
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"get_server","params":[5],"id":2}"#);
    assert_eq!(a["result"]["active"], false);

    // Errors.
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"get_servers","id":"1"}"#);
    assert_eq!((code(&a), a["id"].clone()), (json!(-32601), json!("1")));
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"get_server","params":"bar}"#);
    assert_eq!((code(&a), a["id"].clone()), (json!(-32700), json!(null)));
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#);
    assert_eq!((code(&a), a["id"].clone()), (json!(-32600), json!(null)));
    let (_, a) = exchange(r#"{"jsonrpc":"2.0","method":"get_server","params":["one"],"id":3}"#);
    assert_eq!(code(&a), json!(-32602));
    let (_, a) = exchange("[]");
    assert_eq!(code(&a), json!(-32600));
    let (_, a) = exchange("[1,2]");
    assert_eq!(
        a.as_array().unwrap().iter().map(code).collect::<Vec<_>>(),
        [json!(-32600), json!(-32600)]
    );

    // A batch of calls, notifications, an invalid request and an unknown method.
    let (_, a) = exchange(
        r#"[
        {"jsonrpc":"2.0","method":"get_active_servers","params":[49],"id":"1"},
        {"jsonrpc":"2.0","method":"update_server","params":{"id":5,"changes":{"active":true}}},
        {"jsonrpc":"2.0","method":"get_server","params":[99],"id":"2"},
        {"foo":"boo"},
        {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"}
    ]"#,
    );
    let a = a.as_array().unwrap();
    assert_eq!(a.len(), 4);
    assert_eq!(ids(&a[0]["result"]), [4]);
    assert_eq!(
        a[1]["error"],
        json!({"code": 404, "message": "server 99 not found", "data": {"id": 99}})
    );
    assert_eq!(
        (code(&a[2]), a[2]["id"].clone()),
        (json!(-32600), json!(null))
    );
    assert_eq!(
        (code(&a[3]), a[3]["id"].clone()),
        (json!(-32601), json!("5"))
    );

    // A batch of notifications only: no answer at all.
    let (status, a) = exchange(
        r#"[{"jsonrpc":"2.0","method":"list_servers"},{"jsonrpc":"2.0","method":"get_server","params":[1]}]"#,
    );
    assert_eq!((status, a), (204, json!(null)));
}

#[test]
fn readme_xmlrpc_curl_call_returns_servers_1_and_2() {
    let served = Served::start();
    let call = "<?xml version=\"1.0\"?><methodCall><methodName>get_active_servers</methodName>\
        <params><param><value><int>3</int></value></param></params></methodCall>";
    let (status, body) = curl(&[
        &format!("{}/RPC2", served.url),
        "-H",
        "content-type: text/xml",
        "-d",
        call,
    ]);
    assert_eq!(status, 200);
    assert!(
        body.contains("<name>hostname</name><value><string>us-east-1a</string></value>"),
        "{body}"
    );
    assert!(
        body.contains("us-east-1b") && !body.contains("us-west-2a"),
        "{body}"
    );
}

#[test]
fn http_errors_are_problem_json() {
    let served = Served::start();
    let (status, body) = curl(&[&format!("{}/jsonrpc", served.url), "-d", "{}"]);
    assert_eq!(status, 415, "{body}");
    assert_eq!(json(&body)["status"], 415);
    let (status, _) = curl(&[&format!("{}/jsonrpc", served.url)]);
    assert_eq!(status, 405);
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let path = std::env::temp_dir().join(format!("datacenter-big-{}.json", std::process::id()));
    std::fs::write(&path, big).unwrap();
    let (status, body) = curl(&[
        &format!("{}/jsonrpc", served.url),
        "-H",
        "content-type: application/json",
        "--data-binary",
        &format!("@{}", path.display()),
    ]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(status, 413, "{body}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut served = Served::start();
    let pid = served.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
