//! Parameters given one by one, by name: REST's path, query and body members.

use std::borrow::Cow;
use std::cell::Cell;

use http::StatusCode;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess};
use serde_json::value::RawValue;

use super::text::{Part, PartError};
use crate::RpcError;

/// Parameters that arrive one by one, by name, rather than as one document:
/// a front end whose payload is not JSON nor XML-RPC implements this and hands
/// it over as [`Params::named`](crate::Params::named).
///
/// Each parameter is text (a path segment, a query value, a form field:
/// parsed into the type its argument asks for) or JSON. They are decoded
/// straight into the method's params struct, without copying them.
///
/// ```
/// use rpc_core::{Named, NamedParams, Params, RpcError};
///
/// /// Parameters given as `key=value` pairs.
/// struct Pairs(Vec<(String, String)>);
///
/// impl NamedParams for Pairs {
///     fn params(&self) -> Result<Vec<Named<'_>>, RpcError> {
///         Ok(self.0.iter().map(|(k, v)| Named::text(k, v.as_str())).collect())
///     }
/// }
///
/// #[derive(serde::Deserialize)]
/// struct Args { name: String, times: u32 }
///
/// let pairs = Pairs(vec![("name".into(), "ada".into()), ("times".into(), "3".into())]);
/// let args: Args = Params::named(pairs).decode().unwrap();
/// assert_eq!((args.name.as_str(), args.times), ("ada", 3));
///
/// let pairs = Pairs(vec![("name".into(), "ada".into()), ("times".into(), "x".into())]);
/// let err = Params::named(pairs).decode::<Args>().err().unwrap();
/// assert_eq!(err.code(), RpcError::INVALID_PARAMS);
/// assert!(err.message().contains("parameter `times`"), "{}", err.message());
/// ```
pub trait NamedParams: Send + 'static {
    /// The parameters, by name. An error here (a body that is not JSON, say)
    /// is the call's answer.
    fn params(&self) -> Result<Vec<Named<'_>>, RpcError>;

    /// The HTTP status of an error that is about no one parameter (one that
    /// is missing, say); `None` leaves it to the error's kind.
    fn status(&self) -> Option<StatusCode> {
        None
    }
}

/// One named parameter of [`NamedParams`].
///
/// ```
/// use rpc_core::Named;
///
/// let country = Named::text("country", "3");
/// assert_eq!(country.name(), "country");
/// ```
pub struct Named<'a> {
    name: Cow<'a, str>,
    value: Part<'a>,
    status: Option<StatusCode>,
    what: &'static str,
}

impl<'a> Named<'a> {
    /// A parameter given as text, parsed into the type its argument asks for:
    /// a number, `true` or `false`, an enum's variant by name, a string.
    /// A list or a struct cannot come from text.
    pub fn text(name: impl Into<Cow<'a, str>>, text: impl Into<Cow<'a, str>>) -> Self {
        Self {
            name: name.into(),
            value: Part::Text(text.into()),
            status: None,
            what: "parameter",
        }
    }

    /// A parameter given as JSON (read as its schema says:
    /// [`json`](crate::json)).
    pub fn json(name: impl Into<Cow<'a, str>>, json: &'a RawValue) -> Self {
        Self {
            name: name.into(),
            value: Part::Json(json),
            status: None,
            what: "parameter",
        }
    }

    /// The HTTP status of an error about this parameter.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// What errors call the parameter (`"parameter"` unless set: REST says
    /// `"body"` for a member of the body).
    pub fn with_noun(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Decodes `params` as `T`.
pub(super) fn decode<T: DeserializeOwned>(params: &dyn NamedParams) -> Result<T, RpcError> {
    let entries = params.params()?;
    let source = params.status();
    let status = Cell::new(source);
    let access = Entries {
        entries: entries.into_iter(),
        value: None,
        status: &status,
        source,
    };
    match T::deserialize(de::value::MapAccessDeserializer::new(access)) {
        Ok(value) => Ok(value),
        Err(err) => Err(failed(err, status.get())),
    }
}

fn failed(err: PartError, status: Option<StatusCode>) -> RpcError {
    let err = RpcError::invalid_params(format!("invalid params: {err}"));
    match status {
        Some(status) => err.with_status(status),
        None => err,
    }
}

/// The parameters, as one map. Its methods do all but call the seeds, so
/// that what is compiled for each params struct is small.
struct Entries<'a, 'b> {
    entries: std::vec::IntoIter<Named<'a>>,
    value: Option<Named<'a>>,
    /// The status of an error now: the parameter's being read, else the
    /// source's.
    status: &'b Cell<Option<StatusCode>>,
    source: Option<StatusCode>,
}

impl<'a> Entries<'a, '_> {
    /// The next parameter's name, kept with its value for
    /// `next_value_seed`.
    fn next_name(&mut self) -> Option<&str> {
        let entry = self.entries.next()?;
        self.status.set(entry.status.or(self.source));
        Some(&self.value.insert(entry).name)
    }

    fn take_value(&mut self) -> Result<Named<'a>, PartError> {
        self.value
            .take()
            .ok_or_else(|| PartError("a value without its name".into()))
    }
}

