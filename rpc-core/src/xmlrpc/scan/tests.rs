use super::*;

/// Whether the plain path reads all of `doc` (to its end or to the
/// error it reports), without handing it to quick-xml.
fn is_plain(doc: &[u8]) -> bool {
    let mut tokens = crate::xmlrpc::reader::Tokens::new(doc, 64);
    while let Ok(token) = tokens.next() {
        if matches!(token, Token::Eof) {
            break;
        }
    }
    tokens.is_plain()
}

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
    documents_with(proptest::strategy::Just(String::new()))
}

/// Documents with XML the plain path does not read (comments, CDATA,
/// attributes, processing instructions, `>` and `\r` in text) here and
/// there: quick-xml reads on from the first.
fn other_documents() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    documents_with(prop_oneof![
        Just("<!-- a comment -->".to_owned()),
        Just("<![CDATA[<&>]]>".to_owned()),
        Just("<value kind=\"x\"/>".to_owned()),
        Just("<value kind='x'>1</value >".to_owned()),
        Just("<?pi data?>".to_owned()),
        Just("a > b".to_owned()),
        Just("x\r\ny".to_owned()),
        Just("&#0;".to_owned()),
    ])
}

fn documents_with(
    other: impl proptest::strategy::Strategy<Value = String> + Clone + 'static,
) -> impl proptest::strategy::Strategy<Value = String> {
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
    let leaf = prop_oneof![
        4 => text.clone(),
        4 => name.clone().prop_map(|n| format!("<{n}/>")),
        1 => other,
    ];
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
    fn documents_with_other_xml_read_as_quick_xml_reads_them(doc in other_documents()) {
        let (plain, quick) = both_ways(doc.as_bytes());
        proptest::prop_assert_eq!(plain, quick);
    }

    #[test]
    fn truncated_documents_read_the_same_too(doc in documents(), cut in 0usize..1000) {
        let bytes = &doc.as_bytes()[..cut % (doc.len() + 1)];
        let (plain, quick) = both_ways(bytes);
        proptest::prop_assert_eq!(plain, quick);
    }

    #[test]
    fn mangled_documents_read_the_same_too(
        doc in other_documents(),
        edits in proptest::collection::vec((0usize..1000, proptest::prelude::any::<u8>()), 1..4),
    ) {
        let mut bytes = doc.into_bytes();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        // Plain or not (then quick-xml reads on from where the plain
        // path stopped), the tokens are quick-xml's.
        let (plain, quick) = both_ways(&bytes);
        proptest::prop_assert_eq!(plain, quick);
    }
}
