//! The XML-RPC types serde has no word for: [`DateTime`] and [`Base64`].
//!
//! Each serializes as a newtype struct with a reserved name: the XML-RPC
//! codec writes `<dateTime.iso8601>` / `<base64>`, and every other format
//! (JSON) sees an ordinary string.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// The reserved newtype name of [`DateTime`].
pub(crate) const DATETIME: &str = "$rpc_core::xmlrpc::DateTime";
/// The reserved newtype name of [`Base64`].
pub(crate) const BASE64: &str = "$rpc_core::xmlrpc::Base64";
/// The name under which `serde_json::value::RawValue` (de)serializes itself:
/// a struct of one field of that name holding the JSON text. XML-RPC carries
/// the value that text stands for.
pub(crate) const JSON_RAW: &str = "$serde_json::private::RawValue";

/// An XML-RPC `dateTime.iso8601`: a date and a time of day, with no time zone
/// (the protocol has none; agree on UTC).
///
/// On the wire it is `<dateTime.iso8601>20261124T18:11:24</dateTime.iso8601>`
/// in XML-RPC and `"2026-11-24T18:11:24"` in JSON. Both the basic
/// (`20261124T18:11:24`) and the extended (`2026-11-24T18:11:24`) forms are
/// read, with an optional trailing `Z` and fractional seconds (dropped).
///
/// ```
/// use rpc_core::xmlrpc::DateTime;
///
/// let t: DateTime = "20261124T18:11:24".parse().unwrap();
/// assert_eq!((t.year, t.month, t.day, t.hour, t.minute, t.second), (2026, 11, 24, 18, 11, 24));
/// assert_eq!(t.to_string(), "20261124T18:11:24");
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2026-11-24T18:11:24""#);
/// assert!("2026-13-01T00:00:00".parse::<DateTime>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// The year, 0 to 9999.
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 60 (a leap second).
    pub second: u8,
}

/// A text that is not a date-time [`DateTime`] reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 8601 date-time such as 20261124T18:11:24")]
pub struct InvalidDateTime(String);

impl DateTime {
    /// The date-time in the ISO 8601 extended form, `2026-11-24T18:11:24`.
    pub fn to_extended(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl FromStr for DateTime {
    type Err = InvalidDateTime;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDateTime(text.chars().take(64).collect());
        let text = text.trim();
        let (date, time) = text.split_once('T').ok_or_else(invalid)?;
        let date: String = date.chars().filter(|c| *c != '-').collect();
        let time = time.strip_suffix('Z').unwrap_or(time);
        let time = time
            .split_once('.')
            .map_or(time, |(whole, _fraction)| whole);
        let time: String = time.chars().filter(|c| *c != ':').collect();
        let all_digits = |s: &str, len| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(&date, 8) || !all_digits(&time, 6) {
            return Err(invalid());
        }
        let number = |s: &str| s.parse::<u16>().map_err(|_| invalid());
        let parsed = Self {
            year: number(&date[0..4])?,
            month: number(&date[4..6])? as u8,
            day: number(&date[6..8])? as u8,
            hour: number(&time[0..2])? as u8,
            minute: number(&time[2..4])? as u8,
            second: number(&time[4..6])? as u8,
        };
        let valid = (1..=12).contains(&parsed.month)
            && (1..=31).contains(&parsed.day)
            && parsed.hour < 24
            && parsed.minute < 60
            && parsed.second <= 60;
        if valid { Ok(parsed) } else { Err(invalid()) }
    }
}

/// The XML-RPC (basic) form, `20261124T18:11:24`.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(DATETIME, &self.to_extended())
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateTimeVisitor;
        impl<'de> Visitor<'de> for DateTimeVisitor {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 date-time")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<DateTime, D::Error> {
                d.deserialize_str(self)
            }
        }
        deserializer.deserialize_newtype_struct(DATETIME, DateTimeVisitor)
    }
}

impl utoipa::PartialSchema for DateTime {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An ISO 8601 date-time without time zone (XML-RPC dateTime.iso8601)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for DateTime {}

/// Binary data: an XML-RPC `<base64>`, and a base64 string in JSON.
///
/// ```
/// use rpc_core::xmlrpc::Base64;
///
/// let data = Base64::from(b"\x00\xffhi".to_vec());
/// assert_eq!(serde_json::to_string(&data).unwrap(), r#""AP9oaQ==""#);
/// let back: Base64 = serde_json::from_str(r#""AP9oaQ==""#).unwrap();
/// assert_eq!(back.as_ref(), b"\x00\xffhi");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Base64(pub Vec<u8>);

impl Base64 {
    /// The bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Base64 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Decodes base64 text, ignoring the white space that encoders put in lines.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| format!("invalid base64: {e}"))
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BASE64, &encode_base64(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64Visitor;
        impl<'de> Visitor<'de> for Base64Visitor {
            type Value = Base64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("base64 data")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Base64, E> {
                decode_base64(text).map(Base64).map_err(E::custom)
            }
            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Base64, E> {
                Ok(Base64(bytes))
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Base64, E> {
                Ok(Base64(bytes.to_vec()))
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Base64, D::Error> {
                d.deserialize_str(self)
            }
        }
        deserializer.deserialize_newtype_struct(BASE64, Base64Visitor)
    }
}

impl utoipa::PartialSchema for Base64 {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .content_encoding("base64")
            .description(Some("Binary data, base64-encoded (XML-RPC base64)"))
            .into()
    }
}

impl utoipa::ToSchema for Base64 {}
