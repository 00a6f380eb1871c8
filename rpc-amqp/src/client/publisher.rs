//! Publishing calls to a topic exchange: every server bound to it runs each
//! one ([`AmqpTransport::publisher`]).

use std::sync::atomic::Ordering;

use futures_util::future::BoxFuture;
use lapin::options::{BasicPublishOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Confirmation, ExchangeKind};
use rpc_core::{ClientError, MethodMeta};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{AmqpTransport, Failed};
use crate::AmqpError;

/// A JSON-RPC 2.0 notification: a call without an id, answered by no one.
#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
}

impl AmqpTransport {
    /// Publishes a call of `method` to `exchange` as a notification, routed
    /// by the method's name; `Ok` once the broker has taken it. A method
    /// with a result cannot be published: the result would be nobody's.
    pub(super) async fn publish_call<P, R>(
        &self,
        exchange: &str,
        method: &'static MethodMeta,
        params: P,
    ) -> Result<R, ClientError>
    where
        P: Serialize + Send,
        R: DeserializeOwned + Send,
    {
        // `()` (and `Option`) read from `null`; anything else is a result.
        let unit = R::deserialize(serde_json::Value::Null).map_err(|_| {
            ClientError::transport(format!(
                "`{}` returns a value: a publisher sends notifications, to methods that return `()`",
                method.name
            ))
        })?;
        let body = serde_json::to_vec(&Notification {
            jsonrpc: "2.0",
            method: method.name,
            params: &params,
        })
        .map_err(ClientError::transport)?;
        let publish = self.publish_to_exchange(exchange, method.name, &body);
        match tokio::time::timeout(self.config.timeout, publish).await {
            Ok(Ok(())) => Ok(unit),
            Ok(Err(failed)) => Err(failed.into_client_error()),
            Err(_) => Err(ClientError::Timeout(self.config.timeout)),
        }
    }

    /// Publishes `body` to `exchange` under `routing_key`; `Ok` once the
    /// broker has taken it.
    ///
    /// Boxed, as [`attempt`](AmqpTransport::attempt) is: the generic `call`
    /// awaits it, and inlined there its lapin futures would make every
    /// call's future, reply-to calls' too, some kilobytes long.
    fn publish_to_exchange<'a>(
        &'a self,
        exchange: &'a str,
        routing_key: &'a str,
        body: &'a [u8],
    ) -> BoxFuture<'a, Result<(), Failed>> {
        Box::pin(self.publish_to_exchange_once(exchange, routing_key, body))
    }

    /// What [`publish_to_exchange`](Self::publish_to_exchange) does.
    async fn publish_to_exchange_once(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
    ) -> Result<(), Failed> {
        for _ in 0..2 {
            let (channel, generation) = {
                let session = self.session().await.map_err(Failed::NotSent)?;
                (session.channel.clone(), session.generation)
            };
            // The exchange is declared once per connection: publishing to an
            // exchange that does not exist would close the channel.
            if self.inner.exchange_declared.load(Ordering::Acquire) != generation {
                let declared = channel
                    .exchange_declare(
                        exchange.into(),
                        ExchangeKind::Topic,
                        ExchangeDeclareOptions {
                            durable: true,
                            ..Default::default()
                        },
                        FieldTable::default(),
                    )
                    .await;
                if let Err(err) = declared {
                    self.drop_session(generation).await;
                    return Err(Failed::NotSent(AmqpError::Broker(err)));
                }
                self.inner
                    .exchange_declared
                    .store(generation, Ordering::Release);
            }
            let properties = BasicProperties::default()
                .with_content_type("application/json".into())
                .with_delivery_mode(2)
                .with_headers(self.config.headers.clone());
            let published = channel
                .basic_publish(
                    exchange.into(),
                    routing_key.into(),
                    BasicPublishOptions::default(),
                    body,
                    properties,
                )
                .await;
            let confirm = match published {
                Ok(confirm) => confirm,
                Err(_) => {
                    self.drop_session(generation).await;
                    continue;
                }
            };
            return match confirm.await {
                Ok(Confirmation::Ack(_) | Confirmation::NotRequested) => Ok(()),
                Ok(Confirmation::Nack(_)) => {
                    Err(Failed::NotTaken(AmqpError::Refused(exchange.to_owned())))
                }
                Err(err) => {
                    self.drop_session(generation).await;
                    Err(Failed::MaybeRan(AmqpError::Broker(err)))
                }
            };
        }
        Err(Failed::NotSent(AmqpError::Lost))
    }
}
