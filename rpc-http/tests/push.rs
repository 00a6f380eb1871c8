//! Subscriptions over real sockets, served by `rpc_http::serve`: the typed
//! client over a WebSocket and over Server-Sent Events, the limits (number
//! of subscriptions, a subscriber that does not read), unsubscribing by
//! dropping the stream, the server's shutdown, and 1,000 subscribers that
//! come and go leaving nothing behind.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rpc_core::{ClientError, ErrorKind, RpcError, Subscription};
use rpc_http::RpcRouter;
use rpc_http::client::{RestTransport, WebSocketTransport};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// Counts, and a stream that never ends.
#[rpc_core::service]
pub trait Feed {
    /// `count` numbers from `from`, then the end.
    #[subscription]
    #[rest(get = "/count")]
    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError>;

    /// `before` numbers, then an error.
    #[subscription]
    #[rest(get = "/fail")]
    async fn fail(&self, before: u64) -> Result<Subscription<u64>, RpcError>;

    /// Numbers as fast as they are taken, for ever; each payload `size` bytes.
    #[subscription]
    async fn flood(&self, size: usize) -> Result<Subscription<String>, RpcError>;

    /// One number, then nothing, for ever: a subscription that stays open
    /// without filling its reader's queue.
    #[subscription]
    async fn idle(&self) -> Result<Subscription<u64>, RpcError>;

    /// Refuses, as a method that checks its arguments does.
    #[subscription]
    async fn refuse(&self) -> Result<Subscription<u64>, RpcError>;

    /// An ordinary call beside the subscriptions.
    async fn double(&self, n: u64) -> Result<u64, RpcError>;
}

/// How many subscription streams are alive on the server.
#[derive(Clone, Default)]
struct Feeds {
    alive: Arc<AtomicUsize>,
}

/// Counted while it lives.
struct Alive(Arc<AtomicUsize>);

impl Alive {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count.clone())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Feed for Feeds {
    async fn count(&self, from: u64, count: u64) -> Result<Subscription<u64>, RpcError> {
        let alive = Alive::new(&self.alive);
        Ok(Subscription::new(
            futures_util::stream::iter(from..from + count).map(move |n| {
                let _ = &alive;
                n
            }),
        ))
    }

    async fn fail(&self, before: u64) -> Result<Subscription<u64>, RpcError> {
        let items = (0..before)
            .map(Ok)
            .chain([Err(RpcError::new(7, "the source broke"))]);
        Ok(Subscription::try_new(futures_util::stream::iter(items)))
    }

    async fn flood(&self, size: usize) -> Result<Subscription<String>, RpcError> {
        let alive = Alive::new(&self.alive);
        let payload = "x".repeat(size);
        Ok(Subscription::new(futures_util::stream::repeat_with(
            move || {
                let _ = &alive;
                payload.clone()
            },
        )))
    }

    async fn idle(&self) -> Result<Subscription<u64>, RpcError> {
        let alive = Alive::new(&self.alive);
        // Counted until the stream is dropped (the number's part of the
        // chain is dropped once it has given its number).
        let silence = futures_util::stream::poll_fn(move |_| {
            let _ = &alive;
            std::task::Poll::<Option<u64>>::Pending
        });
        Ok(Subscription::new(
            futures_util::stream::iter([0]).chain(silence),
        ))
    }

    async fn refuse(&self) -> Result<Subscription<u64>, RpcError> {
        Err(RpcError::invalid_params("not today"))
    }

    async fn double(&self, n: u64) -> Result<u64, RpcError> {
        Ok(n * 2)
    }
}

struct Running {
    addr: SocketAddr,
    feeds: Feeds,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(router: impl FnOnce(RpcRouter) -> RpcRouter) -> Running {
    let feeds = Feeds::default();
    let app = router(RpcRouter::new(FeedServer::new(feeds.clone()))).into_router();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = rpc_http::serve(listener, app).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let done = tokio::spawn(server.into_future());
    Running {
        addr,
        feeds,
        stop: Some(stop),
        done,
    }
}

impl Running {
    /// Waits (up to 10 s) for `serve` to return, after its shutdown.
    async fn returns(&mut self) {
        tokio::time::timeout(Duration::from_secs(10), &mut self.done)
            .await
            .expect("the server returns once its subscriptions ended")
            .unwrap()
            .unwrap();
    }

