//! A client's connection to the cluster: one channel with publisher
//! confirms, one consumer of direct replies, and the calls waiting for their
//! answer, each tied to the connection it was sent on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties};
use rpc_core::ClientError;
use rpc_core::tls::ClientTls;
use tokio::sync::{mpsc, oneshot};

use crate::connect::connect_any;
use crate::{AmqpError, Brokers};

/// RabbitMQ's pseudo-queue for direct reply-to.
pub(super) const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

/// The calls waiting for an answer and the subscriptions receiving their
/// messages, by correlation id, with the connection (its generation) each
/// was sent on.
///
/// A call's correlation id is this transport's prefix and a number; the
/// calls are kept by that number.
#[derive(Debug)]
pub(super) struct Pending {
    /// What every correlation id of this transport starts with.
    prefix: String,
    calls: Mutex<HashMap<u64, Waiting, Numbers>>,
    streams: Mutex<HashMap<String, (u64, Stream)>>,
}

/// A call waiting for its answer: the connection it was sent on, and where
/// its answer's body goes.
type Waiting = (u64, oneshot::Sender<Vec<u8>>);

/// Hashes the calls' numbers as they are: each is given once, counting up.
#[derive(Clone, Copy, Debug, Default)]
struct Numbers;

impl std::hash::BuildHasher for Numbers {
    type Hasher = Number;

    fn build_hasher(&self) -> Number {
        Number(0)
    }
}

/// A number, as its own hash.
#[derive(Debug)]
struct Number(u64);

impl std::hash::Hasher for Number {
    fn finish(&self) -> u64 {
        // Spread over the high bits too: the table picks buckets from the
        // low bits and its control bytes from the high ones.
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Where a subscription's messages go: at most [`STREAMED`] wait for its
/// reader.
pub(super) type Stream = mpsc::Sender<Result<Delivery, ClientError>>;

/// How many messages of one subscription wait for its reader at most; past
/// that it is ended as lagged rather than holding memory without bound.
pub(super) const STREAMED: usize = 1024;

impl Pending {
    /// Nothing waits yet for the answers to correlation ids that start with
    /// `prefix`.
    pub(super) fn new(prefix: String) -> Self {
        Self {
            prefix,
            calls: Mutex::default(),
            streams: Mutex::default(),
        }
    }

    /// The correlation id of call `number`.
    pub(super) fn correlation_id(&self, number: u64) -> String {
        format!("{}{number}", self.prefix)
    }

    /// Waits for the body of the answer to call `number`, sent on connection
    /// `generation`.
    pub(super) fn wait(&self, number: u64, generation: u64) -> oneshot::Receiver<Vec<u8>> {
        let (sender, receiver) = oneshot::channel();
        if let Ok(mut pending) = self.calls.lock() {
            pending.insert(number, (generation, sender));
        }
        receiver
    }

    /// No longer waits for the answer to call `number`.
    pub(super) fn forget_call(&self, number: u64) {
        if let Ok(mut pending) = self.calls.lock() {
            pending.remove(&number);
        }
    }

    /// Routes every message for `id`, subscribed on connection
    /// `generation`, to `stream`.
    pub(super) fn stream(&self, id: &str, generation: u64, stream: Stream) {
        if let Ok(mut streams) = self.streams.lock() {
            streams.insert(id.to_owned(), (generation, stream));
        }
    }

    /// No longer routes the messages for `id` (its subscription failed or
    /// ended).
    pub(super) fn forget(&self, id: &str) {
        if let Ok(mut streams) = self.streams.lock() {
            streams.remove(id);
        }
    }

    fn answer(&self, mut reply: Delivery) {
        let Some(id) = reply.properties.correlation_id().as_ref() else {
            return tracing::debug!("dropping an answer without correlation id");
        };
        let id = id.as_str();
        let number = id
            .strip_prefix(self.prefix.as_str())
            .and_then(|n| n.parse::<u64>().ok());
        let caller = number.and_then(|n| self.calls.lock().ok()?.remove(&n));
        if let Some((_, caller)) = caller {
            return drop(caller.send(std::mem::take(&mut reply.data)));
        }
        let Ok(mut streams) = self.streams.lock() else {
            return;
        };
        let id = id.to_owned();
        match streams.get(id.as_str()) {
            Some((_, stream)) if stream.capacity() > 1 => drop(stream.try_send(Ok(reply))),
            Some((_, stream)) => {
                // The reader fell behind: the last place says so.
                let lagged = rpc_core::RpcError::lagged(format!(
                    "the subscriber did not read {STREAMED} messages that had come: subscribe again"
                ));
                let _ = stream.try_send(Err(ClientError::Rpc(lagged)));
                streams.remove(id.as_str());
            }
            // A second answer to one call (a server died after answering, and
            // another ran the call again), or one that came too late.
            None => tracing::debug!("dropping an answer nobody waits for"),
        }
    }

    /// Connection `generation` is gone: the calls sent on it end now (their
    /// callers see the loss), not at their timeout, and so do its
    /// subscriptions; calls already sent on a newer connection wait on.
    fn lost(&self, generation: u64) {
        if let Ok(mut pending) = self.calls.lock() {
            pending.retain(|_, (sent_on, _)| *sent_on != generation);
        }
        if let Ok(mut streams) = self.streams.lock() {
            streams.retain(|_, (sent_on, stream)| {
                if *sent_on == generation {
                    let lost = ClientError::interrupted(
                        "the connection to the broker was lost: subscribe again",
                    );
                    let _ = stream.try_send(Err(lost));
                }
                *sent_on != generation
            });
        }
    }
}

/// The current connection.
#[derive(Debug)]
pub(super) struct Session {
    connection: Connection,
    pub channel: Channel,
    /// Which connection this is, counting from 1.
    pub generation: u64,
    /// Which node of the cluster it is connected to.
    node: usize,
}

impl Session {
    pub(super) fn is_alive(&self) -> bool {
        self.channel.status().connected() && self.connection.status().connected()
    }

    /// Connects to a node of `brokers` and starts consuming direct replies
    /// into `pending`.
    pub(super) async fn open(
        brokers: &Brokers,
        tls: &ClientTls,
        pending: Arc<Pending>,
        generation: u64,
    ) -> Result<Self, AmqpError> {
        let properties =
            ConnectionProperties::default().with_connection_name("rpc-amqp client".into());
        let connected = connect_any(brokers, properties, tls).await?;
        let connection = connected.connection;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let options = BasicConsumeOptions {
            no_ack: true,
            ..Default::default()
        };
        let mut replies = channel
            .basic_consume(
                DIRECT_REPLY_TO.into(),
                "".into(),
                options,
                FieldTable::default(),
            )
            .await?;
        tokio::spawn(async move {
            while let Some(Ok(reply)) = replies.next().await {
                pending.answer(reply);
            }
            pending.lost(generation);
        });
        Ok(Self {
            connection,
            channel,
            generation,
            node: connected.node,
        })
    }

    /// This connection is lost: the next one starts with another node.
    pub(super) fn retire(&self, brokers: &Brokers) {
        brokers.lost(self.node);
    }
}
