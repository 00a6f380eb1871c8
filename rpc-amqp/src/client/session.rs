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
#[derive(Debug, Default)]
pub(super) struct Pending {
    calls: Mutex<HashMap<String, (u64, oneshot::Sender<Delivery>)>>,
    streams: Mutex<HashMap<String, (u64, Stream)>>,
}

/// Where a subscription's messages go: at most [`STREAMED`] wait for its
/// reader.
pub(super) type Stream = mpsc::Sender<Result<Delivery, ClientError>>;

/// How many messages of one subscription wait for its reader at most; past
/// that it is ended as lagged rather than holding memory without bound.
pub(super) const STREAMED: usize = 1024;

impl Pending {
    /// Waits for the answer to `id`, sent on connection `generation`.
    pub(super) fn wait(&self, id: &str, generation: u64) -> oneshot::Receiver<Delivery> {
        let (sender, receiver) = oneshot::channel();
        if let Ok(mut pending) = self.calls.lock() {
            pending.insert(id.to_owned(), (generation, sender));
        }
        receiver
    }

    /// Routes every message for `id`, subscribed on connection
    /// `generation`, to `stream`.
    pub(super) fn stream(&self, id: &str, generation: u64, stream: Stream) {
        if let Ok(mut streams) = self.streams.lock() {
            streams.insert(id.to_owned(), (generation, stream));
        }
    }

    /// No longer waits for `id` (its call timed out or failed, or its
    /// subscription ended).
    pub(super) fn forget(&self, id: &str) {
        if let Ok(mut pending) = self.calls.lock() {
            pending.remove(id);
        }
        if let Ok(mut streams) = self.streams.lock() {
            streams.remove(id);
        }
    }

    fn answer(&self, reply: Delivery) {
        let Some(id) = reply.properties.correlation_id().clone() else {
            return tracing::debug!("dropping an answer without correlation id");
        };
        let caller = self
            .calls
            .lock()
            .ok()
            .and_then(|mut c| c.remove(id.as_str()));
        if let Some((_, caller)) = caller {
            return drop(caller.send(reply));
        }
        let Ok(mut streams) = self.streams.lock() else {
            return;
        };
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
