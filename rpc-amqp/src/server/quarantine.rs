//! Answers that may cost the connection they are published on, published
//! on a connection of their own.
//!
//! RabbitMQ (3.x) closes a connection with `INTERNAL_ERROR` when it
//! publishes to, or looks for, a direct reply-to address whose node is down:
//! the caller went with that node. On the server's own connection that takes
//! every call in flight with it; the broker redelivers them, the calls of the
//! gone caller among them, whose answers close the next connection the same
//! way, again and again while the node is down (for good, for a caller that
//! set no expiration), and the calls of every other caller are caught in it.
//!
//! So an answer that may be such is published here instead, alone, on a
//! connection of this server's own: the answer to a redelivered call, and
//! one to a caller whose answer was in flight when a connection was closed
//! so. If the broker closes this connection with `INTERNAL_ERROR`, it was
//! that answer's caller that is gone: the answer is dropped and its call
//! acknowledged, as the broker drops an answer to a caller gone any other
//! way. Subscriptions look for their direct reply-to subscribers here too.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::protocol::{AMQPErrorKind, AMQPHardError};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use rpc_core::tls::ClientTls;

use crate::Brokers;

/// RabbitMQ's pseudo-queue for direct reply-to: its addresses start so.
const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to.";

/// How many callers may be suspected at once; past that the list starts
/// again (a suspect only costs its answers the detour).
const MAX_SUSPECTS: usize = 4096;

/// The connection of a server's own for answers that may cost it, and the
/// callers suspected of being gone.
#[derive(Debug)]
pub(crate) struct Quarantine {
    brokers: Brokers,
    tls: Arc<ClientTls>,
    name: String,
    /// One answer or look at a time: whatever closes the connection, it was
    /// that one.
    link: tokio::sync::Mutex<Option<(Connection, Channel)>>,
    /// The callers (the channel part of their direct reply-to address) whose
    /// answer was in flight on a connection the broker closed with
    /// `INTERNAL_ERROR`.
    suspects: Mutex<HashSet<String>>,
    /// Whether `suspects` holds any: the answers of a server nobody's
    /// caller went missing from take no lock.
    any_suspect: AtomicBool,
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
            suspects: Mutex::default(),
            any_suspect: AtomicBool::new(false),
        }
    }

    /// Whether the answer to `reply_to` goes through here: a direct reply-to
    /// address, of a call redelivered or of a suspected caller.
    pub(crate) fn takes(&self, reply_to: &str, redelivered: bool) -> bool {
        let Some(caller) = caller(reply_to) else {
            return false;
        };
        redelivered
            || (self.any_suspect.load(Ordering::Relaxed) && self.suspects().contains(caller))
    }

    /// An answer to `reply_to` was in flight when the broker closed the
    /// connection with `err`: if that was `INTERNAL_ERROR`, its caller may be
    /// gone, and its next answers go through here.
    pub(crate) fn suspect(&self, reply_to: &str, err: &lapin::Error) {
        if let Some(caller) = caller(reply_to)
            && is_internal_error(err)
        {
            let mut suspects = self.suspects();
            if suspects.len() >= MAX_SUSPECTS {
                suspects.clear();
            }
            suspects.insert(caller.to_owned());
            self.any_suspect.store(true, Ordering::Relaxed);
        }
    }

    fn suspects(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.suspects.lock().unwrap_or_else(|e| e.into_inner())
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
        let published = channel
            .basic_publish(
                "".into(),
                reply_to.into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await;
        let confirmed = match published {
            Ok(confirm) => confirm.await,
            Err(err) => Err(err),
        };
        match confirmed {
            Ok(Confirmation::Ack(_) | Confirmation::NotRequested) => {
                if let Some(caller) = caller(reply_to) {
                    let mut suspects = self.suspects();
                    suspects.remove(caller);
                    self.any_suspect
                        .store(!suspects.is_empty(), Ordering::Relaxed);
                }
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

    #[test]
    fn the_caller_is_the_channel_part_of_a_direct_reply_to_address() {
        assert_eq!(
            caller("amq.rabbitmq.reply-to.g1h2AA5yZXBseUA3.FH7UtPMu+Eg=="),
            Some("g1h2AA5yZXBseUA3")
        );
        assert_eq!(caller("amq.gen-SlcZsCWu20e8JBKqqoab2g"), None);
        assert_eq!(caller("amq.rabbitmq.reply-to."), None);
        assert_eq!(caller("replies"), None);
    }

    #[test]
    fn only_answers_that_may_cost_a_connection_take_the_detour() {
        let quarantine = Quarantine::new(
            Brokers::from("amqp://127.0.0.1:5672/%2f"),
            Arc::new(ClientTls::new()),
            "q",
        );
        let direct = "amq.rabbitmq.reply-to.abc.key1";
        assert!(!quarantine.takes(direct, false));
        assert!(quarantine.takes(direct, true));
        assert!(
            !quarantine.takes("amq.gen-x", true),
            "a named queue never closes a connection"
        );
        let io = lapin::Error::from(std::io::Error::other("reset"));
        quarantine.suspect(direct, &io);
        assert!(
            !quarantine.takes(direct, false),
            "a lost network says nothing of the caller"
        );
        let internal = lapin::Error::from(lapin::ErrorKind::ProtocolError(
            lapin::protocol::AMQPError::new(
                AMQPErrorKind::Hard(AMQPHardError::INTERNALERROR),
                "INTERNAL_ERROR".into(),
            ),
        ));
        quarantine.suspect(direct, &internal);
        assert!(quarantine.takes("amq.rabbitmq.reply-to.abc.key2", false));
        assert!(!quarantine.takes("amq.rabbitmq.reply-to.other.key", false));
    }
}
