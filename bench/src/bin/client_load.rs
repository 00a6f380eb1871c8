//! The load generator of the client rows: N tasks calling
//! `get_active_servers(3)` through one client for a while, against a server
//! pinned to the other CPU; prints `calls_per_second p50_ms p99_ms count
//! client_cpu_us_per_call`.
//!
//! Usage: `client_load KIND URL N SECONDS`, where KIND is
//! - `jsonrpc`, `rest`, `xmlrpc`, `amqp`: the framework's typed client
//!   (`DatacenterClient`) over its JSON-RPC, REST, XML-RPC or AMQP transport
//!   (for `amqp`, URL is `AMQP_URL#QUEUE`);
//! - `jsonrpsee`: jsonrpsee's `HttpClient`;
//! - (dxr's XML-RPC client is `dxr_client_load`, in `bench/dxr`);
//! - `hyper-jsonrpc`, `hyper-rest`: hyper and serde by hand, one kept-alive
//!   HTTP/1.1 connection per task, the request encoded and the answer
//!   decoded into the same typed structs;
//! - `h2c-jsonrpc`: hyper by hand over HTTP/2 with prior knowledge, the N
//!   tasks' calls as streams of one connection (the h2c row, where the
//!   servers are the contenders).

use std::time::{Duration, Instant};

use bytes::Bytes;
use datacenter::Server;
use http_body_util::{BodyExt, Full};
use serde::Deserialize;

const JSONRPC: &[u8] = br#"{"jsonrpc":"2.0","method":"get_active_servers","params":[3],"id":1}"#;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (kind, url, tasks, seconds) = rpc_bench::client_args(USAGE);
    let url = &url;
    let cpu = rpc_bench::cpu_time_us();
    let (latencies, elapsed) = match kind.as_str() {
        "jsonrpc" => {
            let transport = rpc_http::client::JsonRpcTransport::new(url).expect("a URL");
            rpc_bench::typed_calls(transport, tasks, seconds).await
        }
        "rest" => {
            let transport = rpc_http::client::RestTransport::new(url).expect("a URL");
            rpc_bench::typed_calls(transport, tasks, seconds).await
        }
        "xmlrpc" => {
            let transport = rpc_http::client::XmlRpcTransport::new(url).expect("a URL");
            rpc_bench::typed_calls(transport, tasks, seconds).await
        }
        "amqp" => {
            let (broker, queue) = url.rsplit_once('#').unwrap_or_else(|| usage());
            let transport = rpc_amqp::AmqpTransport::new(broker, queue);
            rpc_bench::typed_calls(transport, tasks, seconds).await
        }
        "jsonrpsee" => {
            use jsonrpsee::core::client::ClientT;
            let client = jsonrpsee::http_client::HttpClientBuilder::default()
                .build(url)
                .expect("a URL");
            let client = &client;
            rpc_bench::calls(tasks, seconds, || async move {
                let servers: Vec<Server> = client
                    .request("get_active_servers", jsonrpsee::rpc_params![3])
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(servers.len())
            })
            .await
        }
        "hyper-jsonrpc" | "hyper-rest" => {
            let uri: http::Uri = url.parse().expect("a URL");
            let jsonrpc = kind == "hyper-jsonrpc";
            let workers = (0..tasks).map(|_| by_hand(uri.clone(), jsonrpc, seconds));
            rpc_bench::measure(workers).await
        }
        "h2c-jsonrpc" => h2c(url.parse().expect("a URL"), tasks, seconds).await,
        _ => usage(),
    };
    let cpu = rpc_bench::cpu_time_us() - cpu;
    println!("{}", rpc_bench::line_with_cpu(latencies, elapsed, cpu));
}

const USAGE: &str = "client_load jsonrpc|rest|xmlrpc|amqp|jsonrpsee|hyper-jsonrpc|hyper-rest|h2c-jsonrpc URL N SECONDS";

fn usage() -> ! {
    eprintln!("usage: {USAGE}");
    std::process::exit(2)
}

/// JSON-RPC's answer, decoded as a hand-written client would.
#[derive(Deserialize)]
struct Answer {
    result: Vec<Server>,
}

/// One kept-alive HTTP/1.1 connection, one call at a time: a JSON-RPC POST
/// or a REST GET, the answer decoded into `Vec<Server>`.
async fn by_hand(uri: http::Uri, jsonrpc: bool, seconds: u64) -> Vec<Duration> {
    let authority = uri.authority().expect("host:port").clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {authority}: {e}"));
    stream.set_nodelay(true).unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let request = if jsonrpc {
            http::Request::post(uri.path())
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from_static(JSONRPC)))
        } else {
            http::Request::get(uri.path()).body(Full::new(Bytes::new()))
        };
        let mut request = request.unwrap();
        request.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_str(authority.as_str()).unwrap(),
        );
        let sent = Instant::now();
        let response = sender.send_request(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let servers = if jsonrpc {
            serde_json::from_slice::<Answer>(&body).unwrap().result
        } else {
            serde_json::from_slice::<Vec<Server>>(&body).unwrap()
        };
        assert_eq!(servers.len(), 2);
        latencies.push(sent.elapsed());
    }
    latencies
}

/// HTTP/2 with prior knowledge: one connection, `tasks` concurrent streams.
async fn h2c(uri: http::Uri, tasks: u64, seconds: u64) -> (Vec<Duration>, f64) {
    let authority = uri.authority().expect("host:port").clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str())
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {authority}: {e}"));
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap_or_else(|e| panic!("no HTTP/2 from {authority}: {e}"));
    tokio::spawn(connection);
    let sender = &sender;
    let uri = &uri;
    rpc_bench::calls(tasks, seconds, || async move {
        let request = http::Request::post(uri.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(JSONRPC)))
            .unwrap();
        let response = sender
            .clone()
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(response.status().to_string());
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let answer: Answer = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(answer.result.len())
    })
    .await
}
