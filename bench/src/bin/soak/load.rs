//! The soak's load: well-formed calls on every protocol, each answer
//! checked, and a steady share of hostile clients, each expected to get its
//! protocol's error or to be cut off at a bound.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use datacenter::DatacenterClient;
use rpc_amqp::AmqpTransport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use crate::http::{Answer, Connection};

/// The protocols the soak counts calls of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Rest,
    JsonRpc,
    XmlRpc,
    Amqp,
    WebSocket,
    /// Items pushed to subscribers (WebSocket, Server-Sent Events).
    Push,
    Hostile,
}

impl Protocol {
    pub const ALL: [Protocol; 7] = [
        Protocol::Rest,
        Protocol::JsonRpc,
        Protocol::XmlRpc,
        Protocol::Amqp,
        Protocol::WebSocket,
        Protocol::Push,
        Protocol::Hostile,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Rest => "REST",
            Protocol::JsonRpc => "JSON-RPC",
            Protocol::XmlRpc => "XML-RPC",
            Protocol::Amqp => "AMQP",
            Protocol::WebSocket => "WebSocket",
            Protocol::Push => "pushed",
            Protocol::Hostile => "hostile",
        }
    }
}

/// What became of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The answer it should have.
    Ok,
    /// A hostile request answered with its protocol's error, as it should.
    Refused,
    /// A hostile client cut off at a bound, as it should.
    CutOff,
    /// Anything else: a wrong answer, a lost call.
    Wrong,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Refused,
        Outcome::CutOff,
        Outcome::Wrong,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::CutOff => "cut off",
            Outcome::Wrong => "wrong",
        }
    }
}

/// The counts of outcomes by protocol, and the first wrong answers.
#[derive(Default)]
pub struct Tally {
    counts: [[AtomicU64; 4]; 7],
    wrong: Mutex<Vec<String>>,
}

