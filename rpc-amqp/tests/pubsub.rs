//! Publish/subscribe over the real broker: every server bound to a topic
//! exchange runs every call published there, in order; a server with a
//! durable queue of its own gets, when back, what was published while it
//! was away; a method with a result cannot be published.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{queue, url, wait_for_consumers};
use rpc_amqp::lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use rpc_amqp::lapin::{Connection, ConnectionProperties};
use rpc_amqp::{AmqpServer, AmqpTransport};
use rpc_core::RpcError;

/// What happened, told to whoever listens.
#[rpc_core::service]
pub trait News {
    /// Something happened.
    async fn happened(&self, what: String) -> Result<(), RpcError>;
    /// A method with a result: not for publishing.
    async fn count(&self) -> Result<usize, RpcError>;
}

#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<String>>>);

impl News for Heard {
    async fn happened(&self, what: String) -> Result<(), RpcError> {
        self.0.lock().unwrap().push(what);
        Ok(())
    }
    async fn count(&self) -> Result<usize, RpcError> {
        Ok(self.0.lock().unwrap().len())
    }
}

impl Heard {
    fn news(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|w| !w.starts_with("ping"))
            .cloned()
            .collect()
    }

    async fn wait_for(&self, n: usize) -> Vec<String> {
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            while self.news().len() < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        assert!(waited.await.is_ok(), "heard only {:?}", self.news());
        self.news()
    }

    fn heard_a_ping(&self) -> bool {
        self.0.lock().unwrap().iter().any(|w| w.starts_with("ping"))
    }
}

/// Serves `heard` on `exchange` until the returned sender is dropped.
fn serve(
    server: AmqpServer,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .serve_with_shutdown(url(), async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (stop, done)
}

/// Publishes pings until each of `listeners` heard one: they are bound.
async fn until_bound(publisher: &NewsClient<AmqpTransport>, listeners: &[&Heard]) {
    let bound = tokio::time::timeout(Duration::from_secs(20), async {
        while !listeners.iter().all(|l| l.heard_a_ping()) {
            publisher.happened("ping".into()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(
        bound.await.is_ok(),
        "the servers did not bind to the exchange"
    );
}

async fn delete(exchange: &str, queues: &[&str]) {
    let connection = Connection::connect(&url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    for queue in queues {
        let _ = channel
            .queue_delete((*queue).into(), QueueDeleteOptions::default())
            .await;
    }
    let _ = channel
        .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_on_the_exchange_hears_every_call_in_order() {
    let exchange = queue("news");
    let (a, b) = (Heard::default(), Heard::default());
    let (stop_a, done_a) = serve(AmqpServer::new(NewsServer::new(a.clone())).exchange(&exchange));
    let (stop_b, done_b) = serve(AmqpServer::new(NewsServer::new(b.clone())).exchange(&exchange));
    let publisher = NewsClient::new(AmqpTransport::publisher(url(), exchange.as_str()));
    until_bound(&publisher, &[&a, &b]).await;

    let sent: Vec<String> = (0..50).map(|i| format!("event {i}")).collect();
    for what in &sent {
        publisher.happened(what.clone()).await.unwrap();
    }
    assert_eq!(a.wait_for(50).await, sent);
    assert_eq!(b.wait_for(50).await, sent);

    // A method with a result is refused before anything is sent.
    let err = publisher.count().await.unwrap_err();
    assert!(err.to_string().contains("returns a value"), "{err}");

    drop((stop_a, stop_b));
    done_a.await.unwrap();
    done_b.await.unwrap();
    delete(&exchange, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_queue_of_its_own_keeps_what_was_published_while_away() {
    let exchange = queue("news-kept");
    let kept = queue("news-kept-queue");
    let heard = Heard::default();
    let server = || {
        AmqpServer::new(NewsServer::new(heard.clone()))
            .exchange(&exchange)
            .queue(&kept)
    };
    let (stop, done) = serve(server());
    wait_for_consumers(&kept, 1).await;
    let publisher = NewsClient::new(AmqpTransport::publisher(url(), exchange.as_str()));
    until_bound(&publisher, &[&heard]).await;
    drop(stop);
    done.await.unwrap();

    // Away: published, kept in its queue.
    for i in 0..3 {
        publisher.happened(format!("while away {i}")).await.unwrap();
    }
    let (stop, done) = serve(server());
    assert_eq!(
        heard.wait_for(3).await,
        ["while away 0", "while away 1", "while away 2"]
    );
    drop(stop);
    done.await.unwrap();
    delete(&exchange, &[&kept]).await;
}
