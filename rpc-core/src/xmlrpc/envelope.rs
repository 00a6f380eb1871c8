//! `methodCall` and `methodResponse` documents, on both sides.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::de::{DeError, ParamsDeserializer, ValueDeserializer};
use super::reader::{Token, Tokens, XmlError, unexpected};
use super::ser::{ParamsSerializer, escape_into, is_xml_char};
use super::tag::Tag;
use crate::{BoxSerialize, ClientError, RpcError};

const RESPONSE_HEAD: &[u8] = b"<?xml version=\"1.0\"?>\n<methodResponse>";

/// The head of a `methodCall`: its method name and where its params start.
pub(crate) struct CallHead {
    pub method: Box<str>,
    /// The position just after `<params>`, when there is one.
    pub params_at: Option<usize>,
    /// Whether the document is read by the plain path (and so its params).
    pub plain: bool,
}

/// Reads the head of a `methodCall`; the params are read (and the rest of the
/// document checked) when they are decoded, in the same single pass.
pub(crate) fn parse_call(body: &[u8], max_depth: usize) -> Result<CallHead, XmlError> {
    parse_call_with(body, max_depth, true)
}

/// [`parse_call`], with the plain path first or with quick-xml only (which
/// the tests compare).
pub(crate) fn parse_call_with(
    body: &[u8],
    max_depth: usize,
    plain: bool,
) -> Result<CallHead, XmlError> {
    let mut tokens = Tokens::with(body, max_depth, plain, false);
    if !tokens.eat_start(Tag::MethodCall) {
        match tokens.tag()? {
            Token::Start(Tag::MethodCall) => {}
            other => return Err(unexpected(&other, "<methodCall>")),
        }
    }
    tokens.expect_start(Tag::MethodName)?;
    let method: Box<str> = tokens.text()?.trim().into();
    if method.is_empty() {
        return Err(XmlError::Invalid("the <methodName> is empty".into()));
    }
    let params = tokens.eat_start(Tag::Params)
        || match tokens.tag()? {
            Token::Start(Tag::Params) => true,
            Token::End(Tag::MethodCall) => {
                tokens.expect_last_after_root()?;
                false
            }
            other => return Err(unexpected(&other, "<params> or </methodCall>")),
        };
    let params_at = if params {
        let at = tokens.position();
        // `<params/>` and `<params> </params>` hold no param.
        if tokens.eat_start(Tag::Param) {
            Some(at)
        } else {
            match tokens.tag()? {
                Token::End(Tag::Params) => {
                    tokens.expect_last(Tag::MethodCall)?;
                    None
                }
                _ => Some(at),
            }
        }
    } else {
        None
    };
    Ok(CallHead {
        method,
        params_at,
        plain: tokens.is_plain(),
    })
}

/// The error of a document that cannot be read, as XML-RPC faults say it.
pub(crate) fn xml_error(err: XmlError) -> RpcError {
    match err {
        XmlError::Syntax(message) => RpcError::parse_error(format!("parse error: {message}")),
        XmlError::Invalid(message) => {
            RpcError::invalid_request(format!("not an XML-RPC request: {message}"))
        }
    }
}

/// The params of a call, decoded on demand, in the one pass that also checks
/// the rest of the document.
pub(crate) struct XmlParams {
    pub body: Bytes,
    pub max_depth: usize,
    /// Whether the document is read by the plain path.
    pub plain: bool,
    /// Where the params start; `None` for a call without `<params>`.
    pub at: Option<usize>,
    /// `Params` for a call's `<param>`s, `Data` for the `<value>` of an array
    /// (a multicall's params), whose content starts at `at`.
    pub end: Tag,
}

impl XmlParams {
    /// Decodes the params (there are some: `at` is set) as `T`, and checks
    /// the rest of the document in the same pass.
    pub(crate) fn decode<T: DeserializeOwned>(self) -> Result<T, RpcError> {
        let mut out = None;
        self.read(&mut |params| {
            out = Some(T::deserialize(params)?);
            Ok(())
        })?;
        out.ok_or_else(|| RpcError::internal("the XML-RPC params were not read"))
    }

    /// Runs `decode` over the params, then checks the rest of the document:
    /// all but `T::deserialize` itself, compiled once rather than for every
    /// params struct.
    fn read(
        self,
        decode: &mut dyn FnMut(ParamsDeserializer<'_, '_>) -> Result<(), DeError>,
    ) -> Result<(), RpcError> {
        let Some(at) = self.at else {
            return Err(RpcError::internal("XML-RPC params decoded without a start"));
        };
        let mut tokens = Tokens::fragment(&self.body[at..], self.max_depth, self.plain);
        let result = decode(ParamsDeserializer {
            tokens: &mut tokens,
            end: self.end,
        });
        // A call's params end its document: check what follows.
        let rest = match (&result, self.end) {
            (Ok(()), Tag::Params) => tokens.expect_last(Tag::MethodCall),
            _ => Ok(()),
        };
        if tokens.syntax_failed() {
            let message = match (&result, rest) {
                (Err(err), _) => err.to_string(),
                (_, Err(err)) => err.message().to_owned(),
                _ => "the document is not well-formed".to_owned(),
            };
            return Err(RpcError::parse_error(format!("parse error: {message}")));
        }
        rest.map_err(xml_error)?;
        result.map_err(|e| RpcError::invalid_params(format!("invalid params: {e}")))
    }
}

/// Writes the `methodResponse` of a result; a result that cannot be written
/// as XML-RPC is answered by an internal-error fault.
pub(crate) fn write_response(value: &BoxSerialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(RESPONSE_HEAD);
    out.extend_from_slice(b"<params><param>");
    match value.write_xmlrpc(&mut out) {
        Ok(()) => {
            out.extend_from_slice(b"</param></params></methodResponse>\n");
            out
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot write a method's result as XML-RPC");
            write_fault(&RpcError::internal(format!(
                "internal error: the result cannot be written as XML-RPC: {err}"
            )))
        }
    }
}

