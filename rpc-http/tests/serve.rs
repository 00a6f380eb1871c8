//! `rpc_http::serve` over real sockets: slow clients are cut off, and a
//! graceful shutdown answers every call it has accepted.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use rpc_core::RpcError;
use rpc_http::RpcRouter;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// Sleeps, then answers.
#[rpc_core::service]
pub trait Slow {
    /// Answers after `millis`.
    async fn sleep(&self, millis: u64) -> Result<u64, RpcError>;
}

struct SlowImpl;

impl Slow for SlowImpl {
    async fn sleep(&self, millis: u64) -> Result<u64, RpcError> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(millis)
    }
}

/// A server with short time limits, its address, a message for each request
/// whose headers it has read, a switch that shuts it down, and the task that
/// ends when it has.
struct Running {
    addr: SocketAddr,
    arrived: mpsc::UnboundedReceiver<()>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(header_read_timeout: Duration, body_read_timeout: Duration) -> Running {
    let (arrival, arrived) = mpsc::unbounded_channel();
    let app = RpcRouter::new(SlowServer::new(SlowImpl))
        .body_read_timeout(body_read_timeout)
        .into_router()
        .layer(tower::util::MapRequestLayer::new(
            move |request: axum::extract::Request| {
                let _ = arrival.send(());
                request
            },
        ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = rpc_http::serve(listener, app)
        .header_read_timeout(header_read_timeout)
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        });
    let done = tokio::spawn(server.into_future());
    Running {
        addr,
        arrived,
        stop: Some(stop),
        done,
    }
}

const CALL: &str = r#"{"jsonrpc":"2.0","method":"sleep","params":[1],"id":7}"#;

fn head(body_len: usize) -> String {
    format!(
        "POST /jsonrpc HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n\r\n"
    )
}

/// Reads until the server closes the connection; `None` if it does not
/// within 10 s (the limits under test are far shorter).
async fn read_to_close(stream: &mut TcpStream) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    match read.await {
        Ok(Ok(_)) => Some(String::from_utf8_lossy(&answer).into_owned()),
        // A reset also ends the connection; what was read so far is the answer.
        Ok(Err(_)) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn a_client_that_dribbles_its_headers_is_cut_off() {
    let server = start(Duration::from_millis(300), Duration::from_secs(30)).await;
    // Headers that never end…
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /jsonrpc HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    // …and a connection that never sends anything.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        read_to_close(&mut slow).await.is_some(),
        "the connection with unfinished headers stayed open"
    );
    assert!(
        read_to_close(&mut idle).await.is_some(),
        "the idle connection stayed open"
    );
    // The server goes on serving.
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(format!("{}{CALL}", head(CALL.len())).as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0; 4096];
    let n = client.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""result":1"#), "{answer}");
}

/// Sends `sleep(millis)` on `client` and reads its whole answer.
async fn call_sleep(client: &mut TcpStream, millis: u64) -> String {
    let call = format!(r#"{{"jsonrpc":"2.0","method":"sleep","params":[{millis}],"id":7}}"#);
    client
        .write_all(format!("{}{call}", head(call.len())).as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    while !answer.ends_with(b"}") {
        let n = client.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "closed mid-answer: {:?}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(answer).unwrap()
}

#[tokio::test]
async fn the_header_deadline_runs_between_calls_only() {
    let server = start(Duration::from_millis(300), Duration::from_secs(30)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    // A call that runs past the header deadline is answered…
    let answer = call_sleep(&mut client, 700).await;
    assert!(answer.contains(r#""result":700"#), "{answer}");
    // …the deadline starts again once it is answered: a next call sent
    // within it, on the same connection, is served…
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = call_sleep(&mut client, 1).await;
    assert!(answer.contains(r#""result":1"#), "{answer}");
    // …and a connection left idle past it is closed.
    let started = std::time::Instant::now();
    assert_eq!(read_to_close(&mut client).await.as_deref(), Some(""));
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "closed before the deadline: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408_problem_json() {
    let server = start(Duration::from_secs(30), Duration::from_millis(300)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(format!("{}{}", head(CALL.len()), &CALL[..10]).as_bytes())
        .await
        .unwrap();
    let answer = read_to_close(&mut client).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("did not arrive within 300 ms"), "{answer}");
}

/// Waits until the server refuses new connections: it has stopped accepting.
async fn until_refused(addr: SocketAddr) {
    for _ in 0..1000 {
        if TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server still accepts connections after its shutdown began");
}

#[tokio::test]
async fn shutdown_answers_a_call_whose_body_was_still_arriving() {
    let mut server = start(Duration::from_secs(30), Duration::from_secs(30)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    let (first, rest) = CALL.split_at(20);
    client
        .write_all(format!("{}{first}", head(CALL.len())).as_bytes())
        .await
        .unwrap();
    // Once the server has read the headers, the call is accepted. Shut down.
    server.arrived.recv().await.unwrap();
    server.stop.take().unwrap().send(()).unwrap();
    until_refused(server.addr).await;
    assert!(
        !server.done.is_finished(),
        "the server quit with a call in flight"
    );
    // The rest of the body arrives after the shutdown began: still answered.
    client.write_all(rest.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut client).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(r#"{"jsonrpc":"2.0","result":1,"id":7}"#),
        "{answer}"
    );
    // The connection is not kept alive past the shutdown, and the server ends.
    server.done.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_waits_for_the_calls_in_flight_and_then_returns() {
    let mut server = start(Duration::from_secs(30), Duration::from_secs(30)).await;
    let url = format!("http://{}/jsonrpc", server.addr);
    let client = SlowClient::new(rpc_http::client::JsonRpcTransport::new(&url).unwrap());
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.sleep(500).await })
        })
        .collect();
    for _ in 0..8 {
        server.arrived.recv().await.unwrap();
    }
    server.stop.take().unwrap().send(()).unwrap();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 500);
    }
    server.done.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_closes_connections_that_sit_idle_between_calls() {
    // Long limits: only the shutdown can close these connections in time.
    let mut server = start(Duration::from_secs(30), Duration::from_secs(30)).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = TcpStream::connect(server.addr).await.unwrap();
        // Calls answered, then nothing: each connection waits for the next.
        for _ in 0..2 {
            let answer = call_sleep(&mut client, 1).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
        clients.push(client);
    }
    server.stop.take().unwrap().send(()).unwrap();
    for client in &mut clients {
        assert_eq!(
            read_to_close(client).await.as_deref(),
            Some(""),
            "an idle connection is closed at once"
        );
    }
    tokio::time::timeout(Duration::from_secs(10), server.done)
        .await
        .expect("the server returns")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn at_its_connection_bound_the_server_serves_a_new_client_once_one_leaves() {
    let app = RpcRouter::new(SlowServer::new(SlowImpl)).into_router();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        rpc_http::serve(listener, app)
            .max_connections(2)
            .into_future(),
    );
    let call = format!("{}{CALL}", head(CALL.len()));
    let answered = |mut stream: TcpStream| {
        let call = call.clone();
        async move {
            stream.write_all(call.as_bytes()).await.unwrap();
            let mut answer = vec![0; 4096];
            let n = stream.read(&mut answer).await.unwrap();
            assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
            stream
        }
    };
    // Two clients hold the two places (kept-alive connections, answered).
    let first = answered(TcpStream::connect(addr).await.unwrap()).await;
    let _second = answered(TcpStream::connect(addr).await.unwrap()).await;
    // A third waits in the listen queue: its call is not answered…
    let third = tokio::spawn(answered(TcpStream::connect(addr).await.unwrap()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served beyond the bound"
    );
    // …until the first leaves.
    drop(first);
    tokio::time::timeout(Duration::from_secs(10), third)
        .await
        .expect("the waiting client is served once a place frees")
        .unwrap();
}

/// Serves `GET /peer`, which answers the peer's address from `ConnectInfo`.
async fn peer_route(connect_info: bool) -> SocketAddr {
    use axum::extract::ConnectInfo;
    let app = axum::Router::new().route(
        "/peer",
        axum::routing::get(
            |ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() },
        ),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = rpc_http::serve(listener, app);
    let server = if connect_info {
        server.with_connect_info()
    } else {
        server
    };
    tokio::spawn(server.into_future());
    addr
}

async fn get_peer(addr: SocketAddr) -> (String, SocketAddr) {
    let mut client = TcpStream::connect(addr).await.unwrap();
    let local = client.local_addr().unwrap();
    client
        .write_all(b"GET /peer HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    (read_to_close(&mut client).await.unwrap(), local)
}

#[tokio::test]
async fn with_connect_info_handlers_see_the_peers_address() {
    let (answer, local) = get_peer(peer_route(true).await).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&local.to_string()), "{answer}");
    // Off by default, as in axum: the extractor says it is missing.
    let (answer, _) = get_peer(peer_route(false).await).await;
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
}

#[tokio::test]
async fn a_client_that_stops_reading_its_answers_is_cut_off_at_the_send_timeout() {
    let big = || async { "x".repeat(1 << 20) };
    let app = axum::Router::new().route("/big", axum::routing::get(big));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        rpc_http::serve(listener, app)
            .send_timeout(Duration::from_millis(300))
            .into_future(),
    );
    // Requests for large answers, sent at once, and none of the answers
    // read: the server's writes stall.
    let requests = 100;
    let mut client = TcpStream::connect(addr).await.unwrap();
    let request = "GET /big HTTP/1.1\r\nhost: test\r\n\r\n".repeat(requests);
    client.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Reading now, the client finds the connection ended after some answers.
    let mut answers = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut answers));
    let _ = read.await.expect("the connection was not cut off");
    let answered = answers
        .windows(15)
        .filter(|w| w == b"HTTP/1.1 200 OK")
        .count();
    assert!(
        0 < answered && answered < requests,
        "{answered} of {requests} answered"
    );
}
