//! An XML-RPC array or struct being written, member by member.

use serde::ser::{self, Serialize};

use super::{EncodeError, KeySerializer, Result, ValueSerializer, escape_into};

/// An array or a struct being written; `close` ends it.
pub(crate) struct Compound<'w> {
    pub(super) out: &'w mut Vec<u8>,
    pub(super) close: &'static [u8],
    /// A `serde_json` `RawValue`, whose field is JSON text.
    pub(super) raw_json: bool,
}

impl<'w> Compound<'w> {
    pub(super) fn array(out: &'w mut Vec<u8>) -> Self {
        Self {
            out,
            close: b"</data></array></value>",
            raw_json: false,
        }
    }
    pub(super) fn structure(out: &'w mut Vec<u8>) -> Self {
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
