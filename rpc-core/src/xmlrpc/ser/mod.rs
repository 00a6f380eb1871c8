//! A serde serializer that writes Rust values straight as XML-RPC `<value>`s.

use std::fmt;
use std::io::Write as _;

use serde::ser::{self, Serialize};

mod key;
mod params;

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

/// Appends `text` escaped for XML character data. `\r` is written as a
/// reference so that end-of-line normalization keeps it; characters XML 1.0
/// cannot carry at all are refused, and then nothing is appended.
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str) -> Result {
    let len = out.len();
    let result = escape_all(out, text);
    if result.is_err() {
        out.truncate(len);
    }
    result
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production; Rust strings
/// hold no surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

fn escape_all(out: &mut Vec<u8>, text: &str) -> Result {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        let i = start + offset;
        let replacement: &[u8] = match bytes[i] {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\r' => b"&#13;",
            // U+FFFE and U+FFFF, EF BF BE and EF BF BF in UTF-8.
            0xef => match bytes.get(i + 1..i + 3) {
                Some([0xbf, last @ (0xbe | 0xbf)]) => {
                    return Err(forbidden(if *last == 0xbe { 0xfffe } else { 0xffff }));
                }
                _ => {
                    out.extend_from_slice(&bytes[start..=i]);
                    start = i + 1;
                    continue;
                }
            },
            control => return Err(forbidden(control.into())),
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    Ok(())
}

/// The bytes that `escape_into` looks at twice: markup, `\r`, the control
/// characters XML forbids, and the lead byte of U+FFFE/U+FFFF.
pub(crate) static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09 && b != 0x0a;
        b += 1;
    }
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xef] = true;
    table
};

fn forbidden(code_point: u32) -> EncodeError {
    EncodeError(format!(
        "the character U+{code_point:04X} cannot be carried by XML"
    ))
}

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

/// An array or a struct being written; `close` ends it.
pub(crate) struct Compound<'w> {
    out: &'w mut Vec<u8>,
    close: &'static [u8],
    /// A `serde_json` `RawValue`, whose field is JSON text.
    raw_json: bool,
}

impl<'w> Compound<'w> {
    fn array(out: &'w mut Vec<u8>) -> Self {
        Self {
            out,
            close: b"</data></array></value>",
            raw_json: false,
        }
    }
    fn structure(out: &'w mut Vec<u8>) -> Self {
        Self {
            out,
            close: b"</struct></value>",
            raw_json: false,
        }
    }
    /// The value JSON text `value` stands for.
    fn raw_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        let text = match serde_json::to_value(value) {
            Ok(serde_json::Value::String(text)) => text,
            _ => return Err(EncodeError("a RawValue without its JSON text".into())),
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| EncodeError(format!("a RawValue that is not JSON: {err}")))?;
        value.serialize(ValueSerializer::new(self.out))
    }
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(ValueSerializer::new(self.out))
    }
    fn end(self) -> Result {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

macro_rules! sequence {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.element(value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        let name = key.serialize(KeySerializer)?;
        self.out.extend_from_slice(b"<member><name>");
        escape_into(self.out, &name)?;
        self.out.extend_from_slice(b"</name>");
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(ValueSerializer::new(self.out))?;
        self.out.extend_from_slice(b"</member>");
        Ok(())
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

macro_rules! members {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
                if self.raw_json {
                    return self.raw_json(value);
                }
                ValueSerializer::member(self.out, key, value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

members!(SerializeStruct, SerializeStructVariant);
