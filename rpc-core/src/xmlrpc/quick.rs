//! The reader's other path: quick-xml, for documents (or the rest of one)
//! that the plain tokenizer of [`scan`](super::scan) does not read, with the
//! codec's rules: no DOCTYPE, no entity but the five predefined ones and
//! character references.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::reader::{Token, XmlError};
use super::scan::Plain;
use super::tag::Tag;

/// quick-xml, reading a document from `offset` on.
pub(crate) struct Quick<'a> {
    reader: Reader<&'a [u8]>,
    offset: usize,
    /// The plain path that read the document up to `offset`: its open
    /// elements are closed by end tags quick-xml lets through.
    plain: Option<Plain<'a>>,
    /// The elements quick-xml opened and has not closed.
    depth: usize,
}

impl<'a> Quick<'a> {
    pub fn new(input: &'a [u8], fragment: bool, offset: usize, plain: Option<Plain<'a>>) -> Self {
        let mut reader = Reader::from_reader(&input[offset..]);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.allow_unmatched_ends = fragment || plain.is_some();
        Self {
            reader,
            offset,
            plain,
            depth: 0,
        }
    }

    /// The position after the last token read, in the whole input.
    pub fn position(&self) -> usize {
        self.offset + self.reader.buffer_position() as usize
    }

    /// The next token quick-xml reads, passing over what XML-RPC ignores.
    pub fn next(&mut self) -> Result<Token<'a>, XmlError> {
        let reader = &mut self.reader;
        loop {
            let event = reader.read_event().map_err(|e| {
                XmlError::Syntax(format!(
                    "not well-formed XML at byte {}: {e}",
                    self.offset + reader.error_position() as usize
                ))
            })?;
            return Ok(match event {
                Event::Start(start) => {
                    self.depth += 1;
                    Token::Start(Tag::of_bytes(start.name().as_ref().as_bytes()))
                }
                Event::End(end) => {
                    let name = end.name();
                    let name = name.as_ref().as_bytes();
                    if self.depth > 0 {
                        self.depth -= 1;
                    } else if let Some(plain) = &mut self.plain {
                        // An element the plain path opened.
                        let at = self.offset + reader.buffer_position() as usize;
                        plain.close_named(name, at)?;
                    }
                    Token::End(Tag::of_bytes(name))
                }
                Event::Text(text) => Token::Text(text.xml10_content()),
                Event::CData(data) => Token::Text(data.into_inner()),
                Event::GeneralRef(reference) => {
                    Token::Text(Cow::Owned(resolve(&reference)?.to_string()))
                }
                Event::DocType(_) => {
                    return Err(XmlError::Invalid(
                        "a DOCTYPE is refused: XML-RPC documents have none, and no entity is expanded".into(),
                    ));
                }
                Event::Eof => Token::Eof,
                Event::Empty(_) => unreachable!("empty elements are expanded"),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
            });
        }
    }
}

/// The five predefined entities and character references; nothing else.
fn resolve(reference: &BytesRef<'_>) -> Result<char, XmlError> {
    if let Some(c) = reference
        .resolve_char_ref()
        .map_err(|e| XmlError::Syntax(format!("invalid character reference: {e}")))?
    {
        return Ok(c);
    }
    match &**reference {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(XmlError::Syntax(format!(
            "unknown entity `&{}`: only the predefined entities and character references are read",
            other.chars().take(40).collect::<String>()
        ))),
    }
}
