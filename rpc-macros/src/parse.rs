//! From syntax to the model: reads the trait and the attributes, and records
//! an error for everything that cannot be served. Cross-method rules are in
//! `check`.

use proc_macro2::TokenStream;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, ItemTrait, Lit, LitInt, LitStr, Meta, Pat,
    PathArguments, ReturnType, TraitItem, TraitItemFn, Type,
};

use crate::ctxt::Ctxt;
use crate::model::{Arg, ContextArg, Method, Output, Rest, RestVerb, Service, first_type_argument};

/// Reads `#[service(...)]` and the trait it is on.
pub fn service(cx: &Ctxt, args: TokenStream, item: ItemTrait) -> Service {
    let namespace = service_args(cx, args);

    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "a service trait cannot be generic: its methods are served by name, with concrete types",
        );
    }
    if let Some(unsafety) = item.unsafety {
        cx.error_spanned_by(unsafety, "a service trait cannot be `unsafe`");
    }
    if let Some(auto) = item.modifiers.auto_token {
        cx.error_spanned_by(auto, "a service trait cannot be an auto trait");
    }

    let mut methods = Vec::new();
    for trait_item in item.items {
        match trait_item {
            TraitItem::Fn(func) => {
                if let Some(method) = method(cx, namespace.as_deref(), func) {
                    methods.push(method);
                }
            }
            other => cx.error_spanned_by(
                other,
                "a service trait holds only `async fn` methods: move constants, types and \
                 macros out of it",
            ),
        }
    }

    Service {
        doc: doc_of(&item.attrs),
        vis: item.vis,
        ident: item.ident,
        attrs: item.attrs,
        supertraits: item.supertraits.into_iter().collect(),
        namespace,
        methods,
    }
}

fn service_args(cx: &Ctxt, args: TokenStream) -> Option<String> {
    let mut namespace = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("namespace") {
            let lit: LitStr = meta.value()?.parse()?;
            let value = lit.value();
            if value.is_empty() || value.ends_with('.') || value.starts_with('.') {
                cx.error_spanned_by(
                    &lit,
                    "a namespace is a non-empty name without leading or trailing dot, \
                     e.g. \"inventory\": methods are then called `inventory.<method>`",
                );
            } else if namespace.replace(value).is_some() {
                cx.error_spanned_by(&meta.path, "`namespace` is given twice");
            }
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown key `{}` in #[service(...)]: expected `namespace = \"...\"`",
                path_name(&meta.path)
            )))
        }
    });
    if let Err(err) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(err);
    }
    namespace
}

