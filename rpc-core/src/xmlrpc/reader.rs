//! Reading XML-RPC documents as a stream of tags and text on quick-xml,
//! with the safety rules of the codec: no DOCTYPE, no entity but the five
//! predefined ones and character references, a bounded depth.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::scan::{Plain, is_plain};

/// The default bound on the nesting of elements in a document.
pub const DEFAULT_MAX_DEPTH: usize = 128;

/// Why a document cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// Not well-formed XML, or XML this codec refuses (DOCTYPE, entities, depth).
    Syntax(String),
    /// Well-formed, but not the XML-RPC expected here.
    Invalid(String),
}

impl XmlError {
    pub fn message(&self) -> &str {
        match self {
            Self::Syntax(m) | Self::Invalid(m) => m,
        }
    }
}

/// The element names of XML-RPC, read once into a small enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    MethodCall,
    MethodName,
    MethodResponse,
    Params,
    Param,
    Fault,
    Value,
    Int,
    I8,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Nil,
    Struct,
    Member,
    MemberName,
    Array,
    Data,
    Other,
}

impl Tag {
    pub(crate) fn of_bytes(name: &[u8]) -> Self {
        // The most frequent names first: a match on strings compares in order.
        match name {
            b"value" => Self::Value,
            b"member" => Self::Member,
            b"name" => Self::MemberName,
            b"string" => Self::String,
            b"int" | b"i4" => Self::Int,
            b"struct" => Self::Struct,
            b"boolean" => Self::Boolean,
            b"array" => Self::Array,
            b"data" => Self::Data,
            b"param" => Self::Param,
            b"params" => Self::Params,
            b"double" => Self::Double,
            b"nil" => Self::Nil,
            b"i8" => Self::I8,
            b"dateTime.iso8601" => Self::DateTime,
            b"base64" => Self::Base64,
            b"methodCall" => Self::MethodCall,
            b"methodName" => Self::MethodName,
            b"methodResponse" => Self::MethodResponse,
            b"fault" => Self::Fault,
            b"i1" | b"i2" => Self::Int,
            b"float" => Self::Double,
            // Apache's extensions are also written with an `ex:` prefix.
            _ => match name.strip_prefix(b"ex:") {
                Some(extension) if !extension.starts_with(b"ex:") => Self::of_bytes(extension),
                _ => Self::Other,
            },
        }
    }
}

/// A tag or text, as the codec sees them.
#[derive(Debug)]
pub(crate) enum Token<'a> {
    Start(Tag),
    End(Tag),
    Text(Cow<'a, str>),
    Eof,
}

/// A pull reader of [`Token`]s over a byte slice.
pub(crate) struct Tokens<'a> {
    source: Source<'a>,
    syntax_failed: bool,
    depth: usize,
    max_depth: usize,
}

