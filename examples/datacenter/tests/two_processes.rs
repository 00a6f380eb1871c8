//! Two `datacenter serve` processes on one PostgreSQL database and one
//! queue: writes spread over both processes and over REST, JSON-RPC,
//! XML-RPC and AMQP are each seen at once through the other process, and
//! the table ends as expected.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use datacenter::{Change, DatacenterClient, NewServer, Server, ServerChanges, ServerEvent};
use futures_util::StreamExt;
use rpc_amqp::AmqpTransport;
use rpc_core::{ClientError, Transport};
use rpc_http::client::{JsonRpcTransport, RestTransport, WebSocketTransport, XmlRpcTransport};

use common::Served;
use common::postgres::{Database, open_postgres};

fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// One process's clients, one per protocol (AMQP reaches either process).
struct Clients {
    rest: DatacenterClient<RestTransport>,
    jsonrpc: DatacenterClient<JsonRpcTransport>,
    xmlrpc: DatacenterClient<XmlRpcTransport>,
    amqp: DatacenterClient<AmqpTransport>,
}

impl Clients {
    fn of(served: &Served, queue: &str) -> Self {
        Self {
            rest: DatacenterClient::new(RestTransport::new(&served.url).unwrap()),
            jsonrpc: DatacenterClient::new(
                JsonRpcTransport::new(&format!("{}/jsonrpc", served.url)).unwrap(),
            ),
            xmlrpc: DatacenterClient::new(
                XmlRpcTransport::new(&format!("{}/RPC2", served.url)).unwrap(),
            ),
            amqp: DatacenterClient::new(AmqpTransport::new(amqp_url(), queue)),
        }
    }
}

/// `datacenter serve` on the database at `url`, consuming `queue`.
async fn serve_on(url: &str, queue: &str) -> Served {
    let (url, queue) = (url.to_owned(), queue.to_owned());
    tokio::task::spawn_blocking(move || {
        Served::start_with(&[
            "--database",
            &url,
            "--amqp",
            &amqp_url(),
            "--amqp-queue",
            &queue,
        ])
    })
    .await
    .unwrap()
}

