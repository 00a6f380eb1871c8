//! A call's `<params>`: each field of a params struct (or element of a tuple)
//! becomes one positional `<param>`.

use serde::ser::{self, Serialize};

use super::{EncodeError, ValueSerializer};

type Result<T = ()> = std::result::Result<T, EncodeError>;

/// Writes `<param>`s, one per field or element; `None` is sent as `<nil/>`.
pub(crate) struct ParamsSerializer<'w> {
    pub out: &'w mut Vec<u8>,
}

pub(crate) struct ParamsCompound<'w> {
    out: &'w mut Vec<u8>,
}

impl ParamsCompound<'_> {
    fn param<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.out.extend_from_slice(b"<param>");
        value.serialize(ValueSerializer::new(self.out))?;
        self.out.extend_from_slice(b"</param>");
        Ok(())
    }

    fn finish(self) -> Result {
        Ok(())
    }
}

impl<'w> ParamsSerializer<'w> {
    fn compound(self) -> ParamsCompound<'w> {
        ParamsCompound { out: self.out }
    }

    fn single<T: Serialize + ?Sized>(self, value: &T) -> Result {
        let mut params = self.compound();
        params.param(value)?;
        params.finish()
    }
}

macro_rules! one_param {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, v: $ty) -> Result {
            self.single(&v)
        }
    )*};
}

impl<'w> ser::Serializer for ParamsSerializer<'w> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = ParamsCompound<'w>;
    type SerializeTuple = ParamsCompound<'w>;
    type SerializeTupleStruct = ParamsCompound<'w>;
    type SerializeTupleVariant = ser::Impossible<(), EncodeError>;
    type SerializeMap = ser::Impossible<(), EncodeError>;
    type SerializeStruct = ParamsCompound<'w>;
    type SerializeStructVariant = ser::Impossible<(), EncodeError>;

    one_param!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8])
    );

    fn serialize_none(self) -> Result {
        self.single(&())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.single(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result {
        let mut params = self.compound();
        params.param(&Newtype(name, value))?;
        params.finish()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result {
        self.single(value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<ParamsCompound<'w>> {
        Ok(self.compound())
    }
    fn serialize_tuple(self, _: usize) -> Result<ParamsCompound<'w>> {
        Ok(self.compound())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<ParamsCompound<'w>> {
        Ok(self.compound())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_params())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_params())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<ParamsCompound<'w>> {
        Ok(self.compound())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_params())
    }
}

/// A newtype struct as one param, keeping its name (for `DateTime`, `Base64`).
struct Newtype<'a, T: ?Sized>(&'static str, &'a T);

impl<T: Serialize + ?Sized> Serialize for Newtype<'_, T> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(self.0, self.1)
    }
}

fn not_params() -> EncodeError {
    EncodeError("XML-RPC params are positional: pass a struct, a tuple or a sequence".into())
}

macro_rules! fields {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for ParamsCompound<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                self.param(value)
            }
            fn end(self) -> Result {
                self.finish()
            }
        }
    )*};
}

fields!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeStruct for ParamsCompound<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _key: &'static str, value: &T) -> Result {
        self.param(value)
    }
    fn end(self) -> Result {
        self.finish()
    }
}
