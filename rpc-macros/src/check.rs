//! Rules across the methods of a service, checked on the whole model before
//! any code is generated.

use std::collections::HashMap;

use crate::ctxt::Ctxt;
use crate::model::Service;

pub fn service(cx: &Ctxt, service: &Service) {
    unique_wire_names(cx, service);
    rest_placeholders_bind_arguments(cx, service);
    unique_rest_routes(cx, service);
    subscriptions_are_served_as_events(cx, service);
}

/// A subscription's REST route serves Server-Sent Events: it must be a GET.
fn subscriptions_are_served_as_events(cx: &Ctxt, service: &Service) {
    for method in &service.methods {
        if let (Some(_), Some(rest)) = (&method.subscription, &method.rest)
            && rest.verb != crate::model::RestVerb::Get
        {
            cx.error_spanned_by(
                &rest.path,
                format!(
                    "the REST route of the subscription `{}` serves Server-Sent Events: \
                     make it `#[rest(get = \"...\")]`",
                    method.ident
                ),
            );
        }
    }
}

fn unique_wire_names(cx: &Ctxt, service: &Service) {
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    for method in &service.methods {
        if let Some(first) = seen.insert(&method.wire_name, &method.ident) {
            cx.error_at(
                method.wire_name_span,
                format!(
                    "the method name `{}` is already used by `{first}`: give one of them \
                     another name with #[rpc(name = \"...\")]",
                    method.wire_name
                ),
            );
        }
    }
}

fn rest_placeholders_bind_arguments(cx: &Ctxt, service: &Service) {
    for method in &service.methods {
        let Some(rest) = &method.rest else { continue };
        let mut bound = Vec::new();
        for name in &rest.placeholders {
            if bound.contains(&name) {
                cx.error_spanned_by(
                    &rest.path,
                    format!("`{{{name}}}` appears twice in this REST path"),
                );
            } else if method.args.iter().any(|arg| arg.ident == name) {
                bound.push(name);
            } else {
                let args: Vec<String> = method
                    .args
                    .iter()
                    .map(|a| format!("`{}`", a.ident))
                    .collect();
                let known = if args.is_empty() {
                    "it has no arguments".to_owned()
                } else {
                    format!("its arguments are {}", args.join(", "))
                };
                cx.error_spanned_by(
                    &rest.path,
                    format!(
                        "`{{{name}}}` in this REST path names no argument of `{}`: {known}",
                        method.ident
                    ),
                );
            }
        }
    }
}

fn unique_rest_routes(cx: &Ctxt, service: &Service) {
    let mut seen: HashMap<(crate::model::RestVerb, String), &syn::Ident> = HashMap::new();
    for method in &service.methods {
        let Some(rest) = &method.rest else { continue };
        // `/a/{x}` and `/a/{y}` are the same route.
        let mut shape = rest.path.value();
        for name in &rest.placeholders {
            shape = shape.replacen(&format!("{{{name}}}"), "{}", 1);
        }
        if let Some(first) = seen.insert((rest.verb, shape), &method.ident) {
            cx.error_spanned_by(
                &rest.path,
                format!(
                    "`{} {}` is already the route of `{first}`: two methods cannot share a route",
                    rest.verb.variant().to_uppercase(),
                    rest.path.value()
                ),
            );
        }
    }
}
