//! [`StdioServer`]: serves a dispatcher's methods as JSON-RPC 2.0 over a
//! reader and a writer (a process's stdin and stdout, or any pipe).

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use rpc_core::jsonrpc::{JsonRpc, encode_error};
use rpc_core::{Context, Dispatcher, Protocol, RpcError};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::framing::{Frame, FrameReader, Framing};

/// The default bound on one message: 2 MiB, as on HTTP.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 2 * 1024 * 1024;

/// The default bound on calls running at once: 64. At the bound, the server
/// reads no further message until one finishes.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// Answers waiting for the writer, at most.
const OUTGOING: usize = 256;

/// How many ready answers go out in one write at most.
const WRITE_BATCH: usize = 64;

/// How many bytes of answers given at once wait for the rest of the input
/// read so far, at most.
const READY_BYTES: usize = 64 * 1024;

/// Serves a dispatcher's methods as JSON-RPC 2.0 over a byte stream: each
/// message read from the input is a request, a notification or a batch,
/// and each answer is written to the output in the same framing.
///
/// - **Both framings** ([`Framing`]): `Content-Length` headers, as the
///   Language Server Protocol frames messages, or one message per line, as
///   the Model Context Protocol's stdio transport does. Unless told which
///   ([`framing`](Self::framing)), the server tells them apart by the first
///   byte it reads (`{` or `[`: lines; anything else: headers).
/// - **Concurrent calls**: each runs as soon as it is read, and is answered
///   when it finishes, so answers may come in another order than their
///   requests (match them by `id`). At most
///   [`max_in_flight`](Self::max_in_flight) run at once.
/// - **Bad input** gets a JSON-RPC error with a `null` id (a message over
///   [`max_message_size`](Self::max_message_size), a header block without
///   `Content-Length`, JSON that does not parse), and the server reads on.
/// - **End of input** ends the server cleanly: it stops reading, finishes
///   the calls it has read, writes their answers and returns `Ok`. An output
///   whose reader is gone (a broken pipe) ends it too, with `Ok`.
///
/// Subscriptions need a channel that can push (a WebSocket, Server-Sent
/// Events, AMQP): over a pipe, a `#[subscription]` method is answered with
/// an error that says so.
///
/// ```no_run
/// use rpc_core::RpcError;
///
/// /// Greetings.
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// struct English;
/// impl Hello for English {
///     async fn hello(&self, name: String) -> Result<String, RpcError> {
///         Ok(format!("hello, {name}"))
///     }
/// }
///
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// // Logs go to stderr: stdout carries the answers.
/// rpc_stdio::StdioServer::new(HelloServer::new(English)).serve_stdio().await
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a server does nothing until it serves"]
pub struct StdioServer {
    jsonrpc: JsonRpc,
    framing: Option<Framing>,
    max_message_size: usize,
    max_in_flight: usize,
}

