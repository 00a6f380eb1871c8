//! Hostile messages on the real broker: bogus content types and encodings,
//! garbage properties and headers, bodies that are empty, not UTF-8, too
//! large, too deep or too many. Each gets an error reply in its protocol's
//! form, and the server answers a normal call right after. And calls whose
//! direct reply-to address names a node the broker does not know (as a
//! caller gone with its node leaves them), whose answers RabbitMQ 3.x
//! refuses by closing the connection that publishes them.

mod common;

use common::{Peer, WorkClient, WorkServer, Worker, queue, url, wait_for_consumers};
use rpc_amqp::lapin::BasicProperties;
use rpc_amqp::lapin::message::Delivery;
use rpc_amqp::lapin::types::{AMQPValue, ByteArray, FieldArray, FieldTable};
use rpc_amqp::{AmqpServer, AmqpTransport};
use rpc_core::RpcError;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn json() -> BasicProperties {
    BasicProperties::default().with_content_type("application/json".into())
}

fn xml() -> BasicProperties {
    BasicProperties::default().with_content_type("text/xml".into())
}

/// The code of a JSON-RPC error reply.
fn json_error(reply: &Delivery) -> (i32, String) {
    assert_eq!(
        reply.properties.content_type().as_ref().unwrap().as_str(),
        "application/json"
    );
    let answer: serde_json::Value = serde_json::from_slice(&reply.data)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&reply.data)));
    let code = answer["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {answer}"));
    let code = i32::try_from(code).unwrap();
    (
        code,
        answer["error"]["message"].as_str().unwrap().to_owned(),
    )
}

/// The code of an XML-RPC fault reply.
fn xml_fault(reply: &Delivery) -> String {
    assert_eq!(
        reply.properties.content_type().as_ref().unwrap().as_str(),
        "text/xml"
    );
    let text = String::from_utf8_lossy(&reply.data).into_owned();
    assert!(text.contains("<fault>"), "not a fault: {text}");
    text
}

const ADD: &[u8] = br#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#;

