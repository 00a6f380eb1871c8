//! The ceiling: hyper alone on a current-thread runtime, answering every
//! request with an answer encoded once at start-up (no routing beyond the
//! path's first byte, no encoding): what HTTP/1.1 itself costs on this
//! machine. `/jsonrpc` gets the JSON-RPC answer, `/RPC2` the XML-RPC one,
//! any other path the REST one, each as the framework encodes it.
//! Usage: baseline_hyper ADDR

use std::convert::Infallible;

use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use rpc_bench::answers::{Answers, answers};

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9011".into());
    let answers: &'static Answers = Box::leak(Box::new(answers()));
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
            println!("ready");
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |request: http::Request<Incoming>| async move {
                            let (body, content_type) = match request.uri().path().as_bytes() {
                                [b'/', b'j', ..] => (&answers.jsonrpc, "application/json"),
                                [b'/', b'R', ..] => (&answers.xmlrpc, "text/xml; charset=utf-8"),
                                _ => (&answers.rest, "application/json"),
                            };
                            // Read the request's body, as any server must
                            // to keep the connection.
                            let _ = request.into_body().collect().await;
                            let mut response = http::Response::new(Full::new(body.clone()));
                            response.headers_mut().insert(
                                http::header::CONTENT_TYPE,
                                http::HeaderValue::from_static(content_type),
                            );
                            Ok::<_, Infallible>(response)
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
}