/// Writes the `methodResponse` of a fault: `faultCode` and `faultString`.
pub(crate) fn write_fault(err: &RpcError) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(RESPONSE_HEAD);
    out.extend_from_slice(b"<fault>");
    fault_value(&mut out, err);
    out.extend_from_slice(b"</fault></methodResponse>\n");
    out
}

/// `<value><struct>` with `faultCode` and `faultString`.
fn fault_value(out: &mut Vec<u8>, err: &RpcError) {
    out.extend_from_slice(b"<value><struct><member><name>faultCode</name><value><int>");
    out.extend_from_slice(err.code().to_string().as_bytes());
    out.extend_from_slice(
        b"</int></value></member><member><name>faultString</name><value><string>",
    );
    if escape_into(out, err.message()).is_err() {
        // The message quotes what XML cannot carry: leave those characters out.
        let carried: String = err.message().chars().filter(|&c| is_xml_char(c)).collect();
        // Only characters XML carries are left; were one refused, escape_into
        // would append nothing and the fault would still be well-formed.
        let _ = escape_into(out, &carried);
    }
    out.extend_from_slice(b"</string></value></member></struct></value>");
}

/// Encodes the `methodCall` of `method` with `params`, each field of the
/// params struct (or element of a tuple) as one positional `<param>`.
///
/// ```
/// let body = rpc_core::xmlrpc::encode_call("add", &(1, "two")).unwrap();
/// assert_eq!(
///     String::from_utf8(body).unwrap(),
///     "<?xml version=\"1.0\"?>\n<methodCall><methodName>add</methodName><params>\
///      <param><value><int>1</int></value></param>\
///      <param><value><string>two</string></value></param></params></methodCall>\n"
/// );
/// ```
pub fn encode_call<P: Serialize + ?Sized>(
    method: &str,
    params: &P,
) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    escape_into(&mut out, method).map_err(ClientError::transport)?;
    out.extend_from_slice(b"</methodName><params>");
    params
        .serialize(ParamsSerializer { out: &mut out })
        .map_err(ClientError::transport)?;
    out.extend_from_slice(b"</params></methodCall>\n");
    Ok(out)
}

#[derive(Deserialize)]
struct Fault {
    #[serde(rename = "faultCode")]
    code: i32,
    #[serde(rename = "faultString")]
    message: String,
}

/// Decodes a `methodResponse`: its value as `R`, or its fault as
/// [`ClientError::Rpc`] with the fault's code and string.
///
/// ```
/// use rpc_core::xmlrpc::decode_response;
///
/// let ok = b"<methodResponse><params><param><value><i4>42</i4></value></param></params></methodResponse>";
/// assert_eq!(decode_response::<i64>(ok).unwrap(), 42);
///
/// let fault = b"<methodResponse><fault><value><struct>\
///     <member><name>faultCode</name><value><int>4</int></value></member>\
///     <member><name>faultString</name><value>Too many parameters.</value></member>\
///     </struct></value></fault></methodResponse>";
/// let err = decode_response::<i64>(fault).unwrap_err();
/// assert_eq!(err.rpc().unwrap().code(), 4);
/// ```
pub fn decode_response<R: DeserializeOwned>(body: &[u8]) -> Result<R, ClientError> {
    let mut tokens = Tokens::new(body, super::DEFAULT_MAX_DEPTH);
    let read = |tokens: &mut Tokens<'_>| -> Result<Result<R, RpcError>, DeError> {
        match tokens.tag()? {
            Token::Start(Tag::MethodResponse) => {}
            other => return Err(tokens.unexpected(&other, "<methodResponse>").into()),
        }
        match tokens.tag()? {
            Token::Start(Tag::Params) => {
                tokens.expect_start(Tag::Param)?;
                tokens.expect_start(Tag::Value)?;
                let value = R::deserialize(ValueDeserializer::new(tokens))?;
                tokens.expect_end(Tag::Param)?;
                tokens.expect_end(Tag::Params)?;
                tokens.expect_last(Tag::MethodResponse)?;
                Ok(Ok(value))
            }
            Token::Start(Tag::Fault) => {
                tokens.expect_start(Tag::Value)?;
                let fault = Fault::deserialize(ValueDeserializer::new(tokens))?;
                tokens.expect_end(Tag::Fault)?;
                tokens.expect_last(Tag::MethodResponse)?;
                Ok(Err(RpcError::new(fault.code, fault.message)))
            }
            other => Err(tokens.unexpected(&other, "<params> or <fault>").into()),
        }
    };
    match read(&mut tokens) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(fault)) => Err(ClientError::Rpc(fault)),
        Err(err) => Err(ClientError::decode(err.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_quoting_what_xml_cannot_carry_is_still_readable() {
        // Found by the fuzzer: U+FFFE quoted back from a request.
        let err = RpcError::invalid_request("unexpected text `e\u{fe7f}\u{fffe}\u{0}<`");
        let fault = write_fault(&err);
        match decode_response::<()>(&fault) {
            Err(ClientError::Rpc(read)) => {
                assert_eq!(read.message(), "unexpected text `e\u{fe7f}<`");
            }
            other => panic!("{other:?}: {}", String::from_utf8_lossy(&fault)),
        }
    }

    #[test]
    fn escaping_appends_nothing_when_it_refuses() {
        let mut out = b"<string>".to_vec();
        assert!(escape_into(&mut out, "a\u{e9}\u{ffff}b").is_err());
        assert_eq!(out, b"<string>");
    }
}
