//! The REST resources and their OpenAPI document, for real: `curl`,
//! `openapi-spec-validator`, `schemathesis` and headless Chromium against
//! `datacenter serve`.

mod common;

use std::process::Command;

use common::{Served, curl, ids, json, jsonrpc, pytool};
use serde_json::json;

#[test]
fn curl_reads_the_active_servers() {
    let served = Served::start();
    let (status, body) = curl(&[&format!("{}/country/3/server/active", served.url)]);
    assert_eq!(status, 200);
    assert_eq!(ids(&json(&body)), [1, 2]);
}

#[test]
fn the_whole_crud_cycle_with_curl() {
    let served = Served::start();
    let url = |path: &str| format!("{}{path}", served.url);
    let json_body = ["-H", "content-type: application/json", "-d"];

    let (status, body) = curl(&[&url("/servers")]);
    assert_eq!((status, ids(&json(&body))), (200, vec![1, 2, 3, 4, 5]));
    let (status, body) = curl(&[&url("/servers?country=3&active=false")]);
    assert_eq!((status, ids(&json(&body))), (200, vec![3]));

    let new = r#"{"hostname":"ap-south-1a","country":91,"datacenter":"bom1"}"#;
    let (status, body) = curl(&[
        &url("/servers"),
        "-X",
        "POST",
        json_body[0],
        json_body[1],
        json_body[2],
        new,
    ]);
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        json(&body),
        json!({"id": 6, "hostname": "ap-south-1a", "country": 91, "datacenter": "bom1", "active": true})
    );

    let (status, body) = curl(&[&url("/servers/6")]);
    assert_eq!(
        (status, json(&body)["hostname"].clone()),
        (200, json!("ap-south-1a"))
    );

    let (status, body) = curl(&[
        &url("/servers/6"),
        "-X",
        "PATCH",
        json_body[0],
        json_body[1],
        json_body[2],
        r#"{"active":false}"#,
    ]);
    assert_eq!((status, json(&body)["active"].clone()), (200, json!(false)));

    let (status, body) = curl(&[&url("/servers/6"), "-X", "DELETE"]);
    assert_eq!((status, body.as_str()), (204, ""));

    let (status, body) = curl(&[&url("/servers/6")]);
    assert_eq!(status, 404);
    let problem = json(&body);
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["detail"], "server 6 not found");
    assert_eq!(problem["data"], json!({"id": 6}));

    // The same changes are seen by every protocol.
    let (_, body) = jsonrpc(
        &served.url,
        r#"{"jsonrpc":"2.0","method":"list_servers","id":1}"#,
    );
    assert_eq!(ids(&json(&body)["result"]), [1, 2, 3, 4, 5]);
}

