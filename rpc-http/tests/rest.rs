//! REST routes of every shape, through the generated client over
//! `RestTransport` and raw HTTP: path + query, path + body of several fields,
//! PUT, optional arguments, a router nested under a prefix.

mod common;

use http::Method;
use rpc_core::RpcError;
use rpc_http::client::RestTransport;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Note {
    title: String,
    tags: Vec<String>,
}

/// Notes.
#[rpc_core::service]
pub trait Notes {
    /// Searches by text, with an optional limit.
    #[rest(get = "/notes/search/{text}")]
    async fn search(
        &self,
        text: String,
        limit: Option<u32>,
        exact: bool,
    ) -> Result<String, RpcError>;

    /// Replaces a note: several body fields.
    #[rest(put = "/notes/{id}")]
    async fn replace(
        &self,
        id: u64,
        note: Note,
        reason: Option<String>,
    ) -> Result<String, RpcError>;

    /// Adds a tag: one body argument, which is the whole body.
    #[rest(post = "/notes/{id}/tags", status = 201)]
    async fn tag(&self, id: u64, tag: String) -> Result<Vec<String>, RpcError>;

    /// Not a REST resource.
    async fn hidden(&self) -> Result<u8, RpcError>;
}

struct Impl;

impl Notes for Impl {
    async fn search(
        &self,
        text: String,
        limit: Option<u32>,
        exact: bool,
    ) -> Result<String, RpcError> {
        Ok(format!("{text}|{limit:?}|{exact}"))
    }
    async fn replace(
        &self,
        id: u64,
        note: Note,
        reason: Option<String>,
    ) -> Result<String, RpcError> {
        Ok(format!(
            "{id}|{}|{}|{reason:?}",
            note.title,
            note.tags.join(",")
        ))
    }
    async fn tag(&self, id: u64, tag: String) -> Result<Vec<String>, RpcError> {
        Ok(vec![id.to_string(), tag])
    }
    async fn hidden(&self) -> Result<u8, RpcError> {
        Ok(1)
    }
}

async fn nested() -> std::net::SocketAddr {
    let app = axum::Router::new().nest("/api/v1", rpc_http::router(NotesServer::new(Impl)));
    common::spawn(app).await
}

#[tokio::test]
async fn the_rest_client_calls_every_shape_of_route() {
    let addr = nested().await;
    let client = NotesClient::new(RestTransport::new(&format!("http://{addr}/api/v1")).unwrap());
    assert_eq!(
        client
            .search("a b/c?&é".into(), Some(3), true)
            .await
            .unwrap(),
        "a b/c?&é|Some(3)|true"
    );
    assert_eq!(
        client.search("x".into(), None, false).await.unwrap(),
        "x|None|false"
    );
    let note = Note {
        title: "t".into(),
        tags: vec!["a".into(), "b".into()],
    };
    assert_eq!(
        client
            .replace(7, note.clone(), Some("why".into()))
            .await
            .unwrap(),
        "7|t|a,b|Some(\"why\")"
    );
    assert_eq!(client.replace(7, note, None).await.unwrap(), "7|t|a,b|None");
    assert_eq!(
        client.tag(9, "urgent".into()).await.unwrap(),
        ["9", "urgent"]
    );
    let err = client.hidden().await.unwrap_err();
    assert!(err.to_string().contains("has no REST route"), "{err}");
}

#[tokio::test]
async fn raw_http_sees_the_documented_shapes() {
    let addr = nested().await;
    let answer = common::send(
        addr,
        Method::GET,
        "/api/v1/notes/search/hi%20there?exact=true",
        None,
        "",
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.json()),
        (200, serde_json::json!("hi there|None|true"))
    );
    // As the document says: a boolean is `true` or `false`, and a value
    // given for an integer is one (`?limit=` is not left out, it is empty).
    for query in ["limit=&exact=true", "exact=1", "exact="] {
        let path = format!("/api/v1/notes/search/hi?{query}");
        let answer = common::send(addr, Method::GET, &path, None, "").await;
        assert_eq!(answer.status.as_u16(), 400, "{query}");
    }

    let body = r#"{"note":{"title":"t","tags":[]},"reason":null}"#;
    let answer = common::send(
        addr,
        Method::PUT,
        "/api/v1/notes/1",
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(answer.json(), serde_json::json!("1|t||None"));

    let answer = common::send(
        addr,
        Method::PUT,
        "/api/v1/notes/1",
        Some("application/json"),
        "[1]",
    )
    .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("JSON object")
    );

    let answer = common::send(
        addr,
        Method::POST,
        "/api/v1/notes/1/tags",
        Some("application/json"),
        r#""x""#,
    )
    .await;
    assert_eq!(
        (answer.status.as_u16(), answer.json()),
        (201, serde_json::json!(["1", "x"]))
    );

    let answer = common::send(
        addr,
        Method::GET,
        "/api/v1/notes/search/x?exact=true&limit=-1",
        None,
        "",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("parameter `limit`"),
        "{}",
        answer.body
    );
}
