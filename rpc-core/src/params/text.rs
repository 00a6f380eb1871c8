//! One named parameter's value, as a deserializer: text (a path segment, a
//! query value: parsed into the type the parameter asks for) or JSON (read as
//! its schema says, [`crate::json`]).

use std::borrow::Cow;
use std::fmt;

use crate::json::Strict;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

/// A decoding error, already saying which param it is about.
#[derive(Debug)]
pub(super) struct PartError(pub String);

impl fmt::Display for PartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PartError {}

impl de::Error for PartError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

pub(super) enum Part<'a> {
    /// A path segment or query value, percent-decoded.
    Text(Cow<'a, str>),
    /// A JSON value, read as its schema says ([`crate::json`]).
    Json(&'a RawValue),
}

fn json<T>(result: Result<T, serde_json::Error>) -> Result<T, PartError> {
    result.map_err(|e| PartError(e.to_string()))
}

macro_rules! parse_text {
    ($($method:ident => $visit:ident($ty:ty)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
            match self {
                Part::Text(text) => match text.parse::<$ty>() {
                    Ok(value) => visitor.$visit(value),
                    Err(err) => Err(PartError(format!("`{text}` is not a valid {}: {err}", stringify!($ty)))),
                },
                Part::Json(raw) => json(Strict::new(raw).$method(visitor)),
            }
        }
    )*};
}

macro_rules! delegate {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
            match self {
                Part::Text(text) => visit_text(text, visitor),
                Part::Json(raw) => json(Strict::new(raw).$method(visitor)),
            }
        }
    )*};
}

fn visit_text<'de, V: Visitor<'de>>(
    text: Cow<'de, str>,
    visitor: V,
) -> Result<V::Value, PartError> {
    match text {
        Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
        Cow::Owned(text) => visitor.visit_string(text),
    }
}

impl<'de> Deserializer<'de> for Part<'de> {
    type Error = PartError;

    parse_text! {
        deserialize_i8 => visit_i8(i8), deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32), deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128), deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16), deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64), deserialize_u128 => visit_u128(u128),
        deserialize_f32 => visit_f32(f32), deserialize_f64 => visit_f64(f64),
        deserialize_char => visit_char(char),
    }

    delegate! {
        deserialize_any, deserialize_str, deserialize_string, deserialize_bytes,
        deserialize_byte_buf, deserialize_identifier, deserialize_ignored_any,
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
        match self {
            Part::Text(text) => match &*text {
                "true" => visitor.visit_bool(true),
                "false" => visitor.visit_bool(false),
                _ => Err(PartError(format!(
                    "`{text}` is not a boolean: use true or false"
                ))),
            },
            Part::Json(raw) => json(Strict::new(raw).deserialize_bool(visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
        match self {
            // A value given is the option's value: `?country=` is an empty
            // string, not a country (as serde_urlencoded reads it).
            Part::Text(_) => visitor.visit_some(self),
            Part::Json(raw) => json(Strict::new(raw).deserialize_option(visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => visitor.visit_unit(),
            Part::Json(raw) => json(Strict::new(raw).deserialize_unit(visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => visitor.visit_unit(),
            Part::Json(raw) => json(Strict::new(raw).deserialize_unit_struct(name, visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => visitor.visit_newtype_struct(self),
            Part::Json(raw) => json(Strict::new(raw).deserialize_newtype_struct(name, visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(text) => {
                visitor.visit_enum(de::IntoDeserializer::<PartError>::into_deserializer(text))
            }
            Part::Json(raw) => json(Strict::new(raw).deserialize_enum(name, variants, visitor)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
        match self {
            Part::Text(text) => Err(PartError(format!(
                "`{text}`: a list cannot come from a path or query string"
            ))),
            Part::Json(raw) => json(Strict::new(raw).deserialize_seq(visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => self.deserialize_seq(visitor),
            Part::Json(raw) => json(Strict::new(raw).deserialize_tuple(len, visitor)),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => self.deserialize_seq(visitor),
            Part::Json(raw) => json(Strict::new(raw).deserialize_tuple_struct(name, len, visitor)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PartError> {
        match self {
            Part::Text(text) => Err(PartError(format!(
                "`{text}`: an object cannot come from a path or query string"
            ))),
            Part::Json(raw) => json(Strict::new(raw).deserialize_map(visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PartError> {
        match self {
            Part::Text(_) => self.deserialize_map(visitor),
            Part::Json(raw) => json(Strict::new(raw).deserialize_struct(name, fields, visitor)),
        }
    }
}
