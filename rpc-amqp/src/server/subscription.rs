//! A `#[subscription]` called over AMQP: its items are published to the
//! call's `reply_to`, each with the call's `correlation_id` and its place in
//! the stream, until the stream ends, the subscriber unsubscribes or
//! disappears, or the server stops. The wire form is
//! [`crate::subscription`]'s.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use rpc_core::jsonrpc::envelope::Call;
use rpc_core::jsonrpc::subscription::{
    Unsubscribe, encode_end, encode_heartbeat, encode_item, encode_subscribed,
};
use rpc_core::jsonrpc::{JsonRpc, encode_response};
use rpc_core::{Context, ResponseStream, RpcError};
use tokio::sync::{oneshot, watch};

use crate::subscription::{END, HEARTBEAT_MS, SEQ, SUBSCRIPTION};

/// The subscriptions a server runs, over all its connections, by id.
#[derive(Debug)]
pub(crate) struct Subscriptions {
    running: Mutex<HashMap<String, oneshot::Sender<()>>>,
    next: AtomicU64,
    /// Makes ids unguessable: one who does not hold a subscription cannot
    /// end it.
    keys: RandomState,
}

impl Subscriptions {
    pub(crate) fn new() -> Self {
        Self {
            running: Mutex::default(),
            next: AtomicU64::new(1),
            keys: RandomState::new(),
        }
    }

    /// A new subscription's id, and what ends it early.
    fn start(self: &Arc<Self>) -> (Running, oneshot::Receiver<()>) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{n}.{:016x}", self.keys.hash_one(n));
        let (stop, stopped) = oneshot::channel();
        if let Ok(mut running) = self.running.lock() {
            running.insert(id.clone(), stop);
        }
        let running = Running {
            id,
            all: Arc::clone(self),
        };
        (running, stopped)
    }

    /// Ends the subscription `id`; whether it was running here.
    pub(crate) fn unsubscribe(&self, id: &str) -> bool {
        let stop = self.running.lock().ok().and_then(|mut r| r.remove(id));
        stop.is_some_and(|stop| stop.send(()).is_ok())
    }

    /// How many run.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or_default()
    }
}

/// A running subscription's place in [`Subscriptions`], left when dropped.
struct Running {
    id: String,
    all: Arc<Subscriptions>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut running) = self.all.running.lock() {
            running.remove(&self.id);
        }
    }
}

/// What a subscription needs of the connection it runs on.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub channel: Channel,
    /// The queue of this connection where `rpc.unsubscribe` is sent.
    pub control_queue: ShortString,
    /// How long an idle subscription waits before it sends a heartbeat.
    pub heartbeat: Duration,
    /// Becomes `true` when the server stops (or leaves this connection).
    pub stopping: watch::Receiver<bool>,
    pub subscriptions: Arc<Subscriptions>,
    /// Acknowledges the channel's deliveries.
    pub acks: Arc<super::acks::Acks>,
    /// Where answers that may cost the connection go.
    pub quarantine: Arc<super::quarantine::Quarantine>,
}

/// The answer to `rpc.unsubscribe`: whether the subscription ran here.
pub(crate) fn unsubscribe(call: Call, subscriptions: &Subscriptions) -> Option<Vec<u8>> {
    let ended = call
        .params
        .decode::<Unsubscribe>()
        .map(|target| subscriptions.unsubscribe(&target.subscription));
    let response = match ended {
        Ok(ended) => rpc_core::Response::ok(ended),
        Err(err) => rpc_core::Response::error(err),
    };
    Some(encode_response(call.id?.as_bytes(), response))
}

/// Where and how a subscription's messages go.
struct Publisher {
    channel: Channel,
    reply_to: ShortString,
    /// `reply_to` is a direct reply-to address, to which the broker
    /// delivers but which it reports as unroutable: it is published to
    /// without `mandatory`, and looked for now and then instead.
    direct: bool,
    correlation_id: Option<ShortString>,
    subscription: String,
    sent: u64,
}

