//! The fuzz targets' harness (`fuzz/src/harness.rs`), run by proptest on
//! arbitrary bytes and on valid inputs mangled, on every test run. `cargo
//! fuzz` explores further with coverage guidance (`fuzz/README.md`).

#[path = "../../fuzz/src/harness.rs"]
#[allow(dead_code, missing_docs)]
mod harness;

use proptest::prelude::*;

const XML_CALLS: [&str; 3] = [
    include_str!("../../fuzz/seeds/xmlrpc_call/mixed.xml"),
    include_str!("../../fuzz/seeds/xmlrpc_call/multicall.xml"),
    "<methodCall><methodName>get</methodName><params><param><value><i4>3</i4></value></param><param><value><boolean>0</boolean></value></param></params></methodCall>",
];

const JSON_PAYLOADS: [&str; 3] = [
    include_str!("../../fuzz/seeds/jsonrpc_payload/batch.json"),
    r#"{"jsonrpc":"2.0","method":"create","params":{"item":{"id":4,"name":"é\"x","tags":["a","b"],"price":1e3}},"id":null}"#,
    r#"{"jsonrpc":"2.0","method":"get","params":[4294967295,true],"id":[1]}"#,
];

/// A valid input with bytes changed, inserted, or cut off.
fn mangled(valid: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (
        0..valid.len(),
        proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    )
        .prop_map(move |(pick, edits)| {
            let mut bytes = valid[pick].as_bytes().to_vec();
            for (at, byte, how) in edits {
                if bytes.is_empty() {
                    break;
                }
                let at = at % bytes.len();
                match how {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => bytes.truncate(at),
                }
            }
            bytes
        })
}

/// REST requests built from the pieces routes are made of, valid or not.
fn rest_requests() -> impl Strategy<Value = Vec<u8>> {
    let segment = prop_oneof![
        Just("items".to_owned()),
        Just("name".to_owned()),
        Just("openapi.json".to_owned()),
        Just("docs".to_owned()),
        Just("".to_owned()),
        "[0-9]{1,11}",
        "-[0-9]{1,3}",
        "%[0-9a-fA-F]{2}",
        "[a-z%/.]{1,6}",
    ];
    let query = proptest::collection::vec(
        (
            prop_oneof![Just("tag"), Just("limit"), Just("verbose"), Just("x")],
            prop_oneof![
                Just("true".to_owned()),
                Just("300".to_owned()),
                Just("%ff".to_owned()),
                "[a-z0-9=&%+]{0,6}",
            ],
        ),
        0..4,
    );
    let body = prop_oneof![
        Just(String::new()),
        Just(r#"{"id":1,"name":"x","tags":[],"price":null}"#.to_owned()),
        Just(r#"{"name":"n","note":"z"}"#.to_owned()),
        Just(r#"{"name":7}"#.to_owned()),
        Just("[1,2]".to_owned()),
        "[{}\\[\\]\":,a-z0-9 ]{0,24}",
    ];
    (
        any::<u8>(),
        proptest::collection::vec(segment, 1..4),
        query,
        body,
    )
        .prop_map(|(method, segments, query, body)| {
            let mut uri = segments.join("/");
            for (i, (key, value)) in query.iter().enumerate() {
                uri.push(if i == 0 { '?' } else { '&' });
                uri.push_str(&format!("{key}={value}"));
            }
            let mut bytes = vec![method];
            bytes.extend_from_slice(uri.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(body.as_bytes());
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn xmlrpc_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        harness::xmlrpc_call(&data);
    }

    #[test]
    fn xmlrpc_mangled_calls(data in mangled(&XML_CALLS)) {
        harness::xmlrpc_call(&data);
    }

    #[test]
    fn jsonrpc_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        harness::jsonrpc_payload(&data);
    }

    #[test]
    fn jsonrpc_mangled_payloads(data in mangled(&JSON_PAYLOADS)) {
        harness::jsonrpc_payload(&data);
    }

    #[test]
    fn rest_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        harness::rest_request(&data);
    }

    #[test]
    fn rest_requests_from_route_pieces(data in rest_requests()) {
        harness::rest_request(&data);
    }
}

/// What the fuzzers found, fixed, stays fixed.
#[test]
fn the_fuzzers_findings_stay_fixed() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/xmlrpc_call"
    );
    for entry in std::fs::read_dir(dir).unwrap() {
        harness::xmlrpc_call(&std::fs::read(entry.unwrap().path()).unwrap());
    }
}

/// The seeds are what they claim: valid calls that succeed.
#[test]
fn the_seeds_are_valid_calls() {
    for seed in XML_CALLS {
        harness::xmlrpc_call(seed.as_bytes());
    }
    for seed in JSON_PAYLOADS {
        harness::jsonrpc_payload(seed.as_bytes());
    }
    for seed in ["rename.bin", "list.bin", "create.bin"] {
        let path = format!(
            "{}/../fuzz/seeds/rest_request/{seed}",
            env!("CARGO_MANIFEST_DIR")
        );
        harness::rest_request(&std::fs::read(path).unwrap());
    }
}
