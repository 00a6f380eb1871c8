//! One message: decode it by its content type, run it, reply to `reply_to`,
//! and acknowledge it once the reply is confirmed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lapin::message::Delivery;
use lapin::options::{BasicPublishOptions, BasicRejectOptions};
use lapin::{BasicProperties, Confirmation};
use rpc_core::{Context, Protocol, RpcError};

use rpc_core::jsonrpc::envelope::Incoming;
use rpc_core::jsonrpc::subscription::UNSUBSCRIBE;

use super::Codecs;
use super::quarantine::Published;
use super::subscription::{self, Link};
use crate::{AmqpProperties, Redelivered};

/// The protocol of a message, from its content type.
enum Kind {
    Json,
    Xml,
    Unknown(String),
}

fn kind(content_type: Option<&str>) -> Kind {
    let media_type = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match media_type.as_deref() {
        // A message without content type is taken as JSON-RPC, as the
        // RabbitMQ tutorials send them.
        None | Some("" | "application/json" | "application/json-rpc") => Kind::Json,
        Some("text/xml" | "application/xml") => Kind::Xml,
        Some(other) => Kind::Unknown(other.to_owned()),
    }
}

pub(crate) async fn handle(mut delivery: Delivery, link: Link, codecs: Arc<Codecs>) {
    let properties = delivery.properties.clone();
    let reply_to = properties
        .reply_to()
        .as_ref()
        .map(|r| r.as_str().to_owned())
        .filter(|r| !r.is_empty());
    let kind = kind(properties.content_type().as_ref().map(|c| c.as_str()));
    let body = Bytes::from(std::mem::take(&mut delivery.data));

    let mut context = Context::new(match kind {
        Kind::Xml => Protocol::XmlRpc,
        _ => Protocol::JsonRpc,
    });
    if let Some(ms) = properties
        .expiration()
        .as_ref()
        .and_then(|e| e.as_str().parse::<u64>().ok())
    {
        context.set_deadline(Some(Instant::now() + Duration::from_millis(ms)));
    }
    if let Some(id) = properties.correlation_id() {
        context.set_request_id(id.as_str());
    }
    *context.headers_mut() = headers(&properties);
    context
        .extensions_mut()
        .insert(AmqpProperties(properties.clone()));
    context
        .extensions_mut()
        .insert(Redelivered(delivery.redelivered));

    let refused = refusal(&kind, &properties, body.len(), codecs.max_body_size);
    let Some(reply_to) = reply_to else {
        // A notification: run it if it can be decoded, answer nothing.
        let checked = match (&refused, &kind) {
            (Some(err), _) => Err(err.clone()),
            (None, Kind::Json) => codecs.jsonrpc.check(&body),
            (None, Kind::Xml) => codecs.xmlrpc.check(&body),
            (None, Kind::Unknown(_)) => unreachable!("an unknown content type is refused"),
        };
        match checked {
            Ok(()) => {
                match kind {
                    Kind::Xml => drop(codecs.xmlrpc.handle(body, context).await),
                    _ => match codecs.jsonrpc.parse(&body) {
                        // `rpc.unsubscribe` as a notification, as clients send it.
                        Incoming::Single(Ok(call)) if &*call.method == UNSUBSCRIBE => {
                            drop(subscription::unsubscribe(call, &link.subscriptions));
                        }
                        incoming => drop(codecs.jsonrpc.handle_parsed(incoming, context).await),
                    },
                }
                ack(&link, &delivery);
            }
            Err(err) => {
                tracing::warn!(error = %err, "rejecting an undecodable message without reply_to");
                if let Err(err) = delivery.reject(BasicRejectOptions { requeue: false }).await {
                    tracing::warn!(error = %err, "cannot reject a message");
                }
                link.acks.rejected(delivery.delivery_tag);
            }
        }
        return;
    };

    let (answer, content_type) = match (refused, kind) {
        (Some(err), Kind::Xml) => (rpc_core::xmlrpc::encode_fault(&err), "text/xml"),
        (Some(err), _) => (rpc_core::jsonrpc::encode_error(&err), "application/json"),
        (None, Kind::Json) => {
            let answer = match codecs.jsonrpc.parse(&body) {
                Incoming::Single(Ok(call)) if codecs.is_subscription(&call.method) => {
                    let reply_to = reply_to.as_str().into();
                    return subscription::serve(
                        delivery,
                        call,
                        context,
                        reply_to,
                        link,
                        &codecs.jsonrpc,
                    )
                    .await;
                }
                Incoming::Single(Ok(call)) if &*call.method == UNSUBSCRIBE => {
                    subscription::unsubscribe(call, &link.subscriptions)
                }
                incoming => codecs.jsonrpc.handle_parsed(incoming, context).await,
            };
            match answer {
                Some(answer) => (answer, "application/json"),
                // Notifications only: nothing to answer, though a reply_to was given.
                None => return ack(&link, &delivery),
            }
        }
        (None, Kind::Xml) => (codecs.xmlrpc.handle(body, context).await, "text/xml"),
        (None, Kind::Unknown(_)) => unreachable!("an unknown content type is refused"),
    };
    reply(&delivery, &link, &reply_to, answer, content_type).await;
}

