//! The AMQP limit: a reply-to RPC server written by hand on lapin, JSON-RPC
//! through `serde_json::Value`, with the same prefetch and publisher confirms
//! as the framework's server. Usage: baseline_lapin AMQP_URL QUEUE

use std::sync::Arc;

use datacenter::{Datacenter, Inventory};
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::{Value, json};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let queue = args.next().unwrap_or_else(|| "baseline".into());
    // `quorum` as a third argument: a quorum queue, as the framework's
    // `QueueType::Quorum` declares it.
    let mut arguments = FieldTable::default();
    if args.next().as_deref() == Some("quorum") {
        arguments.insert(
            "x-queue-type".into(),
            lapin::types::AMQPValue::LongString("quorum".into()),
        );
    }
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    channel
        .basic_qos(64, BasicQosOptions::default())
        .await
        .unwrap();
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.as_str().into(), durable, arguments)
        .await
        .unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let inventory = Arc::new(Inventory::default());
    println!("ready");
    while let Some(Ok(delivery)) = consumer.next().await {
        let channel = channel.clone();
        let inventory = Arc::clone(&inventory);
        tokio::spawn(async move {
            let request: Value = serde_json::from_slice(&delivery.data).unwrap_or(Value::Null);
            let id = request.get("id").cloned().unwrap_or(Value::Null);
            let country = request["params"]
                .get(0)
                .or_else(|| request["params"].get("country"))
                .and_then(Value::as_u64);
            let answer = match country {
                Some(country) => match inventory.get_active_servers(country as u32).await {
                    Ok(servers) => json!({"jsonrpc": "2.0", "result": servers, "id": id}),
                    Err(err) => {
                        json!({"jsonrpc": "2.0", "error": {"code": 404, "message": err.to_string()}, "id": id})
                    }
                },
                None => {
                    json!({"jsonrpc": "2.0", "error": {"code": -32602, "message": "invalid params"}, "id": id})
                }
            };
            let body = serde_json::to_vec(&answer).unwrap();
            if let Some(reply_to) = delivery.properties.reply_to().clone() {
                let mut properties =
                    BasicProperties::default().with_content_type("application/json".into());
                if let Some(correlation_id) = delivery.properties.correlation_id().clone() {
                    properties = properties.with_correlation_id(correlation_id);
                }
                let confirm = channel
                    .basic_publish(
                        "".into(),
                        reply_to,
                        BasicPublishOptions::default(),
                        &body,
                        properties,
                    )
                    .await;
                if let Ok(confirm) = confirm {
                    let _ = confirm.await;
                }
            }
            let _ = delivery.ack(BasicAckOptions::default()).await;
        });
    }
}