/// A write through the protocol numbered `protocol`.
async fn write<T: Transport>(
    client: &DatacenterClient<T>,
    step: usize,
    expected: &mut BTreeMap<u32, Server>,
    changes: &mut Vec<ServerEvent>,
) -> Result<(), ClientError> {
    let ids: Vec<u32> = expected.keys().copied().collect();
    match step % 5 {
        // Delete one made earlier (the fixture stays).
        4 if ids.len() > 5 => {
            let id = ids[5 + step % (ids.len() - 5)];
            client.delete_server(id).await?;
            let removed = expected.remove(&id).expect("a server of the table");
            changes.push(ServerEvent {
                change: Change::Deleted,
                server: removed,
            });
        }
        // Change one.
        2 | 3 if ids.len() > 5 => {
            let id = ids[5 + step % (ids.len() - 5)];
            let update = ServerChanges {
                active: Some(step.is_multiple_of(2)),
                datacenter: Some(format!("dc-{step}")),
                ..Default::default()
            };
            let changed = client.update_server(id, update).await?;
            changes.push(ServerEvent {
                change: Change::Updated,
                server: changed.clone(),
            });
            expected.insert(id, changed);
        }
        _ => {
            let new = NewServer {
                hostname: format!("host-{step}"),
                country: 1000 + (step % 7) as u32,
                datacenter: "dc".into(),
                active: true,
            };
            let made = client.create_server(new).await?;
            changes.push(ServerEvent {
                change: Change::Created,
                server: made.clone(),
            });
            expected.insert(made.id, made);
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_see_each_others_writes() {
    let database = Database::new("two");
    // Migrated and seeded once, before either process starts.
    open_postgres(&database.url).await;
    let queue = format!("datacenter-two-{}", std::process::id());
    let (a, b) = tokio::join!(
        serve_on(&database.url, &queue),
        serve_on(&database.url, &queue)
    );
    let processes = [Clients::of(&a, &queue), Clients::of(&b, &queue)];
    // Both consume the queue once AMQP calls get through, and both hear
    // the exchange of changes once a change made through one reaches each.
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while processes[0].amqp.get_server(1).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let probe = ServerChanges {
            active: Some(true),
            ..Default::default()
        };
        for process in &processes {
            let mut heard = process.rest.watch_servers(None).await.unwrap();
            loop {
                processes[0]
                    .rest
                    .update_server(1, probe.clone())
                    .await
                    .unwrap();
                let next = tokio::time::timeout(Duration::from_millis(300), heard.next());
                if next.await.is_ok() {
                    break;
                }
            }
        }
    });
    ready
        .await
        .expect("both processes serve the queue and hear the exchange");

    let mut expected: BTreeMap<u32, Server> = processes[0]
        .rest
        .list_servers(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    assert_eq!(expected.len(), 5);
    // A WebSocket subscriber on one process, Server-Sent Events on the other.
    let ws = DatacenterClient::new(
        WebSocketTransport::new(&format!("{}/ws", a.url.replacen("http://", "ws://", 1))).unwrap(),
    );
    let heard_on_a = ws.watch_servers(None).await.unwrap();
    let heard_on_b = processes[1].rest.watch_servers(None).await.unwrap();
    let mut changes = Vec::new();
    for step in 0..200 {
        let (this, other) = (&processes[step % 2], &processes[(step + 1) % 2]);
        let written = match (step / 2) % 4 {
            0 => write(&this.rest, step, &mut expected, &mut changes).await,
            1 => write(&this.jsonrpc, step, &mut expected, &mut changes).await,
            2 => write(&this.xmlrpc, step, &mut expected, &mut changes).await,
            _ => write(&this.amqp, step, &mut expected, &mut changes).await,
        };
        written.unwrap_or_else(|err| panic!("step {step}: {err}"));
        // Read at once through the other process.
        let seen = other.rest.list_servers(None, None).await.unwrap();
        assert_eq!(
            seen,
            expected.values().cloned().collect::<Vec<_>>(),
            "step {step}: the other process reads another table"
        );
    }
    for process in &processes {
        let table = process.jsonrpc.list_servers(None, None).await.unwrap();
        assert_eq!(table, expected.values().cloned().collect::<Vec<_>>());
    }
    // 80 made, 40 deleted, beside the fixture's five.
    assert_eq!(expected.len(), 45);
    // Each subscriber heard every change, made through either process, in
    // the order they were made, none twice.
    assert_eq!(changes.len(), 200);
    for (place, heard) in [("A over a WebSocket", heard_on_a), ("B as SSE", heard_on_b)] {
        let heard: Vec<ServerEvent> = tokio::time::timeout(
            Duration::from_secs(20),
            heard
                .take(200)
                .map(|event| event.unwrap())
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|_| panic!("{place}: not every change was heard"));
        assert_eq!(heard, changes, "{place}");
    }
}

/// Process A is killed (SIGKILL) with writes in flight through it: every
/// write it acknowledged is in the database (one it did not acknowledge may
/// or may not be), B keeps serving, and B's subscriber hears every
/// acknowledged change, A's before the kill and B's after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_loses_no_acknowledged_write() {
    let database = Database::new("kill");
    open_postgres(&database.url).await;
    let queue = format!("datacenter-kill-{}", std::process::id());
    let mut a = serve_on(&database.url, &queue).await;
    let b = serve_on(&database.url, &queue).await;
    let (on_a, on_b) = (Clients::of(&a, &queue), Clients::of(&b, &queue));
    // B hears the exchange once a change made through A reaches it.
    let mut heard = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let mut heard = on_b.rest.watch_servers(None).await.unwrap();
            let probe = ServerChanges {
                active: Some(true),
                ..Default::default()
            };
            on_a.rest.update_server(1, probe).await.unwrap();
            if let Ok(Some(Ok(_))) =
                tokio::time::timeout(Duration::from_millis(300), heard.next()).await
            {
                return heard;
            }
        }
    })
    .await
    .expect("B hears the changes made through A");

    // Four writers through A, over REST and JSON-RPC, until A is gone.
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let url = a.url.clone();
            tokio::spawn(async move {
                let rest = DatacenterClient::new(RestTransport::new(&url).unwrap());
                let jsonrpc = DatacenterClient::new(
                    JsonRpcTransport::new(&format!("{url}/jsonrpc")).unwrap(),
                );
                let (mut acknowledged, mut attempted) = (Vec::new(), Vec::new());
                for i in 0.. {
                    let new = NewServer {
                        hostname: format!("kill-{writer}-{i}"),
                        country: 77,
                        datacenter: "dc".into(),
                        active: true,
                    };
                    attempted.push(new.hostname.clone());
                    let made = if writer % 2 == 0 {
                        rest.create_server(new).await
                    } else {
                        jsonrpc.create_server(new).await
                    };
                    match made {
                        Ok(made) => acknowledged.push(made),
                        Err(ClientError::Rpc(err)) => panic!("A refused a write: {err}"),
                        // A is gone.
                        Err(_) => break,
                    }
                }
                (acknowledged, attempted)
            })
        })
        .collect();
    // Killed mid-run: once it has written some, with four writes in flight.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while on_b.rest.list_servers(Some(77), None).await.unwrap().len() < 40 {
        assert!(std::time::Instant::now() < deadline, "A does not write");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let (mut acknowledged, mut attempted) = (Vec::new(), Vec::new());
    for writer in writers {
        let (made, tried) = writer.await.unwrap();
        acknowledged.extend(made);
        attempted.extend(tried);
    }
    // 40 committed before the kill, of which at most the four in flight
    // were not acknowledged.
    assert!(acknowledged.len() >= 36, "{}", acknowledged.len());
    // B goes on serving writes.
    for i in 0..20 {
        let new = NewServer {
            hostname: format!("after-{i}"),
            country: 77,
            datacenter: "dc".into(),
            active: true,
        };
        acknowledged.push(on_b.rest.create_server(new.clone()).await.unwrap());
        attempted.push(new.hostname);
    }

    let table = on_b.jsonrpc.list_servers(Some(77), None).await.unwrap();
    for made in &acknowledged {
        assert!(
            table.contains(made),
            "the acknowledged {made:?} is not in the database"
        );
    }
    for server in &table {
        assert!(attempted.contains(&server.hostname), "{server:?}");
    }
    // Every acknowledged change is heard (and a change A committed but
    // could not acknowledge may be too), each once.
    let mut heard_made = Vec::new();
    let is_heard = |heard_made: &Vec<Server>| acknowledged.iter().all(|m| heard_made.contains(m));
    while !is_heard(&heard_made) {
        let event = tokio::time::timeout(Duration::from_secs(10), heard.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "B's subscriber heard {} of {} acknowledged changes",
                    heard_made.len(),
                    acknowledged.len()
                )
            })
            .unwrap()
            .unwrap();
        if event.change == Change::Created {
            assert!(!heard_made.contains(&event.server), "heard twice");
            assert!(table.contains(&event.server), "{event:?}");
            heard_made.push(event.server);
        }
    }
}
