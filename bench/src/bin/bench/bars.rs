//! The project's bars, as the rows measure them: those of the first
//! benchmark (issue 6), raised where issue 18 raised them, and the bars of
//! the rows issue 18 added.

use crate::report::{Bar, Check};

/// Every bar.
pub fn bars() -> Vec<Bar> {
    let bar = |what, row, contender, reference, at_least| Bar {
        what,
        row,
        contender,
        reference,
        check: Check::AtLeast(at_least),
    };
    let shown = |what, row, contender, reference| Bar {
        what,
        row,
        contender,
        reference,
        check: Check::Shown,
    };
    vec![
        bar(
            "REST: framework over axum by hand",
            "REST `",
            "framework REST",
            "axum handler by hand (baseline)",
            1.10,
        ),
        bar(
            "REST: framework over the ceiling (hyper, pre-encoded answer)",
            "REST `",
            "framework REST",
            CEILING,
            0.95,
        ),
        // What the two bars above and the JSON-RPC one below leave to a
        // server on axum's router: axum alone, doing no work, measured the
        // same way (no target: shown beside the bars).
        shown(
            "REST, for reference: the axum floor over the ceiling",
            "REST `",
            AXUM_FLOOR,
            CEILING,
        ),
        shown(
            "REST, for reference: the axum floor, current-thread, over the ceiling",
            "REST `",
            AXUM_FLOOR_CURRENT_THREAD,
            CEILING,
        ),
        bar(
            "REST over HTTPS: framework over axum + rustls by hand",
            "REST over HTTPS",
            "framework REST over HTTPS",
            "axum + rustls by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC: framework over axum + Value by hand",
            "JSON-RPC `get_active_servers",
            "framework JSON-RPC",
            "axum + serde_json::Value by hand (baseline)",
            1.00,
        ),
        bar(
            "JSON-RPC: framework over jsonrpsee",
            "JSON-RPC `get_active_servers",
            "framework JSON-RPC",
            "jsonrpsee",
            1.30,
        ),
        shown(
            "JSON-RPC, for reference: the axum floor over jsonrpsee",
            "JSON-RPC `get_active_servers",
            AXUM_FLOOR,
            "jsonrpsee",
        ),
        shown(
            "JSON-RPC, for reference: the axum floor, current-thread, over jsonrpsee",
            "JSON-RPC `get_active_servers",
            AXUM_FLOOR_CURRENT_THREAD,
            "jsonrpsee",
        ),
        bar(
            "XML-RPC: framework over its own JSON-RPC",
            "XML-RPC",
            "framework XML-RPC",
            "framework JSON-RPC (baseline)",
            0.95,
        ),
        bar(
            "XML-RPC: framework over dxr's server",
            "XML-RPC",
            "framework XML-RPC",
            "dxr server (axum)",
            1.20,
        ),
        bar(
            "XML-RPC: framework over Python SimpleXMLRPCServer",
            "XML-RPC",
            "framework XML-RPC",
            "Python SimpleXMLRPCServer",
            10.0,
        ),
        bar(
            "REST on PostgreSQL: framework over axum + sqlx by hand",
            "REST on PostgreSQL",
            "framework REST on PostgreSQL",
            "axum + sqlx by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC over WebSocket: framework over jsonrpsee",
            "JSON-RPC over WebSocket",
            "framework WebSocket",
            "jsonrpsee WebSocket (baseline)",
            1.00,
        ),
        bar(
            "Notifications to 100 WebSocket subscribers: framework over jsonrpsee",
            "Notifications to 100 WebSocket subscribers",
            "framework WebSocket",
            "jsonrpsee WebSocket (baseline)",
            1.00,
        ),
        bar(
            "AMQP: framework over lapin by hand",
            "AMQP round trips",
            "framework AMQP",
            "lapin by hand (baseline)",
            1.00,
        ),
        Bar {
            what: "AMQP: framework's p99 over lapin by hand's",
            row: "AMQP round trips",
            contender: "framework AMQP",
            reference: "lapin by hand (baseline)",
            check: Check::P99AtMost(1.00),
        },
        bar(
            "REST on a Unix socket: framework over axum by hand",
            "REST on a Unix socket",
            "framework REST on a Unix socket",
            "axum on a Unix socket by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC over pipes: framework over a stdio loop by hand",
            "JSON-RPC over pipes",
            "framework `datacenter stdio`",
            "a stdio loop by hand (baseline)",
            0.95,
        ),
        bar(
            "MQTT 5 request/response: framework over rumqttc by hand",
            "MQTT 5",
            "framework MQTT",
            "rumqttc by hand (baseline)",
            0.95,
        ),
        bar(
            "JSON-RPC over h2c: framework over jsonrpsee",
            "JSON-RPC over HTTP/2",
            "framework",
            "jsonrpsee (baseline)",
            1.00,
        ),
        bar(
            "JSON-RPC client: typed client over jsonrpsee's HttpClient",
            "Clients: JSON-RPC",
            "framework typed client",
            "jsonrpsee HttpClient",
            1.10,
        ),
        bar(
            "JSON-RPC client: typed client over hyper + serde by hand",
            "Clients: JSON-RPC",
            "framework typed client",
            "hyper + serde by hand (baseline)",
            0.95,
        ),
        bar(
            "REST client: typed client over hyper + serde by hand",
            "Clients: REST",
            "framework typed client",
            "hyper + serde by hand (baseline)",
            0.95,
        ),
        bar(
            "XML-RPC client: XmlRpcTransport over dxr's client",
            "Clients: XML-RPC",
            "framework typed client",
            "dxr client (baseline)",
            1.20,
        ),
        bar(
            "AMQP client: typed client over lapin by hand with its guarantees",
            "Clients: AMQP",
            "framework typed client",
            "lapin by hand, with the framework's guarantees (baseline)",
            0.95,
        ),
    ]
}

/// The label of the ceiling's contender in the HTTP rows.
pub const CEILING: &str = "ceiling: hyper, pre-encoded answer, current-thread";

/// The label of the axum floor's contender in the REST and JSON-RPC rows:
/// axum's router answering the ceiling's bytes, no framework work at all.
pub const AXUM_FLOOR: &str = "axum floor: axum's router, pre-encoded answer";

/// The axum floor on tokio's current-thread scheduler, as the ceiling runs.
pub const AXUM_FLOOR_CURRENT_THREAD: &str =
    "axum floor: axum's router, pre-encoded answer, current-thread";