fn method(cx: &Ctxt, namespace: Option<&str>, func: TraitItemFn) -> Option<Method> {
    let sig = &func.sig;
    let mut ok = true;
    let mut fail = |tokens: &dyn quote::ToTokens, message: &str| {
        cx.error_spanned_by(tokens.to_token_stream(), message);
        ok = false;
    };

    if sig.asyncness.is_none() {
        fail(
            &sig.fn_token,
            "an rpc method must be an `async fn`: write `async fn` here",
        );
    }
    if let Some(constness) = &sig.constness {
        fail(constness, "an rpc method cannot be `const`");
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        fail(
            unsafety,
            "an rpc method cannot be `unsafe`: callers on the wire cannot uphold its contract",
        );
    }
    if let Some(abi) = &sig.abi {
        fail(abi, "an rpc method cannot have an `extern` ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        fail(
            &sig.generics,
            "an rpc method cannot be generic: its parameters are decoded from the wire into concrete types",
        );
    }
    if let Some(variadic) = &sig.variadic {
        fail(variadic, "an rpc method cannot be variadic");
    }

    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        Some(FnArg::Receiver(receiver))
            if matches!(receiver.kind, syn::ReceiverKind::Reference(_, _, None))
                && receiver.mutability.is_none() => {}
        Some(FnArg::Receiver(receiver)) => fail(
            receiver,
            "an rpc method takes `&self`: calls run concurrently on one shared service, \
             so it cannot take `self` by value or `&mut self`",
        ),
        _ => fail(
            &sig.ident,
            "an rpc method takes `&self` as its first argument: add `&self`",
        ),
    }

    let mut args = Vec::new();
    let mut context: Option<ContextArg> = None;
    for (index, input) in inputs.enumerate() {
        let FnArg::Typed(typed) = input else { continue };
        let mut is_context = false;
        let mut schema = None;
        for attr in &typed.attrs {
            if attr.path().is_ident("context") {
                if let Err(err) = attr.meta.require_path_only() {
                    cx.syn_error(err);
                }
                is_context = true;
            } else if attr.path().is_ident("schema") {
                if schema.is_some() {
                    fail(
                        attr,
                        "#[schema] is given twice on this argument: merge them",
                    );
                }
                schema = schema_attr(cx, attr, "value_type").or(schema);
            } else {
                fail(
                    attr,
                    "an rpc argument takes #[context] (the per-call `rpc_core::Context`) or \
                     #[schema(value_type = T)] (the type the documents show for it)",
                );
            }
        }
        let ident = match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
            other => {
                fail(
                    other,
                    "an rpc argument must be a plain name, not a pattern: the name is its name on the wire",
                );
                continue;
            }
        };
        if is_context {
            if context.is_some() {
                fail(typed, "a method takes at most one #[context] argument");
            }
            context = Some(ContextArg {
                index,
                ident,
                ty: (*typed.ty).clone(),
            });
            continue;
        }
        if let Some(lifetime) = borrowed(&typed.ty) {
            fail(
                &lifetime,
                "an rpc argument must be an owned type (e.g. `String`, not `&str`): it is decoded from the wire",
            );
            continue;
        }
        args.push(Arg {
            optional: is_option(&typed.ty),
            ident,
            ty: (*typed.ty).clone(),
            schema,
        });
    }

    let output = match &sig.output {
        ReturnType::Default => Output::Unit,
        ReturnType::Type(_, ty) => {
            if let Some(tokens) = borrowed(ty) {
                fail(
                    &tokens,
                    "an rpc method must return an owned type: its result is encoded for the wire",
                );
            }
            if matches!(**ty, Type::ImplTrait(_)) {
                fail(
                    ty,
                    "an rpc method must return a concrete type, not `impl Trait`",
                );
            }
            if last_segment_is(ty, "Result") {
                Output::Fallible((**ty).clone())
            } else {
                Output::Plain((**ty).clone())
            }
        }
    };

    let mut attrs = Vec::new();
    let mut rpc: Option<RpcAttr> = None;
    let mut rest = None;
    let mut result_schema = None;
    let mut subscription_attr: Option<Attribute> = None;
    for attr in func.attrs {
        if attr.path().is_ident("rpc") {
            if rpc.is_some() {
                fail(&attr, "#[rpc] is given twice on this method: merge them");
            }
            rpc = Some(rpc_attr(cx, &attr));
        } else if attr.path().is_ident("rest") {
            if rest.is_some() {
                fail(
                    &attr,
                    "#[rest] is given twice on this method: a method has one route",
                );
            }
            rest = rest_attr(cx, &attr).or(rest);
        } else if attr.path().is_ident("subscription") {
            if attr.meta.require_path_only().is_err() {
                fail(
                    &attr,
                    "#[subscription] takes no arguments: write `#[subscription]`; the \
                     server's limits on subscriptions are set on the router",
                );
            }
            subscription_attr = Some(attr);
        } else if attr.path().is_ident("schema") {
            if result_schema.is_some() {
                fail(&attr, "#[schema] is given twice on this method: merge them");
            }
            result_schema = schema_attr(cx, &attr, "result").or(result_schema);
        } else {
            attrs.push(attr);
        }
    }

    let RpcAttr { name, idempotent } = rpc.unwrap_or_default();
    // A subscription answers `Subscription<T>` (in a `Result` or not).
    let subscription = match &subscription_attr {
        None => None,
        Some(attr) => {
            let answered = match &output {
                Output::Fallible(ty) => first_type_argument(ty),
                Output::Plain(ty) => Some(ty),
                Output::Unit => None,
            };
            let item = answered
                .filter(|ty| last_segment_is(ty, "Subscription"))
                .and_then(first_type_argument);
            if item.is_none() {
                fail(
                    attr,
                    "a #[subscription] method answers `Result<rpc_core::Subscription<T>, E>` \
                     (or `Subscription<T>`): the stream of items its subscribers receive",
                );
            }
            item.cloned()
        }
    };
    let (base, wire_name_span) = match name {
        Some(lit) => (lit.value(), lit.span()),
        None => (sig.ident.to_string(), sig.ident.span()),
    };
    let wire_name = match namespace {
        Some(ns) => format!("{ns}.{base}"),
        None => base,
    };
    if wire_name.starts_with("rpc.") || wire_name.starts_with("system.") {
        cx.error_at(
            wire_name_span,
            format!(
                "the method name `{wire_name}` is reserved: `rpc.*` and `system.*` are the \
                 protocols' introspection methods; choose another with #[rpc(name = \"...\")]"
            ),
        );
    }

    ok.then(|| Method {
        doc: doc_of(&attrs),
        ident: func.sig.ident.clone(),
        wire_name,
        wire_name_span,
        attrs,
        args,
        context,
        output,
        result_schema,
        idempotent,
        subscription,
        rest,
        default: func.default,
    })
}

/// `#[schema(KEY = Type)]`: the type the documents show instead of the one
/// in the signature (`value_type` on an argument, `result` on a method).
fn schema_attr(cx: &Ctxt, attr: &Attribute, key: &str) -> Option<Type> {
    let mut schema = None;
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident(key) {
            schema = Some(meta.value()?.parse::<Type>()?);
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown key `{}` in #[schema(...)]: expected `{key} = Type`",
                path_name(&meta.path)
            )))
        }
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
    schema
}

