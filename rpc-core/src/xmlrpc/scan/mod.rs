//! The fast path of the reader: documents in the plain XML that XML-RPC
//! peers write (Python's `xmlrpc.client`, Perl's `RPC::XML`, Apache's, ours)
//! are read by a small tokenizer; anything else is read by quick-xml.
//!
//! Why: a small call is about 17 elements and text runs, and quick-xml spends
//! some 480 instructions on each (a UTF-8 check, a `memchr` set-up and a push
//! to its stack of names per event, and the stack's reallocations), which made
//! the XML-RPC front end 0.80× of the JSON-RPC one over HTTP. Measured with
//! callgrind, the plain path reads such a call in a fraction of that.
//!
//! How it stays safe: [`Plain`] reads only a strict subset of XML, which
//! it checks as it reads each token: an optional XML declaration at the very
//! start; start, end and empty-element tags without attributes or white space
//! inside, whose names match; text in UTF-8 without `>`, `\r` or the
//! characters XML forbids; entity references to the five predefined entities
//! and character references to characters XML allows. At the first token
//! outside it (a comment, CDATA, attributes, a DOCTYPE, or something
//! malformed), it stops, before yielding anything of that token, and
//! [`Tokens`](super::reader::Tokens) reads the rest of the document with
//! quick-xml from there, checking the end tags of the elements the plain
//! path opened against its names. Up to that token both read the same, so
//! the document is read, or its error reported, exactly as quick-xml alone
//! would (a test compares them on arbitrary and mangled documents). It was a
//! pass over the whole document before reading it, which cost a call a
//! tenth of its reading.

use std::borrow::Cow;

mod expected;

use super::reader::{Token, XmlError};
use super::ser::SPECIAL;
use super::tag::{Tag, word_at};

/// Where the document starts after its XML declaration (`<?xml …?>` at the
/// very start, in ASCII without markup inside), or at 0 without one; `None` for any
/// other `<?`.
fn after_declaration(input: &[u8]) -> Option<usize> {
    let Some(rest) = input.strip_prefix(b"<?xml") else {
        return (!input.starts_with(b"<?")).then_some(0);
    };
    if !matches!(rest.first(), Some(b' ' | b'\t' | b'\n' | b'?')) {
        return None;
    }
    // The first `?>` ends it; nothing before it may be markup, or a byte
    // that is not ASCII (quick-xml checks the declaration's UTF-8; a plain
    // one is ASCII).
    let mut from = 0;
    while let Some(at) = rest[from..].iter().position(|&b| b == b'?') {
        let close = from + at;
        if !rest[from..close]
            .iter()
            .all(|&b| b.is_ascii() && !matches!(b, b'<' | b'>' | b'\r'))
        {
            return None;
        }
        if rest.get(close + 1) == Some(&b'>') {
            return Some(5 + close + 2);
        }
        from = close + 1;
    }
    None
}

/// The end of the ASCII name that starts at `at`, if one does.
fn name_end(input: &[u8], at: usize) -> Option<usize> {
    let first = *input.get(at)?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b':') {
        return None;
    }
    let mut end = at + 1;
    while input.get(end).is_some_and(|&b| is_name_byte(b)) {
        end += 1;
    }
    Some(end)
}

/// Whether `b` goes on a name of the plain subset.
fn is_name_byte(b: u8) -> bool {
    NAME[usize::from(b)]
}

/// The bytes of the plain subset's names: ASCII letters and digits, `_`,
/// `:`, `.` and `-` (a table: names are most of what a document's tags hold,
/// and each of their bytes is looked at twice).
static NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-');
        b += 1;
    }
    table
};

/// The character of the reference at the start of `text` (`&lt;`, `&#233;`,
/// `&#x41;`…) and the reference's length, if it is one the plain path reads.
fn reference(text: &[u8]) -> Option<(char, usize)> {
    let end = text.iter().take(12).position(|&b| b == b';')?;
    let c = match &text[1..end] {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"apos" => '\'',
        b"quot" => '"',
        [b'#', b'x', hex @ ..] if !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit) => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
        }
        [b'#', dec @ ..] if !dec.is_empty() && dec.iter().all(u8::is_ascii_digit) => {
            char::from_u32(std::str::from_utf8(dec).ok()?.parse().ok()?)?
        }
        _ => return None,
    };
    super::ser::is_xml_char(c).then_some((c, end + 1))
}

/// The tokens of the plain part of a document (or of a fragment of one,
/// starting after a tag): see the module documentation.
pub(crate) struct Plain<'a> {
    input: &'a [u8],
    pos: usize,
    /// The end tag of an empty element, to yield after its start tag.
    pending_end: Option<Tag>,
    /// Where the names of the open elements start: inline for the usual
    /// depths, on the heap past them.
    open: [u32; INLINE_DEPTH],
    deeper: Vec<u32>,
    depth: usize,
    /// Whether end tags of elements opened before the input are let through.
    fragment: bool,
}

/// The depth up to which [`Plain`] keeps its open names inline.
const INLINE_DEPTH: usize = 16;

impl<'a> Plain<'a> {
    /// Reads a whole document, after its XML declaration; `None` when its
    /// start is not plain (a declaration with markup inside, a processing
    /// instruction).
    pub fn document(input: &'a [u8]) -> Option<Self> {
        let pos = after_declaration(input)?;
        Some(Self::at(input, pos, false))
    }

    /// Reads a fragment of a document, from its start.
    pub fn fragment(input: &'a [u8]) -> Self {
        Self::at(input, 0, true)
    }

    fn at(input: &'a [u8], pos: usize, fragment: bool) -> Self {
        Self {
            input,
            pos,
            pending_end: None,
            open: [0; INLINE_DEPTH],
            deeper: Vec::new(),
            depth: 0,
            fragment,
        }
    }

