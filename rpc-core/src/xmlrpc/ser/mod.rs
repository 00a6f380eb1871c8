//! A serde serializer that writes Rust values straight as XML-RPC `<value>`s.

use std::fmt;
use std::io::Write as _;

use serde::ser::{self, Serialize};

mod compound;
mod escape;
mod key;
mod params;

use self::compound::Compound;
pub(crate) use self::escape::{SPECIAL, escape_into, is_xml_char};
use self::key::KeySerializer;
pub(crate) use self::params::ParamsSerializer;
use super::value::{BASE64, DATETIME, JSON_RAW, encode_base64};

/// Why a value cannot be written as XML-RPC: XML-RPC has no place for it (an
/// integer beyond 64 bits, an infinite double, a character XML cannot carry…).
///
/// ```
/// use rpc_core::Value;
///
/// let mut out = Vec::new();
/// let err = f64::INFINITY.write_xmlrpc(&mut out).unwrap_err();
/// assert_eq!(err.to_string(), "inf cannot be written as an XML-RPC double");
/// 2.5.write_xmlrpc(&mut out).unwrap();
/// assert_eq!(out, b"<value><double>2.5</double></value>");
/// ```
#[derive(Debug)]
pub struct EncodeError(pub(crate) String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, EncodeError>;

/// Writes one `<value>…</value>`.
pub(crate) struct ValueSerializer<'w> {
    pub out: &'w mut Vec<u8>,
    /// The element a string is written in: `string`, or a special type's.
    string_tag: &'static str,
}

impl<'w> ValueSerializer<'w> {
    pub fn new(out: &'w mut Vec<u8>) -> Self {
        Self {
            out,
            string_tag: "string",
        }
    }

    fn scalar(self, tag: &str, text: impl fmt::Display) -> Result {
        let out = self.out;
        out.extend_from_slice(b"<value><");
        out.extend_from_slice(tag.as_bytes());
        out.push(b'>');
        let _ = write!(out, "{text}");
        out.extend_from_slice(b"</");
        out.extend_from_slice(tag.as_bytes());
        out.extend_from_slice(b"></value>");
        Ok(())
    }

    fn integer(self, value: i128) -> Result {
        let out = self.out;
        let mut digits = itoa::Buffer::new();
        if let Ok(value) = i32::try_from(value) {
            out.extend_from_slice(b"<value><int>");
            out.extend_from_slice(digits.format(value).as_bytes());
            out.extend_from_slice(b"</int></value>");
        } else if let Ok(value) = i64::try_from(value) {
            out.extend_from_slice(b"<value><i8>");
            out.extend_from_slice(digits.format(value).as_bytes());
            out.extend_from_slice(b"</i8></value>");
        } else {
            return Err(EncodeError(format!(
                "{value} is out of the range of XML-RPC integers (i8)"
            )));
        }
        Ok(())
    }

    fn start_array(out: &mut Vec<u8>) {
        out.extend_from_slice(b"<value><array><data>");
    }

    fn start_struct(out: &mut Vec<u8>) {
        out.extend_from_slice(b"<value><struct>");
    }

    /// A variant with fields: a struct of one member, named by the variant,
    /// whose value `open` starts and `close` ends.
    fn variant(
        out: &'w mut Vec<u8>,
        variant: &str,
        open: fn(&mut Vec<u8>),
        close: &'static [u8],
    ) -> Result<Compound<'w>> {
        Self::start_struct(out);
        out.extend_from_slice(b"<member><name>");
        escape_into(out, variant)?;
        out.extend_from_slice(b"</name>");
        open(out);
        Ok(Compound {
            out,
            close,
            raw_json: false,
        })
    }

    fn member(out: &mut Vec<u8>, name: &str, value: &(impl Serialize + ?Sized)) -> Result {
        if name.bytes().any(|b| SPECIAL[usize::from(b)]) {
            out.extend_from_slice(b"<member><name>");
            escape_into(out, name)?;
            out.extend_from_slice(b"</name>");
        } else {
            // A field's name, which needs no escape: written as it stands,
            // in room made once.
            out.reserve(name.len() + b"<member><name></name>".len());
            out.extend_from_slice(b"<member><name>");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"</name>");
        }
        value.serialize(ValueSerializer::new(out))?;
        out.extend_from_slice(b"</member>");
        Ok(())
    }
}

impl<'w> ser::Serializer for ValueSerializer<'w> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Compound<'w>;
    type SerializeTuple = Compound<'w>;
    type SerializeTupleStruct = Compound<'w>;
    type SerializeTupleVariant = Compound<'w>;
    type SerializeMap = Compound<'w>;
    type SerializeStruct = Compound<'w>;
    type SerializeStructVariant = Compound<'w>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out.extend_from_slice(if v {
            b"<value><boolean>1</boolean></value>"
        } else {
            b"<value><boolean>0</boolean></value>"
        });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.integer(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.integer(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.integer(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.integer(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.integer(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.integer(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.integer(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.integer(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result {
        self.integer(i128::try_from(v).unwrap_or(i128::MAX))
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result {
        if !v.is_finite() {
            return Err(EncodeError(format!(
                "{v} cannot be written as an XML-RPC double"
            )));
        }
        self.scalar("double", v)
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        let tag = self.string_tag;
        // XML-RPC's dateTime is the basic form, 19980717T14:08:55 (Python
        // reads no other); `DateTime` hands over the extended one.
        let basic;
        let v = if tag == "dateTime.iso8601" {
            let (date, time) = v.split_once('T').unwrap_or((v, ""));
            basic = format!("{}T{time}", date.replace('-', ""));
            basic.as_str()
        } else {
            v
        };
        let out = self.out;
        out.extend_from_slice(b"<value><");
        out.extend_from_slice(tag.as_bytes());
        out.push(b'>');
        escape_into(out, v)?;
        out.extend_from_slice(b"</");
        out.extend_from_slice(tag.as_bytes());
        out.extend_from_slice(b"></value>");
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.scalar("base64", encode_base64(v))
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"<value><nil/></value>");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        let string_tag = match name {
            DATETIME => "dateTime.iso8601",
            BASE64 => "base64",
            _ => return value.serialize(self),
        };
        value.serialize(ValueSerializer {
            out: self.out,
            string_tag,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        Self::start_struct(self.out);
        Self::member(self.out, variant, value)?;
        self.out.extend_from_slice(b"</struct></value>");
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w>> {
        Self::start_array(self.out);
        Ok(Compound::array(self.out))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'w>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'w>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>> {
        Self::variant(
            self.out,
            variant,
            Self::start_array,
            b"</data></array></value></member></struct></value>",
        )
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w>> {
        Self::start_struct(self.out);
        Ok(Compound::structure(self.out))
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Compound<'w>> {
        if name == JSON_RAW {
            // A `RawValue`: its one field is JSON text, written as the value
            // it stands for.
            return Ok(Compound {
                out: self.out,
                close: b"",
                raw_json: true,
            });
        }
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w>> {
        Self::variant(
            self.out,
            variant,
            Self::start_struct,
            b"</struct></value></member></struct></value>",
        )
    }
}
