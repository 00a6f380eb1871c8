//! The OpenAPI 3.1 document of the REST resources, built with utoipa from the
//! services' metadata: doc comments, parameter and result types, routes.

use std::collections::BTreeMap;

use rpc_core::{Components, Dispatcher, MethodMeta};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, RefOr,
    Required, ResponseBuilder, Schema,
};

use crate::PROBLEM_JSON;

/// The media type of Server-Sent Events.
const EVENT_STREAM: &str = "text/event-stream";
use crate::rest::in_path;

/// The OpenAPI 3.1 document of every REST route of `dispatcher`'s services.
///
/// [`RpcRouter`](crate::RpcRouter) serves it at `GET /openapi.json`; build it
/// yourself to publish it elsewhere.
///
/// ```
/// use rpc_core::RpcError;
///
/// /// Greetings.
/// #[rpc_core::service]
/// pub trait Hello {
///     /// Greets someone.
///     #[rest(get = "/hello/{name}")]
///     async fn hello(&self, name: String) -> Result<String, RpcError>;
/// }
///
/// struct English;
/// impl Hello for English {
///     async fn hello(&self, name: String) -> Result<String, RpcError> {
///         Ok(format!("hello, {name}"))
///     }
/// }
///
/// let doc = rpc_http::openapi(&HelloServer::new(English).into(), "1.0.0");
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["openapi"], "3.1.0");
/// assert_eq!(json["paths"]["/hello/{name}"]["get"]["summary"], "Greets someone.");
/// ```
pub fn openapi(dispatcher: &Dispatcher, version: &str) -> OpenApi {
    let services = dispatcher.services();
    let (title, description) = (dispatcher.title(), dispatcher.description());
    let mut components = Components::new();
    let mut paths: BTreeMap<&'static str, Vec<(HttpMethod, utoipa::openapi::path::Operation)>> =
        BTreeMap::new();
    for service in services {
        for method in service.methods {
            let Some(route) = method.rest else { continue };
            let operation = operation(method, service.name, &mut components);
            paths
                .entry(route.path)
                .or_default()
                .push((http_method(route.method), operation));
        }
    }
    let mut builder = PathsBuilder::new();
    for (path, operations) in paths {
        let mut item = PathItem::default();
        for (verb, operation) in operations {
            item = merge(item, PathItem::new(verb, operation));
        }
        builder = builder.path(path, item);
    }
    let mut schemas = ComponentsBuilder::new().schema("Problem", problem_schema());
    let mut seen = std::collections::BTreeSet::new();
    for (name, schema) in components {
        if seen.insert(name.clone()) {
            schemas = schemas.schema(name, schema);
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(title)
                .version(version)
                .description((!description.is_empty()).then_some(description)),
        )
        .paths(builder)
        .components(Some(schemas.build()))
        .build()
}

fn merge(mut a: PathItem, b: PathItem) -> PathItem {
    a.get = a.get.or(b.get);
    a.post = a.post.or(b.post);
    a.put = a.put.or(b.put);
    a.patch = a.patch.or(b.patch);
    a.delete = a.delete.or(b.delete);
    a
}

fn http_method(method: rpc_core::RestMethod) -> HttpMethod {
    match method {
        rpc_core::RestMethod::Get => HttpMethod::Get,
        rpc_core::RestMethod::Post => HttpMethod::Post,
        rpc_core::RestMethod::Put => HttpMethod::Put,
        rpc_core::RestMethod::Patch => HttpMethod::Patch,
        rpc_core::RestMethod::Delete => HttpMethod::Delete,
    }
}

fn operation(
    method: &MethodMeta,
    tag: &str,
    components: &mut Components,
) -> utoipa::openapi::path::Operation {
    let route = method.rest.expect("only methods with a route");
    let (summary, description) = match method.doc.split_once('\n') {
        Some((first, _)) => (first.trim(), method.doc),
        None => (method.doc, ""),
    };
    let mut operation = OperationBuilder::new()
        .operation_id(Some(method.name))
        .tag(tag)
        .summary((!summary.is_empty()).then_some(summary))
        .description((!description.is_empty()).then_some(description));

    let mut body_params = Vec::new();
    for param in method.params {
        let location = if in_path(route.path, param.name) {
            ParameterIn::Path
        } else if route.method.has_body() {
            body_params.push(param);
            continue;
        } else {
            ParameterIn::Query
        };
        let required = location == ParameterIn::Path || !param.optional;
        operation = operation.parameter(
            ParameterBuilder::new()
                .name(param.name)
                .parameter_in(location)
                .required(if required {
                    Required::True
                } else {
                    Required::False
                })
                .schema(Some(without_null(param.ty.schema(components)))),
        );
    }
    if route.method.has_body() && !body_params.is_empty() {
        let (schema, required) = match body_params.as_slice() {
            [only] => (only.ty.schema(components), !only.optional),
            several => {
                let mut object = ObjectBuilder::new().schema_type(Type::Object);
                for param in several {
                    object = object.property(param.name, param.ty.schema(components));
                    if !param.optional {
                        object = object.required(param.name);
                    }
                }
                (object.into(), several.iter().any(|p| !p.optional))
            }
        };
        let body = RequestBodyBuilder::new()
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .required(Some(if required {
                Required::True
            } else {
                Required::False
            }));
        operation = operation.request_body(Some(body.build()));
    }

    let success = if method.subscription {
        // Server-Sent Events: OpenAPI 3.1 has no schema for a stream's
        // items, so the description names it (the item's schema is in the
        // components all the same).
        let item = match method.result.schema(components) {
            RefOr::Ref(r) => format!(
                "a JSON `{}` ({})",
                r.ref_location.rsplit('/').next().unwrap_or_default(),
                r.ref_location
            ),
            RefOr::T(_) => "one item as JSON".to_owned(),
        };
        let stream = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Server-Sent Events"));
        ResponseBuilder::new()
            .description(format!(
                "A stream of Server-Sent Events: each event's `data` is {item}, its `id` counts \
                 from 1; the last event, named `end`, carries `{{\"error\":null}}` or the error \
                 that ended the stream"
            ))
            .content(
                EVENT_STREAM,
                ContentBuilder::new().schema(Some(stream)).build(),
            )
    } else if route.status == 204 {
        ResponseBuilder::new().description("Success, with nothing to return")
    } else {
        let schema = method.result.schema(components);
        ResponseBuilder::new().description("Success").content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
    };
    let problem = |description: &str| {
        let schema = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"));
        ResponseBuilder::new().description(description).content(
            PROBLEM_JSON,
            ContentBuilder::new().schema(Some(schema)).build(),
        )
    };
    // The errors by status: those of the framework, then those the
    // method's error type documents; one status may stand for several.
    let mut errors: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    errors
        .entry(400)
        .or_default()
        .push("The path or query parameters, or the body, are not valid");
    if route.method.has_body() {
        errors.entry(415).or_default().push("The body is not JSON");
        errors
            .entry(422)
            .or_default()
            .push("The body is JSON, but its fields do not fit");
    }
    for error in (method.errors)() {
        let status = error.status.unwrap_or(500);
        let descriptions = errors.entry(status).or_default();
        if !descriptions.contains(&error.description) {
            descriptions.push(error.description);
        }
    }
    operation = operation.response(route.status.to_string(), success);
    for (status, descriptions) in errors {
        operation = operation.response(status.to_string(), problem(&descriptions.join("; ")));
    }
    operation
        .response(
            "default",
            problem("An error: its status and detail say which"),
        )
        .build()
}

/// The schema of `T` for `Option<T>`: a parameter that may be left out.
fn without_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    if let RefOr::T(Schema::OneOf(one_of)) = &schema {
        let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
        if one_of.items.len() == 2
            && one_of.items.iter().any(is_null)
            && let Some(other) = one_of.items.iter().find(|s| !is_null(s))
        {
            return other.clone();
        }
    }
    schema
}

/// RFC 9457 problem details, as every error response is shaped.
fn problem_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("An error, as RFC 9457 problem details"))
        .property("type", ObjectBuilder::new().schema_type(Type::String))
        .property("title", ObjectBuilder::new().schema_type(Type::String))
        .property("status", ObjectBuilder::new().schema_type(Type::Integer))
        .property("detail", ObjectBuilder::new().schema_type(Type::String))
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("The error's code, the same on every protocol")),
        )
        .property("data", utoipa::openapi::schema::empty())
        .required("type")
        .required("title")
        .required("status")
        .required("detail")
        .into()
}
