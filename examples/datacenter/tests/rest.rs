//! The REST resources, for real: `curl` against `datacenter serve`.

mod common;

use std::process::Command;

use common::{Served, curl, ids, json, jsonrpc};
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
