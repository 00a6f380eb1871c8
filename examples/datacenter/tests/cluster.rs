//! A RabbitMQ cluster of three nodes (`scripts/rabbitmq-cluster`, on ports of
//! this test's own), a quorum queue, two `datacenter serve` processes and two
//! clients sending a stream of calls. One node after another is killed with
//! `kill -9` and started again: the node a server is connected to, the node
//! a client is connected to, then the queue's leader. Every call ends with
//! its answer or, only for a call the client lost and may not send again
//! (not idempotent), with the "may have run" error; none times out, none is
//! lost; the stream goes on without restarting any process. pika, given any
//! node's URL, calls the service between the kills.
//!
//! And a caller gone with its node while its calls run: their answers
//! (which RabbitMQ 3.x answers by closing the connection that publishes
//! them) cost the server its connection once, not again and again while
//! the node is down, and cost the other callers nothing.
//!
//! Each test starts a cluster on its own ports; the test command runs them
//! one at a time.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Served;
use datacenter::{DatacenterClient, NewServer};
use rpc_amqp::AmqpTransport;
use rpc_core::ClientError;

/// The cluster, brought down when dropped.
struct Cluster {
    dir: PathBuf,
    base: u16,
}

impl Cluster {
    fn script(&self, args: &[&str]) -> Output {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/rabbitmq-cluster"
        );
        let output = Command::new("bash")
            .arg(script)
            .args(args)
            .env("RPC_CLUSTER_DIR", &self.dir)
            .env("RPC_CLUSTER_PORT", self.base.to_string())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "rabbitmq-cluster {args:?}: {output:?}"
        );
        output
    }

    /// Three nodes, the first one's AMQP port `base`.
    fn up(base: u16) -> (Self, String) {
        let cluster = Self {
            dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("cluster-{}", std::process::id())),
            base,
        };
        let output = cluster.script(&["up"]);
        let urls = String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap()
            .to_owned();
        (cluster, urls)
    }

    /// The Erlang name of node `n` (1, 2, 3): named for its AMQP port.
    fn node_name(&self, n: usize) -> String {
        format!("rpc-cluster-{}@localhost", usize::from(self.base) + n - 1)
    }

    /// `rabbitmqctl -n NODE args… --formatter json`, asked of the first
    /// node that answers.
    fn ctl(&self, args: &[&str]) -> serde_json::Value {
        for node in 1..=3 {
            let output = Command::new("/usr/lib/rabbitmq/bin/rabbitmqctl")
                .args(["-n", &self.node_name(node)])
                .args(args)
                .args(["--formatter", "json"])
                .env("HOME", self.dir.join("home"))
                .env("ERL_EPMD_ADDRESS", "127.0.0.1")
                .env("ERL_CRASH_DUMP", self.dir.join("erl_crash.dump"))
                .output()
                .unwrap();
            if let Ok(value) = serde_json::from_slice(&output.stdout) {
                return value;
            }
        }
        serde_json::Value::Null
    }

    /// The node each connection named `name` is connected to (by the port
    /// it connected to).
    fn nodes_of(&self, name: &str) -> Vec<usize> {
        let connections = self.ctl(&["list_connections", "name", "client_properties"]);
        connections
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["client_properties"].to_string().contains(name))
            .filter_map(|c| {
                let port: u16 = c["name"].as_str()?.rsplit(':').next()?.parse().ok()?;
                Some(usize::from(port - self.base) + 1)
            })
            .collect()
    }

    /// The node leading `queue`.
    fn leader(&self, queue: &str) -> Option<usize> {
        let queues = self.ctl(&["list_queues", "name", "leader"]);
        let leader = queues.as_array()?.iter().find(|q| q["name"] == queue)?["leader"]
            .as_str()?
            .to_owned();
        let port: usize = leader
            .strip_prefix("rpc-cluster-")?
            .split('@')
            .next()?
            .parse()
            .ok()?;
        Some(port + 1 - usize::from(self.base))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/rabbitmq-cluster"
        );
        let _ = Command::new("bash")
            .arg(script)
            .arg("down")
            .env("RPC_CLUSTER_DIR", &self.dir)
            .env("RPC_CLUSTER_PORT", self.base.to_string())
            .output();
    }
}