impl Tally {
    pub fn add(&self, protocol: Protocol, outcome: Outcome) {
        self.counts[protocol as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn wrong(&self, protocol: Protocol, what: String) {
        self.add(protocol, Outcome::Wrong);
        let mut wrong = self.wrong.lock().unwrap();
        if wrong.len() < 20 {
            wrong.push(format!("{}: {what}", protocol.name()));
        }
    }

    pub fn count(&self, protocol: Protocol, outcome: Outcome) -> u64 {
        self.counts[protocol as usize][outcome as usize].load(Ordering::Relaxed)
    }

    /// Every call of `protocol` so far.
    pub fn calls(&self, protocol: Protocol) -> u64 {
        Outcome::ALL.iter().map(|o| self.count(protocol, *o)).sum()
    }

    pub fn wrong_answers(&self) -> Vec<String> {
        self.wrong.lock().unwrap().clone()
    }

    /// Counts `answer` as `outcome` when `check` holds, else as wrong.
    fn check(
        &self,
        protocol: Protocol,
        what: &str,
        answer: std::io::Result<Answer>,
        outcome: Outcome,
        check: impl FnOnce(&Answer) -> bool,
    ) -> bool {
        match answer {
            Ok(answer) if check(&answer) => {
                self.add(protocol, outcome);
                true
            }
            Ok(answer) => {
                let text: String = answer.text().chars().take(300).collect();
                self.wrong(protocol, format!("{what}: {} {text}", answer.status));
                true
            }
            Err(err) => {
                self.wrong(protocol, format!("{what}: {err}"));
                false
            }
        }
    }
}

/// Whether the soak is over.
pub type Stop = watch::Receiver<bool>;

pub fn stopped(stop: &Stop) -> bool {
    *stop.borrow()
}

fn ids(value: &serde_json::Value) -> Vec<u64> {
    value
        .as_array()
        .map(|servers| servers.iter().filter_map(|s| s["id"].as_u64()).collect())
        .unwrap_or_default()
}

const JSON: Option<&str> = Some("application/json");
const XML: Option<&str> = Some("text/xml");

/// Runs `round` on a kept-alive connection until the soak stops; a round
/// gives the connection back to go on, or `None` when it broke (a new one
/// is then opened).
async fn on_connection<F, Fut>(
    addr: &str,
    stop: Stop,
    tally: &Tally,
    protocol: Protocol,
    mut round: F,
) where
    F: FnMut(Connection) -> Fut,
    Fut: Future<Output = Option<Connection>>,
{
    while !stopped(&stop) {
        let mut connection = match Connection::open(addr).await {
            Ok(connection) => connection,
            Err(err) => {
                tally.wrong(protocol, format!("cannot connect: {err}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        while !stopped(&stop) {
            match round(connection).await {
                Some(kept) => connection = kept,
                None => break,
            }
        }
    }
}

/// REST reads: the active servers of a country, one server, a missing one.
pub async fn rest_reads(addr: String, stop: Stop, tally: &'static Tally) {
    let p = Protocol::Rest;
    on_connection(&addr, stop, tally, p, |mut conn| async move {
        let live = async {
            let c = &mut conn;
            let answer = c.call("GET", "/country/3/server/active", None, b"").await;
            let live = tally.check(p, "GET active", answer, Outcome::Ok, |a| {
                a.status == 200 && a.json().is_some_and(|v| ids(&v) == [1, 2])
            });
            let answer = c.call("GET", "/servers/1", None, b"").await;
            let live = live
                && tally.check(p, "GET /servers/1", answer, Outcome::Ok, |a| {
                    a.status == 200 && a.json().is_some_and(|v| v["id"] == 1)
                });
            let answer = c.call("GET", "/servers/4000000000", None, b"").await;
            live && tally.check(p, "GET missing", answer, Outcome::Ok, |a| {
                a.status == 404 && a.content_type == "application/problem+json"
            })
        }
        .await;
        live.then_some(conn)
    })
    .await;
}

/// REST writes: create, change, delete, and find it gone.
pub async fn rest_writes(addr: String, stop: Stop, tally: &'static Tally, worker: usize) {
    let p = Protocol::Rest;
    let mut n = 0u64;
    on_connection(&addr, stop, tally, p, |mut conn| {
        n += 1;
        let n = n;
        async move {
            let live = async {
                let c = &mut conn;
                let new = format!(
                    r#"{{"hostname":"soak-{worker}-{n}","country":7000,"datacenter":"soak"}}"#
                );
                let answer = c.call("POST", "/servers", JSON, new.as_bytes()).await;
                let mut id = 0;
                let live = tally.check(p, "POST /servers", answer, Outcome::Ok, |a| {
                    id = a.json().and_then(|v| v["id"].as_u64()).unwrap_or(0);
                    a.status == 201 && id > 0
                });
                if !live || id == 0 {
                    return live;
                }
                let path = format!("/servers/{id}");
                let answer = c.call("PATCH", &path, JSON, br#"{"active":false}"#).await;
                let live = tally.check(p, "PATCH", answer, Outcome::Ok, |a| {
                    a.status == 200 && a.json().is_some_and(|v| v["active"] == false)
                });
                let answer = c.call("DELETE", &path, None, b"").await;
                let live =
                    live && tally.check(p, "DELETE", answer, Outcome::Ok, |a| a.status == 204);
                let answer = c.call("GET", &path, None, b"").await;
                live && tally.check(p, "GET deleted", answer, Outcome::Ok, |a| a.status == 404)
            }
            .await;
            live.then_some(conn)
        }
    })
    .await;
}

/// JSON-RPC: a single call, and a batch with a success, an error and a
/// notification.
pub async fn jsonrpc(addr: String, stop: Stop, tally: &'static Tally) {
    let p = Protocol::JsonRpc;
    let single = br#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#;
    let batch = br#"[{"jsonrpc":"2.0","method":"get_server","params":[1],"id":1},
        {"jsonrpc":"2.0","method":"get_server","params":{"id":4000000000},"id":2},
        {"jsonrpc":"2.0","method":"get_server","params":[1]},
        {"jsonrpc":"2.0","method":"list_servers","params":[3, false],"id":3}]"#;
    on_connection(&addr, stop, tally, p, |mut conn| async move {
        let live = async {
            let c = &mut conn;
            let answer = c.call("POST", "/jsonrpc", JSON, single).await;
            let live = tally.check(p, "single call", answer, Outcome::Ok, |a| {
                a.status == 200 && a.json().is_some_and(|v| ids(&v["result"]) == [1, 2])
            });
            let answer = c.call("POST", "/jsonrpc", JSON, batch).await;
            live && tally.check(p, "batch", answer, Outcome::Ok, |a| {
                let Some(serde_json::Value::Array(answers)) = a.json() else {
                    return false;
                };
                let by_id = |id: u64| answers.iter().find(|r| r["id"] == id);
                answers.len() == 3
                    && by_id(1).is_some_and(|r| r["result"]["id"] == 1)
                    && by_id(2).is_some_and(|r| r["error"]["code"] == 404)
                    && by_id(3).is_some_and(|r| ids(&r["result"]) == [3])
            })
        }
        .await;
        live.then_some(conn)
    })
    .await;
}

fn xml_call(method: &str, params: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>{params}</params></methodCall>"
    )
}

/// XML-RPC: a call, and a multicall with a success and a fault.
pub async fn xmlrpc(addr: String, stop: Stop, tally: &'static Tally) {
    let p = Protocol::XmlRpc;
    let call: &'static str =
        xml_call("get_server", "<param><value><int>2</int></value></param>").leak();
    let multicall: &'static str = xml_call(
        "system.multicall",
        "<param><value><array><data>\
         <value><struct><member><name>methodName</name><value>get_server</value></member>\
         <member><name>params</name><value><array><data><value><int>1</int></value></data></array></value></member></struct></value>\
         <value><struct><member><name>methodName</name><value>get_server</value></member>\
         <member><name>params</name><value><array><data><value><i8>4000000000</i8></value></data></array></value></member></struct></value>\
         </data></array></value></param>",
    ).leak();
    on_connection(&addr, stop, tally, p, |mut conn| async move {
        let live = async {
            let c = &mut conn;
            let answer = c.call("POST", "/RPC2", XML, call.as_bytes()).await;
            let live = tally.check(p, "call", answer, Outcome::Ok, |a| {
                let text = a.text();
                a.status == 200 && !text.contains("<fault>") && text.contains("us-east-1b")
            });
            let answer = c.call("POST", "/RPC2", XML, multicall.as_bytes()).await;
            live && tally.check(p, "multicall", answer, Outcome::Ok, |a| {
                let text = a.text();
                a.status == 200
                    && text.contains("us-east-1a")
                    && text.contains("faultCode")
                    && text.contains("server 4000000000 not found")
            })
        }
        .await;
        live.then_some(conn)
    })
    .await;
}

/// AMQP: the typed client over RabbitMQ, a success and an application error.
pub async fn amqp(url: String, queue: String, stop: Stop, tally: &'static Tally) {
    let p = Protocol::Amqp;
    let client = DatacenterClient::new(
        AmqpTransport::new(&url, queue.as_str()).timeout(Duration::from_secs(30)),
    );
    while !stopped(&stop) {
        match client.get_active_servers(3).await {
            Ok(servers) if servers.iter().map(|s| s.id).eq([1, 2]) => {
                tally.add(p, Outcome::Ok);
            }
            other => tally.wrong(p, format!("get_active_servers: {other:?}")),
        }
        match client.get_server(4_000_000_000).await {
            Err(err) if err.rpc().is_some_and(|e| e.code() == 404) => tally.add(p, Outcome::Ok),
            other => tally.wrong(p, format!("get_server(missing): {other:?}")),
        }
    }
}

/// Hostile clients, one after another on a new connection each: oversized,
/// malformed and unknown calls get their protocol's error; a request dropped
/// mid-body, a client that stops reading its answers and one that dribbles
/// its headers are cut off.
pub async fn hostile(addr: String, stop: Stop, tally: &'static Tally, run_for: Duration) {
    let p = Protocol::Hostile;
    let started = std::time::Instant::now();
    let mut stuck = tokio::task::JoinSet::new();
    let mut last_stuck: Option<std::time::Instant> = None;
    let mut case = 0usize;
    while !stopped(&stop) {
        // A slow reader and a dribbler every 30 s, while the soak lasts long
        // enough to see them cut off (by the 30 s send and header timeouts).
        let left = run_for.saturating_sub(started.elapsed());
        if left > Duration::from_secs(50)
            && last_stuck.is_none_or(|t| t.elapsed() > Duration::from_secs(30))
        {
            last_stuck = Some(std::time::Instant::now());
            stuck.spawn(slow_reader(addr.clone(), tally));
            stuck.spawn(dribbler(addr.clone(), tally));
        }
        case += 1;
        let Ok(mut c) = Connection::open(&addr).await else {
            tally.wrong(p, "cannot connect".into());
            continue;
        };
        match case % 6 {
            0 => {
                let body = vec![b' '; 3 << 20];
                let answer = c.call("POST", "/jsonrpc", JSON, &body).await;
                tally.check(p, "oversized", answer, Outcome::Refused, |a| {
                    a.status == 413 && a.content_type == "application/problem+json"
                });
            }
            1 => {
                let answer = c
                    .call("POST", "/jsonrpc", JSON, br#"{"jsonrpc":"2.0","#)
                    .await;
                tally.check(p, "malformed JSON", answer, Outcome::Refused, |a| {
                    a.json().is_some_and(|v| v["error"]["code"] == -32700)
                });
            }
            2 => {
                let body = b"<methodCall><methodName>get_server</methodCall>";
                let answer = c.call("POST", "/RPC2", XML, body).await;
                tally.check(p, "malformed XML", answer, Outcome::Refused, |a| {
                    a.text().contains("<int>-32700</int>")
                });
            }
            3 => {
                let body = br#"{"jsonrpc":"2.0","method":"no_such_method","id":1}"#;
                let answer = c.call("POST", "/jsonrpc", JSON, body).await;
                tally.check(p, "unknown method", answer, Outcome::Refused, |a| {
                    a.json().is_some_and(|v| v["error"]["code"] == -32601)
                });
            }
            4 => {
                let answer = c.call("GET", "/servers/abc", None, b"").await;
                tally.check(p, "bad path param", answer, Outcome::Refused, |a| {
                    a.status == 400 && a.content_type == "application/problem+json"
                });
            }
            _ => {
                // Half a body, then gone.
                let head = "POST /jsonrpc HTTP/1.1\r\nhost: soak\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                let sent = c.stream().write_all(head.as_bytes()).await;
                let sent = sent.and(c.stream().write_all(&[b'{'; 100]).await);
                drop(c);
                match sent {
                    Ok(()) => tally.add(p, Outcome::CutOff),
                    Err(err) => tally.wrong(p, format!("dropped mid-request: {err}")),
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stuck.join_all().await;
}

/// Whether the server ends `connection` within `within`: reads (and
/// discards) until it is closed.
async fn closed_within(connection: &mut Connection, within: Duration) -> bool {
    let mut sink = Vec::new();
    let read = connection.stream().read_to_end(&mut sink);
    matches!(tokio::time::timeout(within, read).await, Ok(Ok(_) | Err(_)))
}

/// Asks for many large answers and reads none; the server must cut it off
/// once its writes have waited for the send timeout (30 s).
async fn slow_reader(addr: String, tally: &Tally) {
    let p = Protocol::Hostile;
    let Ok(mut c) = Connection::open(&addr).await else {
        return tally.wrong(p, "slow reader: cannot connect".into());
    };
    let batch = format!(
        "[{}]",
        vec![r#"{"jsonrpc":"2.0","method":"list_servers","id":1}"#; 100].join(",")
    );
    let request = format!(
        "POST /jsonrpc HTTP/1.1\r\nhost: soak\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{batch}",
        batch.len()
    );
    // Its writes block once the server stops reading (its own writes wait
    // for this client), and fail once the server has cut it off.
    let cut = tokio::time::timeout(Duration::from_secs(45), async {
        while c.stream().write_all(request.as_bytes()).await.is_ok() {}
    });
    if cut.await.is_ok() {
        tally.add(p, Outcome::CutOff);
    } else {
        tally.wrong(p, "a client that stopped reading was not cut off".into());
    }
}

/// Sends half its headers and stops; the server must cut it off at the
/// header-read timeout (30 s).
async fn dribbler(addr: String, tally: &Tally) {
    let p = Protocol::Hostile;
    let Ok(mut c) = Connection::open(&addr).await else {
        return tally.wrong(p, "dribbler: cannot connect".into());
    };
    let _ = c
        .stream()
        .write_all(b"GET /servers HTTP/1.1\r\nhost: so")
        .await;
    if closed_within(&mut c, Duration::from_secs(45)).await {
        tally.add(p, Outcome::CutOff);
    } else {
        tally.wrong(
            p,
            "a client that dribbled its headers was not cut off".into(),
        );
    }
}
