//! Enums: a variant is a string, or a struct of one member.

use serde::de::value::CowStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};

use super::{DeError, Result, ValueDeserializer};
use crate::xmlrpc::reader::Tokens;
use crate::xmlrpc::tag::Tag;

/// A variant written as a struct of one member.
pub(super) struct VariantAccess<'r, 'a> {
    pub tokens: &'r mut Tokens<'a>,
}

impl<'de, 'r> de::EnumAccess<'de> for VariantAccess<'r, 'de> {
    type Error = DeError;
    type Variant = ValueDeserializer<'r, 'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        self.tokens.expect_start(Tag::Member)?;
        self.tokens.expect_start(Tag::MemberName)?;
        let key = self.tokens.text()?;
        let variant = seed.deserialize(CowStrDeserializer::<DeError>::new(key))?;
        self.tokens.expect_start(Tag::Value)?;
        Ok((variant, ValueDeserializer::new(self.tokens)))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDeserializer<'_, 'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(ValueDeserializerEndsMember(self))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(ValueDeserializerEndsMember(self), visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(ValueDeserializerEndsMember(self), visitor)
    }
}

/// A variant's value, followed by the `</member>` of its struct.
struct ValueDeserializerEndsMember<'r, 'a>(ValueDeserializer<'r, 'a>);

impl<'de> de::Deserializer<'de> for ValueDeserializerEndsMember<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let ValueDeserializer {
            tokens,
            content,
            start,
            text,
        } = self.0;
        let inner = ValueDeserializer {
            tokens: &mut *tokens,
            content,
            start,
            text,
        };
        let value = de::Deserializer::deserialize_any(inner, visitor)?;
        tokens.expect_end(Tag::Member)?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
