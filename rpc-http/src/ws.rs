//! JSON-RPC 2.0 over a WebSocket: `GET /ws`, upgraded. Every method is
//! called as on `/jsonrpc` (single calls, batches, notifications, answered
//! as they finish, so calls run concurrently), and subscriptions push their
//! items as notifications ([`rpc_core::jsonrpc::subscription`]).
//!
//! Each connection's subscriptions are bounded in number; each pushes
//! through the connection's one bounded queue of outgoing messages, and a
//! subscription whose items the client does not read for
//! [`subscriber_timeout`](crate::RpcRouter::subscriber_timeout) is ended
//! with a last notification that says so. Closing the socket ends its
//! subscriptions. The headers of the upgrade request are every call's
//! headers, so that layers (a bearer check) see them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{
    Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{FutureExt, SinkExt, StreamExt};
use http::{HeaderValue, StatusCode, header};
use rpc_core::jsonrpc::envelope::{Call, Incoming};
use rpc_core::jsonrpc::subscription::{
    UNSUBSCRIBE, Unsubscribe, encode_end, encode_item, encode_subscribed,
};
use rpc_core::jsonrpc::{JsonRpc, encode_response};
use rpc_core::{Context, Protocol, ResponseStream, RpcError};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use crate::Watcher;

/// The default bound on the subscriptions of one WebSocket connection.
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 1024;

/// The default time a subscription may wait for the client to read, once
/// the connection's outgoing queue is full: 10 seconds.
pub const DEFAULT_SUBSCRIBER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many messages wait for the client at most, per connection.
const OUTGOING: usize = 256;

/// How many bytes a connection reads from its socket at once. The WebSocket
/// library zeroes this much before each read (its default, 128 KiB, costs
/// more than a small call); larger messages are read in several.
pub(crate) const READ_BUFFER: usize = 8 * 1024;

/// How many ready messages go out in one write at most.
const WRITE_BATCH: usize = 64;

pub(crate) struct WsState {
    pub jsonrpc: JsonRpc,
    pub max_message_size: usize,
    pub max_subscriptions: usize,
    pub subscriber_timeout: Duration,
}

/// Upgrades `GET /ws`; anything else there is a 426 problem document.
pub(crate) async fn upgrade(
    State(state): State<Arc<WsState>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    request: Request,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            let problem = crate::Problem::new(
                StatusCode::UPGRADE_REQUIRED,
                format!("{rejection}: open a WebSocket here (JSON-RPC 2.0 over it)"),
            );
            let mut response = problem.into_response();
            response
                .headers_mut()
                .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            return response;
        }
    };
    let (parts, _) = request.into_parts();
    let watcher = Watcher::of(&parts.extensions);
    let context = crate::context::from_parts(Protocol::WebSocket, parts);
    upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(state.max_message_size)
        .on_upgrade(move |socket| Session::new(state, context).run(socket, watcher))
}

/// One WebSocket connection.
struct Session {
    state: Arc<WsState>,
    /// What every call of the connection starts from.
    context: Context,
    outgoing: mpsc::Sender<Message>,
    receiver: Option<mpsc::Receiver<Message>>,
    /// The subscriptions running, by id: their method and task.
    subscriptions: HashMap<String, (Box<str>, AbortHandle)>,
    next_subscription: u64,
    /// Calls and subscriptions; a subscription task ends with its id.
    tasks: JoinSet<Option<String>>,
}

impl Session {
    fn new(state: Arc<WsState>, context: Context) -> Self {
        let (outgoing, receiver) = mpsc::channel(OUTGOING);
        Self {
            state,
            context,
            outgoing,
            receiver: Some(receiver),
            subscriptions: HashMap::new(),
            next_subscription: 0,
            tasks: JoinSet::new(),
        }
    }

    async fn run(mut self, mut socket: WebSocket, watcher: Option<Watcher>) {
        let mut receiver = self.receiver.take().expect("a new session");
        let mut watcher = watcher;
        loop {
            tokio::select! {
                incoming = socket.recv() => {
                    let body = match incoming {
                        Some(Ok(Message::Text(text))) => Bytes::from(text),
                        Some(Ok(Message::Binary(bytes))) => bytes,
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    };
                    if let Some(answer) = self.handle(body)
                        && write_ready(&mut socket, text(answer), &mut receiver).await.is_err()
                    {
                        break;
                    }
                }
                Some(message) = receiver.recv() => {
                    if write_ready(&mut socket, message, &mut receiver).await.is_err() {
                        break;
                    }
                }
                Some(done) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    if let Ok(Some(subscription)) = done {
                        self.subscriptions.remove(&subscription);
                    }
                }
                () = Watcher::shutting_down_or_never(&mut watcher) => {
                    // The server stops: each subscription's last word says
                    // so, then the socket closes as a WebSocket does.
                    let err = RpcError::shutting_down("the server is shutting down: subscribe again");
                    for (subscription, (method, task)) in self.subscriptions.drain() {
                        task.abort();
                        let mut last = Vec::new();
                        encode_end(&mut last, &method, &subscription, Some(&err));
                        if socket.send(text(last)).await.is_err() {
                            break;
                        }
                    }
                    let close = axum::extract::ws::CloseFrame {
                        code: axum::extract::ws::close_code::AWAY,
                        reason: "the server is shutting down".into(),
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    break;
                }
            }
        }
        // The socket is gone: its calls and subscriptions end with it.
        self.tasks.abort_all();
    }

