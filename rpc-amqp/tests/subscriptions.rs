//! Subscriptions over the real broker: the typed client's stream, the
//! method's refusal, an error that ends a stream, unsubscribing by
//! dropping the stream, a subscriber whose queue disappears, the server's
//! shutdown, and a server that vanishes without a word.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{queue, url, wait_for_consumers};
use futures_util::StreamExt;
use rpc_amqp::lapin::options::{BasicPublishOptions, QueueDeleteOptions};
use rpc_amqp::lapin::{BasicProperties, Connection, ConnectionProperties};
use rpc_amqp::{AmqpServer, AmqpTransport};
use rpc_core::{ClientError, ErrorKind, RpcError, Subscription};

/// Counts, and a stream that never ends.
#[rpc_core::service]
pub trait Feed {
    /// `count` numbers from `from`, then the end.
    #[subscription]
    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError>;

    /// `before` numbers, then an error.
    #[subscription]
    async fn fail(&self, before: u64) -> Result<Subscription<u64>, RpcError>;

    /// A number every `millis`, for ever.
    #[subscription]
    async fn tick(&self, millis: u64) -> Result<Subscription<u64>, RpcError>;

    /// Refuses, as a method that checks its arguments does.
    #[subscription]
    async fn refuse(&self) -> Result<Subscription<u64>, RpcError>;
}

/// How many subscription streams are alive on the server.
#[derive(Clone, Default)]
struct Feeds {
    alive: Arc<AtomicUsize>,
}

/// Counted while it lives.
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Feed for Feeds {
    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError> {
        Ok(Subscription::new(futures_util::stream::iter(
            from..from + count,
        )))
    }

    async fn fail(&self, before: u64) -> Result<Subscription<u64>, RpcError> {
        let items = (0..before)
            .map(Ok)
            .chain([Err(RpcError::new(7, "the source broke"))]);
        Ok(Subscription::try_new(futures_util::stream::iter(items)))
    }

    async fn tick(&self, millis: u64) -> Result<Subscription<u64>, RpcError> {
        self.alive.fetch_add(1, Ordering::SeqCst);
        let alive = Alive(self.alive.clone());
        let ticks = tokio_stream_interval(Duration::from_millis(millis)).map(move |n| {
            let _ = &alive;
            n
        });
        Ok(Subscription::new(ticks))
    }

    async fn refuse(&self) -> Result<Subscription<u64>, RpcError> {
        Err(RpcError::invalid_params("not today"))
    }
}

/// 0, 1, 2… one every `period`.
fn tokio_stream_interval(period: Duration) -> impl futures_util::Stream<Item = u64> + Send {
    futures_util::stream::unfold(0u64, move |n| async move {
        tokio::time::sleep(period).await;
        Some((n, n + 1))
    })
}

struct Running {
    queue: String,
    feeds: Feeds,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<(), rpc_amqp::AmqpError>>,
}

async fn start(name: &str, heartbeat: Duration) -> Running {
    let feeds = Feeds::default();
    let server = AmqpServer::new(FeedServer::new(feeds.clone()))
        .queue(queue(name))
        .durable(false)
        .subscription_heartbeat(heartbeat);
    let queue = server.queue_name().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.serve_with_shutdown_owned(url(), async {
        let _ = stopped.await;
    }));
    wait_for_consumers(&queue, 1).await;
    Running {
        queue,
        feeds,
        stop: Some(stop),
        done,
    }
}

impl Running {
    fn client(&self) -> FeedClient<AmqpTransport> {
        FeedClient::new(AmqpTransport::new(url(), self.queue.as_str()))
    }

    /// Waits until `n` streams are alive on the server.
    async fn alive(&self, n: usize) {
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            while self.feeds.alive.load(Ordering::SeqCst) != n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        assert!(
            waited.await.is_ok(),
            "{} streams alive on the server, not {n}",
            self.feeds.alive.load(Ordering::SeqCst)
        );
    }
}

async fn collect<T>(mut stream: rpc_core::SubscriptionStream<T>) -> (Vec<T>, Option<ClientError>) {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(err) => return (items, Some(err)),
        }
    }
    (items, None)
}

