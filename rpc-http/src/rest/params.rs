//! A REST call's params: path, query string and JSON body merged by name,
//! decoded straight into the method's params struct.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::extract::RawPathParams;
use bytes::Bytes;
use http::StatusCode;
use rpc_core::{Named, NamedParams, RpcError};
use serde_json::value::RawValue;

/// Where the arguments that are not in the path come from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyShape {
    /// GET, DELETE: the query string.
    Query,
    /// POST, PUT, PATCH with one such argument: the whole body is it.
    Whole(&'static str),
    /// POST, PUT, PATCH with several: the body is an object of them by name.
    Fields,
}

pub(crate) struct RestParams {
    /// The path's placeholders, percent-decoded (axum's, not copied).
    pub path: RawPathParams,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub shape: BodyShape,
}

impl NamedParams for RestParams {
    fn params(&self) -> Result<Vec<Named<'_>>, RpcError> {
        let not_json = |err: serde_json::Error| {
            RpcError::parse_error(format!("the body is not valid JSON: {err}"))
                .with_status(StatusCode::BAD_REQUEST)
        };
        let query = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let mut all: Vec<Named<'_>> = self.path.iter().chain(query).map(text).collect();
        let has_body = !self.body.iter().all(u8::is_ascii_whitespace);
        // The body's values stay raw JSON, borrowed from the body.
        match self.shape {
            BodyShape::Whole(name) if has_body => {
                let raw: &RawValue = serde_json::from_slice(&self.body).map_err(not_json)?;
                all.push(body(Cow::Borrowed(name), raw));
            }
            BodyShape::Fields if has_body => {
                let fields: BTreeMap<String, &RawValue> = serde_json::from_slice(&self.body)
                    .map_err(|err| {
                        if err.is_data() {
                            RpcError::invalid_params(
                                "the body must be a JSON object of the arguments by name",
                            )
                            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                        } else {
                            not_json(err)
                        }
                    })?;
                all.extend(
                    fields
                        .into_iter()
                        .map(|(name, raw)| body(Cow::Owned(name), raw)),
                );
            }
            _ => {}
        }
        Ok(all)
    }

    /// A param missing: the client's request is wrong where it came from, the
    /// URL for GET and DELETE, else the body.
    fn status(&self) -> Option<StatusCode> {
        Some(match self.shape {
            BodyShape::Query => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        })
    }
}

/// A path or query value.
fn text<'a>((name, value): (&'a str, &'a str)) -> Named<'a> {
    Named::text(name, value).with_status(StatusCode::BAD_REQUEST)
}

/// A member of the body (or the whole body).
fn body<'a>(name: Cow<'a, str>, raw: &'a RawValue) -> Named<'a> {
    Named::json(name, raw)
        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
        .with_noun("body")
}
