//! The inventory in SQL: SQLite embedded (in memory and in a file) and
//! PostgreSQL (the machine's, `$RPC_POSTGRES_URL` or
//! `postgres://postgres@127.0.0.1:5432`, which the test command makes
//! sure of), each test on a database of its own, dropped at the end.

mod common;

use std::time::Duration;

use datacenter::DatacenterClient;
use datacenter::{
    Datacenter, DatacenterError, Inventory, NewServer, ServerChanges, SqlStore, Store,
};
use rpc_core::ClientError;
use rpc_http::client::RestTransport;

use common::postgres::{Database, PostgresNode, open_postgres};
use common::{Served, curl, json, jsonrpc};

fn new_server(hostname: &str, country: u32) -> NewServer {
    NewServer {
        hostname: hostname.into(),
        country,
        datacenter: "dc1".into(),
        active: true,
    }
}

/// What every store must do, whatever keeps it.
async fn behaves_as_the_inventory<S: Store>(inventory: &Inventory<S>) {
    let context = || rpc_core::Context::new(rpc_core::Protocol::Local);
    let ids = |servers: Vec<datacenter::Server>| servers.iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(inventory.get_active_servers(3).await.unwrap()), [1, 2]);
    assert_eq!(
        ids(inventory.list_servers(Some(3), None).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        ids(inventory.list_servers(None, Some(false)).await.unwrap()),
        [3]
    );
    let made = inventory
        .create_server(context(), new_server("ap-south-1a", 91))
        .await
        .unwrap();
    assert_eq!(made.id, 6);
    // The database refuses a second server of that name: a conflict.
    let again = inventory
        .create_server(context(), new_server("ap-south-1a", 91))
        .await;
    assert_eq!(again, Err(DatacenterError::Conflict("ap-south-1a".into())));
    let renamed = inventory
        .update_server(
            6,
            ServerChanges {
                hostname: Some("us-east-1a".into()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(renamed, Err(DatacenterError::Conflict("us-east-1a".into())));
    let changed = inventory
        .update_server(
            6,
            ServerChanges {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!changed.active && changed.hostname == "ap-south-1a");
    inventory.delete_server(6).await.unwrap();
    assert_eq!(
        inventory.get_server(6).await,
        Err(DatacenterError::NotFound(6))
    );
    assert_eq!(
        inventory.delete_server(6).await,
        Err(DatacenterError::NotFound(6))
    );
    // An id is never given twice, even after the last server went
    // (PostgreSQL may skip some: a refused insert used one).
    let next = inventory
        .create_server(context(), new_server("ap-south-1b", 91))
        .await
        .unwrap();
    assert!(next.id > made.id, "{next:?} after {made:?}");
}

#[tokio::test]
async fn sqlite_in_memory_behaves_as_the_inventory() {
    let store = SqlStore::open("sqlite::memory:").await.unwrap();
    behaves_as_the_inventory(&Inventory::new(store)).await;
}

/// Calls cancelled mid-query (a timeout, a client gone) make the pool drop
/// their connection: the database in memory must survive it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_in_memory_survives_calls_cancelled_mid_query() {
    let store = std::sync::Arc::new(SqlStore::open("sqlite::memory:").await.unwrap());
    for round in 0..40u64 {
        let queries: Vec<_> = (0..50)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move { store.list(None, None).await })
            })
            .collect();
        // Cancelled while waiting for the connection, or in the middle.
        tokio::time::sleep(Duration::from_micros(100 * (round % 10))).await;
        for query in queries {
            query.abort();
        }
    }
    let servers = store.list(None, None).await.unwrap();
    assert_eq!(servers.len(), 5, "{servers:?}");
}

#[tokio::test]
async fn the_map_in_memory_behaves_as_the_inventory() {
    behaves_as_the_inventory(&Inventory::default()).await;
}

