//! The hand-written baseline for pipes: a loop that reads one JSON-RPC
//! request per line from stdin, answers `get_active_servers` from the
//! inventory in memory, and writes one answer per line to stdout, flushing
//! when no more input is waiting; as a user could write it without the
//! framework.
//! Usage: baseline_stdio (then speak on its stdin and stdout)

use datacenter::Datacenter;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let inventory = datacenter::Inventory::default();
    let mut input = BufReader::with_capacity(64 * 1024, tokio::io::stdin());
    let mut output = BufWriter::with_capacity(64 * 1024, tokio::io::stdout());
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).await.unwrap_or(0) == 0 {
            break;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(request) => {
                let id = request.get("id").cloned().unwrap_or(Value::Null);
                let country = request
                    .get("params")
                    .and_then(|p| p.get(0).or_else(|| p.get("country")))
                    .and_then(Value::as_u64)
                    .and_then(|c| u32::try_from(c).ok());
                match (request.get("method").and_then(Value::as_str), country) {
                    (Some("get_active_servers"), Some(country)) => {
                        match inventory.get_active_servers(country).await {
                            Ok(servers) => json!({"jsonrpc": "2.0", "result": servers, "id": id}),
                            Err(err) => {
                                json!({"jsonrpc": "2.0", "error": {"code": 404, "message": err.to_string()}, "id": id})
                            }
                        }
                    }
                    _ => {
                        json!({"jsonrpc": "2.0", "error": {"code": -32601, "message": "method not found"}, "id": id})
                    }
                }
            }
            Err(_) => {
                json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "parse error"}, "id": null})
            }
        };
        let mut bytes = serde_json::to_vec(&answer).unwrap();
        bytes.push(b'\n');
        if output.write_all(&bytes).await.is_err() {
            break;
        }
        if input.buffer().is_empty() && output.flush().await.is_err() {
            break;
        }
    }
    let _ = output.flush().await;
}
