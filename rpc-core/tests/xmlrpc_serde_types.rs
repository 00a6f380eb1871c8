//! XML-RPC carries what serde describes beyond structs and vectors: tuples
//! inside arrays, and `serde_json`'s `RawValue` as the value its JSON text
//! stands for.

use rpc_core::xmlrpc::{decode_response, encode_call};
use serde_json::value::RawValue;

fn response(value: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?><methodResponse><params><param>{value}</param></params></methodResponse>"
    )
    .into_bytes()
}

#[test]
fn a_tuple_is_read_from_an_array_and_its_end() {
    let body = response(
        "<value><array><data><value><int>-7</int></value><value><boolean>1</boolean></value>\
         <value><string>x</string></value></data></array></value>",
    );
    let tuple: (i32, bool, String) = decode_response(&body).unwrap();
    assert_eq!(tuple, (-7, true, "x".into()));
    // Nested in an array, and with one value too many.
    let nested = response(
        "<value><array><data><value><array><data><value><int>1</int></value>\
         <value><int>2</int></value></data></array></value></data></array></value>",
    );
    let pairs: Vec<(u8, u8)> = decode_response(&nested).unwrap();
    assert_eq!(pairs, [(1, 2)]);
    let extra = response(
        "<value><array><data><value><int>1</int></value><value><int>2</int></value>\
         <value><int>3</int></value></data></array></value>",
    );
    let err = decode_response::<(u8, u8)>(&extra).unwrap_err();
    assert!(err.to_string().contains("too many values"), "{err}");
}

#[test]
fn a_raw_json_value_travels_as_the_value_it_stands_for() {
    let raw = RawValue::from_string(r#"{"a":[1,"two",null,{"b":true}]}"#.into()).unwrap();
    let call = String::from_utf8(encode_call("m", &(raw,)).unwrap()).unwrap();
    assert!(
        call.contains("<member><name>a</name><value><array><data><value><int>1</int></value>"),
        "{call}"
    );
    assert!(call.contains("<value><nil/></value>"), "{call}");
    let body = response(
        "<value><struct><member><name>a</name><value><array><data><value><int>1</int></value>\
         <value>two</value></data></array></value></member></struct></value>",
    );
    let back: Box<RawValue> = decode_response(&body).unwrap();
    assert_eq!(back.get(), r#"{"a":[1,"two"]}"#);
}