/// What became of a message published to the subscriber.
enum Sent {
    /// The broker took it for the subscriber's queue.
    Delivered,
    /// The subscriber's queue is gone: so is the subscriber.
    Gone,
    /// The broker did not take it, or the connection broke.
    Failed(String),
}

impl Publisher {
    async fn publish(&mut self, body: &[u8], extra: &[(&str, AMQPValue)]) -> Sent {
        let mut headers = FieldTable::default();
        headers.insert(SEQ.into(), AMQPValue::LongLongInt(self.sent as i64));
        headers.insert(
            SUBSCRIPTION.into(),
            AMQPValue::LongString(self.subscription.as_str().into()),
        );
        for (name, value) in extra {
            headers.insert((*name).into(), value.clone());
        }
        let mut properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_headers(headers);
        if let Some(correlation_id) = &self.correlation_id {
            properties = properties.with_correlation_id(correlation_id.clone());
        }
        self.publish_with(body, properties).await
    }

    async fn publish_with(&mut self, body: &[u8], properties: BasicProperties) -> Sent {
        let options = BasicPublishOptions {
            // A subscriber whose queue is gone has the message returned.
            mandatory: !self.direct,
            ..Default::default()
        };
        let confirmed = super::publish_confirmed(
            &self.channel,
            self.reply_to.as_str(),
            options,
            body,
            properties,
        )
        .await;
        match confirmed {
            Ok(Confirmation::Ack(None) | Confirmation::NotRequested) => {
                self.sent += 1;
                Sent::Delivered
            }
            Ok(Confirmation::Ack(Some(_)) | Confirmation::Nack(Some(_))) => Sent::Gone,
            Ok(Confirmation::Nack(None)) => Sent::Failed("the broker refused the message".into()),
            Err(err) => Sent::Failed(err.to_string()),
        }
    }
}

/// Serves the subscription `call` delivered in `delivery`: answers its id
/// (or the method's refusal), acknowledges the call once the answer is
/// confirmed, then publishes the items.
pub(crate) async fn serve(
    delivery: Delivery,
    call: Call,
    context: Context,
    reply_to: ShortString,
    link: Link,
    jsonrpc: &JsonRpc,
) {
    let Call { method, params, id } = call;
    let response = jsonrpc
        .call(method.clone(), params, id.as_ref(), context)
        .await;
    let correlation_id = delivery.properties.correlation_id().clone();
    let Some(id) = id else {
        // Subscribing as a notification: nobody to push to.
        return super::delivery::ack(&link, &delivery);
    };
    let items = match response.into_stream() {
        Ok(items) => items,
        Err(refused) => {
            let answer = encode_response(id.as_bytes(), refused);
            return super::delivery::reply(
                &delivery,
                &link,
                reply_to.as_str(),
                answer,
                "application/json",
            )
            .await;
        }
    };
    // A subscriber that may be gone with its node is looked for first:
    // publishing to it would cost the connection (see `super::quarantine`).
    if link
        .quarantine
        .takes(reply_to.as_str(), delivery.redelivered)
        && link.quarantine.exists(reply_to.as_str()).await == Some(false)
    {
        tracing::info!(
            method = &*method,
            "the subscriber is gone with its node; its subscription is dropped"
        );
        return super::delivery::ack(&link, &delivery);
    }
    let (running, unsubscribed) = link.subscriptions.start();
    let mut publisher = Publisher {
        channel: link.channel.clone(),
        direct: super::quarantine::is_direct(reply_to.as_str()),
        reply_to,
        correlation_id,
        subscription: running.id.clone(),
        sent: 0,
    };
    let mut answer = Vec::new();
    encode_subscribed(&mut answer, id.as_bytes(), &running.id);
    let mut properties = BasicProperties::default()
        .with_content_type("application/json".into())
        // Where `rpc.unsubscribe` goes.
        .with_reply_to(link.control_queue.clone());
    let mut headers = FieldTable::default();
    headers.insert(SEQ.into(), AMQPValue::LongLongInt(0));
    headers.insert(
        SUBSCRIPTION.into(),
        AMQPValue::LongString(running.id.as_str().into()),
    );
    headers.insert(
        HEARTBEAT_MS.into(),
        AMQPValue::LongLongInt(link.heartbeat.as_millis() as i64),
    );
    properties = properties.with_headers(headers);
    if let Some(correlation_id) = &publisher.correlation_id {
        properties = properties.with_correlation_id(correlation_id.clone());
    }
    match publisher.publish_with(&answer, properties).await {
        Sent::Delivered => super::delivery::ack(&link, &delivery),
        Sent::Gone => return super::delivery::ack(&link, &delivery),
        Sent::Failed(err) => {
            link.acks.left(delivery.delivery_tag);
            tracing::warn!(method = &*method, error = %err, "cannot answer a subscription; the call is left for redelivery");
            return;
        }
    }
    tracing::debug!(method = &*method, subscription = %running.id, "subscribed over AMQP");
    push(items, &method, &mut publisher, link, unsubscribed).await;
    drop(running);
}