#[tokio::test]
async fn a_sqlite_file_keeps_the_inventory_and_is_seeded_once() {
    let dir = std::env::temp_dir().join(format!("datacenter-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("inventory.db").display());
    let store = SqlStore::open(&url).await.unwrap();
    store
        .delete(1)
        .await
        .unwrap()
        .expect("the fixture's server 1");
    store.create(new_server("kept-1", 1)).await.unwrap();
    drop(store);
    let store = SqlStore::open(&url).await.unwrap();
    let hostnames: Vec<String> = store
        .list(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.hostname)
        .collect();
    assert_eq!(
        hostnames,
        [
            "us-east-1b",
            "us-west-2a",
            "eu-central-1a",
            "eu-west-1a",
            "kept-1"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_database_url_says_what_to_give() {
    let err = SqlStore::open("mysql://localhost/x").await.unwrap_err();
    assert!(err.to_string().contains("sqlite::memory:"), "{err}");
}

#[tokio::test]
async fn postgres_is_created_migrated_seeded_once_and_behaves_as_the_inventory() {
    let database = Database::new("store");
    let store = open_postgres(&database.url).await;
    behaves_as_the_inventory(&Inventory::new(store)).await;
    // Opened again (a second process, a restart): migrated already, and
    // its servers are not seeded a second time.
    let again = open_postgres(&database.url).await;
    let servers = again.list(None, None).await.unwrap();
    assert_eq!(servers.len(), 6, "{servers:?}");
}

/// PostgreSQL stops for a few seconds while calls keep coming: the calls
/// that need it are internal errors in their protocol's form, the others
/// go on, none hangs, and all works again once it is back. The server is
/// the test's own (the machine's is left alone).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_stops_is_an_internal_error_in_every_protocol_until_it_is_back() {
    let node = tokio::task::spawn_blocking(PostgresNode::start)
        .await
        .unwrap();
    let url = node.url("datacenter");
    let served = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || Served::start_with(&["--no-amqp", "--database", &url]))
            .await
            .unwrap()
    };
    let base = served.url.clone();
    let rest = |path: &'static str| {
        let base = base.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                curl(&["--max-time", "10", &format!("{base}{path}")])
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(rest("/servers/1").await.0, 200);

    // A stream of calls through the typed client all along: each gets an
    // answer (the server, or an internal error) within the pool's bound.
    let client = DatacenterClient::new(RestTransport::new(&base).unwrap());
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let stream = tokio::spawn({
        let running = std::sync::Arc::clone(&running);
        async move {
            let (mut ok, mut refused) = (0u32, 0u32);
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                let started = std::time::Instant::now();
                match client.get_server(1).await {
                    Ok(server) => {
                        assert_eq!(server.id, 1);
                        ok += 1;
                    }
                    Err(ClientError::Rpc(err)) => {
                        assert_eq!(err.code(), -32603, "{err:?}");
                        assert!(err.message().contains("database is unavailable"), "{err:?}");
                        refused += 1;
                    }
                    Err(other) => panic!("not an answer: {other}"),
                }
                assert!(started.elapsed() < Duration::from_secs(8), "a call hung");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (ok, refused)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let node = tokio::task::spawn_blocking(move || {
        node.stop();
        node
    })
    .await
    .unwrap();
    let stopped = std::time::Instant::now();

    let (status, body) = rest("/servers/1").await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("database is unavailable"), "{body}");
    assert!(
        !body.to_lowercase().contains("select"),
        "no SQL leaks: {body}"
    );
    let b = base.clone();
    let (_, body) = tokio::task::spawn_blocking(move || {
        jsonrpc(
            &b,
            r#"{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1}"#,
        )
    })
    .await
    .unwrap();
    assert_eq!(json(&body)["error"]["code"], -32603, "{body}");
    let b = base.clone();
    let (_, body) = tokio::task::spawn_blocking(move || {
        curl(&[
            &format!("{b}/RPC2"),
            "-H",
            "content-type: text/xml",
            "-d",
            "<?xml version=\"1.0\"?><methodCall><methodName>get_server</methodName><params><param><value><int>1</int></value></param></params></methodCall>",
        ])
    })
    .await
    .unwrap();
    assert!(
        body.contains("<name>faultCode</name><value><int>-32603</int>"),
        "{body}"
    );
    // What needs no database goes on.
    assert_eq!(rest("/openapi.json").await.0, 200);

    // A few seconds down, then back: the pool connects again by itself.
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(stopped.elapsed())).await;
    let node = tokio::task::spawn_blocking(move || {
        node.resume();
        node
    })
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = rest("/servers/1").await;
        if status == 200 {
            assert_eq!(json(&body)["id"], 1);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not recover: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Writes too.
    let b = base.clone();
    let (status, body) = tokio::task::spawn_blocking(move || {
        curl(&[
            &format!("{b}/servers"),
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"hostname":"after-the-outage","country":5,"datacenter":"dc"}"#,
        ])
    })
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let (ok, refused) = stream.await.unwrap();
    assert!(ok > 0 && refused > 0, "ok {ok}, refused {refused}");
    drop(served);
    drop(node);
}
