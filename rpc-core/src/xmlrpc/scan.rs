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

use super::reader::{Tag, Token};

/// The deepest nesting the plain path tracks; deeper documents go to
/// quick-xml.
const MAX_PLAIN_DEPTH: usize = 64;

/// Whether `input` is a whole document in the plain subset (see the module
/// documentation), well-formed, with no element deeper than `max_depth`.
pub(crate) fn is_plain(input: &[u8], max_depth: usize) -> bool {
    if std::str::from_utf8(input).is_err() {
        return false;
    }
    let max_depth = max_depth.min(MAX_PLAIN_DEPTH);
    let Some(mut pos) = after_declaration(input) else {
        return false;
    };
    // Where the names of the open elements start in `input`.
    let mut open = [0u32; MAX_PLAIN_DEPTH];
    if u32::try_from(input.len()).is_err() {
        return false;
    }
    let mut depth = 0;
    let mut roots = 0;
    loop {
        let end = next_markup(input, pos);
        let text = &input[pos..end];
        let text_ok = if depth == 0 {
            text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n'))
        } else {
            plain_text(text)
        };
        if !text_ok {
            return false;
        }
        if end == input.len() {
            return depth == 0 && roots == 1;
        }
        pos = end + 1;
        if input.get(pos) == Some(&b'/') {
            let Some(name_end) = name_end(input, pos + 1) else {
                return false;
            };
            if depth == 0 || input.get(name_end) != Some(&b'>') {
                return false;
            }
            depth -= 1;
            let start = open[depth] as usize;
            let name = &input[pos + 1..name_end];
            if input.get(start..start + name.len()) != Some(name)
                || name_end_is(input, start + name.len())
            {
                return false;
            }
            pos = name_end + 1;
        } else {
            let Some(name_end) = name_end(input, pos) else {
                return false;
            };
            if depth + 1 > max_depth {
                return false;
            }
            if depth == 0 {
                roots += 1;
                if roots > 1 {
                    return false;
                }
            }
            match (input.get(name_end), input.get(name_end + 1)) {
                (Some(b'>'), _) => {
                    // Fits: the input's length fits in u32.
                    open[depth] = pos as u32;
                    depth += 1;
                    pos = name_end + 1;
                }
                (Some(b'/'), Some(b'>')) => pos = name_end + 2,
                _ => return false,
            }
        }
    }
}

/// The position of the next `<` from `pos`, or the end: most often right
/// there, between tags, where a `memchr` would cost more than it saves.
fn next_markup(input: &[u8], pos: usize) -> usize {
    match input.get(pos) {
        Some(b'<') => pos,
        Some(_) => memchr::memchr(b'<', &input[pos..]).map_or(input.len(), |at| pos + at),
        None => input.len(),
    }
}

/// Whether a name goes on at `at` (the name compared is then a prefix).
fn name_end_is(input: &[u8], at: usize) -> bool {
    input
        .get(at)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'))
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
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-')))
        .unwrap_or(input.len() - at - 1);
    Some(at + 1 + len)
}

/// Whether text inside an element is plain: no `>` or `\r`, no character XML
/// forbids, and only entity references the reader resolves to characters XML
/// allows.
fn plain_text(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'&' => match reference(&text[i..]) {
                Some((_, len)) => i += len,
                None => return false,
            },
            b'>' | b'\r' => return false,
            b if b < 0x20 && b != b'\t' && b != b'\n' => return false,
            // U+FFFE and U+FFFF.
            0xef if matches!(text.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => return false,
            _ => i += 1,
        }
    }
    true
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

/// The tokens of a document [`is_plain`] said yes to (or of a part of one,
/// starting after a tag).
pub(crate) struct Plain<'a> {
    input: &'a [u8],
    /// The same, as text (checked once; tokens end at ASCII bytes, so slicing
    /// it at their bounds cannot fail).
    text: &'a str,
    pos: usize,
    /// The end tag of an empty element, to yield after its start tag.
    pending_end: Option<Tag>,
}