fn about(what: &str, name: &str, err: PartError) -> PartError {
    PartError(format!("{what} `{name}`: {err}"))
}

impl<'a> MapAccess<'a> for Entries<'a, '_> {
    type Error = PartError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PartError> {
        // A params struct's field names are read, not kept: no copy.
        match self.next_name() {
            None => Ok(None),
            Some(name) => seed
                .deserialize(de::value::StrDeserializer::<PartError>::new(name))
                .map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, PartError> {
        let entry = self.take_value()?;
        match seed.deserialize(entry.value) {
            Ok(value) => {
                self.status.set(self.source);
                Ok(value)
            }
            Err(err) => Err(about(entry.what, &entry.name, err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Params;

    struct Rest {
        path: Vec<(&'static str, &'static str)>,
        body: &'static str,
    }

    impl NamedParams for Rest {
        fn params(&self) -> Result<Vec<Named<'_>>, RpcError> {
            let mut all: Vec<Named<'_>> = self
                .path
                .iter()
                .map(|&(k, v)| Named::text(k, v).with_status(StatusCode::BAD_REQUEST))
                .collect();
            if !self.body.is_empty() {
                let raw: &RawValue = serde_json::from_str(self.body).unwrap();
                all.push(
                    Named::json("server", raw)
                        .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                        .with_noun("body"),
                );
            }
            Ok(all)
        }

        fn status(&self) -> Option<StatusCode> {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Server {
        id: u32,
        name: String,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Args {
        country: u32,
        server: Server,
    }

    fn decode(path: &[(&'static str, &'static str)], body: &'static str) -> Result<Args, RpcError> {
        let path = path.to_vec();
        Params::named(Rest { path, body }).decode()
    }

    #[test]
    fn text_and_json_merge_by_name() {
        let args = decode(&[("country", "3")], r#"{"id": 7.0, "name": "a"}"#).unwrap();
        let server = Server {
            id: 7,
            name: "a".into(),
        };
        assert_eq!(args, Args { country: 3, server });
    }

    #[test]
    fn an_error_has_the_status_of_what_it_is_about() {
        let err = decode(&[("country", "x")], r#"{"id": 7, "name": "a"}"#).unwrap_err();
        assert_eq!(err.code(), RpcError::INVALID_PARAMS);
        assert_eq!(err.http_status(), StatusCode::BAD_REQUEST);
        assert!(
            err.message().contains("parameter `country`"),
            "{}",
            err.message()
        );

        let err = decode(&[("country", "3")], r#"{"id": "7", "name": "a"}"#).unwrap_err();
        assert_eq!(err.http_status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.message().contains("body `server`"), "{}", err.message());

        // Missing: the source's status.
        let err = decode(&[("country", "3")], "").unwrap_err();
        assert_eq!(err.http_status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            err.message().contains("missing field `server`"),
            "{}",
            err.message()
        );

        let err = decode(&[("country", "3"), ("colour", "red")], "").unwrap_err();
        assert_eq!(err.http_status(), StatusCode::BAD_REQUEST);
        assert!(err.message().contains("colour"), "{}", err.message());
    }

    #[test]
    fn a_struct_cannot_come_from_text() {
        let err = decode(&[("country", "3"), ("server", "a")], "").unwrap_err();
        assert!(
            err.message().contains("an object cannot come from"),
            "{}",
            err.message()
        );
    }
}