    fn ws(&self) -> FeedClient<WebSocketTransport> {
        let url = format!("ws://{}/ws", self.addr);
        FeedClient::new(WebSocketTransport::new(&url).unwrap())
    }

    /// Waits until `n` subscription streams are alive on the server.
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

async fn collect<T>(stream: rpc_core::SubscriptionStream<T>) -> (Vec<T>, Option<ClientError>) {
    let mut items = Vec::new();
    let mut stream = stream;
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(err) => return (items, Some(err)),
        }
    }
    (items, None)
}

#[tokio::test]
async fn the_typed_client_subscribes_over_a_websocket_beside_its_calls() {
    let server = start(|r| r).await;
    let client = server.ws();
    // Calls and subscriptions share the one connection, concurrently.
    let (doubled, counted, failed) = tokio::join!(
        client.double(21),
        async { collect(client.count(5, 3).await.unwrap()).await },
        async { collect(client.fail(2).await.unwrap()).await },
    );
    assert_eq!(doubled.unwrap(), 42);
    let (items, end) = counted;
    assert_eq!(items, [5, 6, 7]);
    assert!(end.is_none(), "{end:?}");
    let (items, err) = failed;
    assert_eq!(items, [0, 1]);
    assert_eq!(err.unwrap().rpc().map(RpcError::code), Some(7));
    // A method that refuses answers its error at once.
    let refused = client.refuse().await.err().unwrap();
    assert_eq!(refused.rpc().unwrap().kind(), ErrorKind::InvalidParams);
}

#[tokio::test]
async fn the_typed_client_subscribes_as_server_sent_events() {
    let server = start(|r| r).await;
    let client = FeedClient::new(RestTransport::new(&format!("http://{}", server.addr)).unwrap());
    let (items, end) = collect(client.count(1, 4).await.unwrap()).await;
    assert_eq!(items, [1, 2, 3, 4]);
    assert!(end.is_none(), "{end:?}");
    let (items, err) = collect(client.fail(1).await.unwrap()).await;
    assert_eq!(items, [0]);
    assert_eq!(err.unwrap().rpc().unwrap().message(), "the source broke");
}

#[tokio::test]
async fn dropping_the_stream_ends_the_subscription_on_the_server() {
    let server = start(|r| r).await;
    let client = server.ws();
    let mut flood = client.flood(8).await.unwrap();
    assert_eq!(flood.next().await.unwrap().unwrap(), "xxxxxxxx");
    server.alive(1).await;
    drop(flood);
    server.alive(0).await;
    // The connection goes on.
    assert_eq!(client.double(2).await.unwrap(), 4);

    let sse = FeedClient::new(RestTransport::new(&format!("http://{}", server.addr)).unwrap());
    let mut counting = sse.count(0, u64::MAX).await.unwrap();
    assert_eq!(counting.next().await.unwrap().unwrap(), 0);
    server.alive(1).await;
    drop(counting);
    server.alive(0).await;
}

#[tokio::test]
async fn a_connection_has_at_most_its_limit_of_subscriptions() {
    // Subscriptions that stay open unread: a flood would fill the client's
    // queue, and the client would end it for lagging.
    let server = start(|r| r.max_subscriptions(2)).await;
    let client = server.ws();
    let first = client.idle().await.unwrap();
    let _second = client.idle().await.unwrap();
    server.alive(2).await;
    let third = client.idle().await.err().unwrap();
    assert_eq!(
        third.rpc().unwrap().kind(),
        ErrorKind::TooManySubscriptions,
        "{third}"
    );
    // Ending one makes room.
    drop(first);
    server.alive(1).await;
    assert!(client.idle().await.is_ok());
    server.alive(2).await;
}

