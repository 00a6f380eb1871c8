//! A real RabbitMQ broker (the test command makes sure one runs), a service
//! to serve on it, and raw AMQP messages for what clients of ours never send.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use rpc_amqp::lapin::message::Delivery;
use rpc_amqp::lapin::options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions};
use rpc_amqp::lapin::types::FieldTable;
use rpc_amqp::lapin::types::ShortString;
use rpc_amqp::lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};
use rpc_core::RpcError;

/// The broker of the tests: `$AMQP_URL`, or the local default.
pub fn url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A queue name of its own for each test.
pub fn queue(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "rpc-amqp-test-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Slow work, identified by the process that does it.
#[rpc_core::service]
pub trait Work {
    /// Sleeps `millis`, then answers the pid of the process.
    async fn work(&self, millis: u64) -> u32;
    /// Adds.
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError>;
    /// Records a note (for notifications).
    async fn note(&self, text: String);
    /// The notes recorded.
    async fn notes(&self) -> Vec<String>;
}

#[derive(Default)]
pub struct Worker {
    notes: std::sync::Mutex<Vec<String>>,
    /// How many `work` calls have started.
    pub started: std::sync::Arc<AtomicU32>,
}

impl Work for Worker {
    async fn work(&self, millis: u64) -> u32 {
        self.started.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        std::process::id()
    }
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError> {
        a.checked_add(b).ok_or_else(|| RpcError::new(1, "overflow"))
    }
    async fn note(&self, text: String) {
        self.notes.lock().unwrap().push(text);
    }
    async fn notes(&self) -> Vec<String> {
        self.notes.lock().unwrap().clone()
    }
}

/// Waits until `queue` has `consumers` consumers (bounded: 20 s).
pub async fn wait_for_consumers(queue: &str, consumers: u32) {
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let declared = channel
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await;
        if declared.is_ok_and(|state| state.consumer_count() >= consumers) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{queue} never got {consumers} consumers"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        if !channel.status().connected() {
            return Box::pin(wait_for_consumers(queue, consumers)).await;
        }
    }
}

/// A connection that publishes raw messages and reads the replies sent to
/// its own exclusive queue.
pub struct Peer {
    pub channel: Channel,
    pub replies: ShortString,
    consumer: Consumer,
    _connection: Connection,
}

impl Peer {
    pub async fn new() -> Self {
        let connection = Connection::connect(&url(), ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        let exclusive = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..Default::default()
        };
        let replies = channel
            .queue_declare("".into(), exclusive, FieldTable::default())
            .await
            .unwrap();
        let consumer = consume_no_ack(&channel, replies.name().as_str()).await;
        Self {
            channel,
            replies: replies.name().clone(),
            consumer,
            _connection: connection,
        }
    }

    /// Publishes to `queue` through the default exchange, confirmed.
    pub async fn publish(&self, queue: &str, body: &[u8], properties: BasicProperties) {
        self.channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Publishes a call that asks for a reply, and waits for it.
    pub async fn call(
        &mut self,
        queue: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Delivery {
        let properties = properties.with_reply_to(self.replies.clone());
        self.publish(queue, body, properties).await;
        self.reply().await
    }

    /// The next reply, within 10 s.
    pub async fn reply(&mut self) -> Delivery {
        tokio::time::timeout(Duration::from_secs(10), self.consumer.next())
            .await
            .expect("a reply within 10 s")
            .unwrap()
            .unwrap()
    }
}

/// Consumes `queue` without acknowledgements (each delivery is taken as read).
pub async fn consume_no_ack(channel: &Channel, queue: &str) -> Consumer {
    channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap()
}

/// Publishes one raw message; with `reply`, as a call (correlation id
/// `raw-1`) whose reply it returns.
pub async fn publish_raw(
    queue: &str,
    body: &[u8],
    properties: BasicProperties,
    reply: bool,
) -> Option<(BasicProperties, Vec<u8>)> {
    let mut peer = Peer::new().await;
    if !reply {
        peer.publish(queue, body, properties).await;
        return None;
    }
    let delivery = peer
        .call(queue, body, properties.with_correlation_id("raw-1".into()))
        .await;
    Some((delivery.properties, delivery.data))
}
