//! XML-RPC introspection from the services' metadata: `system.listMethods`,
//! `system.methodHelp` and `system.methodSignature`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Components, Dispatcher, MethodMeta, RpcError, TypeMeta};

pub(crate) const LIST_METHODS: &str = "system.listMethods";
pub(crate) const METHOD_HELP: &str = "system.methodHelp";
pub(crate) const METHOD_SIGNATURE: &str = "system.methodSignature";
pub(crate) const MULTICALL: &str = "system.multicall";

/// The built-in methods: name, help, signature.
const SYSTEM: [(&str, &str, &[&str]); 4] = [
    (
        LIST_METHODS,
        "Lists the names of the methods the server serves.",
        &["array"],
    ),
    (
        METHOD_HELP,
        "Returns the documentation of a method.",
        &["string", "string"],
    ),
    (
        METHOD_SIGNATURE,
        "Returns the signatures of a method: arrays of the XML-RPC types of its result, then of its parameters.",
        &["array", "string"],
    ),
    (
        MULTICALL,
        "Runs several calls, each a struct {methodName, params}; answers an array with, for each, \
         a one-element array holding its result or a fault struct.",
        &["array", "array"],
    ),
];

/// Every method's name, sorted, the built-in ones included; subscriptions
/// are left out (XML-RPC has no push).
pub(crate) fn list_methods(dispatcher: &Dispatcher) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = dispatcher
        .services()
        .iter()
        .flat_map(|s| s.methods.iter().filter(|m| !m.subscription).map(|m| m.name))
        .chain(SYSTEM.iter().map(|(name, _, _)| *name))
        .collect();
    names.sort_unstable();
    names
}

pub(crate) fn method_help(dispatcher: &Dispatcher, name: &str) -> Result<String, RpcError> {
    if let Some((_, help, _)) = SYSTEM.iter().find(|(n, _, _)| *n == name) {
        return Ok((*help).to_owned());
    }
    find(dispatcher, name).map(|m| m.doc.to_owned())
}

pub(crate) fn method_signature(
    dispatcher: &Dispatcher,
    name: &str,
) -> Result<Vec<Vec<&'static str>>, RpcError> {
    if let Some((_, _, signature)) = SYSTEM.iter().find(|(n, _, _)| *n == name) {
        return Ok(vec![signature.to_vec()]);
    }
    let method = find(dispatcher, name)?;
    let mut signature = vec![xml_type(&method.result)];
    signature.extend(method.params.iter().map(|p| xml_type(&p.ty)));
    Ok(vec![signature])
}

fn find(dispatcher: &Dispatcher, name: &str) -> Result<&'static MethodMeta, RpcError> {
    dispatcher
        .method(name)
        .ok_or_else(|| RpcError::method_not_found(name))
}

/// The XML-RPC type name of a Rust type, from its JSON schema: `undef` for
/// a type without one (any value).
pub(crate) fn xml_type(ty: &TypeMeta) -> &'static str {
    let mut components = Components::new();
    let schema = serde_json::to_value(ty.schema(&mut components)).unwrap_or(Value::Null);
    let components: BTreeMap<String, Value> = components
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    type_of_schema(&schema, &components, 0)
}

/// How many `$ref`s deep a type is looked for.
const MAX_REFS: usize = 16;

fn type_of_schema(
    schema: &Value,
    components: &BTreeMap<String, Value>,
    refs: usize,
) -> &'static str {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return match components.get(name) {
            Some(target) if refs < MAX_REFS => type_of_schema(target, components, refs + 1),
            _ => "struct",
        };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(items)) = schema.get(key) {
            let mut types = items
                .iter()
                .map(|item| type_of_schema(item, components, refs));
            return types.find(|t| *t != "nil").unwrap_or("nil");
        }
    }
    if schema.as_object().is_some_and(|o| o.is_empty()) {
        return "undef";
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ => return "nil",
    };
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    match kind {
        "integer" if matches!(format, "int64" | "uint64") => "i8",
        "integer" => "int",
        "number" => "double",
        "boolean" => "boolean",
        "array" => "array",
        "object" => "struct",
        "null" => "nil",
        "string" if format == "date-time" => "dateTime.iso8601",
        "string" if schema.get("contentEncoding").and_then(Value::as_str) == Some("base64") => {
            "base64"
        }
        _ => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_types_map_to_xml_rpc_type_names() {
        let cases = [
            (TypeMeta::of::<u32>("u32"), "int"),
            (TypeMeta::of::<i64>("i64"), "i8"),
            (TypeMeta::of::<f64>("f64"), "double"),
            (TypeMeta::of::<bool>("bool"), "boolean"),
            (TypeMeta::of::<String>("String"), "string"),
            (TypeMeta::of::<Vec<u8>>("Vec<u8>"), "array"),
            (TypeMeta::of::<Option<u32>>("Option<u32>"), "int"),
            (TypeMeta::of::<()>("()"), "nil"),
            (
                TypeMeta::of::<super::super::DateTime>("DateTime"),
                "dateTime.iso8601",
            ),
            (TypeMeta::of::<super::super::Base64>("Base64"), "base64"),
            (
                TypeMeta::of::<std::collections::HashMap<String, u32>>("HashMap"),
                "struct",
            ),
        ];
        for (ty, expected) in cases {
            assert_eq!(xml_type(&ty), expected, "{}", ty.rust);
        }
    }
}
