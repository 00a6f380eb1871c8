//! Reading XML-RPC documents as a stream of tags and text on quick-xml,
//! with the safety rules of the codec: no DOCTYPE, no entity but the five
//! predefined ones and character references, a bounded depth.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

use super::scan::Plain;

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
    /// The tag named `name`.
    pub(crate) fn of_bytes(name: &[u8]) -> Self {
        // XML forbids it, but a name with a zero byte would read as a word
        // of a shorter name.
        if name.contains(&0) {
            return Self::Other;
        }
        Self::of_word(super::scan::word_of(name), name)
    }

    /// The tag named `name`, whose first eight bytes (or fewer, zeros after
    /// them) are `word`: names hold no zero byte, so for the short names the
    /// word is the name, and a match on words is a few comparisons where a
    /// match on strings compares them one by one.
    #[inline(always)]
    pub(crate) fn of_word(word: u64, name: &[u8]) -> Self {
        const fn word_of(name: &[u8]) -> u64 {
            let mut word = 0u64;
            let mut i = 0;
            while i < name.len() && i < 8 {
                word |= (name[i] as u64) << (8 * i);
                i += 1;
            }
            word
        }
        const VALUE: u64 = word_of(b"value");
        const MEMBER: u64 = word_of(b"member");
        const NAME: u64 = word_of(b"name");
        const STRING: u64 = word_of(b"string");
        const INT: u64 = word_of(b"int");
        const I4: u64 = word_of(b"i4");
        const STRUCT: u64 = word_of(b"struct");
        const BOOLEAN: u64 = word_of(b"boolean");
        const ARRAY: u64 = word_of(b"array");
        const DATA: u64 = word_of(b"data");
        const PARAM: u64 = word_of(b"param");
        const PARAMS: u64 = word_of(b"params");
        const DOUBLE: u64 = word_of(b"double");
        const NIL: u64 = word_of(b"nil");
        const I8: u64 = word_of(b"i8");
        const BASE64: u64 = word_of(b"base64");
        const FAULT: u64 = word_of(b"fault");
        const I1: u64 = word_of(b"i1");
        const I2: u64 = word_of(b"i2");
        const FLOAT: u64 = word_of(b"float");
        // Longer names: their first eight bytes, then the whole name.
        const METHOD_CA: u64 = word_of(b"methodCa");
        const METHOD_NA: u64 = word_of(b"methodNa");
        const METHOD_RE: u64 = word_of(b"methodRe");
        const DATE_TIME: u64 = word_of(b"dateTime");
        let tag = match word {
            VALUE => Self::Value,
            MEMBER => Self::Member,
            NAME => Self::MemberName,
            STRING => Self::String,
            INT | I4 | I1 | I2 => Self::Int,
            STRUCT => Self::Struct,
            BOOLEAN => Self::Boolean,
            ARRAY => Self::Array,
            DATA => Self::Data,
            PARAM => Self::Param,
            PARAMS => Self::Params,
            DOUBLE | FLOAT => Self::Double,
            NIL => Self::Nil,
            I8 => Self::I8,
            BASE64 => Self::Base64,
            FAULT => Self::Fault,
            METHOD_CA if name == b"methodCall" => Self::MethodCall,
            METHOD_NA if name == b"methodName" => Self::MethodName,
            METHOD_RE if name == b"methodResponse" => Self::MethodResponse,
            DATE_TIME if name == b"dateTime.iso8601" => Self::DateTime,
            _ => Self::Other,
        };
        if tag == Self::Other {
            return Self::extension(name);
        }
        tag
    }

    /// Apache's extensions, also written with an `ex:` prefix (out of the
    /// way of the usual names: a call to it would make every lookup save
    /// registers).
    #[cold]
    #[inline(never)]
    fn extension(name: &[u8]) -> Self {
        match name.strip_prefix(b"ex:") {
            Some(extension) if !extension.starts_with(b"ex:") => Self::of_bytes(extension),
            _ => Self::Other,
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
    input: &'a [u8],
    source: Source<'a>,
    /// Whether `input` is a fragment of a document.
    fragment: bool,
    syntax_failed: bool,
    depth: usize,
    max_depth: usize,
}

/// What reads the document: the plain path while it can (see
/// [`scan`](super::scan)), then quick-xml from where it stopped.
enum Source<'a> {
    Plain(Plain<'a>),
    Quick(Box<Quick<'a>>),
}

/// quick-xml, reading a document from `offset` on.
struct Quick<'a> {
    reader: Reader<&'a [u8]>,
    offset: usize,
    /// The plain path that read the document up to `offset`: its open
    /// elements are closed by end tags quick-xml lets through.
    plain: Option<Plain<'a>>,
    /// The elements quick-xml opened and has not closed.
    depth: usize,
}

impl<'a> Quick<'a> {
    fn new(input: &'a [u8], fragment: bool, offset: usize, plain: Option<Plain<'a>>) -> Self {
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
}

impl<'a> Tokens<'a> {
    /// Reads a whole document.
    pub fn new(input: &'a [u8], max_depth: usize) -> Self {
        Self::with(input, max_depth, true, false)
    }

    /// Reads from the middle of a document read before with [`Tokens::new`]
    /// (with the plain path first, if [`Tokens::is_plain`] said so then):
    /// the end tags of elements opened before `input` starts are let
    /// through; everything else is checked as in a whole document.
    pub fn fragment(input: &'a [u8], max_depth: usize, plain: bool) -> Self {
        Self::with(input, max_depth, plain, true)
    }

    /// Reads with the plain path first or with quick-xml only, as told.
    pub(crate) fn with(input: &'a [u8], max_depth: usize, plain: bool, fragment: bool) -> Self {
        let plain = match (plain, fragment) {
            (true, true) => Some(Plain::fragment(input)),
            (true, false) => Plain::document(input),
            (false, _) => None,
        };
        let source = match plain {
            Some(plain) => Source::Plain(plain),
            None => Source::Quick(Box::new(Quick::new(input, fragment, 0, None))),
        };
        Self {
            input,
            source,
            fragment,
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

    /// The plain path stopped at a token it does not read: quick-xml reads
    /// on from there.
    #[cold]
    #[inline(never)]
    fn hand_to_quick_xml(&mut self) {
        let Source::Plain(plain) = &self.source else {
            return;
        };
        let offset = plain.position();
        let placeholder = Source::Plain(Plain::fragment(&[]));
        let Source::Plain(plain) = std::mem::replace(&mut self.source, placeholder) else {
            return;
        };
        let quick = Quick::new(self.input, self.fragment, offset, Some(plain));
        self.source = Source::Quick(Box::new(quick));
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
            Source::Quick(quick) => quick.offset + quick.reader.buffer_position() as usize,
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
            Source::Plain(plain) => match plain.next()? {
                Some(token) => token,
                None => {
                    self.hand_to_quick_xml();
                    return self.read();
                }
            },
            Source::Quick(quick) => Self::read_quick(quick)?,
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
    fn read_quick(quick: &mut Quick<'a>) -> Result<Token<'a>, XmlError> {
        let reader = &mut quick.reader;
        loop {
            let event = reader.read_event().map_err(|e| {
                XmlError::Syntax(format!(
                    "not well-formed XML at byte {}: {e}",
                    quick.offset + reader.error_position() as usize
                ))
            })?;
            return Ok(match event {
                Event::Start(start) => {
                    quick.depth += 1;
                    Token::Start(Tag::of_bytes(start.name().as_ref().as_bytes()))
                }
                Event::End(end) => {
                    let name = end.name();
                    let name = name.as_ref().as_bytes();
                    if quick.depth > 0 {
                        quick.depth -= 1;
                    } else if let Some(plain) = &mut quick.plain {
                        // An element the plain path opened.
                        let at = quick.offset + reader.buffer_position() as usize;
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
    fn names_read_as_words_are_the_names() {
        let names: [(&[u8], Tag); 29] = [
            (b"value", Tag::Value),
            (b"member", Tag::Member),
            (b"name", Tag::MemberName),
            (b"string", Tag::String),
            (b"int", Tag::Int),
            (b"i4", Tag::Int),
            (b"i1", Tag::Int),
            (b"i2", Tag::Int),
            (b"struct", Tag::Struct),
            (b"boolean", Tag::Boolean),
            (b"array", Tag::Array),
            (b"data", Tag::Data),
            (b"param", Tag::Param),
            (b"params", Tag::Params),
            (b"double", Tag::Double),
            (b"float", Tag::Double),
            (b"nil", Tag::Nil),
            (b"i8", Tag::I8),
            (b"ex:i8", Tag::I8),
            (b"ex:nil", Tag::Nil),
            (b"base64", Tag::Base64),
            (b"fault", Tag::Fault),
            (b"methodCall", Tag::MethodCall),
            (b"methodName", Tag::MethodName),
            (b"methodResponse", Tag::MethodResponse),
            (b"dateTime.iso8601", Tag::DateTime),
            (b"ex:dateTime.iso8601", Tag::DateTime),
            (b"ex:ex:nil", Tag::Other),
            (b"valu", Tag::Other),
        ];
        let others: [&[u8]; 8] = [
            b"values",
            b"Value",
            b"methodCal",
            b"methodCalls",
            b"methodNam",
            b"dateTime",
            b"dateTime.iso8601x",
            b"v",
        ];
        // Not a name of the plain path, which never has a zero byte.
        assert_eq!(Tag::of_bytes(b"value\0"), Tag::Other);
        let all = names
            .iter()
            .copied()
            .chain(others.iter().map(|&name| (name, Tag::Other)));
        for (name, tag) in all {
            assert_eq!(
                Tag::of_bytes(name),
                tag,
                "{}",
                String::from_utf8_lossy(name)
            );
            // Within a document (eight bytes readable at once) and at its end.
            let mut doc = name.to_vec();
            doc.extend_from_slice(b">more bytes after it");
            let word = super::super::scan::word_at(&doc, 0, name.len());
            assert_eq!(Tag::of_word(word, name), tag);
            let word = super::super::scan::word_at(name, 0, name.len());
            assert_eq!(Tag::of_word(word, name), tag);
        }
    }

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
