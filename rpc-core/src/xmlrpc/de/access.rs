//! Sequences and structs: `<struct>` members, `<array>` values, `<params>`.

use serde::de::value::CowStrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};

use super::{DeError, Result, ValueDeserializer};
use crate::xmlrpc::reader::{Token, Tokens};
use crate::xmlrpc::tag::Tag;

/// `<member><name>k</name><value>v</value></member>`… up to `</struct>`.
pub(super) struct StructAccess<'r, 'a> {
    pub tokens: &'r mut Tokens<'a>,
    pub key: Option<()>,
}

impl<'de> de::MapAccess<'de> for StructAccess<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let token = if self.tokens.eat_start(Tag::Member) {
            Token::Start(Tag::Member)
        } else if self.tokens.eat_end(Tag::Struct) {
            Token::End(Tag::Struct)
        } else {
            self.tokens.tag()?
        };
        match token {
            Token::End(Tag::Struct) => Ok(None),
            Token::Start(Tag::Member) => {
                self.tokens.expect_start(Tag::MemberName)?;
                let key = self.tokens.text()?;
                self.key = Some(());
                seed.deserialize(CowStrDeserializer::<DeError>::new(key))
                    .map(Some)
            }
            other => Err(self
                .tokens
                .unexpected(&other, "<member> or </struct>")
                .into()),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.key.take();
        self.tokens.expect_start(Tag::Value)?;
        let value = seed.deserialize(ValueDeserializer::new(self.tokens))?;
        self.tokens.expect_end(Tag::Member)?;
        Ok(value)
    }
}

/// `<value>…</value>`… up to the end tag `end` (`</data>`), or
/// `<param><value>…</value></param>`… up to `</params>`.
pub(crate) struct ValuesAccess<'r, 'a> {
    pub tokens: &'r mut Tokens<'a>,
    pub end: Tag,
    /// Whether the end tag has been read.
    pub done: bool,
    /// How many values were read.
    pub taken: usize,
}

impl ValuesAccess<'_, '_> {
    /// Reads the end tag if the visitor stopped before it: more values than
    /// the visitor took is an error (`serde`'s struct visitors do not check).
    pub(super) fn finish(&mut self) -> Result<()> {
        if self.done || self.tokens.eat_end(self.end) {
            return Ok(());
        }
        match self.tokens.tag()? {
            Token::End(name) if name == self.end => Ok(()),
            Token::Eof => Err(self.tokens.unexpected(&Token::Eof, "an end tag").into()),
            _ => Err(DeError(format!("too many values: expected {}", self.taken))),
        }
    }
}

impl<'de> de::SeqAccess<'de> for ValuesAccess<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        // serde's derived visitors ask again after a `None` (once per
        // optional field): the end tag is read once.
        if self.done {
            return Ok(None);
        }
        let params = self.end == Tag::Params;
        // The usual param, a number or a string, in one step.
        if params && let Some((tag, text)) = self.tokens.eat_scalar_param() {
            self.taken += 1;
            return seed
                .deserialize(ValueDeserializer::scalar(self.tokens, tag, text))
                .map(Some);
        }
        let item = if params { Tag::Param } else { Tag::Value };
        let token = if self.tokens.eat_start(item) {
            Token::Start(item)
        } else if self.tokens.eat_end(self.end) {
            Token::End(self.end)
        } else {
            self.tokens.tag()?
        };
        match token {
            Token::End(name) if name == self.end => {
                self.done = true;
                Ok(None)
            }
            Token::Start(Tag::Param) if params => {
                self.taken += 1;
                self.tokens.expect_start(Tag::Value)?;
                let value = seed.deserialize(ValueDeserializer::new(self.tokens))?;
                self.tokens.expect_end(Tag::Param)?;
                Ok(Some(value))
            }
            Token::Start(Tag::Value) if !params => {
                self.taken += 1;
                seed.deserialize(ValueDeserializer::new(self.tokens))
                    .map(Some)
            }
            other => Err(self
                .tokens
                .unexpected(&other, if params { "<param>" } else { "<value>" })
                .into()),
        }
    }
}

/// The sequence of `<param>`s or of an array's `<value>`s, opened.
fn open_values<'r, 'a>(tokens: &'r mut Tokens<'a>, end: Tag) -> Result<ValuesAccess<'r, 'a>> {
    if end == Tag::Data {
        tokens.expect_start(Tag::Array)?;
        tokens.expect_start(Tag::Data)?;
    }
    Ok(ValuesAccess {
        tokens,
        end,
        done: false,
        taken: 0,
    })
}

/// Checks that the sequence was read to its end, and closes it.
fn close_values(mut access: ValuesAccess<'_, '_>) -> Result<()> {
    access.finish()?;
    if access.end == Tag::Data {
        access.tokens.expect_end(Tag::Array)?;
    }
    Ok(())
}

/// Deserializes `<param>`s as a sequence (a method's params struct reads
/// them by position); `tokens` is just after `<params>`.
pub(crate) struct ParamsDeserializer<'r, 'a> {
    pub tokens: &'r mut Tokens<'a>,
    /// `Params`: `<param><value>` items up to `</params>`; `Data`: `<value>`
    /// items of an `<array><data>` (multicall), whose `<value>` is read.
    pub end: Tag,
}

impl<'de> de::Deserializer<'de> for ParamsDeserializer<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let end = self.end;
        let mut access = open_values(self.tokens, end)?;
        let value = visitor.visit_seq(&mut access)?;
        close_values(access)?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