/// What reads the document: the plain path for the documents it accepts
/// (see [`scan`](super::scan)), quick-xml for every other.
enum Source<'a> {
    Plain(Plain<'a>),
    Quick(Box<Reader<&'a [u8]>>),
}

impl<'a> Tokens<'a> {
    /// Reads a whole document.
    pub fn new(input: &'a [u8], max_depth: usize) -> Self {
        let plain = is_plain(input);
        Self::with(input, max_depth, plain, false)
    }

    /// Reads from the middle of a document read before with [`Tokens::new`]
    /// ([`Tokens::is_plain`] says how): the end tags of elements opened before
    /// `input` starts are let through; everything else is checked as in a
    /// whole document.
    pub fn fragment(input: &'a [u8], max_depth: usize, plain: bool) -> Self {
        Self::with(input, max_depth, plain, true)
    }

    /// Reads with the plain path or quick-xml, as told.
    pub(crate) fn with(input: &'a [u8], max_depth: usize, plain: bool, fragment: bool) -> Self {
        let source = if plain {
            Source::Plain(Plain::new(input, fragment))
        } else {
            let mut reader = Reader::from_reader(input);
            let config = reader.config_mut();
            config.expand_empty_elements = true;
            config.check_end_names = true;
            config.allow_unmatched_ends = fragment;
            Source::Quick(Box::new(reader))
        };
        Self {
            source,
            syntax_failed: false,
            depth: 0,
            max_depth,
        }
    }

    /// Whether the document is read by the plain path, which a fragment of
    /// it must then be read by too.
    pub fn is_plain(&self) -> bool {
        matches!(self.source, Source::Plain(_))
    }

    /// Whether reading failed because the document is not well-formed (or
    /// breaks the codec's rules), rather than because it is not the XML-RPC
    /// expected.
    pub fn syntax_failed(&self) -> bool {
        self.syntax_failed
    }

    /// Expects the end tag `name`, then the end of the document.
    pub fn expect_last(&mut self, name: Tag) -> Result<(), XmlError> {
        self.expect_end(name)?;
        self.expect_last_after_root()
    }

    /// After the root's end tag: only the end of the document.
    pub fn expect_last_after_root(&mut self) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                Token::Eof => return Ok(()),
                Token::Text(text) if text.trim().is_empty() => {}
                _ => return Err(self.syntax("content after the root element".into())),
            }
        }
    }

    fn syntax(&mut self, message: String) -> XmlError {
        self.syntax_failed = true;
        XmlError::Syntax(message)
    }

    /// The position after the last token read.
    pub fn position(&self) -> usize {
        match &self.source {
            Source::Plain(plain) => plain.position(),
            Source::Quick(reader) => reader.buffer_position() as usize,
        }
    }

    pub fn next(&mut self) -> Result<Token<'a>, XmlError> {
        let token = self.read();
        if matches!(token, Err(XmlError::Syntax(_))) {
            self.syntax_failed = true;
        }
        token
    }

    fn read(&mut self) -> Result<Token<'a>, XmlError> {
        let token = match &mut self.source {
            Source::Plain(plain) => plain.next()?,
            Source::Quick(reader) => Self::read_quick(reader)?,
        };
        match token {
            Token::Start(_) => {
                self.depth += 1;
                if self.depth > self.max_depth {
                    return Err(XmlError::Syntax(format!(
                        "the document nests elements deeper than {} levels",
                        self.max_depth
                    )));
                }
            }
            Token::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(token)
    }

    /// The next token quick-xml reads, passing over what XML-RPC ignores.
    fn read_quick(reader: &mut Reader<&'a [u8]>) -> Result<Token<'a>, XmlError> {
        loop {
            let event = reader.read_event().map_err(|e| {
                XmlError::Syntax(format!(
                    "not well-formed XML at byte {}: {e}",
                    reader.error_position()
                ))
            })?;
            return Ok(match event {
                Event::Start(start) => {
                    Token::Start(Tag::of_bytes(start.name().as_ref().as_bytes()))
                }
                Event::End(end) => Token::End(Tag::of_bytes(end.name().as_ref().as_bytes())),
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

    /// The next start or end tag, passing over white space.
    pub fn tag(&mut self) -> Result<Token<'a>, XmlError> {
        loop {
            match self.next()? {
                Token::Text(text) if text.trim().is_empty() => continue,
                Token::Text(text) => {
                    return Err(XmlError::Invalid(format!(
                        "unexpected text `{}` between elements",
                        text.chars().take(40).collect::<String>()
                    )));
                }
                other => return Ok(other),
            }
        }
    }

    /// Expects the start tag `name`.
    pub fn expect_start(&mut self, name: Tag) -> Result<(), XmlError> {
        match self.tag()? {
            Token::Start(found) if found == name => Ok(()),
            other => Err(self.unexpected(&other, &format!("<{}>", label(name)))),
        }
    }

    /// Expects the end tag `name`.
    pub fn expect_end(&mut self, name: Tag) -> Result<(), XmlError> {
        match self.tag()? {
            Token::End(found) if found == name => Ok(()),
            other => Err(self.unexpected(&other, &format!("</{}>", label(name)))),
        }
    }

    /// [`unexpected`], noting a document that ends too early as a syntax error.
    pub fn unexpected(&mut self, found: &Token<'_>, expected: &str) -> XmlError {
        let err = unexpected(found, expected);
        if matches!(err, XmlError::Syntax(_)) {
            self.syntax_failed = true;
        }
        err
    }

    /// The text of the element just opened, up to and including its end tag.
    pub fn text(&mut self) -> Result<Cow<'a, str>, XmlError> {
        let mut text: Option<Cow<'a, str>> = None;
        loop {
            match self.next()? {
                Token::Text(piece) => match &mut text {
                    None => text = Some(piece),
                    Some(all) => all.to_mut().push_str(&piece),
                },
                Token::End(_) => return Ok(text.unwrap_or_default()),
                other => return Err(self.unexpected(&other, "text")),
            }
        }
    }

    /// Passes over the rest of the element just opened, its end tag included.
    pub fn skip(&mut self) -> Result<(), XmlError> {
        let mut open = 1usize;
        while open > 0 {
            match self.next()? {
                Token::Start(_) => open += 1,
                Token::End(_) => open -= 1,
                Token::Text(_) => {}
                Token::Eof => return Err(self.syntax("the document ends too early".into())),
            }
        }
        Ok(())
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

pub(crate) fn label(name: Tag) -> &'static str {
    match name {
        Tag::MethodCall => "methodCall",
        Tag::MethodName => "methodName",
        Tag::MethodResponse => "methodResponse",
        Tag::Params => "params",
        Tag::Param => "param",
        Tag::Fault => "fault",
        Tag::Value => "value",
        Tag::Int => "int",
        Tag::I8 => "i8",
        Tag::Boolean => "boolean",
        Tag::String => "string",
        Tag::Double => "double",
        Tag::DateTime => "dateTime.iso8601",
        Tag::Base64 => "base64",
        Tag::Nil => "nil",
        Tag::Struct => "struct",
        Tag::Member => "member",
        Tag::MemberName => "name",
        Tag::Array => "array",
        Tag::Data => "data",
        Tag::Other => "an unknown element",
    }
}

pub(crate) fn unexpected(found: &Token<'_>, expected: &str) -> XmlError {
    let found = match found {
        Token::Start(name) => format!("<{}>", label(*name)),
        Token::End(name) => format!("</{}>", label(*name)),
        Token::Text(_) => "text".to_owned(),
        Token::Eof => {
            return XmlError::Syntax(format!("the document ends where {expected} was expected"));
        }
    };
    XmlError::Invalid(format!("expected {expected}, found {found}"))
}

/// Reads the whole document once: well-formed, within the depth bound, no
/// DOCTYPE, no unknown entity. After this, decoding can trust the syntax.
pub(crate) fn validate(input: &[u8], max_depth: usize) -> Result<(), XmlError> {
    let mut tokens = Tokens::new(input, max_depth);
    let mut roots = 0;
    loop {
        match tokens.next()? {
            Token::Eof => break,
            Token::Start(_) if tokens.depth == 1 => roots += 1,
            Token::Text(text) if tokens.depth == 0 && !text.trim().is_empty() => {
                return Err(XmlError::Syntax("text outside the root element".into()));
            }
            _ => {}
        }
    }
    match (roots, tokens.depth) {
        (1, 0) => Ok(()),
        (0, _) => Err(XmlError::Syntax("the document is empty".into())),
        (_, 0) => Err(XmlError::Syntax(
            "the document has more than one root element".into(),
        )),
        _ => Err(XmlError::Syntax(
            "the document ends before its elements are closed".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_unsafe_or_broken() {
        let cases: [(&str, &str); 7] = [
            ("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", "DOCTYPE"),
            ("<x>&a;</x>", "unknown entity"),
            ("<x><y></x>", "not well-formed"),
            ("<x>", "ends before"),
            ("", "empty"),
            ("<x/><y/>", "more than one root"),
            ("<a><a><a><a><a></a></a></a></a></a>", "deeper than 4"),
        ];
        for (doc, says) in cases {
            let err = validate(doc.as_bytes(), 4).unwrap_err();
            assert!(err.message().contains(says), "{doc}: {err:?}");
        }
        assert!(validate(b"<x>\xff</x>", 4).is_err());
    }

    #[test]
    fn reads_text_with_references_and_cdata() {
        let mut tokens = Tokens::new(b"<s>a &lt;&#233;&#x41;<![CDATA[<&>]]> b</s>", 8);
        tokens.expect_start(Tag::Other).unwrap();
        assert_eq!(tokens.text().unwrap(), "a <\u{e9}A<&> b");
    }
}