impl StdioServer {
    /// Serves `dispatcher` (a generated `TraitServer`, or a
    /// [`Dispatcher`] with its layers) with the default limits.
    pub fn new(dispatcher: impl Into<Dispatcher>) -> Self {
        Self {
            jsonrpc: JsonRpc::new(dispatcher),
            framing: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }

    /// Reads and writes this framing only, rather than telling it from the
    /// first bytes read.
    pub fn framing(mut self, framing: Framing) -> Self {
        self.framing = Some(framing);
        self
    }

    /// Bounds one message (default [`DEFAULT_MAX_MESSAGE_SIZE`]); a longer
    /// one is skipped and answered with an "invalid request" error.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Bounds the requests of one batch (default
    /// [`DEFAULT_MAX_BATCH_LEN`](rpc_core::jsonrpc::DEFAULT_MAX_BATCH_LEN)).
    pub fn max_batch_len(mut self, max: usize) -> Self {
        self.jsonrpc = self.jsonrpc.max_batch_len(max);
        self
    }

    /// Bounds the calls running at once (default [`DEFAULT_MAX_IN_FLIGHT`]).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// Serves this process's stdin and stdout until stdin ends.
    pub async fn serve_stdio(self) -> io::Result<()> {
        self.serve(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves the requests read from `input`, answering on `output`, until
    /// `input` ends; the calls read by then are finished and answered.
    pub async fn serve<R, W>(self, input: R, output: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin + Send,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (answers, outgoing) = mpsc::channel::<Vec<u8>>(OUTGOING);
        let writer = tokio::spawn(write_answers(output, outgoing));
        let mut reader = FrameReader::new(input, self.framing, self.max_message_size);
        let places = Arc::new(Semaphore::new(self.max_in_flight));
        let context = Context::new(Protocol::Stdio);
        let mut calls = JoinSet::new();
        // Answers given at once, framed, written together once the input
        // read so far is handled (one write for many, as a busy client
        // sends many requests at a time).
        let mut ready = Vec::new();
        let read = loop {
            if !ready.is_empty()
                && (!reader.has_buffered() || ready.len() >= READY_BYTES)
                && answers.send(std::mem::take(&mut ready)).await.is_err()
            {
                break Ok(());
            }
            // A place first: at the bound, the input waits in the pipe.
            let place = Arc::clone(&places)
                .acquire_owned()
                .await
                .expect("never closed");
            let frame = match reader.next().await {
                Ok(Some(frame)) => frame,
                Ok(None) => break Ok(()),
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    tracing::debug!("the input ended in the middle of a message");
                    break Ok(());
                }
                Err(err) => break Err(err),
            };
            let framing = reader.framing().unwrap_or(Framing::Lines);
            let body = match frame {
                Frame::Message(body) => body,
                Frame::TooLarge(size) => {
                    let err = RpcError::invalid_request(format!(
                        "a message of {size} bytes, over the limit of {}: send smaller ones",
                        self.max_message_size
                    ));
                    framing.encode(&encode_error(&err), &mut ready);
                    continue;
                }
                Frame::BadHeader(reason) => {
                    framing.encode(&encode_error(&RpcError::parse_error(reason)), &mut ready);
                    continue;
                }
            };
            let answering = answer(self.jsonrpc.clone(), body, context.clone());
            let mut answering = Box::pin(answering);
            // Most calls finish without waiting: answered at once.
            if let Some(answer) = (&mut answering).now_or_never() {
                if let Some(answer) = answer {
                    framing.encode(&answer, &mut ready);
                }
                continue;
            }
            let answers = answers.clone();
            calls.spawn(async move {
                if let Some(answer) = answering.await {
                    send(&answers, framing, &answer).await;
                }
                drop(place);
            });
            while calls.try_join_next().is_some() {}
        };
        if !ready.is_empty() {
            let _ = answers.send(ready).await;
        }
        // The input is done: the calls read so far are finished and
        // answered, then the output is flushed.
        while calls.join_next().await.is_some() {}
        drop(answers);
        let written = writer.await.map_err(io::Error::other)?;
        read.and(written)
    }
}

async fn answer(jsonrpc: JsonRpc, body: Bytes, context: Context) -> Option<Vec<u8>> {
    jsonrpc.handle(body, context).await
}

/// Queues `answer`, framed; `false` once the writer is gone.
async fn send(answers: &mpsc::Sender<Vec<u8>>, framing: Framing, answer: &[u8]) -> bool {
    let mut framed = Vec::with_capacity(answer.len() + 24);
    framing.encode(answer, &mut framed);
    answers.send(framed).await.is_ok()
}

/// Writes the answers as they come, those ready together in one write; a
/// reader that went away (a broken pipe) ends it quietly.
async fn write_answers<W: AsyncWrite + Unpin>(
    mut output: W,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
    let mut batch = Vec::new();
    while let Some(first) = outgoing.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        for _ in 1..WRITE_BATCH {
            match outgoing.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        let written = async {
            output.write_all(&batch).await?;
            output.flush().await
        };
        match written.await {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                tracing::debug!("the output's reader is gone");
                return Ok(());
            }
            Err(err) => return Err(err),
        }
    }
    output.flush().await
}
