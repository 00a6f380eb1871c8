//! Reading XML-RPC documents as a stream of tags and text ([`Tokens`]): by
//! the plain tokenizer of [`scan`](super::scan) while it can, then by
//! quick-xml ([`quick`](super::quick)), with the safety rules of the codec:
//! no DOCTYPE, no entity but the five predefined ones and character
//! references, a bounded depth.

use std::borrow::Cow;

use super::quick::Quick;
use super::scan::Plain;
use super::tag::{Tag, label};

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
        if let Source::Plain(plain) = &mut self.source
            && plain.eat_eof()
        {
            return Ok(());
        }
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
            Source::Quick(quick) => quick.position(),
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
            Source::Quick(quick) => quick.next()?,
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

    /// Reads the start tag `<name>` if it comes next (past white space), in
    /// one step on the plain path (see `scan/expected.rs`); `false`,
    /// having read nothing, otherwise: [`tag`](Self::tag) reads on.
    pub fn eat_start(&mut self, name: Tag) -> bool {
        if self.depth >= self.max_depth {
            return false;
        }
        let Source::Plain(plain) = &mut self.source else {
            return false;
        };
        if !plain.eat_start(label(name).as_bytes()) {
            return false;
        }
        self.depth += 1;
        true
    }

    /// Reads the start tag that comes next (past white space) in one step,
    /// as [`eat_start`](Self::eat_start) does, whatever its name.
    pub fn eat_any_start(&mut self) -> Option<Tag> {
        if self.depth >= self.max_depth {
            return None;
        }
        let Source::Plain(plain) = &mut self.source else {
            return None;
        };
        let tag = plain.eat_any_start()?;
        self.depth += 1;
        Some(tag)
    }

    /// Reads a `<param>` holding a value of a scalar type, its end tags
    /// included, in one step on the plain path: its type and text. `None`,
    /// having read nothing, when what comes is anything else (or would
    /// nest deeper than the bound): the caller reads on tag by tag.
    pub fn eat_scalar_param(&mut self) -> Option<(Tag, &'a str)> {
        if self.depth + 3 > self.max_depth {
            return None;
        }
        let Source::Plain(plain) = &mut self.source else {
            return None;
        };
        plain.eat_scalar_param()
    }

    /// Reads the end tag `</name>` if it comes next (past white space) and
    /// closes the open element, as [`eat_start`](Self::eat_start) does.
    pub fn eat_end(&mut self, name: Tag) -> bool {
        let Source::Plain(plain) = &mut self.source else {
            return false;
        };
        if !plain.eat_end(label(name).as_bytes()) {
            return false;
        }
        self.depth = self.depth.saturating_sub(1);
        true
    }

    /// Expects the start tag `name`.
    pub fn expect_start(&mut self, name: Tag) -> Result<(), XmlError> {
        if self.eat_start(name) {
            return Ok(());
        }
        match self.tag()? {
            Token::Start(found) if found == name => Ok(()),
            other => Err(self.unexpected(&other, &format!("<{}>", label(name)))),
        }
    }

    /// Expects the end tag `name`.
    pub fn expect_end(&mut self, name: Tag) -> Result<(), XmlError> {
        if self.eat_end(name) {
            return Ok(());
        }
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
        if let Source::Plain(plain) = &mut self.source
            && let Some(text) = plain.eat_text()
        {
            self.depth = self.depth.saturating_sub(1);
            return Ok(Cow::Borrowed(text));
        }
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
