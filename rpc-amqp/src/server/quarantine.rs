//! Answers that may cost the connection they are published on, published
//! on a connection of their own.
//!
//! RabbitMQ (3.x) closes a connection with `INTERNAL_ERROR` when it
//! publishes to, or looks for, a direct reply-to address on a node it does
//! not know: that of a caller gone with its node, or one forged. On the
//! server's own connection that takes every call in flight with it; the
//! broker redelivers them, the calls of the gone caller among them, whose
//! answers close the next connection the same way, again and again while
//! the node is down (for good, for a call that set no expiration), and the
//! calls of every other caller are caught in it.
//!
//! So an answer that may be such is published here instead, alone, on a
//! connection of this server's own: the answer to a redelivered call, and
//! the answer to a caller on a node no answer was delivered to yet (the
//! first of each node, every one to a node that does not exist) or none
//! since a connection was closed so with an answer to it in flight. If the
//! broker closes this connection with `INTERNAL_ERROR`, it was that
//! answer's caller that is gone: the answer is dropped and its call
//! acknowledged, as the broker drops an answer to a caller gone any other
//! way. Subscriptions look for their direct reply-to subscribers here too.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::protocol::{AMQPErrorKind, AMQPHardError};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use rpc_core::tls::ClientTls;

use crate::Brokers;

/// RabbitMQ's pseudo-queue for direct reply-to: its addresses start so.
const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to.";

/// How many nodes may be known at once; past that the list starts again (a
/// node not known only costs its next answer the detour).
const MAX_KNOWN: usize = 1024;

/// The connection of a server's own for answers that may cost it, and the
/// nodes answers are delivered to.
#[derive(Debug)]
pub(crate) struct Quarantine {
    brokers: Brokers,
    tls: Arc<ClientTls>,
    name: String,
    /// One answer or look at a time: whatever closes the connection, it was
    /// that one.
    link: tokio::sync::Mutex<Option<(Connection, Channel)>>,
    /// The callers' nodes (see [`with_node`]) an answer was delivered to here,
    /// and none in flight since on a connection the broker closed with
    /// `INTERNAL_ERROR`: answers to them go on the server's connection.
    known: Mutex<HashSet<String>>,
}

/// What became of an answer published through the quarantine.
#[derive(Debug)]
pub(crate) enum Published {
    /// The broker took it.
    Delivered,
    /// The broker closed the connection for it: its caller is gone.
    CallerGone,
    /// The broker did not take it, or could not be reached.
    Failed(String),
}

impl Quarantine {
    /// A quarantine connecting to `brokers` when first needed, named after
    /// `queue` (as RabbitMQ lists it).
    pub(crate) fn new(brokers: Brokers, tls: Arc<ClientTls>, queue: &str) -> Self {
        Self {
            brokers,
            tls,
            name: format!("rpc-amqp quarantine (server {queue})"),
            link: tokio::sync::Mutex::new(None),
            known: Mutex::default(),
        }
    }

    /// Whether the answer to `reply_to` goes through here: one to a direct
    /// reply-to address, of a call redelivered or of a caller on a node not
    /// known yet.
    pub(crate) fn takes(&self, reply_to: &str, redelivered: bool) -> bool {
        with_node(reply_to, |node| redelivered || !self.known().contains(node)).unwrap_or(false)
    }

