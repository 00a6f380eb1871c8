//! [`StdioTransport`]: the generated clients' transport to a server on the
//! other end of two pipes, most often a child process spawned for it.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rpc_core::{ClientError, MethodMeta, Transport, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::framing::{Frame, FrameReader, Framing};
use crate::server::DEFAULT_MAX_MESSAGE_SIZE;

/// The default time a call may take: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Requests waiting for the writer, at most.
const OUTGOING: usize = 256;

/// Calls JSON-RPC 2.0 methods over a pair of pipes: a child process's
/// stdin and stdout ([`spawn`](Self::spawn)), or any reader and writer
/// ([`Builder::connect`]). Calls are concurrent, matched to their answers
/// by id.
///
/// When the other end goes away (the child exits, its stdout closes),
/// calls waiting for an answer fail at once with
/// [`ClientError::Interrupted`] (they may have run), and later calls with
/// [`ClientError::Connect`]. Dropping the transport (every clone) closes
/// the child's stdin, which a server takes as its cue to finish and exit.
///
/// ```no_run
/// use rpc_core::RpcError;
/// use rpc_stdio::StdioTransport;
///
/// /// Greetings.
/// #[rpc_core::service]
/// pub trait Hello {
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut command = std::process::Command::new("hello-server");
/// command.arg("stdio");
/// let client = HelloClient::new(StdioTransport::spawn(command)?);
/// println!("{}", client.hello("ada".into()).await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct StdioTransport {
    shared: Arc<Shared>,
    requests: mpsc::Sender<Vec<u8>>,
}

#[derive(Debug)]
struct Shared {
    next_id: AtomicU64,
    framing: Framing,
    timeout: Duration,
    calls: Mutex<Calls>,
}

/// The calls waiting for their answer, by id; `closed` once the other end
/// is gone.
#[derive(Debug, Default)]
struct Calls {
    waiting: HashMap<u64, oneshot::Sender<Bytes>>,
    closed: bool,
}

/// How a [`StdioTransport`] is set up: its framing and timeout, then where
/// it reaches the server.
///
/// ```no_run
/// use std::time::Duration;
/// use rpc_stdio::{Framing, StdioTransport};
///
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let transport = StdioTransport::builder()
///     .framing(Framing::ContentLength)
///     .timeout(Duration::from_secs(5))
///     .spawn(std::process::Command::new("my-language-server"))?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Builder {
    framing: Framing,
    timeout: Duration,
    max_message_size: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            framing: Framing::Lines,
            timeout: DEFAULT_TIMEOUT,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

impl Builder {
    /// Frames requests (and reads answers) this way (default
    /// [`Framing::Lines`]).
    pub fn framing(mut self, framing: Framing) -> Self {
        self.framing = framing;
        self
    }

    /// Bounds the time of a call (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds one answer (default 2 MiB); a longer one fails its call.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Spawns `command` with its stdin and stdout piped to the transport
    /// (its stderr stays the parent's), and calls it there. The child is
    /// reaped when it exits. Call it within a tokio runtime.
    pub fn spawn(self, command: impl Into<tokio::process::Command>) -> io::Result<StdioTransport> {
        let mut command = command.into();
        command
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = command.spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(io::Error::other("the child's pipes were not made"));
        };
        tokio::spawn(async move {
            match child.wait().await {
                Ok(status) => tracing::debug!(%status, "the server process ended"),
                Err(err) => tracing::debug!(error = %err, "cannot wait for the server process"),
            }
        });
        Ok(self.connect(stdout, stdin))
    }

    /// Calls a server that reads `output` and answers on `input`. Call it
    /// within a tokio runtime.
    pub fn connect<R, W>(self, input: R, output: W) -> StdioTransport
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let shared = Arc::new(Shared {
            next_id: AtomicU64::new(1),
            framing: self.framing,
            timeout: self.timeout,
            calls: Mutex::default(),
        });
        let (requests, outgoing) = mpsc::channel(OUTGOING);
        tokio::spawn(write_requests(output, outgoing));
        let reader = FrameReader::new(input, Some(self.framing), self.max_message_size);
        tokio::spawn(read_answers(reader, Arc::clone(&shared)));
        StdioTransport { shared, requests }
    }
}

impl StdioTransport {
    /// Spawns `command` and calls it over its stdin and stdout, with the
    /// default settings (one message per line); see [`Builder::spawn`].
    pub fn spawn(command: impl Into<tokio::process::Command>) -> io::Result<Self> {
        Builder::default().spawn(command)
    }

    /// Settings other than the defaults.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl Transport for StdioTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let mut framed = Vec::with_capacity(body.len() + 24);
        self.shared.framing.encode(&body, &mut framed);
        let (answered, answer) = oneshot::channel();
        {
            let mut calls = self.shared.calls.lock().expect("never poisoned");
            if calls.closed {
                return Err(ClientError::connect(
                    "the server's end of the pipe is closed",
                ));
            }
            calls.waiting.insert(id, answered);
        }
        // Forgets the call however this future ends (an answer, a timeout,
        // the caller giving up).
        let _forget = Forget {
            shared: &self.shared,
            id,
        };
        if self.requests.send(framed).await.is_err() {
            return Err(ClientError::connect(
                "the server's end of the pipe is closed",
            ));
        }
        match tokio::time::timeout(self.shared.timeout, answer).await {
            Ok(Ok(body)) => jsonrpc::decode_reply(&body),
            Ok(Err(_)) => Err(ClientError::interrupted(
                "the server's end of the pipe closed before the answer came",
            )),
            Err(_) => Err(ClientError::Timeout(self.shared.timeout)),
        }
    }
}

struct Forget<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if let Ok(mut calls) = self.shared.calls.lock() {
            calls.waiting.remove(&self.id);
        }
    }
}

/// Writes the requests as they come; ends when every transport is dropped
/// (closing the pipe) or the pipe breaks.
async fn write_requests<W: AsyncWrite + Unpin>(
    mut output: W,
    mut outgoing: mpsc::Receiver<Vec<u8>>,
) {
    while let Some(request) = outgoing.recv().await {
        let mut batch = request;
        while let Ok(more) = outgoing.try_recv() {
            batch.extend_from_slice(&more);
        }
        let written = async {
            output.write_all(&batch).await?;
            output.flush().await
        };
        if let Err(err) = written.await {
            tracing::debug!(error = %err, "cannot write to the server's pipe");
            return;
        }
    }
    let _ = output.shutdown().await;
}

/// Hands each answer to its call; at the end of the input, every call still
/// waiting fails (its sender is dropped) and later calls are refused.
async fn read_answers<R: AsyncRead + Unpin>(mut reader: FrameReader<R>, shared: Arc<Shared>) {
    #[derive(serde::Deserialize)]
    struct Reply {
        #[serde(default)]
        id: Option<u64>,
    }
    loop {
        match reader.next().await {
            Ok(Some(Frame::Message(body))) => {
                let Ok(Reply { id: Some(id) }) = serde_json::from_slice::<Reply>(&body) else {
                    // A notification, or an answer to no call of ours.
                    continue;
                };
                let waiting = shared
                    .calls
                    .lock()
                    .expect("never poisoned")
                    .waiting
                    .remove(&id);
                if let Some(waiting) = waiting {
                    let _ = waiting.send(body);
                }
            }
            Ok(Some(other)) => tracing::warn!(?other, "cannot read an answer of the server's"),
            Ok(None) | Err(_) => break,
        }
    }
    let mut calls = shared.calls.lock().expect("never poisoned");
    calls.closed = true;
    calls.waiting.clear();
}
