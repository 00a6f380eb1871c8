//! Reading what the decoder expects next, in one step: the start tag
//! `<value>` where a `<value>` must come, the text of a typed value with its
//! end tag, the end of the document.
//!
//! Why: the decoder asks for a tag at a time through three layers (white
//! space passed over as a text token, the depth bound, the hand-over to
//! quick-xml), about 230 instructions a tag (callgrind on `datacenter serve`
//! under `wrk`: 16 tokens, 3.7k instructions, for a call with one `<int>`
//! param). Here, the expected tag is compared as bytes where it must be.
//!
//! How it stays the same: each method reads only what [`Plain::next`] would
//! read as the same tokens (white space is ` `, `\t` or `\n`, which the
//! decoder passes over between tags; names are checked against the open
//! element as [`Plain::next`] checks them), and reads nothing when what
//! comes is anything else, an error included: the caller then reads it
//! token by token, which reports the error as before.

use super::{INLINE_DEPTH, Plain, is_name_byte, name_end, text_end};
use crate::xmlrpc::tag::{Tag, word_at};

impl<'a> Plain<'a> {
    /// Where the next tag would start, past white space; `None` with the
    /// end tag of an empty element still to yield.
    fn after_space(&self) -> Option<usize> {
        if self.pending_end.is_some() {
            return None;
        }
        let mut at = self.pos;
        while let Some(b' ' | b'\t' | b'\n') = self.input.get(at) {
            at += 1;
        }
        Some(at)
    }

    /// Reads the start tag `<name>` if it comes next, past white space.
    pub(crate) fn eat_start(&mut self, name: &[u8]) -> bool {
        let Some(at) = self.after_space() else {
            return false;
        };
        let input = self.input;
        let end = at + 1 + name.len();
        // `end` in the input: so are `at` and the name before it.
        if input.get(end) != Some(&b'>') || input[at] != b'<' || input[at + 1..end] != *name {
            return false;
        }
        self.push(at + 1);
        self.pos = end + 1;
        true
    }

    /// Reads whatever start tag `<name>` comes next, past white space (not
    /// an empty-element tag).
    pub(crate) fn eat_any_start(&mut self) -> Option<Tag> {
        let at = self.after_space()?;
        let input = self.input;
        if input.get(at) != Some(&b'<') {
            return None;
        }
        let end = name_end(input, at + 1)?;
        if input.get(end) != Some(&b'>') {
            return None;
        }
        let name = &input[at + 1..end];
        let tag = Tag::of_word(word_at(input, at + 1, name.len()), name);
        self.push(at + 1);
        self.pos = end + 1;
        Some(tag)
    }

    /// Reads the end tag `</name>` if it comes next, past white space, and
    /// closes the open element.
    pub(crate) fn eat_end(&mut self, name: &[u8]) -> bool {
        let Some(at) = self.after_space() else {
            return false;
        };
        let input = self.input;
        let end = at + 2 + name.len();
        if input.get(end) != Some(&b'>')
            || input[at..at + 2] != *b"</"
            || input[at + 2..end] != *name
            || !self.closes(name)
        {
            return false;
        }
        self.pop();
        self.pos = end + 1;
        true
    }