    /// An answer to `reply_to` was in flight when the broker closed the
    /// connection with `err`: if that was `INTERNAL_ERROR`, its caller's node
    /// may be gone, and its next answers go through here.
    pub(crate) fn suspect(&self, reply_to: &str, err: &lapin::Error) {
        if is_internal_error(err) {
            with_node(reply_to, |node| self.known().remove(node));
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `body` to `reply_to` alone on the quarantine's connection
    /// and waits for the broker's confirm.
    pub(crate) async fn publish(
        &self,
        reply_to: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Published {
        let mut link = self.link.lock().await;
        let channel = match self.channel(&mut link).await {
            Ok(channel) => channel,
            Err(err) => return Published::Failed(err.to_string()),
        };
        let confirmed = super::publish_confirmed(
            &channel,
            reply_to,
            BasicPublishOptions::default(),
            body,
            properties,
        )
        .await;
        match confirmed {
            Ok(Confirmation::Ack(_) | Confirmation::NotRequested) => {
                with_node(reply_to, |node| {
                    let mut known = self.known();
                    if known.len() >= MAX_KNOWN {
                        known.clear();
                    }
                    known.insert(node.to_owned());
                });
                Published::Delivered
            }
            Ok(Confirmation::Nack(_)) => Published::Failed("the broker refused the message".into()),
            Err(err) if is_internal_error(&err) => {
                *link = None;
                Published::CallerGone
            }
            Err(err) => {
                *link = None;
                Published::Failed(err.to_string())
            }
        }
    }

    /// Whether the queue or direct reply-to address `queue` still exists,
    /// declared passively on a channel of its own on the quarantine's
    /// connection; `None` when it cannot tell.
    pub(crate) async fn exists(&self, queue: &str) -> Option<bool> {
        let mut link = self.link.lock().await;
        self.channel(&mut link).await.ok()?;
        let connection = &link.as_ref()?.0;
        let channel = connection.create_channel().await.ok()?;
        let options = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        match channel
            .queue_declare(queue.into(), options, FieldTable::default())
            .await
        {
            Ok(_) => {
                let _ = channel.close(200, "done".into()).await;
                Some(true)
            }
            Err(err) if is_internal_error(&err) => {
                *link = None;
                Some(false)
            }
            Err(err) if err.to_string().contains("NOT_FOUND") => Some(false),
            Err(_) => None,
        }
    }

    /// Closes the quarantine's connection, if it is open (the server stops).
    pub(crate) async fn close(&self) {
        if let Some((connection, _)) = self.link.lock().await.take() {
            let _ = connection.close(200, "done".into()).await;
        }
    }

    /// The quarantine's channel, on a connection opened now if there is
    /// none or it was lost.
    async fn channel(
        &self,
        link: &mut Option<(Connection, Channel)>,
    ) -> Result<Channel, crate::AmqpError> {
        if let Some((connection, channel)) = link.as_ref()
            && connection.status().connected()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        *link = None;
        let properties =
            ConnectionProperties::default().with_connection_name(self.name.as_str().into());
        let connected = crate::connect::connect_any(&self.brokers, properties, &self.tls).await?;
        let channel = connected.connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *link = Some((connected.connection, channel.clone()));
        Ok(channel)
    }
}

/// The caller of a direct reply-to address: the part that names its channel
/// (the rest names the call).
fn caller(reply_to: &str) -> Option<&str> {
    let rest = reply_to.strip_prefix(DIRECT_REPLY_TO)?;
    let caller = rest.split('.').next()?;
    (!caller.is_empty()).then_some(caller)
}

/// `f` of the node of a direct reply-to address's caller, as the broker
/// wrote it there (the address's channel part is the channel's Erlang pid,
/// in the external term format, in base64: a tag, then the node's name as
/// an atom), or of the whole channel part when it is not in that form;
/// `None` for an address that is not a direct reply-to one. Read on the
/// stack: every answer asks.
fn with_node<T>(reply_to: &str, f: impl FnOnce(&str) -> T) -> Option<T> {
    use base64::Engine;
    let caller = caller(reply_to)?;
    let mut pid = [0u8; 128];
    let node = base64::engine::general_purpose::STANDARD
        .decode_slice(caller, &mut pid)
        .ok()
        .and_then(|len| node_of_pid(&pid[..len]));
    Some(f(node.unwrap_or(caller)))
}

/// The node's name in an Erlang pid in the external term format.
fn node_of_pid(term: &[u8]) -> Option<&str> {
    // Version 131, then PID_EXT or NEW_PID_EXT.
    let [131, 103 | 88, atom @ ..] = term else {
        return None;
    };
    let (len, name) = match atom {
        // ATOM_EXT, ATOM_UTF8_EXT: a two-byte length.
        [100 | 118, high, low, name @ ..] => (usize::from(*high) << 8 | usize::from(*low), name),
        // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT: a one-byte length.
        [115 | 119, len, name @ ..] => (usize::from(*len), name),
        _ => return None,
    };
    std::str::from_utf8(name.get(..len)?).ok()
}

/// Whether `reply_to` is a direct reply-to address.
pub(crate) fn is_direct(reply_to: &str) -> bool {
    caller(reply_to).is_some()
}

/// Whether the broker closed the connection with `INTERNAL_ERROR`.
fn is_internal_error(err: &lapin::Error) -> bool {
    matches!(
        err.kind(),
        lapin::ErrorKind::ProtocolError(e)
            if *e.kind() == AMQPErrorKind::Hard(AMQPHardError::INTERNALERROR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A caller's address as RabbitMQ 3.10 writes it: its channel on node
    /// `reply@119230756`.
    const ADDRESS: &str = "amq.rabbitmq.reply-to.g1h2AA9yZXBseUAxMTkyMzA3NTYAAAYRAAAAAGsLx4w=.7bug5JdyYLmd0NCBc85gVQ==";

    #[test]
    fn the_node_is_read_from_a_direct_reply_to_address() {
        let node = |address| with_node(address, str::to_owned);
        assert_eq!(node(ADDRESS).as_deref(), Some("reply@119230756"));
        assert_eq!(
            caller(ADDRESS),
            Some("g1h2AA9yZXBseUAxMTkyMzA3NTYAAAYRAAAAAGsLx4w=")
        );
        // Not a pid: the channel part stands for the node.
        assert_eq!(
            node("amq.rabbitmq.reply-to.abc.key").as_deref(),
            Some("abc")
        );
        assert_eq!(node("amq.gen-SlcZsCWu20e8JBKqqoab2g"), None);
        assert_eq!(node("amq.rabbitmq.reply-to."), None);
        assert_eq!(node("replies"), None);
        assert_eq!(
            node_of_pid(&[131, 88, 119, 3, b'a', b'@', b'b', 0]),
            Some("a@b")
        );
        assert_eq!(node_of_pid(&[131, 88, 119, 9, b'a']), None, "cut short");
    }

    #[test]
    fn only_answers_that_may_cost_a_connection_take_the_detour() {
        let quarantine = Quarantine::new(
            Brokers::from("amqp://127.0.0.1:5672/%2f"),
            Arc::new(ClientTls::new()),
            "q",
        );
        assert!(
            quarantine.takes(ADDRESS, false),
            "the first answer to a node goes aside"
        );
        assert!(
            !quarantine.takes("amq.gen-x", true),
            "a named queue never closes a connection"
        );
        quarantine.known().insert("reply@119230756".into());
        assert!(!quarantine.takes(ADDRESS, false));
        assert!(
            quarantine.takes(ADDRESS, true),
            "a redelivered call goes aside"
        );
        let io = lapin::Error::from(std::io::Error::other("reset"));
        quarantine.suspect(ADDRESS, &io);
        assert!(
            !quarantine.takes(ADDRESS, false),
            "a lost network says nothing of the caller"
        );
        let internal = lapin::Error::from(lapin::ErrorKind::ProtocolError(
            lapin::protocol::AMQPError::new(
                AMQPErrorKind::Hard(AMQPHardError::INTERNALERROR),
                "INTERNAL_ERROR".into(),
            ),
        ));
        quarantine.suspect(ADDRESS, &internal);
        assert!(quarantine.takes(ADDRESS, false));
    }
}
