//! Two server processes on one queue share the calls, and killing one while
//! calls are in flight loses none: the broker redelivers what it had not
//! acknowledged to the other.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{WorkClient, WorkServer, Worker, queue, url, wait_for_consumers};
use rpc_amqp::{AmqpServer, AmqpTransport};

const CHILD_QUEUE: &str = "RPC_AMQP_TEST_CHILD_QUEUE";

/// Not a test: the server process that the scale-out test starts by running
/// this test binary again with `--ignored --exact child_process_server`.
#[test]
#[ignore = "a server process of scale_out, started by it"]
fn child_process_server() {
    let queue = std::env::var(CHILD_QUEUE).expect("started by the scale-out test");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = AmqpServer::new(WorkServer::new(Worker::default()))
        .queue(queue)
        .prefetch(4);
    runtime.block_on(server.serve(&url())).unwrap();
}

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(queue: &str) -> ServerProcess {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_process_server",
            "--nocapture",
        ])
        .env(CHILD_QUEUE, queue)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    ServerProcess(child)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_share_a_queue_and_a_killed_one_loses_no_call() {
    let name = queue("scale-out");
    let mut first = start_server(&name);
    let second = start_server(&name);
    wait_for_consumers(&name, 2).await;
    let (first_pid, second_pid) = (first.0.id(), second.0.id());

    let client = WorkClient::new(AmqpTransport::new(url(), name).timeout(Duration::from_secs(30)));
    let (answered, mut answers) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..40 {
        let client = client.clone();
        let answered = answered.clone();
        tokio::spawn(async move {
            let _ = answered.send(client.work(300).await);
        });
    }
    drop(answered);
    // The first server dies as soon as it has answered a call: it then
    // holds more in flight (4, by its prefetch), with most still queued.
    // (A fixed pause before the kill was too short on a slow machine.)
    let mut served_by = Vec::new();
    let mut killed = false;
    while let Some(answer) = answers.recv().await {
        let pid = answer.expect("every call gets its answer");
        served_by.push(pid);
        if pid == first_pid && !killed {
            first.0.kill().unwrap();
            first.0.wait().unwrap();
            killed = true;
        }
    }
    assert_eq!(served_by.len(), 40);
    assert!(
        served_by.contains(&first_pid),
        "the first server served some calls before it died"
    );
    assert!(
        served_by.contains(&second_pid),
        "the second server served calls"
    );
    let after_death = served_by.iter().filter(|&&pid| pid == second_pid).count();
    assert!(
        after_death > 20,
        "the survivor served the rest: {served_by:?}"
    );
}