/// Publishes `answer` to `reply_to` with the request's correlation id, and
/// acknowledges the request once the broker confirms it. An answer that may
/// cost the connection (to a direct reply-to caller that may be gone with
/// its node) goes through the quarantine instead.
pub(crate) async fn reply(
    delivery: &Delivery,
    link: &Link,
    reply_to: &str,
    answer: Vec<u8>,
    content_type: &str,
) {
    let mut reply = BasicProperties::default().with_content_type(content_type.into());
    if let Some(correlation_id) = delivery.properties.correlation_id() {
        reply = reply.with_correlation_id(correlation_id.clone());
    }
    if link.quarantine.takes(reply_to, delivery.redelivered) {
        return match link.quarantine.publish(reply_to, &answer, reply).await {
            Published::Delivered => ack(link, delivery),
            Published::CallerGone => {
                tracing::info!(
                    reply_to,
                    "the caller is gone with its node; its answer is dropped"
                );
                ack(link, delivery);
            }
            Published::Failed(err) => {
                link.acks.left(delivery.delivery_tag);
                tracing::warn!(reply_to, error = %err, "cannot publish a reply; the request is left for redelivery");
            }
        };
    }
    let confirmed = super::publish_confirmed(
        &link.channel,
        reply_to,
        BasicPublishOptions::default(),
        &answer,
        reply,
    )
    .await;
    match confirmed {
        Ok(Confirmation::Ack(_) | Confirmation::NotRequested) => ack(link, delivery),
        Ok(Confirmation::Nack(_)) => {
            link.acks.left(delivery.delivery_tag);
            tracing::warn!(
                reply_to,
                "the broker refused a reply; the request is left for redelivery"
            );
        }
        Err(err) => {
            link.acks.left(delivery.delivery_tag);
            link.quarantine.suspect(reply_to, &err);
            tracing::warn!(reply_to, error = %err, "cannot publish a reply; the request is left for redelivery");
        }
    }
}

/// The message's string headers as an `http::HeaderMap`, the form HTTP front
/// ends give theirs in, so that one layer (an `Authorization` check) serves
/// every transport.
fn headers(properties: &BasicProperties) -> http::HeaderMap {
    use lapin::types::AMQPValue;
    let mut map = http::HeaderMap::new();
    let Some(table) = properties.headers() else {
        return map;
    };
    for (name, value) in table.inner() {
        let text = match value {
            AMQPValue::LongString(text) => String::from_utf8_lossy(text.as_bytes()).into_owned(),
            AMQPValue::ShortString(text) => text.as_str().to_owned(),
            _ => continue,
        };
        let name = http::HeaderName::from_bytes(name.as_str().to_ascii_lowercase().as_bytes());
        if let (Ok(name), Ok(value)) = (name, http::HeaderValue::from_str(&text)) {
            map.append(name, value);
        }
    }
    map
}

/// Why a message is refused before it is read: a content type or encoding
/// the server does not speak, or a body over the limit.
fn refusal(
    kind: &Kind,
    properties: &BasicProperties,
    len: usize,
    max_body_size: usize,
) -> Option<RpcError> {
    if let Kind::Unknown(media_type) = kind {
        return Some(RpcError::invalid_request(format!(
            "unsupported content type `{}`: send application/json (JSON-RPC 2.0) or text/xml (XML-RPC)",
            media_type.chars().take(64).collect::<String>()
        )));
    }
    let encoding = properties
        .content_encoding()
        .as_ref()
        .map(|e| e.as_str().trim().to_ascii_lowercase());
    // Some clients (kombu, Celery) name the charset here; compression is not read.
    if let Some(encoding) =
        encoding.filter(|e| !matches!(e.as_str(), "" | "identity" | "utf-8" | "utf8"))
    {
        return Some(RpcError::invalid_request(format!(
            "unsupported content encoding `{}`: send the body uncompressed, without content_encoding",
            encoding.chars().take(64).collect::<String>()
        )));
    }
    (len > max_body_size).then(|| {
        RpcError::invalid_request(format!(
            "the message body of {len} bytes is over the limit of {max_body_size} bytes"
        ))
    })
}

/// The call of `delivery` is done: it is acknowledged (soon, with others
/// done at the same time: see [`super::acks`]).
pub(crate) fn ack(link: &Link, delivery: &Delivery) {
    link.acks.done(delivery.delivery_tag);
}
