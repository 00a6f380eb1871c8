//! The envelope of a single request read in one pass over its bytes, for
//! the request objects clients send: no escape in a member's name, no
//! member twice, the document no deeper than [`MAX_DEPTH`].
//!
//! Through serde, each member costs a field match, a skim of its value and
//! a check that the value is UTF-8; a 70-byte call took some 2,800
//! instructions. This reader checks the whole document once (UTF-8, then
//! JSON's grammar) and keeps each member's text as it goes. It accepts only
//! what serde_json accepts, and reads it alike; anything else (a name with
//! an escape, a duplicate member, a deep document, an error of any kind)
//! gets `None`, and serde_json reads the document and reports what is
//! wrong, as before. A proptest compares the two.

use super::Members;

/// The deepest nesting of arrays and objects read here; serde_json reads
/// deeper documents, and refuses them past its own limit.
const MAX_DEPTH: usize = 32;

/// The members of a request object, or `None` if anything is out of the
/// ordinary.
pub(super) fn members(body: &[u8]) -> Option<Members<'_>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut scan = Scan { text, at: 0 };
    let mut members = Members::default();
    scan.space();
    scan.eat(b'{')?;
    scan.space();
    if !scan.eat_if(b'}') {
        loop {
            scan.space();
            let name = scan.member_name()?;
            let value = scan.value()?;
            let slot = match &name[1..name.len() - 1] {
                "jsonrpc" => &mut members.jsonrpc,
                "method" => &mut members.method,
                "params" => &mut members.params,
                "id" => &mut members.id,
                // serde reads a name with an escape as its unescaped text.
                other if other.contains('\\') => return None,
                _ => &mut None,
            };
            if slot.replace(value).is_some() {
                // serde refuses a duplicate member.
                return None;
            }
            scan.space();
            if scan.eat_if(b'}') {
                break;
            }
            scan.eat(b',')?;
        }
    }
    scan.space();
    (scan.at == body.len()).then_some(members)
}

/// The bytes a string's plain run stops at: its closing quote, a
/// backslash, and the control characters JSON refuses in a string.
static STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        stops[byte] = true;
        byte += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// JSON's whitespace.
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.eat_if(byte).then_some(())
    }

    fn eat_if(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    /// The text of the value that starts here.
    fn value(&mut self) -> Option<&'a str> {
        let start = self.at;
        let mut depth = 0;
        // Bit `n` says whether the array or object open `n` levels up is an
        // object.
        let mut objects = 0u64;
        loop {
            // A value.
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                open @ (b'{' | b'[') => {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    self.at += 1;
                    self.space();
                    let object = open == b'{';
                    if !self.eat_if(if object { b'}' } else { b']' }) {
                        depth += 1;
                        objects = objects << 1 | u64::from(object);
                        if object {
                            self.member_name()?;
                        }
                        continue;
                    }
                }
                b't' => self.word("true")?,
                b'f' => self.word("false")?,
                b'n' => self.word("null")?,
                _ => self.number()?,
            }
            // After a value: the end, the next element, or a close.
            loop {
                if depth == 0 {
                    return Some(&self.text[start..self.at]);
                }
                self.space();
                let object = objects & 1 == 1;
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        self.space();
                        if object {
                            self.member_name()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.at += 1;
                depth -= 1;
                objects >>= 1;
            }
        }
    }

    /// A member's name (its quotes included), read with its colon and the
    /// whitespace around it.
    fn member_name(&mut self) -> Option<&'a str> {
        let name = self.string()?;
        self.space();
        self.eat(b':')?;
        self.space();
        Some(name)
    }

    /// A string, its quotes included.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.eat(b'"')?;
        let bytes = self.text.as_bytes();
        loop {
            // Up to the next quote, backslash or control character.
            while !STOPS[usize::from(*bytes.get(self.at)?)] {
                self.at += 1;
            }
            match bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(&self.text[start..self.at]);
                }
                b'\\' => {
                    self.at += 1;
                    match *bytes.get(self.at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = bytes.get(self.at + 1..self.at + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.at += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    fn word(&mut self, word: &str) -> Option<()> {
        self.text[self.at..]
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        self.eat_if(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat_if(b'.') {
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        // A digit right after `0` is a leading zero, which JSON refuses.
        if let Some(b'0'..=b'9') = self.peek() {
            return None;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}
