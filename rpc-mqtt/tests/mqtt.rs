//! MqttServer and MqttTransport on the machine's MQTT broker (Mosquitto on
//! 127.0.0.1:1883, or `$MQTT_URL`; the test command makes sure of it).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rpc_core::{ClientError, Context, RpcError};
use rpc_mqtt::{MqttServer, MqttTransport};

fn url() -> String {
    std::env::var("MQTT_URL").unwrap_or_else(|_| "mqtt://127.0.0.1:1883".into())
}

/// A topic of this test's own.
fn topic(test: &str) -> String {
    format!("rpc-test/{test}/{}", std::process::id())
}

/// A named server's methods.
#[rpc_core::service]
pub trait Probe {
    /// `a + b`.
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError>;
    /// The name of the server that ran the call.
    async fn whoami(&self) -> Result<String, RpcError>;
    /// The call's header `name`, as the server's layers see it.
    async fn header(
        &self,
        #[context] context: Context,
        name: String,
    ) -> Result<Option<String>, RpcError>;
    /// Answers after `ms` milliseconds.
    async fn slow(&self, ms: u64) -> Result<u64, RpcError>;
    /// Always fails.
    async fn fail(&self) -> Result<(), RpcError>;
}

#[derive(Clone)]
struct Named(&'static str);

impl Probe for Named {
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError> {
        Ok(a + b)
    }
    async fn whoami(&self) -> Result<String, RpcError> {
        Ok(self.0.into())
    }
    async fn header(&self, context: Context, name: String) -> Result<Option<String>, RpcError> {
        Ok(context
            .headers()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }
    async fn slow(&self, ms: u64) -> Result<u64, RpcError> {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(ms)
    }
    async fn fail(&self) -> Result<(), RpcError> {
        Err(RpcError::new(7, "it fails"))
    }
}

/// Serves `name` on `topic` until the returned sender is dropped or fired.
fn serve(
    name: &'static str,
    topic: &str,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), rpc_mqtt::MqttError>>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = MqttServer::new(ProbeServer::new(Named(name)))
        .topic(topic)
        .max_body_size(64 * 1024);
    let url = url();
    let task = tokio::spawn(async move {
        server
            .serve_with_shutdown(&url, async {
                let _ = stopped.await;
            })
            .await
    });
    (stop, task)
}

/// A client, once the server answers on `topic`.
async fn client(topic: &str) -> ProbeClient<MqttTransport> {
    let client = ProbeClient::new(
        MqttTransport::new(&url(), topic)
            .unwrap()
            .timeout(Duration::from_secs(2)),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.add(0, 0).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "no MQTT server answers on {topic}: is a broker on {}? (the test command starts Mosquitto)",
            url()
        );
    }
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_errors_go_through_the_broker() {
    let topic = topic("calls");
    let (_stop, _server) = serve("one", &topic);
    let client = client(&topic).await;
    let sums = futures_util::future::join_all((0..100).map(|i| client.add(i, 1))).await;
    let sums: Vec<i64> = sums.into_iter().map(Result::unwrap).collect();
    assert_eq!(sums, (1..=100).collect::<Vec<_>>());
    let err = client.fail().await.unwrap_err();
    assert_eq!(err.rpc().map(RpcError::code), Some(7), "{err}");
    // User properties are the call's headers.
    let with_header = ProbeClient::new(
        MqttTransport::new(&url(), &topic)
            .unwrap()
            .header("authorization", "Bearer s3cret"),
    );
    let seen = with_header.header("authorization".into()).await.unwrap();
    assert_eq!(seen.as_deref(), Some("Bearer s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_of_one_group_split_the_calls() {
    let topic = topic("split");
    let (_a, _ta) = serve("a", &topic);
    let (_b, _tb) = serve("b", &topic);
    let client = client(&topic).await;
    // Both subscribed: a call reaches each, sooner or later.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut counts: HashMap<String, usize> = HashMap::new();
    while counts.len() < 2 {
        assert!(Instant::now() < deadline, "only {counts:?} answer");
        *counts.entry(client.whoami().await.unwrap()).or_default() += 1;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    let answers = futures_util::future::join_all((0..200).map(|_| client.whoami())).await;
    for answer in answers {
        *counts.entry(answer.unwrap()).or_default() += 1;
    }
    assert_eq!(counts.values().sum::<usize>(), 200);
    assert!(
        counts.len() == 2 && counts.values().all(|&n| n > 20),
        "{counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_limit_is_refused_in_json_rpc() {
    let topic = topic("large");
    let (_stop, _server) = serve("one", &topic);
    let client = client(&topic).await;
    let err = client.header("x".repeat(100 * 1024)).await.unwrap_err();
    let rpc = err.rpc().unwrap_or_else(|| panic!("{err}"));
    assert_eq!(rpc.code(), -32600);
    assert!(rpc.message().contains("over the limit"), "{rpc:?}");
    assert_eq!(client.add(1, 1).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_answers_the_calls_taken() {
    let topic = topic("stop");
    let (stop, server) = serve("one", &topic);
    let client = client(&topic).await;
    let slow = tokio::spawn({
        let client = ProbeClient::new(client.transport().clone());
        async move { client.slow(500).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    assert_eq!(slow.await.unwrap().unwrap(), 500);
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    // Nobody serves the topic now: the call times out.
    let err = client.add(1, 1).await.unwrap_err();
    assert!(matches!(err, ClientError::Timeout(_)), "{err}");
}

#[tokio::test]
async fn a_broker_that_cannot_be_reached_fails_calls_at_once() {
    let client = ProbeClient::new(
        MqttTransport::new("mqtt://127.0.0.1:1", "nobody/rpc")
            .unwrap()
            .timeout(Duration::from_secs(20)),
    );
    let started = Instant::now();
    let err = client.add(1, 1).await.unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A Mosquitto of the test's own on a free port, that it can stop and
/// start again (the machine's broker is left alone).
struct Broker {
    port: u16,
    child: Option<std::process::Child>,
}

impl Broker {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut broker = Self { port, child: None };
        broker.resume();
        broker
    }

    fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    fn resume(&mut self) {
        let program = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("mosquitto");
        let child = std::process::Command::new(program)
            .args(["-p", &self.port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {program}: {e} (apt-get install mosquitto; the test command does)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not start on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_ends_come_back_after_the_broker_restarts() {
    let mut broker = tokio::task::spawn_blocking(Broker::start).await.unwrap();
    let url = broker.url();
    let topic = topic("restart");
    let server = MqttServer::new(ProbeServer::new(Named("one"))).topic(&topic);
    let served = tokio::spawn({
        let url = url.clone();
        async move { server.serve(&url).await }
    });
    let client = ProbeClient::new(
        MqttTransport::new(&url, &topic)
            .unwrap()
            .timeout(Duration::from_secs(2)),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.add(1, 1).await.is_err() {
        assert!(Instant::now() < deadline, "no answer before the restart");
    }

    // A call in flight when the broker goes: it ends at once, as one that
    // may have run; calls while it is away fail at once, as not sent.
    let in_flight = tokio::spawn({
        let client = ProbeClient::new(client.transport().clone());
        async move { client.slow(1_500).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let killed = Instant::now();
    broker = tokio::task::spawn_blocking(move || {
        broker.kill();
        broker
    })
    .await
    .unwrap();
    let err = in_flight.await.unwrap().unwrap_err();
    assert!(matches!(err, ClientError::Interrupted(_)), "{err}");
    assert!(
        killed.elapsed() < Duration::from_millis(1_000),
        "{:?}",
        killed.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = client.add(1, 1).await.unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err}");

    // Back: both ends reconnect and subscribe again by themselves.
    let _broker = tokio::task::spawn_blocking(move || {
        broker.resume();
        broker
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.add(2, 3).await {
            Ok(sum) => {
                assert_eq!(sum, 5);
                break;
            }
            Err(err) => assert!(
                Instant::now() < deadline,
                "no answer after the restart: {err}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!served.is_finished(), "the server kept serving");
}
