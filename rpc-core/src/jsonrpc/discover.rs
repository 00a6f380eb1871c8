//! `rpc.discover`: the OpenRPC document of the services, from their metadata.

use serde_json::{Map, Value, json};

use crate::{Components, Dispatcher, TypeMeta};

/// The name of the discovery method, reserved by OpenRPC.
pub const DISCOVER: &str = "rpc.discover";

/// The OpenRPC 1.3 document of every method of `dispatcher`'s services.
pub(crate) fn openrpc(dispatcher: &Dispatcher) -> Value {
    let services = dispatcher.services();
    let mut components = Components::new();
    let mut schema =
        |ty: &TypeMeta| serde_json::to_value(ty.schema(&mut components)).unwrap_or(Value::Null);
    let methods: Vec<Value> = services
        .iter()
        .flat_map(|service| service.methods.iter())
        .map(|method| {
            let (summary, _) = method.doc.split_once('\n').unwrap_or((method.doc, ""));
            let params: Vec<Value> = method
                .params
                .iter()
                .map(|p| json!({"name": p.name, "required": !p.optional, "schema": schema(&p.ty)}))
                .collect();
            let mut entry = json!({
                "name": method.name,
                "params": params,
                "result": {"name": "result", "schema": schema(&method.result)},
                "paramStructure": "either",
            });
            let errors: Vec<Value> = (method.errors)()
                .iter()
                .map(|e| json!({"code": e.code, "message": e.description}))
                .collect();
            if !errors.is_empty() {
                entry["errors"] = Value::from(errors);
            }
            if method.subscription {
                // Items come as notifications on a WebSocket: the result is
                // the type of one item.
                entry["x-subscription"] = Value::Bool(true);
            }
            if !method.doc.is_empty() {
                entry["summary"] = Value::from(summary.trim());
                entry["description"] = Value::from(method.doc);
            }
            entry
        })
        .collect();
    let mut schemas = Map::new();
    for (name, schema) in components {
        schemas
            .entry(name)
            .or_insert_with(|| serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    let (title, description) = (dispatcher.title(), dispatcher.description());
    json!({
        "openrpc": "1.3.2",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "methods": methods,
        "components": {"schemas": schemas},
    })
}
