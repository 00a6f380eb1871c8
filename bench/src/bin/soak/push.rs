//! Server push under the soak: calls over a WebSocket, subscribers of
//! `watch_servers` that read every change (over a WebSocket and as
//! Server-Sent Events), and one that never reads until the end, whose
//! backlog the server must bound (its RSS is judged with the rest).

use std::time::Duration;

use datacenter::DatacenterClient;
use futures_util::{SinkExt, StreamExt};
use rpc_core::{ClientError, ErrorKind, Transport};
use rpc_http::client::{RestTransport, WebSocketTransport};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::load::{Outcome, Protocol, Stop, Tally, stopped};

/// Calls over one WebSocket, one at a time, as long as the soak lasts.
pub async fn websocket(addr: String, stop: Stop, tally: &'static Tally) {
    let p = Protocol::WebSocket;
    let transport = match WebSocketTransport::new(&format!("ws://{addr}/ws")) {
        Ok(transport) => transport,
        Err(err) => return tally.wrong(p, format!("the WebSocket URL: {err}")),
    };
    let client = DatacenterClient::new(transport);
    while !stopped(&stop) {
        match client.get_active_servers(3).await {
            Ok(servers) if servers.iter().map(|s| s.id).eq([1, 2]) => tally.add(p, Outcome::Ok),
            Ok(servers) => tally.wrong(p, format!("get_active_servers(3) gave {servers:?}")),
            Err(err) => {
                tally.wrong(p, format!("get_active_servers(3): {err}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The subscribers: one over a WebSocket and one as Server-Sent Events, each
/// reading every change, and one that does not read until the soak ends.
pub async fn subscribers(addr: String, stop: Stop, tally: &'static Tally) {
    let ws = async {
        let transport = WebSocketTransport::new(&format!("ws://{addr}/ws")).expect("a URL");
        let client = DatacenterClient::new(transport);
        read_every_change("WebSocket", &client, stop.clone(), tally).await;
    };
    let sse = async {
        let transport = RestTransport::new(&format!("http://{addr}")).expect("a URL");
        let client = DatacenterClient::new(transport);
        read_every_change("SSE", &client, stop.clone(), tally).await;
    };
    tokio::join!(ws, sse, never_reads(&addr, stop.clone(), tally));
}

/// Subscribes and reads each change until the soak stops. A subscription
/// ended as lagged (the machine too busy for the reader to keep up) is a
/// bound doing its work: counted as cut off, and subscribed again.
async fn read_every_change<T: Transport>(
    kind: &str,
    client: &DatacenterClient<T>,
    mut stop: Stop,
    tally: &Tally,
) {
    let p = Protocol::Push;
    while !stopped(&stop) {
        let events = match client.watch_servers(None).await {
            Ok(events) => events,
            Err(err) => {
                tally.wrong(p, format!("{kind}: subscribing: {err}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let mut events = std::pin::pin!(events);
        loop {
            let next = tokio::select! {
                _ = stop.changed() => return,
                next = events.next() => next,
            };
            match next {
                Some(Ok(_)) => tally.add(p, Outcome::Ok),
                Some(Err(err)) if lagged(&err) => {
                    tally.add(p, Outcome::CutOff);
                    break;
                }
                Some(Err(err)) => {
                    tally.wrong(p, format!("{kind}: the subscription failed: {err}"));
                    break;
                }
                None => {
                    tally.wrong(p, format!("{kind}: the subscription ended"));
                    break;
                }
            }
        }
    }
}

fn lagged(err: &ClientError) -> bool {
    match err {
        ClientError::Rpc(err) => err.kind() == ErrorKind::Lagged,
        _ => false,
    }
}

/// Subscribes over a raw WebSocket, then reads nothing until the soak
/// stops: the server holds a bounded backlog for it and drops the
/// subscription once it cannot add to it. At the end it reads what came:
/// changes, then possibly the last word that says it was dropped (counted
/// as cut off).
async fn never_reads(addr: &str, mut stop: Stop, tally: &Tally) {
    let p = Protocol::Push;
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
    let url = format!("ws://{addr}/ws");
    let mut socket = match tokio_tungstenite::connect_async_with_config(&url, Some(config), true)
        .await
    {
        Ok((socket, _)) => socket,
        Err(err) => return tally.wrong(p, format!("the idle subscriber cannot connect: {err}")),
    };
    let subscribe = r#"{"jsonrpc":"2.0","method":"watch_servers","params":[],"id":1}"#;
    if let Err(err) = socket.send(Message::text(subscribe)).await {
        return tally.wrong(p, format!("the idle subscriber cannot subscribe: {err}"));
    }
    let _ = stop.wait_for(|stopped| *stopped).await;
    let mut answered = false;
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_secs(2), socket.next()).await
    {
        let Message::Text(text) = message else {
            continue;
        };
        let text = text.as_str();
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            return tally.wrong(p, format!("the idle subscriber got {text}"));
        };
        if !answered {
            answered = json["id"] == 1 && json["result"].is_string();
            if !answered {
                return tally.wrong(p, format!("subscribing answered {text}"));
            }
        } else if json["params"]["result"]["server"]["id"].is_u64() {
            tally.add(p, Outcome::Ok);
        } else if json["params"]["error"]["code"] == -32003 {
            // Dropped for not reading, as it should be: nothing follows.
            tally.add(p, Outcome::CutOff);
            break;
        } else {
            return tally.wrong(p, format!("the idle subscriber got {text}"));
        }
    }
    let _ = socket.close(None).await;
}