impl<'a> Plain<'a> {
    /// Reads `input`, which must be (part of) a document `is_plain` accepted.
    pub fn new(input: &'a [u8]) -> Self {
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
        }
    }

    /// The position after the last token read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next token. On a document `is_plain` accepted it never fails; on
    /// anything else it stops with `Eof` rather than misread or panic.
    pub fn next(&mut self) -> Token<'a> {
        if let Some(end) = self.pending_end.take() {
            return Token::End(end);
        }
        let input = self.input;
        let Some(&first) = input.get(self.pos) else {
            return Token::Eof;
        };
        match first {
            b'<' => {
                let close = input.get(self.pos + 1) == Some(&b'/');
                let at = self.pos + 1 + usize::from(close);
                let Some(name_end) = name_end(input, at) else {
                    self.pos = input.len();
                    return Token::Eof;
                };
                let tag = Tag::of_bytes(&input[at..name_end]);
                if close {
                    self.pos = name_end + 1;
                    Token::End(tag)
                } else if input.get(name_end) == Some(&b'/') {
                    self.pos = name_end + 2;
                    self.pending_end = Some(tag);
                    Token::Start(tag)
                } else {
                    self.pos = name_end + 1;
                    Token::Start(tag)
                }
            }
            b'&' => match reference(&input[self.pos..]) {
                Some((c, len)) => {
                    self.pos += len;
                    Token::Text(Cow::Owned(c.to_string()))
                }
                None => {
                    self.pos = input.len();
                    Token::Eof
                }
            },
            _ => {
                let rest = &input[self.pos..];
                let len = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
                let start = self.pos;
                self.pos += len;
                match self.text.get(start..self.pos) {
                    Some(text) => Token::Text(Cow::Borrowed(text)),
                    None => {
                        self.pos = input.len();
                        Token::Eof
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_documents_are_recognized() {
        let yes: [&[u8]; 6] = [
            b"<?xml version=\"1.0\"?>\n<methodCall><methodName>a.b</methodName></methodCall>",
            b"<methodCall>\n  <methodName>a</methodName>\n  <params/>\n</methodCall>\n",
            b"<v><string>a &lt;&amp;&#233;&#x41; b</string></v>",
            b"<v><nil/></v>",
            b"<ex:nil/>",
            "<v>caf\u{e9} \u{1f600}</v>".as_bytes(),
        ];
        for doc in yes {
            assert!(is_plain(doc, 8), "{:?}", String::from_utf8_lossy(doc));
        }
        let no: [&[u8]; 19] = [
            b"",
            b"<a></b>",
            b"<a>",
            b"<a/><b/>",
            b"text<a/>",
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
            b"<a><a><a><a><a><a><a><a><a/></a></a></a></a></a></a></a></a>",
        ];
        for doc in no {
            assert!(!is_plain(doc, 8), "{:?}", String::from_utf8_lossy(doc));
        }
    }

    /// Every token and position, read by the plain path and by quick-xml.
    fn both_ways(doc: &[u8]) -> (Vec<String>, Vec<String>) {
        use crate::xmlrpc::reader::Tokens;
        let read = |plain| {
            let mut tokens = Tokens::with(doc, 16, plain, false);
            let mut seen = Vec::new();
            loop {
                let token = tokens.next();
                let done = matches!(token, Ok(Token::Eof) | Err(_));
                seen.push(format!("{token:?} @{}", tokens.position()));
                if done {
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
            proptest::prop_assert!(is_plain(doc.as_bytes(), 16), "{doc}");
            let (plain, quick) = both_ways(doc.as_bytes());
            proptest::prop_assert_eq!(plain, quick);
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
            if is_plain(&bytes, 16) {
                let (plain, quick) = both_ways(&bytes);
                proptest::prop_assert_eq!(plain, quick);
            }
        }
    }
}