/// Publishes the items as they come, heartbeats while there are none, and
/// the last word.
async fn push(
    mut items: ResponseStream,
    method: &str,
    publisher: &mut Publisher,
    mut link: Link,
    mut unsubscribed: oneshot::Receiver<()>,
) {
    let first = tokio::time::Instant::now() + link.heartbeat;
    let mut heartbeat = tokio::time::interval_at(first, link.heartbeat);
    // A direct reply-to address is looked for at this pace, items or not.
    let mut look = tokio::time::interval_at(first, link.heartbeat);
    let subscription = publisher.subscription.clone();
    let end = loop {
        let sent = tokio::select! {
            biased;
            _ = &mut unsubscribed => break None,
            () = stopped(&mut link.stopping) => {
                break Some(RpcError::shutting_down("the server is shutting down: subscribe again"));
            }
            item = items.next() => match item {
                Some(Ok(item)) => {
                    let mut notification = Vec::with_capacity(256);
                    if let Err(err) = encode_item(&mut notification, method, &subscription, &item) {
                        tracing::error!(error = %err, method, "cannot encode a subscription's item as JSON");
                        break Some(RpcError::internal("internal error: an item cannot be encoded"));
                    }
                    heartbeat.reset();
                    publisher.publish(&notification, &[]).await
                }
                Some(Err(err)) => break Some(err),
                None => break None,
            },
            // Looked for before a heartbeat, which would be published to
            // a subscriber gone with its node.
            _ = look.tick(), if publisher.direct => {
                match link.quarantine.exists(publisher.reply_to.as_str()).await {
                    Some(false) => Sent::Gone,
                    Some(true) | None => Sent::Delivered,
                }
            }
            _ = heartbeat.tick() => {
                let mut beat = Vec::new();
                encode_heartbeat(&mut beat, &subscription);
                publisher.publish(&beat, &[]).await
            }
        };
        match sent {
            Sent::Delivered => {}
            Sent::Gone => {
                tracing::debug!(method, %subscription, "the subscriber's queue is gone: the subscription ends");
                return;
            }
            Sent::Failed(err) => {
                tracing::warn!(method, %subscription, error = %err, "cannot publish to a subscriber: the subscription ends");
                return;
            }
        }
    };
    // The stream's resources go before the last word waits for its confirm.
    drop(items);
    let mut last = Vec::new();
    encode_end(&mut last, method, &subscription, end.as_ref());
    let _ = publisher
        .publish(&last, &[(END, AMQPValue::Boolean(true))])
        .await;
}

/// Resolves once the server stops (or leaves the connection).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // A dropped sender is a stop too.
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_unsubscribing_ends_only_the_one_named() {
        let subscriptions = Arc::new(Subscriptions::new());
        let (first, mut first_stopped) = subscriptions.start();
        let (second, mut second_stopped) = subscriptions.start();
        assert_ne!(first.id, second.id);
        assert_eq!(subscriptions.len(), 2);
        assert!(!subscriptions.unsubscribe("1.0000000000000000"));
        assert!(subscriptions.unsubscribe(&second.id));
        assert!(second_stopped.try_recv().is_ok());
        assert!(first_stopped.try_recv().is_err());
        drop(second);
        drop(first);
        assert_eq!(subscriptions.len(), 0);
    }
}
