//! A subscription on its REST route: Server-Sent Events
//! (`text/event-stream`). A comment, `: subscribed`, opens the stream
//! once the subscription is made. Each item is an event whose `data:` is the item's
//! JSON, with an `id:` counting from 1; a comment keeps an idle stream
//! alive; the last event, named `end`, carries `{"error":null}` when the
//! stream ended, or the error that ended it (the server's shutdown
//! included). Events ready at the same time leave as one frame (see
//! [`Coalesced`]).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use rpc_core::{ResponseStream, RpcError};

use super::coalesce::Coalesced;
use crate::Watcher;

/// How often an idle stream sends a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The stream of events of a subscription's items, until they end or the
/// server shuts down.
pub(crate) fn respond(
    method: &'static str,
    items: ResponseStream,
    watcher: Option<Watcher>,
) -> Response {
    struct Open {
        items: ResponseStream,
        sent: u64,
        watcher: Option<Watcher>,
    }
    let open = Open {
        items,
        sent: 0,
        watcher,
    };
    // A first comment says the subscription is made, at once: a client
    // (curl, a proxy) that holds the head back until the body starts
    // knows that what happens from now on reaches it.
    let subscribed = stream::once(async { Ok(Event::default().comment("subscribed")) });
    let events = stream::unfold(Some(open), move |open| async move {
        let mut open = open?;
        // A handler that a user's layer ran in a task of its own found no
        // watcher; the body is polled by the connection's task, which has it.
        if open.watcher.is_none() {
            open.watcher = Watcher::current();
        }
        let next = tokio::select! {
            next = open.items.next() => next,
            () = Watcher::shutting_down_or_never(&mut open.watcher) => {
                let err = RpcError::shutting_down("the server is shutting down: subscribe again");
                return Some((Ok(end(Some(&err))), None));
            }
        };
        let event = match next {
            Some(Ok(item)) => match item_event(&item, open.sent + 1) {
                Ok(event) => {
                    open.sent += 1;
                    return Some((Ok(event), Some(open)));
                }
                Err(err) => {
                    tracing::error!(error = %err, method, "cannot encode a subscription's item as JSON");
                    end(Some(&RpcError::internal(
                        "internal error: an item cannot be encoded",
                    )))
                }
            },
            Some(Err(err)) => end(Some(&err)),
            None => end(None),
        };
        Some((Ok::<_, Infallible>(event), None))
    });
    Sse::new(subscribed.chain(events))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
        .map(|body| Body::new(Coalesced::new(body)))
}

/// An item's event: its JSON as `data`, numbered by `id`.
fn item_event(item: &rpc_core::BoxSerialize, id: u64) -> serde_json::Result<Event> {
    let mut json = Vec::with_capacity(256);
    item.write_json(&mut json)?;
    // JSON is UTF-8, and keeps no raw line break in it.
    let data = String::from_utf8(json).unwrap_or_default();
    Ok(Event::default().id(id.to_string()).data(data))
}

/// The last event: `end`, with the error that ended the stream or `null`.
fn end(error: Option<&RpcError>) -> Event {
    let data = serde_json::json!({ "error": error });
    Event::default().event("end").data(data.to_string())
}
