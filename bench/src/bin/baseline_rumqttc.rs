//! The hand-written baseline for MQTT: a rumqttc (MQTT 5) responder that
//! subscribes to a request topic, answers `get_active_servers` from the
//! inventory in memory on each request's response topic with its
//! correlation data, and acknowledges the request; as a user could write
//! it without the framework.
//! Usage: baseline_rumqttc HOST PORT TOPIC

use std::time::Duration;

use datacenter::Datacenter;
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(1883);
    let topic = args.next().expect("TOPIC");
    let mut options = MqttOptions::new(format!("baseline-{}", std::process::id()), host, port);
    options
        .set_keep_alive(Duration::from_secs(10))
        .set_manual_acks(true)
        .set_receive_maximum(Some(64))
        .set_max_packet_size(Some(8 << 20));
    let mut network = rumqttc::NetworkOptions::new();
    network.set_tcp_nodelay(true);
    options.set_network_options(network);
    let (client, mut events) = AsyncClient::new(options, 64);
    let inventory = std::sync::Arc::new(datacenter::Inventory::default());
    let mut ready = false;
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                // Shared, as the framework subscribes: like with like.
                let filter = format!("$share/bench/{topic}");
                client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
            }
            Ok(Event::Incoming(Packet::SubAck(_))) if !ready => {
                ready = true;
                println!("ready");
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let (client, inventory) = (client.clone(), inventory.clone());
                tokio::spawn(async move {
                    let properties = publish.properties.clone().unwrap_or_default();
                    let request: Value =
                        serde_json::from_slice(&publish.payload).unwrap_or(Value::Null);
                    let id = request.get("id").cloned().unwrap_or(Value::Null);
                    let country = request
                        .get("params")
                        .and_then(|p| p.get(0).or_else(|| p.get("country")))
                        .and_then(Value::as_u64)
                        .unwrap_or(0) as u32;
                    let answer = match inventory.get_active_servers(country).await {
                        Ok(servers) => json!({"jsonrpc": "2.0", "result": servers, "id": id}),
                        Err(err) => {
                            json!({"jsonrpc": "2.0", "error": {"code": 404, "message": err.to_string()}, "id": id})
                        }
                    };
                    if let Some(topic) = properties.response_topic {
                        let reply = PublishProperties {
                            correlation_data: properties.correlation_data,
                            content_type: Some("application/json".into()),
                            ..Default::default()
                        };
                        let body = serde_json::to_vec(&answer).unwrap();
                        let _ = client
                            .publish_with_properties(topic, QoS::AtLeastOnce, false, body, reply)
                            .await;
                    }
                    let _ = client.ack(&publish).await;
                });
            }
            Ok(_) => {}
            Err(err) => {
                eprintln!("baseline_rumqttc: {err}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
