//! [`WebSocketTransport`]: calls and subscriptions over JSON-RPC 2.0 on one
//! WebSocket, such as the `/ws` of an [`RpcRouter`](crate::RpcRouter).
//!
//! One task per connection owns the socket: it sends what the callers
//! hand it, matches each answer to its call by id, and routes each
//! subscription's notifications to its stream. A lost connection fails the
//! calls and subscriptions on it; the next call opens a new one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, Stream, StreamExt};
use http::header::{self, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rpc_core::jsonrpc::subscription::{Message as Incoming, UNSUBSCRIBE, decode_message};
use rpc_core::{ClientError, MethodMeta, SubscriptionStream, Transport, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::{Answer, Endpoint, InvalidUrl, status_error};

/// How many items of one subscription wait for its reader at most; past
/// that the subscription is dropped with a [`Lagged`](rpc_core::ErrorKind::Lagged)
/// error, rather than holding the socket's other traffic back.
const ITEMS: usize = 1024;

/// A [`Transport`] over JSON-RPC 2.0 on a WebSocket: calls run concurrently
/// on one connection, and `#[subscription]` methods answer a stream of
/// their items. The connection opens at the first call and again after it
/// is lost; clones share it.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use rpc_core::{RpcError, Subscription};
/// use rpc_http::client::WebSocketTransport;
///
/// #[rpc_core::service]
/// pub trait Clock {
///     async fn now(&self) -> Result<u64, RpcError>;
///     /// A tick a second.
///     #[subscription]
///     async fn ticks(&self) -> Result<Subscription<u64>, RpcError>;
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ClockClient::new(WebSocketTransport::new("ws://127.0.0.1:8080/ws")?);
/// println!("{}", client.now().await?);
/// let mut ticks = client.ticks().await?;
/// while let Some(tick) = ticks.next().await {
///     println!("{}", tick?);
/// }
/// // Dropping `ticks` would have ended the subscription on the server.
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct WebSocketTransport {
    endpoint: Endpoint,
    next_id: Arc<AtomicU64>,
    connection: Arc<Mutex<Option<mpsc::UnboundedSender<Command>>>>,
}

impl WebSocketTransport {
    /// A transport for the WebSocket at `url`: `ws://host:port/path`,
    /// `wss://…` (`http://` and `https://` are taken as the same), or
    /// `unix:/path/to.sock:/ws` over a Unix socket.
    pub fn new(url: &str) -> Result<Self, InvalidUrl> {
        let url = match url.split_once("://") {
            Some(("ws", rest)) => format!("http://{rest}"),
            Some(("wss", rest)) => format!("https://{rest}"),
            _ => url.to_owned(),
        };
        Ok(Self {
            endpoint: Endpoint::new(&url)?,
            next_id: Arc::new(AtomicU64::new(1)),
            connection: Arc::default(),
        })
    }

    /// The open connection, or a new one.
    ///
    /// Boxed: the generic `call` awaits it, and a future polled only there
    /// would be compiled again in every crate that calls through a client.
    fn connection(&self) -> BoxFuture<'_, Result<mpsc::UnboundedSender<Command>, ClientError>> {
        Box::pin(self.connect())
    }

    /// What [`connection`](Self::connection) does.
    async fn connect(&self) -> Result<mpsc::UnboundedSender<Command>, ClientError> {
        let mut connection = self.connection.lock().await;
        if let Some(commands) = connection.as_ref().filter(|c| !c.is_closed()) {
            return Ok(commands.clone());
        }
        let socket = tokio::time::timeout(self.endpoint.timeout, open(&self.endpoint))
            .await
            .map_err(|_| {
                ClientError::connect("the WebSocket handshake did not finish in time")
            })??;
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(Session::new(self.next_id.clone()).run(socket, receiver));
        *connection = Some(commands.clone());
        Ok(commands)
    }
}

endpoint_options!(WebSocketTransport);

impl Transport for WebSocketTransport {
    async fn call<P, R>(&self, method: &'static MethodMeta, params: P) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let (answer, answered) = oneshot::channel();
        let commands = self.connection().await?;
        let command = Command::Call { id, body, answer };
        let reply = self.answer(&commands, id, command, answered).await?;
        jsonrpc::decode_reply(&reply)
    }

    async fn subscribe<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<SubscriptionStream<R>, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let (items, receiver) = mpsc::channel(ITEMS);
        let (answer, answered) = oneshot::channel();
        let command = Command::Subscribe {
            id,
            body,
            answer,
            items,
        };
        let commands = self.connection().await?;
        let subscription = self.answer(&commands, id, command, answered).await?;
        let items = Items {
            receiver,
            unsubscribe: Some((commands, subscription)),
        };
        Ok(Box::pin(items.map(|item| {
            let item = item?;
            serde_json::from_str(item.get()).map_err(ClientError::decode)
        })))
    }
}

