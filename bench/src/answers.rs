//! The answers the ceiling and the axum floor send: `get_active_servers(3)`
//! encoded once at start-up, as the framework encodes it.

use bytes::Bytes;
use datacenter::Datacenter;

/// The answer over REST, JSON-RPC (id 1) and XML-RPC.
pub struct Answers {
    /// The REST answer: a JSON array.
    pub rest: Bytes,
    /// The JSON-RPC response object.
    pub jsonrpc: Bytes,
    /// The XML-RPC `methodResponse`.
    pub xmlrpc: Bytes,
}

/// The three answers, encoded now (on a runtime of its own: call it
/// outside any).
pub fn answers() -> Answers {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let servers = runtime
        .block_on(datacenter::Inventory::default().get_active_servers(3))
        .unwrap();
    let rest = serde_json::to_vec(&servers).unwrap();
    let jsonrpc = format!(
        r#"{{"jsonrpc":"2.0","result":{},"id":1}}"#,
        String::from_utf8_lossy(&rest)
    );
    let mut xmlrpc = String::from(
        "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>",
    );
    for s in &servers {
        xmlrpc.push_str(&format!(
            "<value><struct><member><name>id</name><value><int>{}</int></value></member><member><name>hostname</name><value><string>{}</string></value></member><member><name>country</name><value><int>{}</int></value></member><member><name>datacenter</name><value><string>{}</string></value></member><member><name>active</name><value><boolean>{}</boolean></value></member></struct></value>",
            s.id, s.hostname, s.country, s.datacenter, u8::from(s.active)
        ));
    }
    xmlrpc.push_str("</data></array></value></param></params></methodResponse>");
    Answers {
        rest: rest.into(),
        jsonrpc: jsonrpc.into(),
        xmlrpc: xmlrpc.into(),
    }
}
