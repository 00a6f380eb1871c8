//! Lingering close over real sockets: an answer given before the body was
//! read reaches a client that writes its whole request first, and a client
//! that keeps sending is cut off at each of the bounds.

use std::future::IntoFuture;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rpc_core::RpcError;
use rpc_http::{RpcRouter, Serve};
use tokio::net::TcpListener;

/// Echoes its argument.
#[rpc_core::service]
pub trait Echo {
    /// Answers `text`.
    async fn echo(&self, text: String) -> Result<String, RpcError>;
}

struct EchoImpl;

impl Echo for EchoImpl {
    async fn echo(&self, text: String) -> Result<String, RpcError> {
        Ok(text)
    }
}

/// The body size limit of the servers under test.
const LIMIT: usize = 1024;

/// Starts a server with a 1 KiB body limit, its lingering set by `options`.
async fn start(options: impl FnOnce(Serve) -> Serve) -> SocketAddr {
    let app = RpcRouter::new(EchoServer::new(EchoImpl))
        .max_body_size(LIMIT)
        .into_router();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(options(rpc_http::serve(listener, app)).into_future());
    addr
}

fn head(body_len: usize) -> String {
    format!(
        "POST /jsonrpc HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n\r\n"
    )
}

/// What a client that writes its whole request before it reads gets: the
/// answer, or the error its write or read met.
fn write_all_then_read(addr: SocketAddr, body_len: usize) -> std::io::Result<String> {
    let mut client = TcpStream::connect(addr)?;
    client.set_read_timeout(Some(Duration::from_secs(20)))?;
    client.write_all(head(body_len).as_bytes())?;
    let chunk = vec![b'a'; 64 * 1024];
    let mut left = body_len;
    while left > 0 {
        let n = left.min(chunk.len());
        client.write_all(&chunk[..n])?;
        left -= n;
    }
    let mut answer = String::new();
    client.read_to_string(&mut answer)?;
    Ok(answer)
}

/// Writes `chunk` every `pause` until the server cuts the connection off;
/// the time that took and the bytes sent.
fn send_until_cut_off(addr: SocketAddr, chunk: usize, pause: Duration) -> (Duration, usize) {
    let mut client = TcpStream::connect(addr).unwrap();
    client.write_all(head(1 << 40).as_bytes()).unwrap();
    let started = Instant::now();
    let chunk = vec![b'a'; chunk];
    let mut sent = 0;
    while let Ok(n) = client.write(&chunk) {
        sent += n;
        assert!(started.elapsed() < Duration::from_secs(60), "never cut off");
        std::thread::sleep(pause);
    }
    (started.elapsed(), sent)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_writes_its_whole_body_first_reads_the_early_413() {
    let addr = start(|serve| serve).await;
    let answer = tokio::task::spawn_blocking(move || write_all_then_read(addr, 64 << 20))
        .await
        .unwrap()
        .expect("the client reads the answer, not a reset");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("over the limit of 1024 bytes"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_lingering_the_same_client_meets_a_reset() {
    let addr = start(|serve| serve.lingering_time(Duration::ZERO)).await;
    let result = tokio::task::spawn_blocking(move || write_all_then_read(addr, 64 << 20))
        .await
        .unwrap();
    assert!(result.is_err(), "read {result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_keeps_sending_is_cut_off_at_the_lingering_time() {
    let addr = start(|serve| {
        serve
            .lingering_time(Duration::from_secs(1))
            .lingering_timeout(Duration::from_secs(1))
    })
    .await;
    // Never silent long enough for the timeout, far below the byte bound.
    let (took, _) = tokio::task::spawn_blocking(move || {
        send_until_cut_off(addr, 1024, Duration::from_millis(20))
    })
    .await
    .unwrap();
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(10)).contains(&took),
        "cut off after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_sends_fast_is_cut_off_at_the_byte_bound() {
    let addr = start(|serve| serve.lingering_max_bytes(4 << 20)).await;
    let (took, sent) =
        tokio::task::spawn_blocking(move || send_until_cut_off(addr, 256 * 1024, Duration::ZERO))
            .await
            .unwrap();
    // Far sooner than the 30 s lingering time; the bytes sent are the bound
    // plus what the two sockets' buffers held.
    assert!(took < Duration::from_secs(20), "cut off after {took:?}");
    assert!((4 << 20..64 << 20).contains(&sent), "sent {sent} bytes");
}

/// Whether the server still reads what `client` sends: a write to a
/// connection the server has closed is answered with a reset, which the next
/// write reports.
fn still_read(client: &mut TcpStream) -> bool {
    let sent = client.write_all(b"a").is_ok();
    std::thread::sleep(Duration::from_millis(50));
    sent && client.write_all(b"a").is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_client_is_let_go_after_the_lingering_timeout() {
    let addr = start(|serve| serve.lingering_timeout(Duration::from_millis(400))).await;
    tokio::task::spawn_blocking(move || {
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        client.write_all(head(1 << 20).as_bytes()).unwrap();
        client.write_all(&[b'a'; 100]).unwrap();
        // The server half-closes after its answer: the client reads it whole.
        let mut answer = String::new();
        client.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        // A client that goes on sending, with pauses shorter than the
        // timeout, is still read…
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(100));
            assert!(still_read(&mut client), "closed while the client sent");
        }
        // …one silent for longer is let go.
        std::thread::sleep(Duration::from_millis(1000));
        assert!(
            !still_read(&mut client),
            "still lingering after the timeout"
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_read_whole_closes_at_once_and_keeps_the_connection() {
    let addr = start(|serve| serve.lingering_timeout(Duration::from_secs(20))).await;
    let (first, second) = tokio::task::spawn_blocking(move || {
        let call = r#"{"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1}"#;
        let mut client = TcpStream::connect(addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let read_answer = |client: &mut TcpStream| {
            let mut answer = vec![0; 4096];
            let n = client.read(&mut answer).unwrap();
            String::from_utf8_lossy(&answer[..n]).into_owned()
        };
        client
            .write_all(format!("{}{call}", head(call.len())).as_bytes())
            .unwrap();
        let first = read_answer(&mut client);
        let close = "GET /openapi.json HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n";
        client.write_all(close.as_bytes()).unwrap();
        let started = Instant::now();
        let mut rest = String::new();
        client.read_to_string(&mut rest).unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "lingered");
        (first, rest)
    })
    .await
    .unwrap();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(first.ends_with(r#""result":"hi","id":1}"#), "{first}");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
}
