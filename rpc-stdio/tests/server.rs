//! `StdioServer` over in-process pipes, spoken to byte for byte in both
//! framings, and `StdioTransport` calling it.

use std::time::Duration;

use rpc_core::{ClientError, RpcError, Subscription};
use rpc_stdio::{Framing, StdioServer, StdioTransport};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

/// Arithmetic, slowly when asked.
#[rpc_core::service]
pub trait Calc {
    /// `a + b`.
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError>;
    /// Answers `ms` after `ms` milliseconds.
    async fn slow(&self, ms: u64) -> Result<u64, RpcError>;
    /// Always fails.
    async fn fail(&self) -> Result<(), RpcError>;
    /// Counts to 3.
    #[subscription]
    async fn count(&self) -> Result<Subscription<u64>, RpcError>;
}

struct Impl;

impl Calc for Impl {
    async fn add(&self, a: i64, b: i64) -> Result<i64, RpcError> {
        Ok(a + b)
    }
    async fn slow(&self, ms: u64) -> Result<u64, RpcError> {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(ms)
    }
    async fn fail(&self) -> Result<(), RpcError> {
        Err(RpcError::new(7, "it fails"))
    }
    async fn count(&self) -> Result<Subscription<u64>, RpcError> {
        Ok(Subscription::new(futures_util::stream::iter(1..=3)))
    }
}

/// A server on a pipe: the test writes its input and reads its output.
struct Piped {
    input: DuplexStream,
    output: BufReader<DuplexStream>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn piped(server: StdioServer) -> Piped {
    let (input, server_input) = tokio::io::duplex(1 << 20);
    let (server_output, output) = tokio::io::duplex(1 << 20);
    let served = tokio::spawn(server.serve(server_input, server_output));
    Piped {
        input,
        output: BufReader::new(output),
        served,
    }
}

impl Piped {
    async fn line(&mut self) -> serde_json::Value {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(5), self.output.read_line(&mut line))
            .await
            .expect("an answer")
            .unwrap();
        assert!(line.ends_with('\n'), "{line:?}");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    async fn headed(&mut self) -> serde_json::Value {
        let mut head = String::new();
        tokio::time::timeout(Duration::from_secs(5), async {
            while !head.ends_with("\r\n\r\n") {
                self.output.read_line(&mut head).await.unwrap();
            }
        })
        .await
        .expect("an answer");
        let length: usize = head
            .trim()
            .strip_prefix("Content-Length: ")
            .unwrap_or_else(|| panic!("{head:?}"))
            .parse()
            .unwrap();
        let mut body = vec![0; length];
        self.output.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    async fn ends(self) {
        drop(self.input);
        tokio::time::timeout(Duration::from_secs(5), self.served)
            .await
            .expect("the server ends at the end of its input")
            .unwrap()
            .unwrap();
    }
}

fn headed(message: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{message}", message.len())
}

#[tokio::test]
async fn one_message_per_line() {
    let mut pipe = piped(StdioServer::new(CalcServer::new(Impl)));
    let input = concat!(
        r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"add","params":{"a":5,"b":5}}"#,
        "\r\n\n",
        r#"[{"jsonrpc":"2.0","method":"add","params":[2,2],"id":"b"},{"jsonrpc":"2.0","method":"fail","id":3}]"#,
        "\n",
        "{oops\n",
        r#"{"jsonrpc":"2.0","method":"nope","id":4}"#,
        "\n",
    );
    pipe.input.write_all(input.as_bytes()).await.unwrap();
    assert_eq!(pipe.line().await["result"], 3);
    // The notification is not answered: the batch comes next.
    let batch = pipe.line().await;
    assert_eq!(batch[0]["result"], 4);
    assert_eq!(batch[0]["id"], "b");
    assert_eq!(batch[1]["error"]["code"], 7);
    let parse = pipe.line().await;
    assert_eq!(parse["error"]["code"], -32700);
    assert_eq!(parse["id"], serde_json::Value::Null);
    assert_eq!(pipe.line().await["error"]["code"], -32601);
    pipe.ends().await;
}

#[tokio::test]
async fn content_length_headers_as_lsp_frames_them() {
    let mut pipe = piped(StdioServer::new(CalcServer::new(Impl)));
    let input = [
        headed(r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#),
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n".into(),
        headed(r#"[{"jsonrpc":"2.0","method":"add","params":[2,2],"id":2},{"jsonrpc":"2.0","method":"add","params":[0,0]}]"#),
        "Content-Type: x\r\n\r\n".into(),
        headed(r#"{"jsonrpc":"2.0","method":"count","id":3}"#),
    ]
    .concat();
    pipe.input.write_all(input.as_bytes()).await.unwrap();
    assert_eq!(pipe.headed().await["result"], 3);
    let batch = pipe.headed().await;
    assert_eq!(batch.as_array().unwrap().len(), 1, "{batch}");
    assert_eq!(batch[0]["result"], 4);
    let missing = pipe.headed().await;
    assert_eq!(missing["error"]["code"], -32700);
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Length"),
        "{missing}"
    );
    // A subscription needs a channel that can push.
    let refused = pipe.headed().await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("WebSocket"),
        "{refused}"
    );
    pipe.ends().await;
}

#[tokio::test]
async fn calls_run_at_once_and_are_answered_as_they_finish() {
    let mut pipe = piped(StdioServer::new(CalcServer::new(Impl)));
    let input = concat!(
        r#"{"jsonrpc":"2.0","method":"slow","params":[300],"id":"slow"}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"slow","params":[10],"id":"fast"}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"add","params":[1,1],"id":"now"}"#,
        "\n",
    );
    pipe.input.write_all(input.as_bytes()).await.unwrap();
    let order: Vec<_> = [pipe.line().await, pipe.line().await, pipe.line().await]
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["now", "fast", "slow"]);
    pipe.ends().await;
}

#[tokio::test]
async fn the_end_of_input_mid_call_finishes_the_calls_read() {
    let mut pipe = piped(StdioServer::new(CalcServer::new(Impl)));
    let input = concat!(
        r#"{"jsonrpc":"2.0","method":"slow","params":[200],"id":1}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"slow","params":[100],"id":2}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"add","params":[1,"#,
    );
    pipe.input.write_all(input.as_bytes()).await.unwrap();
    let Piped {
        input,
        mut output,
        served,
    } = pipe;
    drop(input);
    let result = tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the server ends");
    result.unwrap().unwrap();
    let mut rest = String::new();
    output.read_to_string(&mut rest).await.unwrap();
    let answers: Vec<serde_json::Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Both calls answered; the message cut short parses as no JSON.
    assert_eq!(answers.len(), 3, "{rest}");
    assert_eq!(answers[0]["error"]["code"], -32700, "{rest}");
    assert_eq!(answers[1]["result"], 100);
    assert_eq!(answers[2]["result"], 200);
}

#[tokio::test]
async fn a_message_over_the_bound_is_refused_and_the_next_is_served() {
    let mut pipe = piped(
        StdioServer::new(CalcServer::new(Impl))
            .framing(Framing::Lines)
            .max_message_size(100),
    );
    let big = format!(
        r#"{{"jsonrpc":"2.0","method":"add","params":[1,2],"id":"{}"}}"#,
        "x".repeat(200)
    );
    let input = format!(
        "{big}\n{}\n",
        r#"{"jsonrpc":"2.0","method":"add","params":[1,2],"id":1}"#
    );
    pipe.input.write_all(input.as_bytes()).await.unwrap();
    let refused = pipe.line().await;
    assert_eq!(refused["error"]["code"], -32600);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("over the limit of 100"),
        "{refused}"
    );
    assert_eq!(pipe.line().await["result"], 3);
    pipe.ends().await;
}

