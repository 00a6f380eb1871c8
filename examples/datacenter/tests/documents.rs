//! The documents of the service and what they promise, for real:
//! `openapi-spec-validator`, `schemathesis` (every check) and headless
//! Chromium against `datacenter serve`'s OpenAPI document and docs page, and
//! the OpenRPC document of `rpc.discover`.

mod common;

use std::process::Command;

use common::{Served, curl, json, jsonrpc, pytool};

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
    // The user's types are named components, referred to with `$ref`.
    let schemas = &doc["components"]["schemas"];
    for name in ["Server", "NewServer", "ServerChanges", "Problem"] {
        assert!(schemas[name].is_object(), "no component {name}");
    }
    let ok = &operation["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["items"]["$ref"], "#/components/schemas/Server");
    let request = &doc["paths"]["/servers"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(request["schema"]["$ref"], "#/components/schemas/NewServer");
    // The errors the application answers are listed, with the problem schema.
    let get = &doc["paths"]["/servers/{id}"]["get"]["responses"];
    assert_eq!(get["404"]["description"], "No server has that id");
    assert_eq!(
        get["404"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    // Integers say the values they take.
    let country = &schemas["Server"]["properties"]["country"];
    assert_eq!(
        (country["minimum"].as_u64(), country["maximum"].as_u64()),
        (Some(0), Some(u32::MAX.into()))
    );

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

/// Schemathesis generates requests from the document, valid and invalid, and
/// runs every check on every phase (examples, coverage, fuzzing, stateful):
/// no server error, every response (status, content type, headers, body) as
/// the document says, every request the document allows accepted
/// (`positive_data_acceptance`) and every one it forbids refused
/// (`negative_data_rejection`).
#[test]
fn schemathesis_with_every_check_finds_the_document_and_the_server_agree() {
    let served = Served::start();
    let output = Command::new(pytool("schemathesis"))
        .args(["run", &format!("{}/openapi.json", served.url)])
        .args(["--checks", "all"])
        // A stream of Server-Sent Events never ends by itself: push.rs
        // reads it with curl.
        .args(["--exclude-operation-id", "watch_servers"])
        .args(["--max-examples", "100", "--seed", "42", "--no-color"])
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
    assert_eq!(methods.len(), 7);
    let watch = methods
        .iter()
        .find(|m| m["name"] == "watch_servers")
        .unwrap();
    assert_eq!(watch["x-subscription"], true);
    assert_eq!(
        watch["result"]["schema"]["$ref"],
        "#/components/schemas/ServerEvent"
    );
    let active = methods
        .iter()
        .find(|m| m["name"] == "get_active_servers")
        .unwrap();
    assert_eq!(active["summary"], "Servers currently in use in a country.");
    assert_eq!(active["params"][0]["name"], "country");
    assert_eq!(active["params"][0]["required"], true);
    assert_eq!(active["result"]["schema"]["type"], "array");
    assert_eq!(
        active["result"]["schema"]["items"]["$ref"],
        "#/components/schemas/Server"
    );
    assert!(doc["components"]["schemas"]["Server"].is_object());
    let get = methods.iter().find(|m| m["name"] == "get_server").unwrap();
    assert_eq!(
        get["errors"][0],
        serde_json::json!({"code": 404, "message": "No server has that id"})
    );
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
    let output = Command::new(common::chromium())
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