/// What `#[rpc(...)]` says of a method.
#[derive(Default)]
struct RpcAttr {
    name: Option<LitStr>,
    idempotent: bool,
}

/// `#[rpc(name = "...", idempotent)]`
fn rpc_attr(cx: &Ctxt, attr: &Attribute) -> RpcAttr {
    let mut name = None;
    let mut idempotent = false;
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("idempotent") {
            idempotent = true;
            Ok(())
        } else if meta.path.is_ident("name") {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty() || lit.value().chars().any(char::is_whitespace) {
                cx.error_spanned_by(
                    &lit,
                    "a method's wire name must be non-empty and without spaces",
                );
            } else {
                name = Some(lit);
            }
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown key `{}` in #[rpc(...)]: expected `name = \"...\"` or `idempotent`",
                path_name(&meta.path)
            )))
        }
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
    RpcAttr { name, idempotent }
}

/// `#[rest(get = "/path/{arg}", status = 201)]`
fn rest_attr(cx: &Ctxt, attr: &Attribute) -> Option<Rest> {
    let mut route: Option<(RestVerb, LitStr)> = None;
    let mut status = None;
    let result = attr.parse_nested_meta(|meta| {
        if let Some((_, verb)) = RestVerb::ALL
            .iter()
            .find(|(key, _)| meta.path.is_ident(key))
        {
            let lit: LitStr = meta.value()?.parse()?;
            if route.is_some() {
                cx.error_spanned_by(
                    &meta.path,
                    "#[rest] takes one route: a method has one HTTP method and path",
                );
            } else {
                route = Some((*verb, lit));
            }
            Ok(())
        } else if meta.path.is_ident("status") {
            let lit: LitInt = meta.value()?.parse()?;
            match lit.base10_parse::<u16>() {
                Ok(code @ 200..=299) => status = Some(code),
                _ => cx.error_spanned_by(
                    &lit,
                    "`status` is the success status, from 200 to 299 (e.g. 201)",
                ),
            }
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown key `{}` in #[rest(...)]: expected one of `get`, `post`, `put`, \
                 `patch`, `delete` (= \"/path\") or `status` (= 201)",
                path_name(&meta.path)
            )))
        }
    });
    if let Err(err) = result {
        cx.syn_error(err);
        return None;
    }
    let Some((verb, path)) = route else {
        cx.error_spanned_by(
            attr,
            "#[rest] needs a route, e.g. #[rest(get = \"/servers/{id}\")]",
        );
        return None;
    };
    let placeholders = placeholders(cx, &path)?;
    Some(Rest {
        verb,
        path,
        status,
        placeholders,
    })
}

/// The `{name}` placeholders of a REST path, or `None` after an error.
fn placeholders(cx: &Ctxt, path: &LitStr) -> Option<Vec<String>> {
    let value = path.value();
    if !value.starts_with('/') {
        cx.error_spanned_by(path, "a REST path starts with `/`");
        return None;
    }
    let mut names = Vec::new();
    let mut rest = value.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            cx.error_spanned_by(path, "this REST path has a `}` without its `{`");
            return None;
        }
        let Some(close) = rest[open..].find('}') else {
            cx.error_spanned_by(path, "this REST path has a `{` without its `}`");
            return None;
        };
        let name = &rest[open + 1..open + close];
        if syn::parse_str::<syn::Ident>(name).is_err() {
            cx.error_spanned_by(
                path,
                format!("`{{{name}}}` in a REST path must name an argument, e.g. `{{id}}`"),
            );
            return None;
        }
        names.push(name.to_owned());
        rest = &rest[open + close + 1..];
    }
    Some(names)
}

/// The doc comment: the `#[doc = "…"]` lines, without their first space.
pub fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if let Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            let line = s.value();
            lines.push(
                line.strip_prefix(' ')
                    .unwrap_or(&line)
                    .trim_end()
                    .to_owned(),
            );
        }
    }
    lines.join("\n").trim().to_owned()
}

fn path_name(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// A reference or lifetime in the type, which cannot come off the wire.
fn borrowed(ty: &Type) -> Option<TokenStream> {
    struct Find(Option<TokenStream>);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            self.0.get_or_insert_with(|| quote::quote!(#r));
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident != "static" {
                self.0.get_or_insert_with(|| quote::quote!(#l));
            }
        }
    }
    let mut find = Find(None);
    syn::visit::Visit::visit_type(&mut find, ty);
    find.0
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == name && matches!(s.arguments, PathArguments::AngleBracketed(_))
        }),
        Type::Group(g) => last_segment_is(&g.elem, name),
        Type::Paren(p) => last_segment_is(&p.elem, name),
        _ => false,
    }
}

fn is_option(ty: &Type) -> bool {
    last_segment_is(ty, "Option")
        && matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| matches!(
            &s.arguments,
            PathArguments::AngleBracketed(a) if a.args.len() == 1 && matches!(a.args[0], GenericArgument::Type(_))
        )))
}
