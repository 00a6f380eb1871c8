//! The rows of issue 18 that measure clients (every contender calls the same
//! server, pinned to CPU 1, from `client_load` pinned to CPU 0: the client is
//! what differs), and the HTTP/2 row (one h2c client, the servers differ).

use crate::load::Load;
use crate::report::{Contender, Row};
use crate::servers::Setup;

/// How many tasks call at once in the client rows, and streams in the
/// HTTP/2 row.
const TASKS: usize = 32;

pub fn rows(setup: &Setup) -> Vec<Row> {
    let contender = |label, server, kind, url: &str| Contender {
        label,
        server,
        load: Load::Client {
            kind,
            url: url.to_owned(),
            tasks: TASKS,
        },
        samples: Vec::new(),
    };
    let jsonrpc = "http://127.0.0.1:9001/jsonrpc";
    vec![
        (
            "JSON-RPC over HTTP/2 with prior knowledge (h2c) `get_active_servers(3)`, 32 streams on one connection",
            vec![
                contender(
                    "jsonrpsee (baseline)",
                    "jsonrpsee",
                    "h2c-jsonrpc",
                    "http://127.0.0.1:9002/",
                ),
                contender(
                    "framework",
                    "datacenter (framework)",
                    "h2c-jsonrpc",
                    "http://127.0.0.1:9000/jsonrpc",
                ),
                contender(
                    "framework, tokio's current-thread scheduler",
                    "datacenter (framework, current-thread scheduler)",
                    "h2c-jsonrpc",
                    "http://127.0.0.1:9012/jsonrpc",
                ),
            ],
        ),
        (
            "Clients: JSON-RPC `get_active_servers(3)` from 32 tasks, to axum by hand",
            vec![
                contender(
                    "hyper + serde by hand (baseline)",
                    "",
                    "hyper-jsonrpc",
                    jsonrpc,
                ),
                contender("jsonrpsee HttpClient", "", "jsonrpsee", jsonrpc),
                contender("framework typed client", "", "jsonrpc", jsonrpc),
            ],
        ),
        (
            "Clients: REST `GET /country/3/server/active` from 32 tasks, to axum by hand",
            vec![
                contender(
                    "hyper + serde by hand (baseline)",
                    "",
                    "hyper-rest",
                    "http://127.0.0.1:9001/country/3/server/active",
                ),
                contender(
                    "framework typed client",
                    "",
                    "rest",
                    "http://127.0.0.1:9001",
                ),
            ],
        ),
        (
            "Clients: XML-RPC `get_active_servers(3)` from 32 tasks, to the framework's XML-RPC",
            vec![
                contender(
                    "dxr client (baseline)",
                    "",
                    "dxr",
                    "http://127.0.0.1:9000/RPC2",
                ),
                contender(
                    "framework typed client",
                    "",
                    "xmlrpc",
                    "http://127.0.0.1:9000/RPC2",
                ),
            ],
        ),
        (
            "Clients: AMQP `get_active_servers(3)`, 32 in flight, to lapin by hand",
            vec![
                Contender {
                    label: "lapin by hand, with the framework's guarantees (baseline)",
                    server: "",
                    load: Load::Amqp {
                        queue: setup.lapin_queue.clone(),
                        in_flight: TASKS,
                        confirmed: true,
                    },
                    samples: Vec::new(),
                },
                Contender {
                    label: "lapin by hand, no publisher confirms",
                    server: "",
                    load: Load::Amqp {
                        queue: setup.lapin_queue.clone(),
                        in_flight: TASKS,
                        confirmed: false,
                    },
                    samples: Vec::new(),
                },
                contender(
                    "framework typed client",
                    "",
                    "amqp",
                    &format!("{{amqp}}#{}", setup.lapin_queue),
                ),
            ],
        ),
    ]
}