/// A raw WebSocket client that subscribes and then never reads: the server
/// drops the subscription once its queue to the client stays full past the
/// subscriber timeout, so what it holds stays bounded.
#[tokio::test]
async fn a_subscriber_that_never_reads_is_dropped() {
    let server = start(|r| r.subscriber_timeout(Duration::from_millis(300))).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    let subscribe = r#"{"jsonrpc":"2.0","method":"flood","params":{"size":65536},"id":1}"#;
    socket.send(Message::text(subscribe)).await.unwrap();
    server.alive(1).await;
    // Not read: the socket's buffers and the server's queue fill, then the
    // subscription is dropped, its stream with it.
    server.alive(0).await;
    // Reading now: what was queued, then the last notification says why.
    let mut last = None;
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_secs(5), socket.next()).await
    {
        let text = message.into_text().unwrap();
        if text.contains(r#""error""#) {
            last = Some(text.to_string());
            break;
        }
    }
    let last = last.expect("no notification said the subscription was dropped");
    assert!(last.contains(r#""code":-32003"#), "{last}");
}

#[tokio::test]
async fn the_servers_shutdown_ends_its_subscriptions_and_the_server_returns() {
    let mut server = start(|r| r).await;
    let client = server.ws();
    let mut flood = client.flood(1).await.unwrap();
    let sse = FeedClient::new(RestTransport::new(&format!("http://{}", server.addr)).unwrap());
    let mut counting = sse.count(0, u64::MAX).await.unwrap();
    assert!(flood.next().await.unwrap().is_ok());
    assert!(counting.next().await.unwrap().is_ok());

    server.stop.take().unwrap().send(()).unwrap();
    ends_shutting_down(&mut flood).await;
    ends_shutting_down(&mut counting).await;
    server.returns().await;
}

/// Over HTTP/2 each call is a task of its own, which finds the shutdown's
/// watcher in its request rather than its connection's task: its Server-Sent
/// Events end at the shutdown too, and the server returns. The subscriber
/// reads one event, then none while the server sends as fast as it can: the
/// events waiting together go as one DATA frame, where one frame each made
/// the client's h2 take them for a flood and close the connection
/// (`ENHANCE_YOUR_CALM`) before the last event came.
#[tokio::test]
async fn the_servers_shutdown_ends_a_subscription_over_http2_too() {
    let mut server = start(|r| r).await;
    let url = format!("http://{}", server.addr);
    let sse = FeedClient::new(RestTransport::new(&url).unwrap().http2());
    let mut counting = sse.count(0, u64::MAX).await.unwrap();
    assert!(counting.next().await.unwrap().is_ok());

    server.stop.take().unwrap().send(()).unwrap();
    ends_shutting_down(&mut counting).await;
    server.returns().await;
}

/// Reads `stream` past its items: it must end, within 10 s, with the
/// server's shutdown.
async fn ends_shutting_down<T>(
    stream: &mut (impl futures_util::Stream<Item = Result<T, ClientError>> + Unpin),
) {
    let end = async {
        loop {
            match stream.next().await {
                Some(Ok(_)) => continue,
                other => return other,
            }
        }
    };
    let end = tokio::time::timeout(Duration::from_secs(10), end)
        .await
        .expect("the stream ends at the shutdown");
    let Some(Err(err)) = end else {
        panic!("the stream ended without an error");
    };
    assert_eq!(err.rpc().unwrap().kind(), ErrorKind::ShuttingDown, "{err}");
}

/// 1,000 subscribers, 50 at a time, each on its own connection: once they
/// are gone, so are their streams and the server's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_that_come_and_go_leave_nothing_behind() {
    let server = start(|r| r).await;
    let runtime = tokio::runtime::Handle::current().metrics();
    let tasks_before = runtime.num_alive_tasks();
    for _ in 0..20 {
        let mut round = Vec::new();
        for _ in 0..50 {
            let client = server.ws();
            round.push(tokio::spawn(async move {
                let mut flood = client.flood(16).await.unwrap();
                flood.next().await.unwrap().unwrap();
                // Drops the stream, the client and so the connection.
            }));
        }
        for subscriber in round {
            subscriber.await.unwrap();
        }
    }
    server.alive(0).await;
    let settled = tokio::time::timeout(Duration::from_secs(10), async {
        while runtime.num_alive_tasks() > tasks_before {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert!(
        settled.await.is_ok(),
        "{} tasks alive, {tasks_before} before the subscribers came",
        runtime.num_alive_tasks()
    );
}
