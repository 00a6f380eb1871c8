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
//! How it stays safe: [`is_plain`] first reads the whole document and says
//! yes only to a strict subset of XML, which it checks completely: UTF-8; an
//! optional XML declaration at the very start; then only start, end and
//! empty-element tags without attributes or white space inside, whose names
//! match and nest within the depth bound, under one root; text without `>`,
//! `\r`, the characters XML forbids, or entity references other than the five
//! predefined ones and character references to characters XML allows. A
//! document it says no to (malformed, or merely written differently: a
//! comment, CDATA, attributes, a DOCTYPE…) goes to quick-xml, which reads it
//! or reports the error exactly as before. On the documents it says yes to,
//! [`Plain`] yields the very tokens quick-xml would (a test compares them on
//! arbitrary and mangled documents).

use std::borrow::Cow;

use super::reader::{Tag, Token, XmlError};
use super::ser::SPECIAL;

/// Whether every byte of `input` is plain (see the module documentation):
/// UTF-8, tags without attributes or white space inside, only the references
/// the reader resolves, no character XML forbids. The structure (names that
/// match, the depth) is checked by [`Plain`] as it reads, with the errors of
/// a malformed document.
pub(crate) fn is_plain(input: &[u8]) -> bool {
    if std::str::from_utf8(input).is_err() {
        return false;
    }
    let Some(mut i) = after_declaration(input) else {
        return false;
    };
    while let Some(&b) = input.get(i) {
        // Most bytes need no second look: those the writer escapes do.
        if !SPECIAL[usize::from(b)] {
            i += 1;
            continue;
        }
        i = match b {
            b'<' => {
                let at = i + 1 + usize::from(input.get(i + 1) == Some(&b'/'));
                let Some(end) = name_end(input, at) else {
                    return false;
                };
                match (input.get(end), input.get(end + 1)) {
                    (Some(b'>'), _) => end + 1,
                    (Some(b'/'), Some(b'>')) if at == i + 1 => end + 2,
                    _ => return false,
                }
            }
            b'&' => match reference(&input[i..]) {
                Some((_, len)) => i + len,
                None => return false,
            },
            b'>' | b'\r' => return false,
            b if b < 0x20 && b != b'\t' && b != b'\n' => return false,
            // U+FFFE and U+FFFF.
            0xef if matches!(input.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => return false,
            _ => i + 1,
        };
    }
    true
}

/// Where the document starts after its XML declaration (`<?xml …?>` at the
/// very start, without markup inside), or at 0 without one; `None` for any
/// other `<?`.
fn after_declaration(input: &[u8]) -> Option<usize> {
    let Some(rest) = input.strip_prefix(b"<?xml") else {
        return (!input.starts_with(b"<?")).then_some(0);
    };
    if !matches!(rest.first(), Some(b' ' | b'\t' | b'\n' | b'?')) {
        return None;
    }
    let close = rest.windows(2).position(|w| w == b"?>")?;
    let inside = &rest[..close];
    if inside.iter().any(|&b| matches!(b, b'<' | b'>' | b'\r')) {
        return None;
    }
    Some(5 + close + 2)
}

/// The end of the ASCII name that starts at `at`, if one does.
fn name_end(input: &[u8], at: usize) -> Option<usize> {
    let first = *input.get(at)?;
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b':') {
        return None;
    }
    let len = input[at + 1..]
        .iter()
        .position(|&b| !is_name_byte(b))
        .unwrap_or(input.len() - at - 1);
    Some(at + 1 + len)
}

/// Whether `b` goes on a name of the plain subset.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-')
}

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