    /// Answers a payload. Calls that finish without waiting (most do) are
    /// answered at once: the answer is returned, for the session to write
    /// now. Others run on in a task of the session's, concurrently, and
    /// queue their answer when done.
    fn handle(&mut self, body: Bytes) -> Option<Vec<u8>> {
        let incoming = match self.state.jsonrpc.parse(&body) {
            Incoming::Single(Ok(call)) if &*call.method == UNSUBSCRIBE => {
                return self.unsubscribe(call);
            }
            Incoming::Single(Ok(call)) if self.is_subscription(&call.method) => {
                return self.subscribe(call);
            }
            incoming => incoming,
        };
        // Any other payload, answered as on `/jsonrpc`.
        let (jsonrpc, context, outgoing) = self.parts();
        let mut answering = Box::pin(async move { jsonrpc.handle_parsed(incoming, context).await });
        if let Some(answer) = (&mut answering).now_or_never() {
            return answer;
        }
        self.tasks.spawn(async move {
            if let Some(answer) = answering.await {
                let _ = outgoing.send(text(answer)).await;
            }
            None
        });
        None
    }

    fn is_subscription(&self, method: &str) -> bool {
        self.state
            .jsonrpc
            .dispatcher()
            .method(method)
            .is_some_and(|m| m.subscription)
    }

    fn parts(&self) -> (JsonRpc, Context, mpsc::Sender<Message>) {
        (
            self.state.jsonrpc.clone(),
            self.context.clone(),
            self.outgoing.clone(),
        )
    }

    /// Starts a subscription in a task of the session's; the answer to a
    /// subscription refused for the connection's bound is returned.
    fn subscribe(&mut self, call: Call) -> Option<Vec<u8>> {
        let Call { method, params, id } = call;
        if self.subscriptions.len() >= self.state.max_subscriptions {
            let err = RpcError::too_many_subscriptions(format!(
                "this connection has {} subscriptions, its limit: end one first",
                self.state.max_subscriptions
            ));
            return id.map(|id| encode_response(id.as_bytes(), rpc_core::Response::error(err)));
        }
        self.next_subscription += 1;
        let subscription = self.next_subscription.to_string();
        let (jsonrpc, context, outgoing) = self.parts();
        let timeout = self.state.subscriber_timeout;
        let name = subscription.clone();
        let method_name = method.clone();
        let handle = self.tasks.spawn(async move {
            let response = jsonrpc
                .call(method.clone(), params, id.as_ref(), context)
                .await;
            let items = match response.into_stream() {
                Ok(items) => items,
                Err(refused) => {
                    if let Some(id) = id {
                        let _ = outgoing
                            .send(text(encode_response(id.as_bytes(), refused)))
                            .await;
                    }
                    return Some(name);
                }
            };
            if let Some(id) = &id {
                let mut answer = Vec::new();
                encode_subscribed(&mut answer, id.as_bytes(), &name);
                if outgoing.send(text(answer)).await.is_err() {
                    return Some(name);
                }
            }
            forward(items, &method, &name, &outgoing, timeout).await;
            Some(name)
        });
        self.subscriptions
            .insert(subscription, (method_name, handle));
        None
    }

    /// Ends a subscription; the answer, for a call, is returned.
    fn unsubscribe(&mut self, call: Call) -> Option<Vec<u8>> {
        let ended = call.params.decode::<Unsubscribe>().map(|target| {
            match self.subscriptions.remove(&target.subscription) {
                Some((_, task)) => {
                    task.abort();
                    true
                }
                None => false,
            }
        });
        let response = match ended {
            Ok(ended) => rpc_core::Response::ok(ended),
            Err(err) => rpc_core::Response::error(err),
        };
        call.id.map(|id| encode_response(id.as_bytes(), response))
    }
}

/// Pushes a subscription's items as notifications, then its last word.
async fn forward(
    mut items: ResponseStream,
    method: &str,
    subscription: &str,
    outgoing: &mpsc::Sender<Message>,
    timeout: Duration,
) {
    let mut end: Option<RpcError> = None;
    while let Some(item) = items.next().await {
        let item = match item {
            Ok(item) => item,
            Err(err) => {
                end = Some(err);
                break;
            }
        };
        let mut notification = Vec::with_capacity(256);
        if let Err(err) = encode_item(&mut notification, method, subscription, &item) {
            tracing::error!(error = %err, method, "cannot encode a subscription's item as JSON");
            end = Some(RpcError::internal(
                "internal error: an item cannot be encoded",
            ));
            break;
        }
        match outgoing.send_timeout(text(notification), timeout).await {
            Ok(()) => {}
            Err(mpsc::error::SendTimeoutError::Closed(_)) => return,
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                // The client does not read: the subscription's stream is
                // dropped now, and its last word waits for the client (one
                // message per subscription, which are bounded in number).
                drop(items);
                let err = RpcError::lagged(format!(
                    "the subscriber did not read for {} ms: the subscription is dropped",
                    timeout.as_millis()
                ));
                let mut last = Vec::new();
                encode_end(&mut last, method, subscription, Some(&err));
                let _ = outgoing.send(text(last)).await;
                return;
            }
        }
    }
    let mut last = Vec::new();
    encode_end(&mut last, method, subscription, end.as_ref());
    let _ = outgoing.send(text(last)).await;
}

/// Writes `first` and whatever else is ready (up to [`WRITE_BATCH`]) in one
/// write to the socket.
async fn write_ready(
    socket: &mut WebSocket,
    first: Message,
    receiver: &mut mpsc::Receiver<Message>,
) -> Result<(), axum::Error> {
    socket.feed(first).await?;
    for _ in 1..WRITE_BATCH {
        match receiver.try_recv() {
            Ok(message) => socket.feed(message).await?,
            Err(_) => break,
        }
    }
    socket.flush().await
}

fn text(json: Vec<u8>) -> Message {
    // The encoders write JSON, which is UTF-8.
    Message::Text(String::from_utf8(json).unwrap_or_default().into())
}