impl WebSocketTransport {
    /// Sends `command` and waits, within the timeout, for what answers it.
    async fn answer<T>(
        &self,
        commands: &mpsc::UnboundedSender<Command>,
        id: u64,
        command: Command,
        answered: oneshot::Receiver<Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        commands
            .send(command)
            .map_err(|_| ClientError::connect("the WebSocket closed before the call was sent"))?;
        match tokio::time::timeout(self.endpoint.timeout, answered).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(ClientError::interrupted(
                "the WebSocket closed before the answer came",
            )),
            Err(_) => {
                let _ = commands.send(Command::Forget { id });
                Err(ClientError::Timeout(self.endpoint.timeout))
            }
        }
    }
}

/// A subscription's items as its stream; dropping it unsubscribes.
struct Items {
    receiver: mpsc::Receiver<Result<Box<RawValue>, ClientError>>,
    unsubscribe: Option<(mpsc::UnboundedSender<Command>, String)>,
}

impl Stream for Items {
    type Item = Result<Box<RawValue>, ClientError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next = self.receiver.poll_recv(cx);
        if let std::task::Poll::Ready(None) = next {
            // The server ended it: nothing to unsubscribe.
            self.unsubscribe = None;
        }
        next
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        if let Some((commands, subscription)) = self.unsubscribe.take() {
            let _ = commands.send(Command::Unsubscribe { subscription });
        }
    }
}

/// What the callers ask of a connection's task.
enum Command {
    Call {
        id: u64,
        body: Vec<u8>,
        answer: oneshot::Sender<Result<Bytes, ClientError>>,
    },
    Subscribe {
        id: u64,
        body: Vec<u8>,
        answer: oneshot::Sender<Result<String, ClientError>>,
        items: mpsc::Sender<Result<Box<RawValue>, ClientError>>,
    },
    Unsubscribe {
        subscription: String,
    },
    /// The caller stopped waiting for the answer to `id`.
    Forget {
        id: u64,
    },
}

/// A call sent, waiting for its answer.
enum Pending {
    Call(oneshot::Sender<Result<Bytes, ClientError>>),
    Subscribe {
        answer: oneshot::Sender<Result<String, ClientError>>,
        items: mpsc::Sender<Result<Box<RawValue>, ClientError>>,
    },
}

type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Opens the WebSocket: an HTTP/1.1 upgrade through the endpoint's
/// connector (TLS included), with its headers.
async fn open(endpoint: &Endpoint) -> Result<Socket, ClientError> {
    let key = generate_key();
    let mut request = Request::get(endpoint.uri.clone())
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::SEC_WEBSOCKET_KEY, &key)
        .body(Full::new(Bytes::new()))
        .map_err(ClientError::connect)?;
    request.headers_mut().extend(endpoint.headers.clone());
    let response = endpoint.upgrade(request).await?;
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = response.status();
        let body = Limited::new(response.into_body(), 64 * 1024)
            .collect()
            .await
            .map(|body| body.to_bytes())
            .unwrap_or_default();
        return Err(ClientError::connect(
            status_error(&Answer { status, body }).to_string(),
        ));
    }
    let accept = derive_accept_key(key.as_bytes());
    if response.headers().get(header::SEC_WEBSOCKET_ACCEPT)
        != Some(&HeaderValue::from_str(&accept).map_err(ClientError::connect)?)
    {
        return Err(ClientError::connect(
            "the server's Sec-WebSocket-Accept does not answer our key: it is no WebSocket server",
        ));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(ClientError::connect)?;
    let config = WebSocketConfig::default()
        .read_buffer_size(crate::ws::READ_BUFFER)
        .max_message_size(Some(endpoint.max_response_size))
        .max_frame_size(Some(endpoint.max_response_size));
    Ok(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, Some(config)).await)
}

/// One connection's task.
struct Session {
    next_id: Arc<AtomicU64>,
    pending: HashMap<u64, Pending>,
    subscriptions: HashMap<String, mpsc::Sender<Result<Box<RawValue>, ClientError>>>,
}

impl Session {
    fn new(next_id: Arc<AtomicU64>) -> Self {
        Self {
            next_id,
            pending: HashMap::new(),
            subscriptions: HashMap::new(),
        }
    }

