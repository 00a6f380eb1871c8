//! The rows of the benchmark (what is measured, with what load, against
//! which baseline) and the project's bars.

use crate::Options;
use crate::bars::{AXUM_FLOOR, AXUM_FLOOR_CURRENT_THREAD, CEILING};
use crate::load::Load;
use crate::report::{Contender, Row};
use crate::servers::Setup;

/// Every row, in the order they are measured.
pub fn rows(options: &Options, setup: &Setup) -> Vec<Row> {
    let lapin_queue = &setup.lapin_queue;
    let lapin_quorum = &setup.lapin_quorum;
    let framework_queue = &setup.framework_queue;
    let scale_queue = |kind: &str, n: usize| setup.scale_queue(kind, n);
    let jsonrpc =
        r#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#.to_owned();
    let xmlrpc = "<?xml version=\"1.0\"?><methodCall><methodName>get_active_servers</methodName><params><param><value><int>3</int></value></param></params></methodCall>".to_owned();
    let http = |url: &str, body: Option<(&'static str, &String)>| Load::Http {
        url: url.to_owned(),
        body: body.map(|(t, b)| (t, b.clone())),
    };
    let contender = |label, server, load| Contender {
        label,
        server,
        load,
        samples: Vec::new(),
    };
    let mut rows: Vec<Row> = vec![
        (
            "REST `GET /country/3/server/active`",
            vec![
                contender(
                    "axum handler by hand (baseline)",
                    "axum by hand",
                    http("http://127.0.0.1:9001/country/3/server/active", None),
                ),
                contender(
                    "framework REST",
                    "datacenter (framework)",
                    http("http://127.0.0.1:9000/country/3/server/active", None),
                ),
                contender(
                    "framework REST, tokio's current-thread scheduler",
                    "datacenter (framework, current-thread scheduler)",
                    http("http://127.0.0.1:9012/country/3/server/active", None),
                ),
                contender(
                    "framework REST, with the example's timeout and concurrency limit",
                    "datacenter (framework, limits on)",
                    http("http://127.0.0.1:9004/country/3/server/active", None),
                ),
                contender(
                    "framework REST, a binary that serves HTTP only (`framework_http`)",
                    "framework, HTTP only",
                    http("http://127.0.0.1:9013/country/3/server/active", None),
                ),
                contender(
                    AXUM_FLOOR,
                    "axum floor",
                    http("http://127.0.0.1:9017/country/3/server/active", None),
                ),
                contender(
                    AXUM_FLOOR_CURRENT_THREAD,
                    "axum floor, current-thread",
                    http("http://127.0.0.1:9018/country/3/server/active", None),
                ),
                contender(
                    CEILING,
                    "hyper ceiling",
                    http("http://127.0.0.1:9011/country/3/server/active", None),
                ),
            ],
        ),
        (
            "REST over HTTPS `GET /country/3/server/active`",
            vec![
                contender(
                    "axum + rustls by hand (baseline)",
                    "axum + rustls by hand",
                    http("https://127.0.0.1:9006/country/3/server/active", None),
                ),
                contender(
                    "framework REST over HTTPS",
                    "datacenter (framework, HTTPS)",
                    http("https://127.0.0.1:9005/country/3/server/active", None),
                ),
            ],
        ),
        (
            "REST on PostgreSQL `GET /country/3/server/active`",
            vec![
                contender(
                    "axum + sqlx by hand (baseline)",
                    "axum + sqlx by hand (PostgreSQL)",
                    http("http://127.0.0.1:9007/country/3/server/active", None),
                ),
                contender(
                    "framework REST on PostgreSQL",
                    "datacenter (framework, PostgreSQL)",
                    http("http://127.0.0.1:9008/country/3/server/active", None),
                ),
            ],
        ),
        (
            "JSON-RPC `get_active_servers(3)`",
            vec![
                contender(
                    "axum + serde_json::Value by hand (baseline)",
                    "axum by hand",
                    http(
                        "http://127.0.0.1:9001/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "framework JSON-RPC",
                    "datacenter (framework)",
                    http(
                        "http://127.0.0.1:9000/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "framework JSON-RPC, tokio's current-thread scheduler",
                    "datacenter (framework, current-thread scheduler)",
                    http(
                        "http://127.0.0.1:9012/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "jsonrpsee",
                    "jsonrpsee",
                    http(
                        "http://127.0.0.1:9002/",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    AXUM_FLOOR,
                    "axum floor",
                    http(
                        "http://127.0.0.1:9017/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    AXUM_FLOOR_CURRENT_THREAD,
                    "axum floor, current-thread",
                    http(
                        "http://127.0.0.1:9018/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    CEILING,
                    "hyper ceiling",
                    http(
                        "http://127.0.0.1:9011/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
            ],
        ),
        (
            "XML-RPC `get_active_servers(3)`",
            vec![
                contender(
                    "framework JSON-RPC (baseline)",
                    "datacenter (framework)",
                    http(
                        "http://127.0.0.1:9000/jsonrpc",
                        Some(("application/json", &jsonrpc)),
                    ),
                ),
                contender(
                    "framework XML-RPC",
                    "datacenter (framework)",
                    http("http://127.0.0.1:9000/RPC2", Some(("text/xml", &xmlrpc))),
                ),
                contender(
                    "dxr server (axum)",
                    "dxr server",
                    http("http://127.0.0.1:9010/RPC2", Some(("text/xml", &xmlrpc))),
                ),
                contender(
                    "Python SimpleXMLRPCServer",
                    "Python SimpleXMLRPCServer",
                    http("http://127.0.0.1:9003/RPC2", Some(("text/xml", &xmlrpc))),
                ),
                contender(
                    CEILING,
                    "hyper ceiling",
                    http("http://127.0.0.1:9011/RPC2", Some(("text/xml", &xmlrpc))),
                ),
            ],
        ),
        (
            "JSON-RPC over WebSocket `get_active_servers(3)`, one call at a time per socket",
            vec![
                contender(
                    "jsonrpsee WebSocket (baseline)",
                    "jsonrpsee",
                    Load::WebSocket {
                        mode: "calls",
                        url: "ws://127.0.0.1:9002/".into(),
                        sockets: options.connections,
                    },
                ),
                contender(
                    "framework WebSocket",
                    "datacenter (framework)",
                    Load::WebSocket {
                        mode: "calls",
                        url: "ws://127.0.0.1:9000/ws".into(),
                        sockets: options.connections,
                    },
                ),
            ],
        ),
        (
            "Notifications to 100 WebSocket subscribers of `watch_servers` (per second delivered)",
            vec![
                contender(
                    "jsonrpsee WebSocket (baseline)",
                    "jsonrpsee",
                    Load::WebSocket {
                        mode: "notify",
                        url: "ws://127.0.0.1:9002/".into(),
                        sockets: 100,
                    },
                ),
                contender(
                    "framework WebSocket",
                    "datacenter (framework)",
                    Load::WebSocket {
                        mode: "notify",
                        url: "ws://127.0.0.1:9000/ws".into(),
                        sockets: 100,
                    },
                ),
            ],
        ),
        (
            "AMQP round trips, 64 in flight",
            vec![
                contender(
                    "lapin by hand (baseline)",
                    "lapin by hand",
                    Load::Amqp {
                        queue: lapin_queue.clone(),
                        in_flight: 64,
                        confirmed: false,
                    },
                ),
                contender(
                    "framework AMQP",
                    "datacenter (framework, AMQP)",
                    Load::Amqp {
                        queue: framework_queue.clone(),
                        in_flight: 64,
                        confirmed: false,
                    },
                ),
            ],
        ),
    ];
    for (kind, baseline_queue, baseline) in [
        ("classic", lapin_queue, "lapin by hand"),
        ("quorum", lapin_quorum, "lapin by hand (quorum queue)"),
    ] {
        let title: &'static str =
            Box::leak(format!("AMQP scale-out, {kind} queue, 64 in flight").into_boxed_str());
        let mut contenders = vec![contender(
            "lapin by hand, 1 process (baseline)",
            baseline,
            Load::Amqp {
                queue: baseline_queue.clone(),
                in_flight: 64,
                confirmed: false,
            },
        )];
        for n in [1, 2, 4] {
            let label: &'static str =
                Box::leak(format!("framework, {n} server process(es)").into_boxed_str());
            let server: &'static str =
                Box::leak(format!("datacenter AMQP, {kind} queue, 1 of {n}").into_boxed_str());
            contenders.push(contender(
                label,
                server,
                Load::Amqp {
                    queue: scale_queue(kind, n),
                    in_flight: 64,
                    confirmed: false,
                },
            ));
        }
        rows.push((title, contenders));
    }
    rows.push((
        "REST on a Unix socket `GET /country/3/server/active`",
        vec![
            contender(
                "axum on a Unix socket by hand (baseline)",
                "axum by hand (Unix socket)",
                Load::Unix {
                    socket: setup.unix_axum.clone(),
                },
            ),
            contender(
                "framework REST on a Unix socket",
                "datacenter (framework, Unix socket)",
                Load::Unix {
                    socket: setup.unix_framework.clone(),
                },
            ),
        ],
    ));
    rows.push((
        "JSON-RPC over pipes (stdin/stdout) `get_active_servers(3)`, 32 in flight",
        vec![
            contender(
                "a stdio loop by hand (baseline)",
                "",
                Load::Stdio {
                    program: "baseline_stdio",
                    args: &[],
                },
            ),
            contender(
                "framework `datacenter stdio`",
                "",
                Load::Stdio {
                    program: "datacenter",
                    args: &["stdio", "--database", "memory", "--call-timeout-ms", "0"],
                },
            ),
        ],
    ));
    rows.push((
        "MQTT 5 request/response `get_active_servers(3)`, 64 in flight",
        vec![
            contender(
                "rumqttc by hand (baseline)",
                "rumqttc by hand",
                Load::Mqtt {
                    topic: setup.mqtt_rumqttc.clone(),
                },
            ),
            contender(
                "framework MQTT",
                "datacenter (framework, MQTT)",
                Load::Mqtt {
                    topic: setup.mqtt_framework.clone(),
                },
            ),
        ],
    ));
    rows.extend(crate::client_rows::rows(setup));
    rows
}