    /// Reads the text of the element just opened and its end tag, if the
    /// text is one plain run (no reference) and the end tag closes it.
    pub(crate) fn eat_text(&mut self) -> Option<&'a str> {
        if self.pending_end.is_some() {
            return None;
        }
        let input = self.input;
        let start = self.pos;
        let end = text_end(input, start)?;
        if input.get(end..end + 2) != Some(b"</") {
            return None;
        }
        let name_end = name_end(input, end + 2)?;
        if input.get(name_end) != Some(&b'>') || !self.closes(&input[end + 2..name_end]) {
            return None;
        }
        let text = std::str::from_utf8(&input[start..end]).ok()?;
        self.pop();
        self.pos = name_end + 1;
        Some(text)
    }

    /// Reads a whole `<param><value><type>text</type></value></param>` of a
    /// scalar type (not `<nil/>`, `<struct>` or `<array>`) if one comes next,
    /// with the steps above: its type and text; nothing, as each step reads
    /// nothing, when any part of it is not there.
    pub(crate) fn eat_scalar_param(&mut self) -> Option<(Tag, &'a str)> {
        let (pos, depth) = (self.pos, self.depth);
        let read = self.scalar_param();
        if read.is_none() {
            // Put back what the first steps read: the names they pushed
            // are above `depth`, where the next push writes over them.
            self.pos = pos;
            self.depth = depth;
        }
        read
    }

    fn scalar_param(&mut self) -> Option<(Tag, &'a str)> {
        if !self.eat_start(b"param") || !self.eat_start(b"value") {
            return None;
        }
        let tag = self.eat_any_start()?;
        if !tag.is_scalar() {
            return None;
        }
        let text = self.eat_text()?;
        (self.eat_end(b"value") && self.eat_end(b"param")).then_some((tag, text))
    }

    /// Reads the white space that ends the input, if nothing else does.
    pub(crate) fn eat_eof(&mut self) -> bool {
        if self.after_space() != Some(self.input.len()) {
            return false;
        }
        self.pos = self.input.len();
        true
    }

    /// Whether an end tag `</name>` closes the innermost open element (or,
    /// in a fragment with none open, one opened before it).
    fn closes(&self, name: &[u8]) -> bool {
        let Some(top) = self.depth.checked_sub(1) else {
            return self.fragment;
        };
        let start = match self.open.get(top) {
            Some(&start) => start,
            None => self.deeper[top - INLINE_DEPTH],
        };
        let open = &self.input[start as usize..];
        open.get(..name.len()) == Some(name)
            && !open.get(name.len()).copied().is_some_and(is_name_byte)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use proptest::prelude::*;

    use crate::xmlrpc::envelope::{XmlParams, parse_call_with, xml_error};
    use crate::xmlrpc::tag::Tag;

    /// A call read with the plain path and its fast steps, or with
    /// quick-xml alone: its method and params as `T`, or the error's code.
    fn decode<T: serde::de::DeserializeOwned>(
        doc: &[u8],
        plain: bool,
    ) -> Result<(Box<str>, Option<T>), i32> {
        let head = parse_call_with(doc, 12, plain).map_err(|e| xml_error(e).code())?;
        let Some(at) = head.params_at else {
            return Ok((head.method, None));
        };
        let params = XmlParams {
            body: Bytes::copy_from_slice(doc),
            max_depth: 12,
            plain: head.plain,
            at: Some(at),
            end: Tag::Params,
        };
        let params = params.decode::<T>().map_err(|e| e.code())?;
        Ok((head.method, Some(params)))
    }

    /// Calls as peers write them, with white space, empty elements,
    /// references, comments and mismatched tags here and there.
    fn calls() -> impl Strategy<Value = String> {
        let space = prop_oneof![
            4 => Just(""),
            2 => Just("\n"),
            1 => Just("  \t"),
            1 => Just("\r\n"),
            1 => Just("<!-- c -->"),
        ];
        let scalar = prop_oneof![
            Just("<int>3</int>".to_owned()),
            Just("<i4> -7 </i4>".to_owned()),
            Just("<string>a &amp; b</string>".to_owned()),
            Just("<string>caf\u{e9}</string>".to_owned()),
            Just("<string/>".to_owned()),
            Just("<string></string>".to_owned()),
            Just("bare text".to_owned()),
            Just(String::new()),
            Just("<boolean>1</boolean>".to_owned()),
            Just("<double>1.5</double>".to_owned()),
            Just("<nil/>".to_owned()),
            Just("<int>3</i4>".to_owned()),
            Just("<unknown>1</unknown>".to_owned()),
        ];
        let value = scalar.prop_recursive(3, 16, 3, move |inner| {
            let member = (inner.clone(), "[a-z]{1,3}")
                .prop_map(|(v, k)| format!("<member><name>{k}</name><value>{v}</value></member>"));
            prop_oneof![
                prop::collection::vec(member, 0..3)
                    .prop_map(|m| format!("<struct>{}</struct>", m.concat())),
                prop::collection::vec(inner, 0..3).prop_map(|v| {
                    let values: String = v.iter().map(|v| format!("<value>{v}</value>")).collect();
                    format!("<array><data>{values}</data></array>")
                }),
            ]
        });
        let param = (value, space.clone(), space.clone())
            .prop_map(|(v, a, b)| format!("<param>{a}<value>{v}</value>{b}</param>"));
        let params = prop_oneof![
            4 => prop::collection::vec(param, 0..3).prop_map(|p| format!("<params>{}</params>", p.concat())),
            1 => Just("<params/>".to_owned()),
            1 => Just(String::new()),
        ];
        (any::<bool>(), space.clone(), params, space).prop_map(|(decl, a, params, b)| {
            let decl = if decl {
                "<?xml version=\"1.0\"?>\n"
            } else {
                ""
            };
            format!("{decl}<methodCall>{a}<methodName>m</methodName>{b}{params}</methodCall>\n")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn the_fast_steps_read_calls_as_quick_xml_does(
            doc in calls(),
            edit in proptest::option::of((0usize..1000, any::<u8>())),
            cut in proptest::option::of(0usize..1000),
        ) {
            let mut bytes = doc.into_bytes();
            if let Some((at, byte)) = edit {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            type Any = serde_json::Value;
            type Typed = (Option<i64>, Option<String>, Option<Vec<serde_json::Value>>);
            prop_assert_eq!(decode::<Any>(&bytes, true), decode::<Any>(&bytes, false));
            prop_assert_eq!(decode::<Typed>(&bytes, true), decode::<Typed>(&bytes, false));
        }
    }
}