    /// The position after the last token read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next token; `None` when the next token is not plain, which is
    /// then left unread at [`position`](Self::position). An end tag that
    /// does not close the open element is a syntax error, as quick-xml
    /// reports it.
    pub fn next(&mut self) -> Result<Option<Token<'a>>, XmlError> {
        if let Some(end) = self.pending_end.take() {
            return Ok(Some(Token::End(end)));
        }
        let input = self.input;
        let Some(&first) = input.get(self.pos) else {
            return Ok(Some(Token::Eof));
        };
        match first {
            b'<' => {
                let close = input.get(self.pos + 1) == Some(&b'/');
                let at = self.pos + 1 + usize::from(close);
                let Some(name_end) = name_end(input, at) else {
                    return Ok(None);
                };
                let gt = match (input.get(name_end), input.get(name_end + 1)) {
                    (Some(b'>'), _) => name_end,
                    (Some(b'/'), Some(b'>')) if !close => name_end + 1,
                    _ => return Ok(None),
                };
                let word = word_at(input, at, name_end - at);
                let tag = Tag::of_word(word, &input[at..name_end]);
                if close {
                    self.close(at, name_end, word)?;
                    self.pos = gt + 1;
                    return Ok(Some(Token::End(tag)));
                }
                if gt > name_end {
                    self.pending_end = Some(tag);
                } else {
                    self.push(at);
                }
                self.pos = gt + 1;
                Ok(Some(Token::Start(tag)))
            }
            b'&' => Ok(reference(&input[self.pos..]).map(|(c, len)| {
                self.pos += len;
                Token::Text(Cow::Owned(c.to_string()))
            })),
            _ => {
                let start = self.pos;
                let Some(end) = text_end(input, start) else {
                    return Ok(None);
                };
                let Ok(text) = std::str::from_utf8(&input[start..end]) else {
                    return Ok(None);
                };
                self.pos = end;
                Ok(Some(Token::Text(Cow::Borrowed(text))))
            }
        }
    }

    fn push(&mut self, at: usize) {
        // The input is at most a request body: its positions fit in u32.
        let at = u32::try_from(at).unwrap_or(u32::MAX);
        match self.open.get_mut(self.depth) {
            Some(slot) => *slot = at,
            None => {
                self.deeper.truncate(self.depth - INLINE_DEPTH);
                self.deeper.push(at);
            }
        }
        self.depth += 1;
    }

    /// Where the name of the innermost open element starts, which is then
    /// closed; `None` when none is open.
    fn pop(&mut self) -> Option<usize> {
        self.depth = self.depth.checked_sub(1)?;
        let start = match self.open.get(self.depth) {
            Some(&start) => start,
            None => self.deeper[self.depth - INLINE_DEPTH],
        };
        Some(start as usize)
    }

    /// Closes the open element named `input[at..end]`, whose first eight
    /// bytes are `word`.
    fn close(&mut self, at: usize, end: usize, word: u64) -> Result<(), XmlError> {
        let name = &self.input[at..end];
        let Some(start) = self.pop() else {
            return self.unmatched(name, self.pos);
        };
        let open = &self.input[start..];
        // The usual names are compared as one word (the open one's next byte
        // ends it), the longer ones then byte by byte.
        let len = name.len();
        let same = word_at(self.input, start, len) == word
            && !open.get(len).copied().is_some_and(is_name_byte)
            && (len <= 8 || open[8..len] == name[8..]);
        if same {
            return Ok(());
        }
        Err(mismatched(open, name, self.pos))
    }

    /// Closes the open element named `name`, for an end tag quick-xml read
    /// at byte `pos`, after the plain path stopped.
    pub fn close_named(&mut self, name: &[u8], pos: usize) -> Result<(), XmlError> {
        let Some(start) = self.pop() else {
            return self.unmatched(name, pos);
        };
        let open = &self.input[start..];
        let open_name = &open[..name_end(open, 0).unwrap_or(0)];
        if open_name == name {
            return Ok(());
        }
        Err(mismatched(open, name, pos))
    }

    /// An end tag with no element open: let through in a fragment.
    fn unmatched(&self, name: &[u8], pos: usize) -> Result<(), XmlError> {
        if self.fragment {
            return Ok(());
        }
        Err(XmlError::Syntax(format!(
            "not well-formed XML at byte {pos}: close tag `</{}>` does not match any open tag",
            bounded(name)
        )))
    }
}

/// Where the plain text run at `start` ends (at `<`, `&` or the end of the
/// input); `None` when it holds a byte the plain path does not read.
fn text_end(input: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while let Some(&b) = input.get(i) {
        // Most bytes need no second look: those the writer escapes do.
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        match b {
            b'<' | b'&' => break,
            // U+FFFE and U+FFFF are not plain; other characters are.
            0xef if !matches!(input.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => i += 1,
            // `>`, `\r` and the control characters XML forbids.
            _ => return None,
        }
    }
    Some(i)
}

/// The end tag `</name>` where the open element is the one whose name
/// starts `open`.
fn mismatched(open: &[u8], name: &[u8], pos: usize) -> XmlError {
    let open = &open[..name_end(open, 0).unwrap_or(0)];
    XmlError::Syntax(format!(
        "not well-formed XML at byte {pos}: expected `</{}>`, but `</{}>` was found",
        bounded(open),
        bounded(name)
    ))
}

/// A name from the input, for a message: at most 64 characters.
fn bounded(name: &[u8]) -> String {
    String::from_utf8_lossy(name).chars().take(64).collect()
}

#[cfg(test)]
mod tests;
