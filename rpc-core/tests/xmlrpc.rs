//! The XML-RPC codec through `XmlRpc::handle` and the client functions:
//! every type, faults, introspection, multicall, hostile documents, and
//! property tests (every value round-trips; no input panics the decoder).

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use proptest::prelude::*;
use rpc_core::xmlrpc::{Base64, DateTime, XmlRpc, decode_response, encode_call};
use rpc_core::{Context, Protocol, RpcError};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Any XML-RPC value, read with `deserialize_any`.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i32),
    I8(i64),
    Bool(bool),
    Str(String),
    Double(f64),
    Nil,
    Array(Vec<Val>),
    Struct(BTreeMap<String, Val>),
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Int(v) => s.serialize_i32(*v),
            Val::I8(v) => s.serialize_i64(*v),
            Val::Bool(v) => s.serialize_bool(*v),
            Val::Str(v) => s.serialize_str(v),
            Val::Double(v) => s.serialize_f64(*v),
            Val::Nil => s.serialize_unit(),
            Val::Array(v) => v.serialize(s),
            Val::Struct(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_i32<E: de::Error>(self, v: i32) -> Result<Val, E> {
                Ok(Val::Int(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val, E> {
                Ok(Val::I8(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val, E> {
                Ok(Val::Bool(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
                Ok(Val::Str(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val, E> {
                Ok(Val::Double(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Val, E> {
                Ok(Val::Nil)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Val::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
                let mut members = BTreeMap::new();
                while let Some((k, v)) = map.next_entry()? {
                    members.insert(k, v);
                }
                Ok(Val::Struct(members))
            }
        }
        d.deserialize_any(V)
    }
}

impl utoipa::PartialSchema for Val {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}
impl utoipa::ToSchema for Val {}

fn text() -> impl Strategy<Value = String> {
    // Any text XML can carry: no control characters but tab, newline and CR.
    "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,20}"
}

fn val() -> impl Strategy<Value = Val> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(Val::Int),
        prop_oneof![i64::MIN..(i32::MIN as i64), (i32::MAX as i64 + 1)..i64::MAX].prop_map(Val::I8),
        any::<bool>().prop_map(Val::Bool),
        text().prop_map(Val::Str),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Val::Double),
        Just(Val::Nil),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Val::Array),
            prop::collection::btree_map(text(), inner, 0..6).prop_map(Val::Struct),
        ]
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Typed {
    when: DateTime,
    blob: Base64,
    maybe: Option<String>,
    big: i64,
}

/// Everything the codec can carry, through a method.
#[rpc_core::service]
pub trait Codec {
    async fn echo(&self, value: Val) -> Val;
    async fn typed(&self, when: DateTime, blob: Base64, maybe: Option<String>, big: i64) -> Typed;
    async fn fail(&self, code: i32) -> Result<(), RpcError>;
    async fn nothing(&self);
    async fn optional(&self, a: Option<i32>, b: Option<String>) -> String;
}

struct Impl;

impl Codec for Impl {
    async fn echo(&self, value: Val) -> Val {
        value
    }
    async fn typed(&self, when: DateTime, blob: Base64, maybe: Option<String>, big: i64) -> Typed {
        Typed {
            when,
            blob,
            maybe,
            big,
        }
    }
    async fn fail(&self, code: i32) -> Result<(), RpcError> {
        Err(RpcError::new(code, "failed <on purpose> & loudly"))
    }
    async fn nothing(&self) {}
    async fn optional(&self, a: Option<i32>, b: Option<String>) -> String {
        format!("{a:?} {b:?}")
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn handle(body: impl Into<Bytes>) -> Vec<u8> {
    block_on(
        XmlRpc::new(CodecServer::new(Impl)).handle(body.into(), Context::new(Protocol::XmlRpc)),
    )
}

fn call<R: de::DeserializeOwned>(
    method: &str,
    params: &impl Serialize,
) -> Result<R, rpc_core::ClientError> {
    decode_response(&handle(encode_call(method, params).unwrap()))
}

fn fault_of(body: &[u8]) -> RpcError {
    match decode_response::<Val>(body) {
        Err(rpc_core::ClientError::Rpc(err)) => err,
        other => panic!("not a fault: {other:?}: {}", String::from_utf8_lossy(body)),
    }
}

proptest! {
    #[test]
    fn every_value_round_trips_through_a_call(value in val()) {
        let back: Val = call("echo", &(value.clone(),)).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let answer = handle(bytes.clone());
        prop_assert!(decode_response::<Val>(&answer).is_err());
        let _ = decode_response::<Val>(&bytes);
    }

    #[test]
    fn mangled_calls_never_panic_the_decoder(value in val(), cut in any::<prop::sample::Index>(), flip in any::<(prop::sample::Index, u8)>()) {
        let mut body = encode_call("echo", &(value,)).unwrap();
        let at = flip.0.index(body.len());
        body[at] ^= flip.1;
        let _ = decode_response::<Val>(&handle(body.clone()));
        body.truncate(cut.index(body.len()));
        let _ = decode_response::<Val>(&handle(body));
    }
}

#[test]
fn special_types_round_trip() {
    let when: DateTime = "19980717T14:08:55".parse().unwrap();
    let blob = Base64(vec![0, 1, 2, 255, b'<']);
    let back: Typed = call("typed", &(when, blob.clone(), Some("x"), i64::MAX)).unwrap();
    assert_eq!(
        back,
        Typed {
            when,
            blob: blob.clone(),
            maybe: Some("x".into()),
            big: i64::MAX
        }
    );
    // A None param is sent as <nil/>.
    let back: Typed = call("typed", &(when, blob.clone(), None::<String>, 5)).unwrap();
    assert_eq!(back.maybe, None);
    let raw =
        String::from_utf8(encode_call("typed", &(when, blob, None::<String>, 5)).unwrap()).unwrap();
    assert!(
        raw.contains("<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"),
        "{raw}"
    );
    assert!(raw.contains("<base64>AAEC/zw=</base64>"), "{raw}");
    assert!(raw.contains("<nil/>"), "{raw}");
    let back: () = call("nothing", &()).unwrap();
    assert_eq!(back, ());
}

#[test]
fn optional_params_may_be_left_out() {
    for body in [
        "<methodCall><methodName>optional</methodName></methodCall>",
        "<methodCall><methodName>optional</methodName><params>\n</params></methodCall>",
        "<methodCall><methodName>optional</methodName><params/></methodCall>",
    ] {
        let back: String = decode_response(&handle(body)).unwrap();
        assert_eq!(back, "None None", "{body}");
    }
    let back: String = call("optional", &(7,)).unwrap();
    assert_eq!(back, "Some(7) None");
}

#[test]
fn values_in_every_spelling_of_the_specification_are_read() {
    let body = "<?xml version=\"1.0\" encoding=\"us-ascii\"?>\n<!-- a comment -->\n<methodCall>\n  <methodName> echo </methodName>\n  <params><param><value><struct>\n\
        <member><name>bare</name><value>a &amp; b &#233;</value></member>\n\
        <member><name>empty</name><value/></member>\n\
        <member><name>spaces</name><value>  </value></member>\n\
        <member><name>i4</name><value> <i4>-7</i4> </value></member>\n\
        <member><name>ex</name><value><ex:i8>9000000000</ex:i8></value></member>\n\
        <member><name>nil</name><value><ex:nil/></value></member>\n\
        <member><name>bool</name><value><boolean>1</boolean></value></member>\n\
        <member><name>double</name><value><double>-1.5</double></value></member>\n\
        <member><name>cdata</name><value><string><![CDATA[<x>]]></string></value></member>\n\
        <member><name>crlf</name><value><string>a&#13;\nb</string></value></member>\n\
        <member><name>list</name><value><array><data></data></array></value></member>\n\
        </struct></value></param></params></methodCall>";
    let value: Val = decode_response(&handle(body)).unwrap();
    let Val::Struct(members) = value else {
        panic!("{value:?}")
    };
    assert_eq!(members["bare"], Val::Str("a & b \u{e9}".into()));
    assert_eq!(members["empty"], Val::Str(String::new()));
    assert_eq!(members["spaces"], Val::Str("  ".into()));
    assert_eq!(members["i4"], Val::Int(-7));
    assert_eq!(members["ex"], Val::I8(9_000_000_000));
    assert_eq!(members["nil"], Val::Nil);
    assert_eq!(members["bool"], Val::Bool(true));
    assert_eq!(members["double"], Val::Double(-1.5));
    assert_eq!(members["cdata"], Val::Str("<x>".into()));
    assert_eq!(members["crlf"], Val::Str("a\r\nb".into()));
    assert_eq!(members["list"], Val::Array(vec![]));
}

#[test]
fn faults_carry_the_codes_of_the_design() {
    let cases: [(&str, i32); 9] = [
        (
            "<methodCall><methodName>nope</methodName></methodCall>",
            -32601,
        ),
        (
            "<methodCall><methodName>echo</methodName><params><param><value><int>1</int>",
            -32700,
        ),
        (
            "<methodCall><methodName>echo</methodName><params></params></methodCall>",
            -32602,
        ),
        (
            "<methodCall><methodName>fail</methodName><params><param><value><string>x</string></value></param></params></methodCall>",
            -32602,
        ),
        (
            "<methodCall><methodName>fail</methodName><params><param><value><int>1</int></value></param><param><value><int>2</int></value></param></params></methodCall>",
            -32602,
        ),
        (
            "<methodCall><methodName>fail</methodName><params><param><value><int>4000</int></value></param></params></methodCall>",
            4000,
        ),
        ("<methodResponse/>", -32600),
        (
            "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><methodCall><methodName>&lol2;</methodName></methodCall>",
            -32600,
        ),
        (
            "<methodCall><methodName>echo</methodName><params><param><value>&xxe;</value></param></params></methodCall>",
            -32700,
        ),
    ];
    for (body, code) in cases {
        let answer = handle(body);
        let fault = fault_of(&answer);
        assert_eq!(fault.code(), code, "{body}: {fault:?}");
        assert!(!fault.message().is_empty());
    }
    let fault = fault_of(&handle(encode_call("fail", &(4000,)).unwrap()));
    assert_eq!(fault.message(), "failed <on purpose> & loudly");
}

#[test]
fn invalid_utf8_and_truncated_documents_are_parse_errors() {
    let bad_utf8 = b"<methodCall><methodName>echo</methodName><params><param><value>\xff\xfe</value></param></params></methodCall>".to_vec();
    assert_eq!(fault_of(&handle(bad_utf8)).code(), -32700);
    let whole = encode_call("echo", &(Val::Str("x".into()),)).unwrap();
    for cut in 1..whole.len() - 1 {
        let fault = fault_of(&handle(whole[..cut].to_vec()));
        assert!(
            matches!(fault.code(), -32700 | -32600),
            "cut at {cut}: {fault:?}"
        );
    }
}

#[test]
fn deep_nesting_is_a_fault_not_a_stack_overflow() {
    let depth = 100_000;
    let body = format!(
        "<methodCall><methodName>echo</methodName><params><param>{}{}</param></params></methodCall>",
        "<value><array><data>".repeat(depth),
        "</data></array></value>".repeat(depth)
    );
    assert_eq!(fault_of(&handle(body)).code(), -32700);
}

#[test]
fn introspection_describes_the_service() {
    let names: Vec<String> = call("system.listMethods", &()).unwrap();
    assert_eq!(
        names,
        [
            "echo",
            "fail",
            "nothing",
            "optional",
            "system.listMethods",
            "system.methodHelp",
            "system.methodSignature",
            "system.multicall",
            "typed"
        ]
    );
    let signature: Vec<Vec<String>> = call("system.methodSignature", &("fail",)).unwrap();
    assert_eq!(signature, [["nil", "int"]]);
    let signature: Vec<Vec<String>> = call("system.methodSignature", &("typed",)).unwrap();
    assert_eq!(
        signature,
        [["struct", "dateTime.iso8601", "base64", "string", "i8"]]
    );
    let help: String = call("system.methodHelp", &("system.multicall",)).unwrap();
    assert!(help.contains("fault"));
    let err = call::<String>("system.methodHelp", &("nope",)).unwrap_err();
    assert_eq!(err.rpc().unwrap().code(), -32601);
}

#[test]
fn multicall_answers_each_call_in_place() {
    #[derive(Serialize)]
    struct Entry<P> {
        #[serde(rename = "methodName")]
        method_name: &'static str,
        params: P,
    }
    let body = encode_call(
        "system.multicall",
        &((
            Entry {
                method_name: "echo",
                params: (Val::Int(1),),
            },
            Entry {
                method_name: "fail",
                params: (77,),
            },
            Entry {
                method_name: "nope",
                params: (),
            },
            Entry {
                method_name: "echo",
                params: (Val::Str("x".into()), 2),
            },
            Entry {
                method_name: "system.multicall",
                params: ((),),
            },
            Entry {
                method_name: "system.methodHelp",
                params: ("echo",),
            },
        ),),
    )
    .unwrap();
    let answers: Val = decode_response(&handle(body)).unwrap();
    let Val::Array(answers) = answers else {
        panic!()
    };
    assert_eq!(answers.len(), 6);
    assert_eq!(answers[0], Val::Array(vec![Val::Int(1)]));
    let code = |v: &Val| match v {
        Val::Struct(m) => m["faultCode"].clone(),
        other => panic!("not a fault: {other:?}"),
    };
    assert_eq!(code(&answers[1]), Val::Int(77));
    assert_eq!(code(&answers[2]), Val::Int(-32601));
    assert_eq!(code(&answers[3]), Val::Int(-32602));
    assert_eq!(code(&answers[4]), Val::Int(-32600));
    assert_eq!(answers[5], Val::Array(vec![Val::Str(String::new())]));
}