    async fn run(mut self, mut socket: Socket, mut commands: mpsc::UnboundedReceiver<Command>) {
        let lost = loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => {
                        if let Some(text) = self.command(command)
                            && let Err(err) = socket.send(text_message(text)).await
                        {
                            break err.to_string();
                        }
                    }
                    // Every handle is gone: close as a WebSocket does.
                    None => {
                        let _ = socket.close(None).await;
                        return;
                    }
                },
                incoming = socket.next() => match incoming {
                    Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                        if let Some(text) = self.incoming(message.into_data())
                            && let Err(err) = socket.send(text_message(text)).await
                        {
                            break err.to_string();
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break match frame {
                            Some(frame) => format!("the server closed the WebSocket: {} ({})", frame.reason, frame.code),
                            None => "the server closed the WebSocket".into(),
                        };
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => break err.to_string(),
                    None => break "the WebSocket closed".into(),
                },
            }
        };
        // Every call and subscription on the connection ends with it.
        for (_, pending) in self.pending.drain() {
            let err = ClientError::interrupted(lost.clone());
            match pending {
                Pending::Call(answer) => {
                    let _ = answer.send(Err(err));
                }
                Pending::Subscribe { answer, .. } => {
                    let _ = answer.send(Err(err));
                }
            }
        }
        for (_, items) in self.subscriptions.drain() {
            let _ = items.try_send(Err(ClientError::interrupted(lost.clone())));
        }
    }

    /// Takes a caller's command; what to send, if anything.
    fn command(&mut self, command: Command) -> Option<Vec<u8>> {
        match command {
            Command::Call { id, body, answer } => {
                self.pending.insert(id, Pending::Call(answer));
                Some(body)
            }
            Command::Subscribe {
                id,
                body,
                answer,
                items,
            } => {
                self.pending
                    .insert(id, Pending::Subscribe { answer, items });
                Some(body)
            }
            Command::Unsubscribe { subscription } => {
                self.subscriptions.remove(&subscription)?;
                Some(self.unsubscribe(&subscription))
            }
            Command::Forget { id } => {
                self.pending.remove(&id);
                None
            }
        }
    }

    /// The call that ends `subscription`; its answer is not waited for.
    fn unsubscribe(&self, subscription: &str) -> Vec<u8> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let params = serde_json::json!({ "subscription": subscription });
        jsonrpc::encode_call(UNSUBSCRIBE, &params, id).unwrap_or_default()
    }

    /// Takes a message from the server; what to send back, if anything
    /// (the end of a subscription nobody reads any more).
    fn incoming(&mut self, body: Bytes) -> Option<Vec<u8>> {
        let message = match decode_message(&body) {
            Ok(message) => message,
            Err(err) => {
                tracing::debug!(error = %err, "a WebSocket message that is not JSON-RPC");
                return None;
            }
        };
        match message {
            Incoming::Reply { id: Some(id) } => match self.pending.remove(&id) {
                Some(Pending::Call(answer)) => {
                    let _ = answer.send(Ok(body));
                }
                Some(Pending::Subscribe { answer, items }) => {
                    let subscribed = jsonrpc::decode_reply::<String>(&body);
                    if let Ok(subscription) = &subscribed {
                        self.subscriptions.insert(subscription.clone(), items);
                    }
                    if let Err(Ok(subscription)) = answer.send(subscribed) {
                        // The caller is gone: so is the subscription.
                        self.subscriptions.remove(&subscription);
                        return Some(self.unsubscribe(&subscription));
                    }
                }
                None => {}
            },
            Incoming::Reply { id: None } => {}
            Incoming::Item { subscription, item } => {
                let items = self.subscriptions.get(&subscription)?;
                if items.capacity() > 1 {
                    let _ = items.try_send(Ok(item.to_owned()));
                } else {
                    // The reader fell behind: the last place says so, and
                    // the subscription ends here and on the server.
                    let lagged = rpc_core::RpcError::lagged(format!(
                        "the subscriber did not read {ITEMS} items that had come: subscribe again"
                    ));
                    let _ = items.try_send(Err(ClientError::Rpc(lagged)));
                    self.subscriptions.remove(&subscription);
                    return Some(self.unsubscribe(&subscription));
                }
            }
            Incoming::End {
                subscription,
                error,
            } => {
                if let (Some(items), Some(err)) = (self.subscriptions.remove(&subscription), error)
                {
                    let _ = items.try_send(Err(ClientError::Rpc(err)));
                }
            }
            // Heartbeats (AMQP's, not a WebSocket's), and what may come.
            _ => {}
        }
        None
    }
}

/// A text message of JSON, which is UTF-8.
fn text_message(json: Vec<u8>) -> Message {
    match String::from_utf8(json) {
        Ok(text) => Message::text(text),
        Err(err) => Message::binary(err.into_bytes()),
    }
}
