use super::*;

fn single(body: &'static str) -> Entry {
    match parse(&Bytes::from_static(body.as_bytes()), 10) {
        Incoming::Single(entry) => entry,
        other => panic!("not a single request: {other:?}"),
    }
}

fn rejected(body: &'static str) -> RpcError {
    match parse(&Bytes::from_static(body.as_bytes()), 2) {
        Incoming::Rejected(err) => err,
        other => panic!("not rejected: {other:?}"),
    }
}

#[test]
fn reads_a_call_and_keeps_id_and_params_raw() {
    let call = single(r#"{"jsonrpc":"2.0","method":"sub","params":[42, 23],"id":"a\"b"}"#).unwrap();
    assert_eq!(&*call.method, "sub");
    assert_eq!(call.id.unwrap().as_bytes(), br#""a\"b""#);
    let (a, b): (i32, i32) = call.params.decode().unwrap();
    assert_eq!(a - b, 19);
}

#[test]
fn null_id_is_a_call_and_missing_id_a_notification() {
    let call = single(r#"{"jsonrpc":"2.0","method":"m","id":null}"#).unwrap();
    assert_eq!(call.id.unwrap().as_bytes(), b"null");
    let note = single(r#"{"jsonrpc":"2.0","method":"m"}"#).unwrap();
    assert!(note.id.is_none());
}

#[test]
fn invalid_requests_keep_a_readable_id() {
    let bad = single(r#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#).unwrap_err();
    assert_eq!(bad.error.code(), RpcError::INVALID_REQUEST);
    assert!(bad.id.is_none());
    let bad = single(r#"{"jsonrpc":"1.0","method":"m","id":7}"#).unwrap_err();
    assert_eq!(bad.id.unwrap().as_bytes(), b"7");
    let bad = single(r#"{"jsonrpc":"2.0","method":"m","id":{"x":1}}"#).unwrap_err();
    assert!(bad.id.is_none());
    let bad = single(r#"{"jsonrpc":"2.0","method":"m","params":3,"id":1}"#).unwrap_err();
    assert!(bad.error.message().contains("params"));
    let bad = single("42").unwrap_err();
    assert_eq!(bad.error.code(), RpcError::INVALID_REQUEST);
}

#[test]
fn rejects_what_is_not_json_or_an_acceptable_batch() {
    assert_eq!(
        rejected(r#"{"jsonrpc":"2.0","method":"foobar"#).code(),
        RpcError::PARSE_ERROR
    );
    assert_eq!(
        rejected(r#"[{"jsonrpc":"2.0"},"#).code(),
        RpcError::PARSE_ERROR
    );
    assert_eq!(rejected("").code(), RpcError::PARSE_ERROR);
    assert_eq!(rejected(" [ ] ").code(), RpcError::INVALID_REQUEST);
    assert!(rejected("[1,2,3]").message().contains("limit of 2"));
}

#[test]
fn a_batch_reads_each_element() {
    let body = Bytes::from_static(br#"[1, {"jsonrpc":"2.0","method":"m","id":1}]"#);
    let Incoming::Batch(entries) = parse(&body, 10) else {
        panic!("not a batch")
    };
    assert!(entries[0].is_err());
    assert!(entries[1].is_ok());
}

#[test]
fn the_scan_reads_what_clients_send() {
    let body = br#" {"jsonrpc": "2.0", "method":"get_active_servers","params":[3, {"a": [true, null, -1.5e3]}],"id":"x\"1"}
"#;
    let members = scan::members(body).unwrap();
    assert_eq!(members.jsonrpc, Some(r#""2.0""#));
    assert_eq!(members.method, Some(r#""get_active_servers""#));
    assert_eq!(members.params, Some(r#"[3, {"a": [true, null, -1.5e3]}]"#));
    assert_eq!(members.id, Some(r#""x\"1""#));
    let members = scan::members(br#"{"id":null,"other":{},"method":"m"}"#).unwrap();
    assert_eq!((members.id, members.params), (Some("null"), None));
}

#[test]
fn the_scan_leaves_to_serde_what_is_out_of_the_ordinary() {
    let left: [&[u8]; 14] = [
        br#"{"method":"a","method":"b"}"#,
        br#"{"\u006dethod":"m"}"#,
        br#"{"method":"m"} x"#,
        br#"{"method":"m",}"#,
        br#"{"params":[1,]}"#,
        br#"{"params":[01]}"#,
        br#"{"params":[1.]}"#,
        br#"{"params":{"a"}}"#,
        br#"{"params":[}"#,
        br#"{"id":"\x"}"#,
        b"{\"id\":\"\x01\"}",
        b"{\"id\":\"\xff\"}",
        br#"[{"method":"m"}]"#,
        br#"{"params":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
    ];
    for body in left {
        assert!(
            scan::members(body).is_none(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

mod compared {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::*;

    fn space() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", " ", "\n\t", "\r\n  "])
    }

    /// Mostly a comma, sometimes what JSON refuses between two elements.
    fn comma() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![",", ",", ",", ",", ", ", ",,", ""])
    }

    /// Mostly nothing, sometimes a comma before a close.
    fn trailing() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", "", "", ","])
    }

    fn string() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "a", "é", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\ud83d", "\\x", "\\u12",
                "\"", "\u{1}", " ",
            ]),
            0..5,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()))
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            string(),
            prop::sample::select(vec![
                "0", "-0", "12", "-3.25", "1e9", "2E-3", "0.5e+1", "01", "1.", "-", "1e", "true",
                "false", "null", "nul", "tru",
            ])
            .prop_map(str::to_owned),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                (
                    prop::collection::vec((space(), inner.clone(), comma()), 0..4),
                    trailing(),
                    space()
                )
                    .prop_map(|(items, trailing, end)| {
                        let items: Vec<String> = items
                            .into_iter()
                            .map(|(s, v, c)| format!("{s}{v}{c}"))
                            .collect();
                        joined('[', items, trailing, end, ']')
                    }),
                (
                    prop::collection::vec((string(), space(), inner, comma()), 0..4),
                    trailing(),
                    space()
                )
                    .prop_map(|(members, trailing, end)| {
                        let members: Vec<String> = members
                            .into_iter()
                            .map(|(k, s, v, c)| format!("{k}{s}:{s}{v}{c}"))
                            .collect();
                        joined('{', members, trailing, end, '}')
                    }),
            ]
        })
    }

    /// Elements each followed by its separator, the last one's replaced by
    /// `trailing`.
    fn joined(open: char, items: Vec<String>, trailing: &str, end: &str, close: char) -> String {
        let mut text = String::from(open);
        let count = items.len();
        for (i, mut item) in items.into_iter().enumerate() {
            if i + 1 == count {
                item.truncate(item.trim_end_matches(',').len());
                item.push_str(trailing);
            }
            text.push_str(&item);
        }
        text.push_str(end);
        text.push(close);
        text
    }

    /// A request object: the envelope's members and others, any value.
    fn request() -> impl Strategy<Value = String> {
        let name = prop::sample::select(vec![
            "\"jsonrpc\"",
            "\"method\"",
            "\"params\"",
            "\"id\"",
            "\"other\"",
            "\"\\u0069d\"",
        ]);
        let value = prop_oneof![
            3 => value(),
            1 => prop::sample::select(vec!["\"2.0\"", "\"m\"", "[1,2]", "{\"a\":1}", "7"])
                .prop_map(str::to_owned),
        ];
        (
            space(),
            prop::collection::vec((name, space(), value, space(), comma()), 0..6),
            trailing(),
            space(),
        )
            .prop_map(|(lead, members, trailing, end)| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, a, v, b, c)| format!("{a}{k}{b}:{a}{v}{b}{c}"))
                    .collect();
                format!("{lead}{}{end}", joined('{', members, trailing, "", '}'))
            })
    }

    /// `body` with one byte put in, taken out or changed at `at`.
    fn mutated(body: &str, at: usize, byte: u8, how: u8) -> Vec<u8> {
        let mut bytes = body.as_bytes().to_vec();
        let at = at % (bytes.len() + 1);
        match how % 3 {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ if at < bytes.len() => bytes[at] = byte,
            _ => {}
        }
        bytes
    }

    fn through_serde(body: &[u8]) -> Option<Members<'_>> {
        serde_json::from_slice::<RawCall<'_>>(body)
            .ok()
            .map(Members::from)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_scan_reads_requests_as_serde_does(body in request()) {
            let scanned = scan::members(body.as_bytes());
            if let Some(members) = scanned {
                prop_assert_eq!(Some(members), through_serde(body.as_bytes()), "{}", body);
            }
        }

        #[test]
        fn the_scan_reads_damaged_requests_as_serde_does(
            body in request(),
            at in any::<usize>(),
            byte in prop::sample::select(b"{}[]\",:\\ 0-e.tn\x01\xc3".to_vec()),
            how in any::<u8>(),
        ) {
            let body = mutated(&body, at, byte, how);
            if let Some(members) = scan::members(&body) {
                prop_assert_eq!(
                    Some(members),
                    through_serde(&body),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }

    #[test]
    fn the_scan_reads_most_well_formed_requests() {
        // Without the cases it leaves to serde, each request it is given is read.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut read = 0;
        let mut valid = 0;
        for _ in 0..2000 {
            let body = request().new_tree(&mut runner).unwrap().current();
            let serde = through_serde(body.as_bytes());
            if serde.is_some() && !body.contains("\\u0069d") {
                valid += 1;
                read += usize::from(scan::members(body.as_bytes()).is_some());
            }
        }
        assert!(valid > 100, "only {valid} well-formed requests generated");
        // Duplicates are left to serde; everything else is read.
        assert!(read * 10 > valid * 5, "{read} of {valid} read");
    }
}
