//! A REST call's params: path, query string and JSON body merged by name,
//! decoded straight into the method's params struct.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;

use axum::extract::RawPathParams;
use bytes::Bytes;
use serde::de::{self, DeserializeSeed, MapAccess};
use serde_json::value::RawValue;

use super::part::{Part, PartError};
use rpc_core::{ParamsDecoder, RpcError};

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

/// Which part of the request a decoding error came from, for its status:
/// 400 for the path and query, 422 for a well-formed body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Blame {
    PathOrQuery,
    Body,
}

impl ParamsDecoder for RestParams {
    fn decode(
        self: Box<Self>,
        visit: &mut dyn FnMut(
            &mut dyn erased_serde::Deserializer<'_>,
        ) -> Result<(), erased_serde::Error>,
    ) -> Result<(), RpcError> {
        let not_json = |err: serde_json::Error| {
            RpcError::parse_error(format!("the body is not valid JSON: {err}"))
                .with_status(http::StatusCode::BAD_REQUEST)
        };
        let has_body = !self.body.iter().all(u8::is_ascii_whitespace);
        // The body's values stay raw JSON, borrowed from the body.
        let mut whole: Option<(&'static str, &RawValue)> = None;
        let mut fields: BTreeMap<String, &RawValue> = BTreeMap::new();
        match self.shape {
            BodyShape::Whole(name) if has_body => {
                whole = Some((name, serde_json::from_slice(&self.body).map_err(not_json)?));
            }
            BodyShape::Fields if has_body => {
                fields = serde_json::from_slice(&self.body).map_err(|err| {
                    if err.is_data() {
                        RpcError::invalid_params(
                            "the body must be a JSON object of the arguments by name",
                        )
                        .with_status(http::StatusCode::UNPROCESSABLE_ENTITY)
                    } else {
                        not_json(err)
                    }
                })?;
            }
            _ => {}
        }
        let query = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let entries = self
            .path
            .iter()
            .chain(query)
            .map(text)
            .chain(whole.map(|(name, raw)| (Cow::Borrowed(name), Part::Json(raw), Blame::Body)))
            .chain(
                fields
                    .iter()
                    .map(|(key, raw)| (Cow::Borrowed(key.as_str()), Part::Json(raw), Blame::Body)),
            );

        let blame = Cell::new(Blame::Body);
        let query_only = matches!(self.shape, BodyShape::Query);
        let access = Entries {
            entries,
            value: None,
            blame: &blame,
        };
        let map = de::value::MapAccessDeserializer::new(access);
        visit(&mut <dyn erased_serde::Deserializer>::erase(map)).map_err(|err| {
            let status = if query_only || blame.get() == Blame::PathOrQuery {
                http::StatusCode::BAD_REQUEST
            } else {
                http::StatusCode::UNPROCESSABLE_ENTITY
            };
            RpcError::invalid_params(format!("invalid params: {err}")).with_status(status)
        })
    }
}

/// A path or query entry.
fn text<'a>((key, value): (&'a str, &'a str)) -> (Cow<'a, str>, Part<'a>, Blame) {
    (
        Cow::Borrowed(key),
        Part::Text(Cow::Borrowed(value)),
        Blame::PathOrQuery,
    )
}

/// The entries, as one map.
struct Entries<'a, 'b, I> {
    entries: I,
    value: Option<(Cow<'a, str>, Part<'a>, Blame)>,
    blame: &'b Cell<Blame>,
}

impl<'a, I> MapAccess<'a> for Entries<'a, '_, I>
where
    I: Iterator<Item = (Cow<'a, str>, Part<'a>, Blame)>,
{
    type Error = PartError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PartError> {
        let Some((key, part, blame)) = self.entries.next() else {
            return Ok(None);
        };
        self.blame.set(blame);
        let name =
            seed.deserialize(de::value::CowStrDeserializer::<PartError>::new(key.clone()))?;
        self.value = Some((key, part, blame));
        Ok(Some(name))
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, PartError> {
        let (key, part, blame) = self
            .value
            .take()
            .ok_or_else(|| PartError("a value without its name".into()))?;
        self.blame.set(blame);
        let what = match (&part, blame) {
            (_, Blame::Body) => "body",
            _ => "parameter",
        };
        seed.deserialize(part)
            .map_err(|e| PartError(format!("{what} `{key}`: {e}")))
    }
}