#[tokio::test]
async fn the_typed_client_subscribes_over_amqp() {
    let server = start("sub-typed", Duration::from_secs(15)).await;
    let client = server.client();
    let (items, end) = collect(client.count(5, 300).await.unwrap()).await;
    assert_eq!(items, (5..305).collect::<Vec<_>>(), "in order, none lost");
    assert!(end.is_none(), "{end:?}");
    let (items, end) = collect(client.fail(2).await.unwrap()).await;
    assert_eq!(items, [0, 1]);
    assert_eq!(end.unwrap().rpc().map(RpcError::code), Some(7));
    let refused = client.refuse().await.err().unwrap();
    assert_eq!(refused.rpc().unwrap().kind(), ErrorKind::InvalidParams);
    // Several at once on one connection.
    let (a, b) = tokio::join!(
        async { collect(client.count(0, 50).await.unwrap()).await.0 },
        async { collect(client.count(100, 50).await.unwrap()).await.0 },
    );
    assert_eq!((a.len(), b.len()), (50, 50));
    assert_eq!(b[0], 100);
}

#[tokio::test]
async fn dropping_the_stream_unsubscribes() {
    let server = start("sub-drop", Duration::from_secs(15)).await;
    let client = server.client();
    let mut ticks = client.tick(5).await.unwrap();
    assert_eq!(ticks.next().await.unwrap().unwrap(), 0);
    server.alive(1).await;
    drop(ticks);
    server.alive(0).await;
}

/// A subscriber that disappears: its queue deleted, or its connection
/// (and with it its direct reply-to address) closed. The server's next
/// heartbeat is returned by the broker, and the subscription ends.
#[tokio::test]
async fn a_subscriber_that_disappears_ends_its_subscription() {
    let server = start("sub-gone", Duration::from_millis(100)).await;
    let subscribe = br#"{"jsonrpc":"2.0","method":"tick","params":[60000],"id":1}"#;

    // Its own queue, deleted.
    let mut peer = common::Peer::new().await;
    let json = BasicProperties::default().with_content_type("application/json".into());
    let answer = peer.call(&server.queue, subscribe, json.clone()).await;
    assert!(String::from_utf8_lossy(&answer.data).contains(r#""result":"#));
    server.alive(1).await;
    peer.channel
        .queue_delete(peer.replies.clone(), QueueDeleteOptions::default())
        .await
        .unwrap();
    server.alive(0).await;

    // Direct reply-to, its connection closed.
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut replies = common::consume_no_ack(&channel, "amq.rabbitmq.reply-to").await;
    channel
        .basic_publish(
            "".into(),
            server.queue.as_str().into(),
            BasicPublishOptions::default(),
            subscribe,
            json.with_reply_to("amq.rabbitmq.reply-to".into()),
        )
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), replies.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&answer.data).contains(r#""result":"#));
    server.alive(1).await;
    connection.close(200, "gone".into()).await.unwrap();
    server.alive(0).await;
}

#[tokio::test]
async fn the_servers_shutdown_ends_the_stream_with_shutting_down() {
    let mut server = start("sub-stop", Duration::from_secs(15)).await;
    let client = server.client();
    let mut ticks = client.tick(20).await.unwrap();
    assert!(ticks.next().await.unwrap().is_ok());
    server.stop.take().unwrap().send(()).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ticks.next().await {
                Some(Ok(_)) => continue,
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    let err = end.unwrap().err().unwrap();
    assert_eq!(err.rpc().unwrap().kind(), ErrorKind::ShuttingDown, "{err}");
    tokio::time::timeout(Duration::from_secs(10), &mut server.done)
        .await
        .expect("the server returns once its subscriptions ended")
        .unwrap()
        .unwrap();
}

/// A server that vanishes without a word (its task aborted, its
/// connection gone): the subscriber hears no heartbeat and ends its stream
/// as interrupted, rather than waiting for ever.
#[tokio::test]
async fn a_server_that_vanishes_is_noticed_by_missed_heartbeats() {
    let server = start("sub-vanish", Duration::from_millis(100)).await;
    let client = server.client();
    let mut ticks = client.tick(60_000).await.unwrap();
    server.alive(1).await;
    server.done.abort();
    let end = tokio::time::timeout(Duration::from_secs(10), ticks.next())
        .await
        .expect("the stream ends within a few heartbeats");
    let err = end.unwrap().err().unwrap();
    assert!(matches!(err, ClientError::Interrupted(_)), "{err}");
}