#[tokio::test]
async fn every_hostile_message_gets_its_error_and_the_server_keeps_serving() {
    let name = queue("hostile");
    let server = AmqpServer::new(WorkServer::new(Worker::default()))
        .queue(name.clone())
        .durable(false)
        .max_body_size(64 * 1024)
        .max_batch_len(50);
    tokio::spawn(server.serve_with_shutdown_owned(url(), std::future::pending()));
    wait_for_consumers(&name, 1).await;
    let mut peer = Peer::new().await;
    let client = WorkClient::new(AmqpTransport::new(url(), name.clone()));

    // JSON-RPC bodies that cannot be read, each answered with its code (all
    // but one under the size limit, so that each meets the check it tests).
    let deep = format!(
        r#"{{"jsonrpc":"2.0","method":"add","params":{}1{},"id":1}}"#,
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    let flood = format!(
        "[{}]",
        vec![std::str::from_utf8(ADD).unwrap(); 1_000].join(",")
    );
    let oversized = format!(
        r#"{{"jsonrpc":"2.0","method":"add","params":["{}",2],"id":1}}"#,
        "x".repeat(100_000)
    );
    let cases: [(&str, &[u8], BasicProperties, i32, &str); 9] = [
        ("an empty body", b"", json(), RpcError::PARSE_ERROR, ""),
        (
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\xfe\",\"id\":1}",
            json(),
            RpcError::PARSE_ERROR,
            "",
        ),
        (
            "30,000 levels of nesting",
            deep.as_bytes(),
            json(),
            RpcError::INVALID_PARAMS,
            "invalid type: sequence",
        ),
        (
            "a body over the limit",
            oversized.as_bytes(),
            json(),
            RpcError::INVALID_REQUEST,
            "over the limit of 65536 bytes",
        ),
        (
            "a batch of 1,000 (limit 50)",
            flood.as_bytes(),
            json(),
            RpcError::INVALID_REQUEST,
            "",
        ),
        (
            "a bogus content type",
            ADD,
            BasicProperties::default().with_content_type("image/png; x=\u{7f}".into()),
            RpcError::INVALID_REQUEST,
            "unsupported content type",
        ),
        (
            "a compressed body",
            ADD,
            json().with_content_encoding("gzip".into()),
            RpcError::INVALID_REQUEST,
            "unsupported content encoding `gzip`",
        ),
        (
            "a number too large",
            br#"{"jsonrpc":"2.0","method":"add","params":[1e999999,2],"id":1}"#,
            json(),
            RpcError::INVALID_PARAMS,
            "out of range",
        ),
        (
            "params of the wrong types",
            br#"{"jsonrpc":"2.0","method":"add","params":[{"a":1},true],"id":1}"#,
            json(),
            RpcError::INVALID_PARAMS,
            "",
        ),
    ];
    for (case, body, properties, code, says) in cases {
        let reply = peer
            .call(&name, body, properties.with_correlation_id(case.into()))
            .await;
        assert_eq!(
            reply
                .properties
                .correlation_id()
                .as_ref()
                .map(|c| c.as_str()),
            Some(case),
            "{case}"
        );
        let (found, message) = json_error(&reply);
        assert_eq!(found, code, "{case}: {message}");
        assert!(message.contains(says), "{case}: {message}");
        assert!(
            message.len() < 1024,
            "{case}: a message of {} bytes",
            message.len()
        );
        assert_eq!(client.add(2, 2).await.unwrap(), 4, "after {case}");
    }

    // XML-RPC documents that cannot be read get faults.
    let bomb = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><methodCall><methodName>add</methodName><params><param><value>&b;</value></param></params></methodCall>"#;
    let big_xml = format!(
        "<methodCall><methodName>add</methodName><params><param><value><string>{}</string></value></param></params></methodCall>",
        "y".repeat(100_000)
    );
    let xml_cases: [(&str, &[u8], &str); 4] = [
        ("an entity bomb", bomb, "DOCTYPE"),
        (
            "a truncated call",
            b"<methodCall><methodName>add</method",
            "-32700",
        ),
        (
            "a document over the limit",
            big_xml.as_bytes(),
            "over the limit",
        ),
        (
            "invalid UTF-8",
            b"<methodCall><methodName>\xff</methodName></methodCall>",
            "-32700",
        ),
    ];
    for (case, body, says) in xml_cases {
        let fault = xml_fault(&peer.call(&name, body, xml()).await);
        assert!(fault.contains(says), "{case}: {fault}");
        assert_eq!(client.add(2, 2).await.unwrap(), 4, "after {case}");
    }

    // Headers of every AMQP type, and names and values HTTP would refuse:
    // the call runs, those headers are left out of the call's HeaderMap.
    let mut headers = FieldTable::default();
    headers.insert("Authorization".into(), AMQPValue::LongLongInt(42));
    headers.insert("x-flag".into(), AMQPValue::Boolean(true));
    headers.insert(
        "x-list".into(),
        AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::Void])),
    );
    headers.insert(
        "x-table".into(),
        AMQPValue::FieldTable(FieldTable::default()),
    );
    headers.insert(
        "x-bytes".into(),
        AMQPValue::ByteArray(ByteArray::from(vec![0u8, 255])),
    );
    headers.insert("bad name\n".into(), AMQPValue::LongString("value".into()));
    headers.insert(
        "x-bad-value".into(),
        AMQPValue::LongString("line\r\nbreak".into()),
    );
    let garbage = json()
        .with_headers(headers)
        .with_content_type("Application/JSON; charset=UTF-8".into())
        .with_content_encoding("utf-8".into())
        .with_message_id("\u{0}".into())
        .with_priority(255)
        .with_timestamp(u64::MAX)
        .with_type("??".into())
        .with_app_id("".into());
    let reply = peer.call(&name, ADD, garbage).await;
    let answer: serde_json::Value = serde_json::from_slice(&reply.data).unwrap();
    assert_eq!(answer["result"], 3, "{answer}");
    // Without a correlation_id, the reply comes without one.
    assert_eq!(reply.properties.correlation_id(), &None);

    // A reply_to naming no queue: the reply is lost, the server goes on.
    peer.publish(
        &name,
        ADD,
        json().with_reply_to("no-such-queue-anywhere".into()),
    )
    .await;
    assert_eq!(client.add(20, 22).await.unwrap(), 42);
}

/// A direct reply-to address on a node named `reply@999999999`, which no
/// cluster has: the broker's own encoding (RabbitMQ 3.10 and later) of a
/// caller's channel, with the node's part changed.
const GONE: &str = "amq.rabbitmq.reply-to.g1h2AA9yZXBseUA5OTk5OTk5OTkAAAYRAAAAAGsLx4w=.a2V5";

#[tokio::test]
async fn answers_to_a_caller_on_a_node_that_does_not_exist_never_cost_the_connection() {
    let name = queue("gone-node");
    let worker = Worker::default();
    let started = Arc::clone(&worker.started);
    let server = AmqpServer::new(WorkServer::new(worker))
        .queue(name.clone())
        .durable(false);
    tokio::spawn(server.serve_with_shutdown_owned(url(), std::future::pending()));
    wait_for_consumers(&name, 1).await;
    let peer = Peer::new().await;
    let work = br#"{"jsonrpc":"2.0","method":"work","params":[0],"id":1}"#;
    for _ in 0..4 {
        let properties = json()
            .with_reply_to(GONE.into())
            .with_correlation_id("gone".into());
        peer.publish(&name, work, properties).await;
    }
    // Meanwhile another caller is answered every time.
    let client = WorkClient::new(AmqpTransport::new(url(), name.clone()));
    let until = Instant::now() + Duration::from_secs(3);
    let mut answered = 0;
    while Instant::now() < until {
        assert_eq!(client.add(answered, 1).await.unwrap(), answered + 1);
        answered += 1;
    }
    // Each ran once, its answer went through the quarantine (no answer had
    // reached that node) and was dropped there: the server's connection
    // never saw it. Before, each was run and answered again and again,
    // closing the connection each time, for as long as the message lived
    // (here, no expiration: for good).
    let runs = started.load(Ordering::Relaxed);
    assert_eq!(
        runs, 4,
        "4 calls to a caller on no known node ran {runs} times"
    );
}