/// The tokens of a document [`is_plain`] said yes to (or of a fragment of
/// one, starting after a tag).
pub(crate) struct Plain<'a> {
    input: &'a [u8],
    /// The same, as text (checked once; tokens end at ASCII bytes, so slicing
    /// it at their bounds cannot fail).
    text: &'a str,
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
    /// Reads `input`, which `is_plain` accepted (or is a fragment of a
    /// document it accepted, when `fragment`).
    pub fn new(input: &'a [u8], fragment: bool) -> Self {
        let pos = after_declaration(input).unwrap_or(0);
        // Not UTF-8 cannot happen after `is_plain`; were it, nothing is read.
        let (input, text) = match std::str::from_utf8(input) {
            Ok(text) => (input, text),
            Err(_) => (&input[..0], ""),
        };
        Self {
            input,
            text,
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

    /// The next token; an end tag that does not close the open element is a
    /// syntax error, as quick-xml reports it.
    pub fn next(&mut self) -> Result<Token<'a>, XmlError> {
        if let Some(end) = self.pending_end.take() {
            return Ok(Token::End(end));
        }
        let input = self.input;
        let Some(&first) = input.get(self.pos) else {
            return Ok(Token::Eof);
        };
        match first {
            b'<' => {
                let close = input.get(self.pos + 1) == Some(&b'/');
                let at = self.pos + 1 + usize::from(close);
                let Some(name_end) = name_end(input, at) else {
                    return Err(self.not_plain());
                };
                let name = &input[at..name_end];
                let tag = Tag::of_bytes(name);
                if close {
                    self.close(name)?;
                    self.pos = name_end + 1;
                    Ok(Token::End(tag))
                } else if input.get(name_end) == Some(&b'/') {
                    self.pos = name_end + 2;
                    self.pending_end = Some(tag);
                    Ok(Token::Start(tag))
                } else {
                    self.push(at);
                    self.pos = name_end + 1;
                    Ok(Token::Start(tag))
                }
            }
            b'&' => match reference(&input[self.pos..]) {
                Some((c, len)) => {
                    self.pos += len;
                    Ok(Token::Text(Cow::Owned(c.to_string())))
                }
                None => Err(self.not_plain()),
            },
            _ => {
                let rest = &input[self.pos..];
                let len = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
                let start = self.pos;
                self.pos += len;
                match self.text.get(start..self.pos) {
                    Some(text) => Ok(Token::Text(Cow::Borrowed(text))),
                    None => Err(self.not_plain()),
                }
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

    /// Closes the open element named `name`.
    fn close(&mut self, name: &[u8]) -> Result<(), XmlError> {
        if self.depth == 0 {
            if self.fragment {
                return Ok(());
            }
            return Err(XmlError::Syntax(format!(
                "not well-formed XML at byte {}: close tag `</{}>` does not match any open tag",
                self.pos,
                bounded(name)
            )));
        }
        self.depth -= 1;
        let start = match self.open.get(self.depth) {
            Some(&start) => start,
            None => self.deeper[self.depth - INLINE_DEPTH],
        } as usize;
        let open = &self.input[start..];
        let same =
            open.starts_with(name) && !open.get(name.len()).copied().is_some_and(is_name_byte);
        if same {
            return Ok(());
        }
        let open = &open[..name_end(open, 0).unwrap_or(0)];
        Err(XmlError::Syntax(format!(
            "not well-formed XML at byte {}: expected `</{}>`, but `</{}>` was found",
            self.pos,
            bounded(open),
            bounded(name)
        )))
    }

    /// Input `is_plain` would have refused: never read past it.
    fn not_plain(&mut self) -> XmlError {
        let at = self.pos;
        self.pos = self.input.len();
        XmlError::Syntax(format!("not well-formed XML at byte {at}"))
    }
}

/// A name from the input, for a message: at most 64 characters.
fn bounded(name: &[u8]) -> String {
    String::from_utf8_lossy(name).chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_documents_are_recognized() {
        let yes: [&[u8]; 10] = [
            b"<?xml version=\"1.0\"?>\n<methodCall><methodName>a.b</methodName></methodCall>",
            b"<methodCall>\n  <methodName>a</methodName>\n  <params/>\n</methodCall>\n",
            b"<v><string>a &lt;&amp;&#233;&#x41; b</string></v>",
            b"<v><nil/></v>",
            b"<ex:nil/>",
            "<v>caf\u{e9} \u{1f600}</v>".as_bytes(),
            // Malformed but plain: the reader reports these.
            b"<a></b>",
            b"<a>",
            b"<a/><b/>",
            b"",
        ];
        for doc in yes {
            assert!(is_plain(doc), "{:?}", String::from_utf8_lossy(doc));
        }
        let no: [&[u8]; 14] = [
            b"<a x=\"1\"/>",
            b"<a >x</a>",
            b"<a><!-- c --></a>",
            b"<a><![CDATA[x]]></a>",
            b"<!DOCTYPE a><a/>",
            b" <?xml version=\"1.0\"?><a/>",
            b"<?pi x?><a/>",
            b"<a>&foo;</a>",
            b"<a>&#0;</a>",
            b"<a>x\r\ny</a>",
            b"<a>\x01</a>",
            b"<a>\xff</a>",
            b"<a>]]></a>",
            b"<a></a/>",
        ];
        for doc in no {
            assert!(!is_plain(doc), "{:?}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn the_plain_path_reports_what_is_malformed() {
        use crate::xmlrpc::reader::Tokens;
        let read_all = |doc: &[u8], max_depth| {
            let mut tokens = Tokens::with(doc, max_depth, true, false);
            loop {
                match tokens.next() {
                    Ok(Token::Eof) => return Ok(()),
                    Ok(_) => {}
                    Err(err) => return Err(err.message().to_owned()),
                }
            }
        };
        let err = read_all(b"<a><b></a></b>", 8).unwrap_err();
        assert!(
            err.contains("expected `</b>`, but `</a>` was found"),
            "{err}"
        );
        let err = read_all(b"<a></a></a>", 8).unwrap_err();
        assert!(err.contains("does not match any open tag"), "{err}");
        let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
        let err = read_all(deep.as_bytes(), 39).unwrap_err();
        assert!(err.contains("deeper than 39 levels"), "{err}");
        // Past the inline depth, names are still matched.
        assert_eq!(read_all(deep.as_bytes(), 40), Ok(()));
        let wrong = format!("{}</b>{}", "<a>".repeat(40), "</a>".repeat(39));
        assert!(read_all(wrong.as_bytes(), 64).is_err());
    }

    /// Every token and position, read by the plain path and by quick-xml.
    fn both_ways(doc: &[u8]) -> (Vec<String>, Vec<String>) {
        use crate::xmlrpc::reader::Tokens;
        let read = |plain| {
            let mut tokens = Tokens::with(doc, 16, plain, false);
            let mut seen = Vec::new();
            loop {
                match tokens.next() {
                    Ok(Token::Eof) => return seen,
                    Ok(token) => seen.push(format!("{token:?} @{}", tokens.position())),
                    // The messages are each reader's own; the kind is the same.
                    Err(XmlError::Syntax(_)) => seen.push("syntax error".to_owned()),
                    Err(XmlError::Invalid(_)) => seen.push("invalid".to_owned()),
                }
                if seen.last().is_some_and(|t| !t.contains('@')) {
                    return seen;
                }
            }
        };
        (read(true), read(false))
    }

    fn documents() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop_oneof![
            Just("value"),
            Just("int"),
            Just("string"),
            Just("ex:i8"),
            Just("a.b-c_d:e"),
            Just("struct"),
        ];
        let text = prop_oneof![
            Just(String::new()),
            Just(" \n\t".to_owned()),
            Just("&lt;&gt;&amp;&apos;&quot;".to_owned()),
            Just("&#233;&#x1F600;&#65;".to_owned()),
            "[a-z \u{e9}\u{4e2d}]{1,5}",
        ];
        let leaf = prop_oneof![text.clone(), name.clone().prop_map(|n| format!("<{n}/>"))];
        let tree = leaf.prop_recursive(4, 24, 4, move |inner| {
            (name.clone(), proptest::collection::vec(inner, 0..4))
                .prop_map(|(n, kids)| format!("<{n}>{}</{n}>", kids.concat()))
        });
        (any::<bool>(), tree, text).prop_map(|(decl, root, tail)| {
            let decl = if decl {
                "<?xml version=\"1.0\"?>\n"
            } else {
                ""
            };
            let tail: String = tail.chars().filter(|c| c.is_whitespace()).collect();
            format!("{decl}<methodCall>{root}</methodCall>{tail}")
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        #[test]
        fn the_plain_path_reads_what_quick_xml_reads(doc in documents()) {
            proptest::prop_assert!(is_plain(doc.as_bytes()), "{doc}");
            let (plain, quick) = both_ways(doc.as_bytes());
            proptest::prop_assert_eq!(plain, quick);
        }

        #[test]
        fn truncated_documents_it_accepts_read_the_same_too(doc in documents(), cut in 0usize..1000) {
            let bytes = &doc.as_bytes()[..cut % (doc.len() + 1)];
            if is_plain(bytes) {
                let (plain, quick) = both_ways(bytes);
                proptest::prop_assert_eq!(plain, quick);
            }
        }

        #[test]
        fn mangled_documents_it_accepts_read_the_same_too(
            doc in documents(),
            edits in proptest::collection::vec((0usize..1000, 0u8..128), 1..4),
        ) {
            let mut bytes = doc.into_bytes();
            for (at, byte) in edits {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if is_plain(&bytes) {
                let (plain, quick) = both_ways(&bytes);
                proptest::prop_assert_eq!(plain, quick);
            }
        }
    }
}
