//! `#[subscription]`: a method answering a stream of items, in a `Result`
//! or not, with a REST route (served as Server-Sent Events).
use rpc_core::{RpcError, Subscription};

#[rpc_core::service]
pub trait Feed {
    #[subscription]
    #[rest(get = "/feed/{topic}")]
    async fn watch(&self, topic: String) -> Result<Subscription<String>, RpcError>;
    #[subscription]
    async fn ticks(&self) -> Subscription<u64>;
    async fn post(&self, text: String) -> Result<(), RpcError>;
}

fn main() {
    let methods = FeedClient::<()>::METADATA.methods;
    assert!(methods[0].subscription && methods[1].subscription && !methods[2].subscription);
    // Documented by the type of an item.
    assert_eq!(methods[0].result.rust, "Subscription<String>");
    let item = methods[0].result.schema(&mut Vec::new());
    assert_eq!(serde_json::to_value(item).unwrap()["type"], "string");
}