/// What became of the calls of a stream.
#[derive(Default, Debug)]
struct Outcomes {
    answered: usize,
    may_have_run: usize,
    other: Vec<String>,
    /// When each answer came.
    answers: Vec<Instant>,
}

/// Calls `get_active_servers(3)` (idempotent: sent again after a loss) or
/// `create_server` (not idempotent), 4 at a time, until `stop`; how many
/// calls were made, and what became of them.
async fn stream(
    urls: String,
    queue: String,
    idempotent: bool,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> (usize, Outcomes) {
    let client = DatacenterClient::new(
        AmqpTransport::new(urls.as_str(), queue.as_str()).timeout(Duration::from_secs(30)),
    );
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers = (0..4).map(|_| {
        let (client, outcomes, next) = (client.clone(), outcomes.clone(), next.clone());
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let result = if idempotent {
                    client.get_active_servers(3).await.map(|s| s.len() == 2)
                } else {
                    let new = NewServer {
                        hostname: format!("cluster-{}-{n}", std::process::id()),
                        country: 7,
                        datacenter: "k".into(),
                        active: true,
                    };
                    client.create_server(new).await.map(|s| s.country == 7)
                };
                {
                    let mut outcomes = outcomes.lock().unwrap();
                    match result {
                        Ok(true) => {
                            outcomes.answered += 1;
                            outcomes.answers.push(Instant::now());
                        }
                        Err(ClientError::Interrupted(_)) if !idempotent => {
                            outcomes.may_have_run += 1
                        }
                        other => outcomes.other.push(format!("{other:?}")),
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.unwrap();
    }
    let calls = next.load(std::sync::atomic::Ordering::Relaxed);
    (
        calls,
        Arc::try_unwrap(outcomes).unwrap().into_inner().unwrap(),
    )
}

/// The longest time without an answer in the 15 s from `since`.
fn longest_gap(answers: &[Instant], since: Instant) -> Duration {
    let until = since + Duration::from_secs(15);
    let mut times: Vec<Instant> = answers
        .iter()
        .copied()
        .filter(|t| (since..until).contains(t))
        .collect();
    times.push(since);
    times.sort();
    times
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default()
}

fn pika_calls(url: &str, queue: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pika_client.py");
    common::assert_passes(Command::new(common::pytool("python")).args([script, url, queue]));
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_have_one_outcome_through_the_loss_of_any_node() {
    let (cluster, urls) = Cluster::up(5691);
    let node_urls: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let queue = format!("datacenter-cluster-{}", std::process::id());
    let server_args = ["--amqp", &urls, "--amqp-queue", &queue];
    let _servers = [
        Served::start_with(&server_args),
        Served::start_with(&server_args),
    ];
    // Both servers consume before the stream starts.
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.nodes_of("rpc-amqp server").len() < 2 {
        assert!(Instant::now() < deadline, "the servers never connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut homes = cluster.nodes_of("rpc-amqp server");
    homes.sort_unstable();
    let started = Instant::now();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reads = tokio::spawn(stream(urls.clone(), queue.clone(), true, stop.clone()));
    let writes = tokio::spawn(stream(urls.clone(), queue.clone(), false, stop.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut kills = Vec::new();
    for victim in ["a server's node", "a client's node", "the queue's leader"] {
        let node = match victim {
            "a server's node" => cluster.nodes_of("rpc-amqp server")[0],
            "a client's node" => cluster.nodes_of("rpc-amqp client")[0],
            _ => cluster.leader(&queue).expect("the queue has a leader"),
        };
        let at = Instant::now();
        cluster.script(&["kill", &node.to_string()]);
        tokio::time::sleep(Duration::from_secs(1)).await;
        // pika, given a live node while one is down, calls the service.
        pika_calls(&node_urls[node % 3], &queue);
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.script(&["start", &node.to_string()]);
        // And given the node that came back, once it has rejoined.
        pika_calls(&node_urls[node - 1], &queue);
        kills.push((victim, node, at));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (read_calls, reads) = reads.await.unwrap();
    let (write_calls, writes) = writes.await.unwrap();
    let took = started.elapsed();
    for (victim, node, at) in &kills {
        let gap = longest_gap(&reads.answers, *at).max(longest_gap(&writes.answers, *at));
        eprintln!("killed {victim} (node {node}): longest gap without answers after it {gap:?}");
    }
    eprintln!(
        "in {took:?}: {read_calls} idempotent calls, {} answered, other {:?}; \
         {write_calls} others, {} answered, {} may have run, other {:?}",
        reads.answered, reads.other, writes.answered, writes.may_have_run, writes.other
    );
    assert!(
        reads.other.is_empty(),
        "idempotent calls failed: {:?}",
        reads.other
    );
    assert_eq!(
        reads.answered, read_calls,
        "every idempotent call is answered"
    );
    assert!(
        writes.other.is_empty(),
        "calls failed otherwise: {:?}",
        writes.other
    );
    assert_eq!(writes.answered + writes.may_have_run, write_calls);
    // The servers are back on the nodes they started on: spread again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut now = cluster.nodes_of("rpc-amqp server");
        now.sort_unstable();
        if now == homes {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "servers on {now:?}, not back on {homes:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The stream went on through every loss.
    for (victim, _, at) in &kills {
        assert!(
            reads
                .answers
                .iter()
                .any(|t| *t > *at + Duration::from_secs(1)),
            "no answer after killing {victim}"
        );
    }
    drop(cluster);
}

/// Slow work, for calls still running when their caller's node goes.
#[rpc_core::service]
pub trait Slow {
    /// Sleeps `millis`, then answers them.
    async fn slow(&self, millis: u64) -> u64;
    /// Adds.
    async fn add(&self, a: i64, b: i64) -> i64;
}

/// Counts the `slow` calls it runs.
#[derive(Default)]
struct Sleeper {
    runs: Arc<std::sync::atomic::AtomicUsize>,
}

impl Slow for Sleeper {
    async fn slow(&self, millis: u64) -> u64 {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_gone_with_its_node_costs_no_other_caller_its_answer() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let (cluster, urls) = Cluster::up(5701);
    let node_urls: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let queue = format!("slow-cluster-{}", std::process::id());
    // The server on node 1, the caller to lose on node 2, the others on
    // node 3.
    let sleeper = Sleeper::default();
    let runs = Arc::clone(&sleeper.runs);
    let server = rpc_amqp::AmqpServer::new(SlowServer::new(sleeper))
        .queue(queue.clone())
        .queue_type(rpc_amqp::QueueType::Quorum);
    tokio::spawn(server.serve_with_shutdown_owned(node_urls[0].clone(), std::future::pending()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.nodes_of("rpc-amqp server").is_empty() {
        assert!(Instant::now() < deadline, "the server never connected");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A caller that sets no expiration (as pika's tutorials do not), whose
    // calls the broker would keep for good.
    let doomed = SlowClient::new(
        AmqpTransport::new(node_urls[1].as_str(), queue.as_str()).timeout(Duration::from_secs(600)),
    );
    // Answered once: the server knows the caller's node, and answers its
    // calls on its own connection.
    assert_eq!(doomed.add(1, 1).await.unwrap(), 2);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let doomed = doomed.clone();
            tokio::spawn(async move { doomed.slow(1_000).await })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs.load(std::sync::atomic::Ordering::Relaxed) < 8 {
        assert!(Instant::now() < deadline, "the slow calls never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.script(&["kill", "2"]);
    for call in calls {
        let outcome = call.await.unwrap();
        assert!(
            matches!(outcome, Err(ClientError::Interrupted(_))),
            "a call whose caller lost its node: {outcome:?}"
        );
    }

    // While node 2 is down, another caller is answered every time, and the
    // gone caller's calls run once more (redelivered after the connection
    // their answers closed), not again and again.
    let other = SlowClient::new(
        AmqpTransport::new(node_urls[2].as_str(), queue.as_str()).timeout(Duration::from_secs(30)),
    );
    let watch = Instant::now();
    let mut answered = 0;
    while watch.elapsed() < Duration::from_secs(8) {
        assert_eq!(other.add(answered, 1).await.unwrap(), answered + 1);
        answered += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ran = runs.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "8 calls of a caller gone with its node ran {ran} times; {answered} calls of another were answered meanwhile"
    );
    assert!(ran <= 16, "the gone caller's 8 calls ran {ran} times");
    drop(cluster);
}
