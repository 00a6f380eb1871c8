//! The typed client round-trips every datacenter method, in process and over
//! JSON-RPC on a real socket; application errors keep their code and data.

use datacenter::{DatacenterClient, DatacenterServer, Inventory, NewServer, Server, ServerChanges};
use rpc_core::{
    Context, Dispatcher, LocalTransport, Params, Protocol, Request, RpcError, Transport,
};

/// `carries_data`: whether errors keep their data on this protocol (XML-RPC
/// faults have only a code and a string).
async fn every_method<T: Transport>(client: DatacenterClient<T>, carries_data: bool) {
    let active = client.get_active_servers(3).await.unwrap();
    assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        client.get_server(4).await.unwrap().hostname,
        "eu-central-1a"
    );
    assert_eq!(client.list_servers(None, None).await.unwrap().len(), 5);
    assert_eq!(
        client.list_servers(Some(3), Some(false)).await.unwrap()[0].id,
        3
    );

    let created = client
        .create_server(NewServer {
            hostname: "sa-east-1a".into(),
            country: 55,
            datacenter: "gru1".into(),
            active: false,
        })
        .await
        .unwrap();
    assert_eq!(
        created,
        Server {
            id: 6,
            hostname: "sa-east-1a".into(),
            country: 55,
            datacenter: "gru1".into(),
            active: false
        }
    );
    let changes = ServerChanges {
        active: Some(true),
        ..Default::default()
    };
    assert!(client.update_server(6, changes).await.unwrap().active);
    assert_eq!(client.get_active_servers(55).await.unwrap().len(), 1);
    client.delete_server(6).await.unwrap();

    let missing = client.get_server(6).await.unwrap_err();
    let missing = missing.rpc().unwrap();
    assert_eq!(
        (missing.code(), missing.message()),
        (404, "server 6 not found")
    );
    if carries_data {
        assert_eq!(missing.data(), Some(&serde_json::json!({"id": 6})));
    }

    let duplicate = NewServer {
        hostname: "us-east-1a".into(),
        country: 3,
        datacenter: "nyc1".into(),
        active: true,
    };
    let conflict = client.create_server(duplicate).await.unwrap_err();
    assert_eq!(conflict.rpc().unwrap().code(), 409);

    let empty = NewServer {
        hostname: " ".into(),
        country: 3,
        datacenter: "nyc1".into(),
        active: true,
    };
    let invalid = client.create_server(empty).await.unwrap_err();
    assert_eq!(invalid.rpc().unwrap().code(), 422);
}

#[tokio::test]
async fn in_process() {
    let server = DatacenterServer::new(Inventory::default());
    every_method(DatacenterClient::new(LocalTransport::new(server)), true).await;
}

/// Serves a fresh inventory on a free port.
async fn serve() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = rpc_http::router(DatacenterServer::new(Inventory::default()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn over_jsonrpc_on_http() {
    let url = format!("http://{}/jsonrpc", serve().await);
    let transport = rpc_http::client::JsonRpcTransport::new(&url).unwrap();
    every_method(DatacenterClient::new(transport), true).await;
}

#[tokio::test]
async fn over_xmlrpc_on_http() {
    let url = format!("http://{}/RPC2", serve().await);
    let transport = rpc_http::client::XmlRpcTransport::new(&url).unwrap();
    every_method(DatacenterClient::new(transport), false).await;
}

/// Every method of the trait is routed by the dispatcher with no edit but the
/// trait's: called by its metadata's name, none is "method not found".
#[tokio::test]
async fn every_method_of_the_trait_is_routed() {
    let dispatcher = Dispatcher::new(DatacenterServer::new(Inventory::default()));
    for method in DatacenterClient::<()>::METADATA.methods {
        let request = Request::new(
            method.name,
            Params::json("[]"),
            Context::new(Protocol::JsonRpc),
        );
        let response = dispatcher.call(request).await;
        if let Err(err) = response.result() {
            assert_ne!(err.code(), RpcError::METHOD_NOT_FOUND, "{}", method.name);
        }
    }
}

#[tokio::test]
async fn over_rest_on_http() {
    let url = format!("http://{}", serve().await);
    let transport = rpc_http::client::RestTransport::new(&url).unwrap();
    every_method(DatacenterClient::new(transport), true).await;
}