#[test]
fn errors_are_problem_json_with_the_right_status() {
    let served = Served::start();
    let url = |path: &str| format!("{}{path}", served.url);
    let problem = |args: &[&str]| {
        let output = Command::new("curl")
            .args(["-s", "-D", "-"])
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{head}"
        );
        (status, head.to_ascii_lowercase(), json(body))
    };
    let with_json = |method: &'static str, path: String, body: &'static str| {
        problem(&[
            &path,
            "-X",
            method,
            "-H",
            "content-type: application/json",
            "-d",
            body,
        ])
    };

    let (status, _, body) = problem(&[&url("/servers/abc")]);
    assert_eq!(status, 400);
    assert!(
        body["detail"].as_str().unwrap().contains("parameter `id`"),
        "{body}"
    );

    let (status, _, body) = problem(&[&url("/servers?active=maybe")]);
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("parameter `active`"),
        "{body}"
    );

    let (status, _, body) = with_json("POST", url("/servers"), r#"{"hostname":"x"}"#);
    assert_eq!(status, 422);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("missing field `country`"),
        "{body}"
    );

    let (status, _, body) = with_json(
        "POST",
        url("/servers"),
        r#"{"hostname":"x","country":"three","datacenter":"d"}"#,
    );
    assert_eq!(status, 422);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("invalid type: string \"three\""),
        "{body}"
    );

    let (status, _, _) = with_json("POST", url("/servers"), r#"{"hostname":"#);
    assert_eq!(status, 400);

    let (status, _, body) = with_json(
        "POST",
        url("/servers"),
        r#"{"hostname":"us-east-1a","country":3,"datacenter":"nyc1"}"#,
    );
    assert_eq!((status, body["code"].clone()), (409, json!(409)));

    let (status, _, _) = with_json(
        "POST",
        url("/servers"),
        r#"{"hostname":"  ","country":3,"datacenter":"nyc1"}"#,
    );
    assert_eq!(status, 422);

    let (status, _, _) = problem(&[&url("/servers"), "-X", "POST", "-d", "hostname=x"]);
    assert_eq!(status, 415);

    let (status, head, _) = problem(&[&url("/servers/1"), "-X", "PUT"]);
    assert_eq!(status, 405);
    assert!(head.contains("allow: get, patch, delete"), "{head}");

    let (status, _, body) = problem(&[&url("/no/such/thing")]);
    assert_eq!(
        (status, body["detail"].clone()),
        (404, json!("no resource at /no/such/thing"))
    );

    let big = format!(
        r#"{{"hostname":"{}","country":1,"datacenter":"d"}}"#,
        "x".repeat(3 << 20)
    );
    let path =
        std::env::temp_dir().join(format!("datacenter-rest-big-{}.json", std::process::id()));
    std::fs::write(&path, big).unwrap();
    let (status, _, _) = problem(&[
        &url("/servers"),
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "--data-binary",
        &format!("@{}", path.display()),
    ]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(status, 413);
}

#[test]
fn the_openapi_document_passes_openapi_spec_validator() {
    let served = Served::start();
    let (status, body) = curl(&[&format!("{}/openapi.json", served.url)]);
    assert_eq!(status, 200);
    let doc = json(&body);
    assert_eq!(doc["openapi"], "3.1.0");
    let operation = &doc["paths"]["/country/{country}/server/active"]["get"];
    assert_eq!(
        operation["summary"],
        "Servers currently in use in a country."
    );
    assert_eq!(operation["parameters"][0]["in"], "path");
    assert!(doc["paths"]["/servers"]["post"]["responses"]["201"].is_object());
    assert!(doc["paths"]["/servers/{id}"]["delete"]["responses"]["204"].is_object());

    let path = std::env::temp_dir().join(format!("datacenter-openapi-{}.json", std::process::id()));
    std::fs::write(&path, body).unwrap();
    let output = Command::new(pytool("openapi-spec-validator"))
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Schemathesis generates requests from the document and checks every
/// answer: no server error, and every response (status, content type,
/// headers, body) as the document says. The two checks of how strictly input
/// is validated are left out: the document says `int32` for a `u32` (utoipa's
/// schema), and JSON Schema counts `0.0` as an integer where serde does not.
#[test]
fn schemathesis_finds_no_server_error_and_no_response_that_breaks_the_schema() {
    let served = Served::start();
    let output = Command::new(pytool("schemathesis"))
        .args(["run", &format!("{}/openapi.json", served.url)])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,negative_data_rejection",
        ])
        .args(["--max-examples", "60", "--seed", "42", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        // Its cache of findings goes under target/, not into the source tree.
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
}

#[test]
fn rpc_discover_answers_the_openrpc_document() {
    let served = Served::start();
    let (_, body) = jsonrpc(
        &served.url,
        r#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#,
    );
    let doc = &json(&body)["result"];
    assert_eq!(doc["openrpc"], "1.3.2");
    let methods = doc["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 6);
    let active = methods
        .iter()
        .find(|m| m["name"] == "get_active_servers")
        .unwrap();
    assert_eq!(active["summary"], "Servers currently in use in a country.");
    assert_eq!(active["params"][0]["name"], "country");
    assert_eq!(active["params"][0]["required"], true);
    assert_eq!(active["result"]["schema"]["type"], "array");
    let list = methods
        .iter()
        .find(|m| m["name"] == "list_servers")
        .unwrap();
    assert_eq!(list["params"][1]["required"], false);
}

/// The docs page, opened in headless Chromium with every address but the
/// server's unreachable (a dead proxy: Chromium never proxies loopback), shows
/// the datacenter's operations: its assets come from the server itself.
#[test]
fn the_docs_page_shows_the_operations_with_the_network_off() {
    let served = Served::start();
    let profile = std::env::temp_dir().join(format!("datacenter-chromium-{}", std::process::id()));
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("{}/docs/", served.url))
        .output()
        .expect("chromium runs (the test command installs it)");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout);
    for expected in [
        r#"data-path="/country/{country}/server/active""#,
        r#"data-path="/servers/{id}""#,
        "Servers currently in use in a country.",
        "Inventory of servers in our datacentres.",
    ] {
        assert!(
            dom.contains(expected),
            "the docs page lacks {expected}:\n{}",
            &dom[..dom.len().min(3000)]
        );
    }
}

fn chromium() -> &'static str {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|path| std::path::Path::new(path).exists())
    .unwrap_or("chromium")
}
