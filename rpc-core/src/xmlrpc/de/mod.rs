//! A serde deserializer that reads XML-RPC values straight into Rust types:
//! a method's params struct from `<params>`, a result from a `<value>`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IntoDeserializer, Visitor};

mod access;
mod variant;

pub(crate) use self::access::ParamsDeserializer;
use self::access::{StructAccess, ValuesAccess};
use self::variant::VariantAccess;
use super::reader::{Token, Tokens, XmlError};
use super::tag::{Tag, label};
use super::value::{BASE64, DATETIME, JSON_RAW, decode_base64};

/// The reserved newtype name of a value kept as raw XML (multicall's params).
pub(crate) const RAW: &str = "$rpc_core::xmlrpc::Raw";

/// An error while decoding values; what does not fit says why.
#[derive(Debug)]
pub(crate) struct DeError(pub String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

impl From<XmlError> for DeError {
    fn from(err: XmlError) -> Self {
        Self(err.message().to_owned())
    }
}

pub(crate) type Result<T> = std::result::Result<T, DeError>;

/// What a `<value>` holds, read up to its first typed element.
enum Content<'a> {
    /// `<value>text</value>`: a string; the `</value>` is read.
    Bare(Cow<'a, str>),
    /// `<value><type>`: the start tag is read.
    Typed(Tag),
}

/// Deserializes one `<value>` whose start tag has been read; reads through
/// its end tag.
pub(crate) struct ValueDeserializer<'r, 'a> {
    pub(super) tokens: &'r mut Tokens<'a>,
    content: Option<Content<'a>>,
    /// Where the value's content starts in the input.
    start: usize,
    /// The text of a scalar whose end tags, `</value>` included, were read
    /// with its start (see [`ValueDeserializer::scalar`]).
    text: Option<&'a str>,
}

impl<'r, 'a> ValueDeserializer<'r, 'a> {
    pub fn new(tokens: &'r mut Tokens<'a>) -> Self {
        let start = tokens.position();
        Self {
            tokens,
            content: None,
            start,
            text: None,
        }
    }

    /// A value of the scalar type `tag` whose text was read, with its end
    /// tags (a param read in one step): it is taken from there rather than
    /// from the tokens. Not for a multicall's values, whose raw XML is kept
    /// from `start`.
    pub fn scalar(tokens: &'r mut Tokens<'a>, tag: Tag, text: &'a str) -> Self {
        Self {
            start: tokens.position(),
            tokens,
            content: Some(Content::Typed(tag)),
            text: Some(text),
        }
    }

    /// Passes over the rest of a typed value, through `</value>`.
    fn skip_typed(&mut self) -> Result<()> {
        if self.text.take().is_none() {
            self.tokens.skip()?;
            self.tokens.expect_end(Tag::Value)?;
        }
        Ok(())
    }

    fn content(&mut self) -> Result<Content<'a>> {
        if let Some(content) = self.content.take() {
            return Ok(content);
        }
        if let Some(tag) = self.tokens.eat_any_start() {
            return Ok(Content::Typed(tag));
        }
        let mut text: Option<Cow<'a, str>> = None;
        loop {
            match self.tokens.next()? {
                Token::Text(piece) => match &mut text {
                    None => text = Some(piece),
                    Some(all) => all.to_mut().push_str(&piece),
                },
                Token::End(Tag::Value) => return Ok(Content::Bare(text.unwrap_or_default())),
                Token::Start(name) if text.as_deref().is_none_or(|t| t.trim().is_empty()) => {
                    return Ok(Content::Typed(name));
                }
                other => return Err(self.tokens.unexpected(&other, "a value").into()),
            }
        }
    }

    /// The text of the typed element just opened, then `</value>`.
    fn typed_text(&mut self) -> Result<Cow<'a, str>> {
        if let Some(text) = self.text.take() {
            return Ok(Cow::Borrowed(text));
        }
        let text = self.tokens.text()?;
        self.tokens.expect_end(Tag::Value)?;
        Ok(text)
    }

    fn number<T: std::str::FromStr>(&mut self, what: &str) -> Result<T> {
        let text = self.typed_text()?;
        text.trim().parse().map_err(|_| {
            DeError(format!(
                "`{}` is not {what}",
                text.chars().take(40).collect::<String>()
            ))
        })
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        match self.content()? {
            Content::Bare(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Content::Bare(Cow::Owned(text)) => visitor.visit_string(text),
            Content::Typed(name) => match name {
                Tag::Int => visitor.visit_i32(self.number("an int")?),
                Tag::I8 => visitor.visit_i64(self.number("an i8")?),
                Tag::Double => visitor.visit_f64(self.number("a double")?),
                Tag::Boolean => match self.typed_text()?.trim() {
                    "1" | "true" => visitor.visit_bool(true),
                    "0" | "false" => visitor.visit_bool(false),
                    other => Err(DeError(format!(
                        "`{other}` is not a boolean: expected 0 or 1"
                    ))),
                },
                Tag::String | Tag::DateTime => match self.typed_text()? {
                    Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
                    Cow::Owned(text) => visitor.visit_string(text),
                },
                Tag::Base64 => {
                    visitor.visit_byte_buf(decode_base64(&self.typed_text()?).map_err(DeError)?)
                }
                Tag::Nil => {
                    self.tokens.expect_end(Tag::Nil)?;
                    self.tokens.expect_end(Tag::Value)?;
                    visitor.visit_unit()
                }
                Tag::Struct => {
                    let value = visitor.visit_map(StructAccess {
                        tokens: self.tokens,
                        key: None,
                    })?;
                    self.tokens.expect_end(Tag::Value)?;
                    Ok(value)
                }
                Tag::Array => {
                    self.tokens.expect_start(Tag::Data)?;
                    let mut access = ValuesAccess {
                        tokens: &mut *self.tokens,
                        end: Tag::Data,
                        done: false,
                        taken: 0,
                    };
                    // A tuple's visitor stops after its elements, before
                    // `</data>`: read it (refusing extra values).
                    let value = visitor.visit_seq(&mut access)?;
                    access.finish()?;
                    self.tokens.expect_end(Tag::Array)?;
                    self.tokens.expect_end(Tag::Value)?;
                    Ok(value)
                }
                other => Err(DeError(format!(
                    "<{}> is not an XML-RPC value type",
                    label(other)
                ))),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        match self.content()? {
            Content::Typed(Tag::Nil) => {
                self.tokens.expect_end(Tag::Nil)?;
                self.tokens.expect_end(Tag::Value)?;
                visitor.visit_none()
            }
            content => {
                self.content = Some(content);
                visitor.visit_some(self)
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match name {
            RAW => {
                let start = self.start;
                match self.content()? {
                    Content::Bare(_) => {}
                    Content::Typed(_) => self.skip_typed()?,
                }
                visitor.visit_u64(start as u64)
            }
            DATETIME | BASE64 => match self.content()? {
                Content::Typed(Tag::DateTime | Tag::String) if name == DATETIME => {
                    visitor.visit_str(&self.typed_text()?)
                }
                Content::Typed(Tag::Base64) if name == BASE64 => {
                    visitor.visit_byte_buf(decode_base64(&self.typed_text()?).map_err(DeError)?)
                }
                Content::Typed(Tag::String) => visitor.visit_str(&self.typed_text()?),
                Content::Bare(text) => visitor.visit_str(&text),
                Content::Typed(other) => Err(DeError(format!(
                    "expected <{}>, found <{}>",
                    if name == DATETIME {
                        "dateTime.iso8601"
                    } else {
                        "base64"
                    },
                    label(other)
                ))),
            },
            JSON_RAW => {
                // A `RawValue` asks for JSON text: the XML-RPC value, as JSON.
                let value = <serde_json::Value as de::Deserialize>::deserialize(self)?;
                let text = value.to_string();
                visitor.visit_map(de::value::MapDeserializer::new(std::iter::once((
                    JSON_RAW, text,
                ))))
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.content()? {
            Content::Bare(text) => visitor.visit_enum(text.into_deserializer()),
            Content::Typed(Tag::String) => {
                visitor.visit_enum(self.typed_text()?.into_deserializer())
            }
            Content::Typed(Tag::Struct) => {
                // `{"Variant": value}`: a struct of one member.
                let value = visitor.visit_enum(VariantAccess {
                    tokens: self.tokens,
                })?;
                self.tokens.expect_end(Tag::Struct)?;
                self.tokens.expect_end(Tag::Value)?;
                Ok(value)
            }
            Content::Typed(other) => Err(DeError(format!(
                "expected an enum variant (a string or a struct of one member), found <{}>",
                label(other)
            ))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value> {
        if let Content::Typed(_) = self.content()? {
            self.skip_typed()?;
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}
