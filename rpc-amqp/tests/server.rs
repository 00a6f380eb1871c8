//! `AmqpServer` on the real broker: every protocol and every kind of message.

mod common;

use std::time::Duration;

use common::{
    WorkClient, WorkServer, Worker, consume_no_ack, publish_raw, queue, url, wait_for_consumers,
};
use futures_util::StreamExt;
use rpc_amqp::lapin::options::QueueDeclareOptions;
use rpc_amqp::lapin::types::{AMQPValue, FieldTable};
use rpc_amqp::lapin::{BasicProperties, Connection, ConnectionProperties};
use rpc_amqp::{AmqpServer, AmqpTransport};

/// Serves a fresh worker on a fresh queue, until the test's runtime ends.
async fn serve(server: AmqpServer) -> String {
    let name = server.queue_name().to_owned();
    tokio::spawn(server.serve_with_shutdown_owned(url(), std::future::pending()));
    wait_for_consumers(&name, 1).await;
    name
}

#[tokio::test]
async fn the_typed_client_calls_over_amqp() {
    let queue =
        serve(AmqpServer::new(WorkServer::new(Worker::default())).queue(queue("typed"))).await;
    let client = WorkClient::new(AmqpTransport::new(url(), queue));
    assert_eq!(client.add(2, 3).await.unwrap(), 5);
    let err = client.add(i64::MAX, 1).await.unwrap_err();
    assert_eq!(
        (err.rpc().unwrap().code(), err.rpc().unwrap().message()),
        (1, "overflow")
    );
    // Many calls at once on one connection, matched by correlation id.
    let calls = (0..200).map(|i| {
        let client = client.clone();
        async move { client.add(i, i).await.unwrap() }
    });
    let sums = futures_util::future::join_all(calls).await;
    assert_eq!(sums, (0..200).map(|i| 2 * i).collect::<Vec<_>>());
}

#[tokio::test]
async fn replies_keep_the_correlation_id_and_the_content_type() {
    let queue =
        serve(AmqpServer::new(WorkServer::new(Worker::default())).queue(queue("raw"))).await;
    let json = BasicProperties::default().with_content_type("application/json".into());
    let (properties, body) = publish_raw(
        &queue,
        br#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":7}"#,
        json,
        true,
    )
    .await
    .unwrap();
    assert_eq!(
        properties.correlation_id().as_ref().unwrap().as_str(),
        "raw-1"
    );
    assert_eq!(
        properties.content_type().as_ref().unwrap().as_str(),
        "application/json"
    );
    assert_eq!(body, br#"{"jsonrpc":"2.0","result":3,"id":7}"#);

    let xml = BasicProperties::default().with_content_type("text/xml".into());
    let call = b"<?xml version=\"1.0\"?><methodCall><methodName>add</methodName><params><param><value><int>40</int></value></param><param><value><int>2</int></value></param></params></methodCall>";
    let (properties, body) = publish_raw(&queue, call, xml, true).await.unwrap();
    assert_eq!(
        properties.content_type().as_ref().unwrap().as_str(),
        "text/xml"
    );
    assert!(String::from_utf8_lossy(&body).contains("<int>42</int>"));
}

#[tokio::test]
async fn undecodable_messages_get_an_error_reply() {
    let queue =
        serve(AmqpServer::new(WorkServer::new(Worker::default())).queue(queue("bad"))).await;
    let cases: [(&str, &[u8], i64); 3] = [
        ("application/json", b"{not json", -32700),
        ("application/octet-stream", b"\x00\x01", -32600),
        ("text/xml", b"<!DOCTYPE x><methodCall/>", -32600),
    ];
    for (content_type, body, code) in cases {
        let properties = BasicProperties::default().with_content_type(content_type.into());
        let (reply, body) = publish_raw(&queue, body, properties, true).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        if reply.content_type().as_ref().unwrap().as_str() == "text/xml" {
            assert!(
                text.contains(&format!("<int>{code}</int>")),
                "{content_type}: {text}"
            );
        } else {
            let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(answer["error"]["code"], code, "{content_type}: {text}");
        }
    }
}

#[tokio::test]
async fn notifications_run_and_undecodable_ones_are_dead_lettered() {
    let name = queue("dlx");
    let dead_letters = format!("{name}-dead");
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_declare(
            dead_letters.as_str().into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString("".into()),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(dead_letters.as_str().into()),
    );
    let worker = std::sync::Arc::new(Worker::default());
    let server = AmqpServer::new(WorkServer::from_arc(worker.clone()))
        .queue(name.clone())
        .durable(false)
        .queue_arguments(arguments);
    let queue = serve(server).await;

    let json = BasicProperties::default().with_content_type("application/json".into());
    publish_raw(
        &queue,
        br#"{"jsonrpc":"2.0","method":"note","params":["hello"]}"#,
        json.clone(),
        false,
    )
    .await;
    publish_raw(&queue, b"{garbage", json, false).await;
    publish_raw(
        &queue,
        b"??",
        BasicProperties::default().with_content_type("image/png".into()),
        false,
    )
    .await;

    let mut dead = consume_no_ack(&channel, dead_letters.as_str()).await;
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let delivery = tokio::time::timeout(Duration::from_secs(10), dead.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        bodies.push(delivery.data);
    }
    bodies.sort();
    assert_eq!(bodies, [b"??".to_vec(), b"{garbage".to_vec()]);
    use common::Work;
    assert_eq!(worker.notes().await, ["hello"]);
}

#[tokio::test]
async fn shutdown_finishes_the_calls_in_flight() {
    let name = queue("shutdown");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = Worker::default();
    let started = std::sync::Arc::clone(&worker.started);
    let server = AmqpServer::new(WorkServer::new(worker)).queue(name.clone());
    let serving = tokio::spawn(server.serve_with_shutdown_owned(url(), async {
        let _ = stopped.await;
    }));
    wait_for_consumers(&name, 1).await;
    let client = WorkClient::new(AmqpTransport::new(url(), name));
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.work(1000).await })
        })
        .collect();
    // Shut down once all five are running (however long a loaded machine
    // takes to get them there).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while started.load(std::sync::atomic::Ordering::Relaxed) < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the calls never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), std::process::id());
    }
    serving.await.unwrap().unwrap();
}