#[tokio::test]
async fn the_transport_calls_concurrently_and_knows_when_the_server_is_gone() {
    for framing in [Framing::Lines, Framing::ContentLength] {
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let (server_reads, server_writes) = tokio::io::split(server_end);
        let server = tokio::spawn(
            StdioServer::new(CalcServer::new(Impl)).serve(server_reads, server_writes),
        );
        let (client_reads, client_writes) = tokio::io::split(client_end);
        let client = CalcClient::new(
            StdioTransport::builder()
                .framing(framing)
                .connect(client_reads, client_writes),
        );
        let (slow, sum, failed) = tokio::join!(client.slow(50), client.add(2, 3), client.fail());
        assert_eq!(slow.unwrap(), 50);
        assert_eq!(sum.unwrap(), 5);
        assert_eq!(failed.unwrap_err().rpc().map(RpcError::code), Some(7));
        let many: Vec<i64> = futures_util::future::join_all((0..200).map(|i| client.add(i, i)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(many, (0..200).map(|i| 2 * i).collect::<Vec<_>>());

        // The server goes away with a call in flight: it may have run.
        let waiting = tokio::spawn({
            let client = CalcClient::new(client.transport().clone());
            async move { client.slow(5_000).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        server.abort();
        let err = tokio::time::timeout(Duration::from_secs(2), waiting)
            .await
            .expect("failed at once, not at its timeout")
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, ClientError::Interrupted(_)), "{err}");
        let err = client.add(1, 1).await.unwrap_err();
        assert!(matches!(err, ClientError::Connect(_)), "{err}");
    }
}
