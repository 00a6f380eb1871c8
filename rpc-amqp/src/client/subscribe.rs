//! A subscription through [`AmqpTransport`]: the call, its answer (the
//! subscription's id, the queue that ends it, the heartbeat), then its
//! messages as a stream, which ends the subscription when dropped.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::BasicProperties;
use lapin::message::Delivery;
use lapin::options::BasicPublishOptions;
use lapin::types::AMQPValue;
use rpc_core::jsonrpc::subscription::{Message, UNSUBSCRIBE, decode_message};
use rpc_core::{ClientError, MethodMeta, SubscriptionStream, jsonrpc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::AmqpTransport;
use super::session::STREAMED;
use crate::DEFAULT_SUBSCRIPTION_HEARTBEAT;
use crate::subscription::HEARTBEAT_MS;

/// How many heartbeats a subscriber may miss before it takes the server
/// as gone.
const MISSED_HEARTBEATS: u32 = 3;

impl AmqpTransport {
    pub(super) async fn open_subscription<P, R>(
        &self,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<SubscriptionStream<R>, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send + 'static,
    {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let correlation_id = self.inner.pending.correlation_id(id);
        let body = jsonrpc::encode_call(method.name, &params, id)?;
        let (sender, mut receiver) = mpsc::channel(STREAMED);
        let timeout = self.config.timeout;
        let answer = async {
            self.publish(&body, &correlation_id, |generation| {
                let stream = sender.clone();
                self.inner
                    .pending
                    .stream(&correlation_id, generation, stream);
            })
            .await
            .map_err(super::Failed::into_client_error)?;
            match receiver.recv().await {
                Some(answer) => answer,
                None => Err(ClientError::interrupted(
                    "the connection to the broker was lost before the subscription was answered",
                )),
            }
        };
        let answer = tokio::time::timeout(timeout, answer).await;
        drop(sender);
        let answer = match answer {
            Ok(Ok(answer)) => answer,
            Ok(Err(err)) => {
                self.inner.pending.forget(&correlation_id);
                return Err(err);
            }
            Err(_) => {
                self.inner.pending.forget(&correlation_id);
                return Err(ClientError::Timeout(timeout));
            }
        };
        let subscription = match jsonrpc::decode_reply::<String>(&answer.data) {
            Ok(subscription) => subscription,
            Err(err) => {
                self.inner.pending.forget(&correlation_id);
                return Err(err);
            }
        };
        let watch = Watch {
            control: answer
                .properties
                .reply_to()
                .as_ref()
                .map(|queue| queue.to_string()),
            idle: heartbeat(&answer) * MISSED_HEARTBEATS,
            transport: self.clone(),
            correlation_id,
            subscription,
            receiver,
            done: false,
            ended: false,
        };
        let items = futures_util::stream::unfold(watch, |mut watch| async move {
            let item = watch.next().await?;
            Some((item, watch))
        });
        Ok(Box::pin(items.map(|item| {
            serde_json::from_str(item?.get()).map_err(ClientError::decode)
        })))
    }

    /// Ends `subscription` on the server, by its control queue.
    async fn unsubscribe(&self, control: &str, subscription: &str) {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "method": UNSUBSCRIBE,
            "params": { "subscription": subscription },
        });
        let Ok(body) = serde_json::to_vec(&body) else {
            return;
        };
        let Ok(session) = self.session().await else {
            return;
        };
        let channel = session.channel.clone();
        drop(session);
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_headers(self.config.headers.clone());
        let published = channel
            .basic_publish(
                "".into(),
                control.into(),
                BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await;
        if let Ok(confirm) = published {
            let _ = confirm.await;
        }
    }
}

/// How often the server said an idle subscription sends a heartbeat.
fn heartbeat(answer: &Delivery) -> Duration {
    let millis = answer
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(HEARTBEAT_MS))
        .and_then(|value| match value {
            AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
            AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
            AMQPValue::LongUInt(n) => Some(u64::from(*n)),
            AMQPValue::ShortInt(n) => u64::try_from(*n).ok(),
            _ => None,
        });
    millis.map_or(DEFAULT_SUBSCRIPTION_HEARTBEAT, Duration::from_millis)
}

/// A subscription's messages, as its stream reads them.
struct Watch {
    transport: AmqpTransport,
    correlation_id: String,
    subscription: String,
    /// Where `rpc.unsubscribe` goes.
    control: Option<String>,
    receiver: mpsc::Receiver<Result<Delivery, ClientError>>,
    /// How long without a word before the server is taken as gone.
    idle: Duration,
    /// Nothing more comes.
    done: bool,
    /// The server ended the subscription: nothing to unsubscribe.
    ended: bool,
}

impl Watch {
    async fn next(&mut self) -> Option<Result<Box<RawValue>, ClientError>> {
        if self.done {
            return None;
        }
        loop {
            let message = match tokio::time::timeout(self.idle, self.receiver.recv()).await {
                Ok(Some(Ok(message))) => message,
                Ok(Some(Err(err))) => return self.fail(err),
                Ok(None) => {
                    return self.fail(ClientError::interrupted(
                        "the subscription's messages stopped: subscribe again",
                    ));
                }
                Err(_) => {
                    return self.fail(ClientError::interrupted(format!(
                        "no word from the server for {} ms, {MISSED_HEARTBEATS} heartbeats: \
                         it is taken as gone; subscribe again",
                        self.idle.as_millis()
                    )));
                }
            };
            match decode_message(&message.data) {
                Ok(Message::Item { item, .. }) => return Some(Ok(item.to_owned())),
                Ok(Message::End { error, .. }) => {
                    (self.done, self.ended) = (true, true);
                    return error.map(|err| Err(ClientError::Rpc(err)));
                }
                // Heartbeats.
                Ok(_) => {}
                Err(err) => return self.fail(err),
            }
        }
    }

    fn fail(&mut self, err: ClientError) -> Option<Result<Box<RawValue>, ClientError>> {
        self.done = true;
        Some(Err(err))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.transport.inner.pending.forget(&self.correlation_id);
        if self.ended {
            return;
        }
        let (Some(control), Ok(runtime)) =
            (self.control.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let transport = self.transport.clone();
        let subscription = std::mem::take(&mut self.subscription);
        let timeout = transport.config.timeout;
        runtime.spawn(async move {
            let unsubscribe = transport.unsubscribe(&control, &subscription);
            let _ = tokio::time::timeout(timeout, unsubscribe).await;
        });
    }
}