/// Calls done in a row are acknowledged together, those done past a call
/// still running each alone: a long call holds up none after it (were they
/// left unacknowledged, the prefetch window would close on them), and on
/// shutdown none done is left for the broker to redeliver.
#[tokio::test]
async fn every_call_done_is_acknowledged_and_a_long_one_holds_none_up() {
    let name = queue("acks");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = Worker::default();
    let started = std::sync::Arc::clone(&worker.started);
    let server = AmqpServer::new(WorkServer::new(worker))
        .queue(name.clone())
        .prefetch(8);
    let serving = tokio::spawn(server.serve_with_shutdown_owned(url(), async {
        let _ = stopped.await;
    }));
    wait_for_consumers(&name, 1).await;
    let client = WorkClient::new(AmqpTransport::new(url(), name.clone()));
    let long = {
        let client = client.clone();
        tokio::spawn(async move { client.work(5_000).await })
    };
    while started.load(std::sync::atomic::Ordering::Relaxed) < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // 200 calls through a window of 8, finishing out of order, while the
    // first call still runs.
    let began = std::time::Instant::now();
    let calls = (0..200u64).map(|i| {
        let client = client.clone();
        async move { client.work(i * 7 % 13).await.unwrap() }
    });
    futures_util::future::join_all(calls).await;
    assert!(
        !long.is_finished(),
        "the 200 calls took {:?}, as long as the long call",
        began.elapsed()
    );
    assert_eq!(long.await.unwrap().unwrap(), std::process::id());
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
    // Nothing back in the queue: every delivery was acknowledged before the
    // server's channel closed.
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let state = channel
        .queue_declare(name.as_str().into(), passive, FieldTable::default())
        .await
        .unwrap();
    assert_eq!(
        state.message_count(),
        0,
        "deliveries were left unacknowledged"
    );
    assert_eq!(started.load(std::sync::atomic::Ordering::Relaxed), 201);
}

#[tokio::test]
async fn a_message_expiration_is_the_calls_deadline() {
    let queue =
        serve(AmqpServer::new(WorkServer::new(Worker::default())).queue(queue("deadline"))).await;
    let properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_expiration("150".into());
    let started = std::time::Instant::now();
    let (_, body) = publish_raw(
        &queue,
        br#"{"jsonrpc":"2.0","method":"work","params":[2000],"id":1}"#,
        properties,
        true,
    )
    .await
    .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        answer["error"]["code"],
        rpc_core::RpcError::TIMEOUT,
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
}
