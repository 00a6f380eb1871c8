//! The static `ServiceMeta` of the service: names, docs, types with their
//! schemas, and REST routes, for introspection on every protocol.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Type;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::schema::type_meta;
use super::{first_type_argument, ok_type};
use crate::model::{Output, Service};

pub fn expand(service: &Service) -> TokenStream {
    let count = service.methods.len();
    let methods = service.methods.iter().map(|method| {
        let wire_name = &method.wire_name;
        let rust_name = method.ident.unraw().to_string();
        let doc = &method.doc;
        let params = method.args.iter().map(|arg| {
            let name = arg.ident.unraw().to_string();
            let ty = &arg.ty;
            let type_meta = type_meta(arg.schema.as_ref().unwrap_or(ty), &spelling(ty));
            let optional = arg.optional;
            quote! {
                ::rpc_core::ParamMeta { name: #name, ty: #type_meta, optional: #optional }
            }
        });
        let result = {
            let ok = ok_type(&method.output);
            let spelled = match &method.output {
                Output::Unit => "()".to_owned(),
                Output::Plain(ty) => spelling(ty),
                Output::Fallible(ty) => {
                    first_type_argument(ty).map_or_else(|| spelling(ty), spelling)
                }
            };
            let span = match &method.output {
                Output::Unit => method.ident.span(),
                Output::Plain(ty) | Output::Fallible(ty) => ty.span(),
            };
            let ok_ty: Type = syn::parse_quote_spanned!(span=> #ok);
            // A subscription is documented by the type of its items.
            let documented = method
                .result_schema
                .as_ref()
                .or(method.subscription.as_ref())
                .unwrap_or(&ok_ty);
            type_meta(documented, &spelled)
        };
        let rest = match &method.rest {
            None => quote!(::core::option::Option::None),
            Some(rest) => {
                let verb = syn::Ident::new(rest.verb.variant(), rest.path.span());
                let path = &rest.path;
                let status = rest.status.unwrap_or(if method.output.returns_unit() {
                    204
                } else {
                    200
                });
                quote! {
                    ::core::option::Option::Some(::rpc_core::RestRoute {
                        method: ::rpc_core::RestMethod::#verb,
                        path: #path,
                        status: #status,
                    })
                }
            }
        };
        let errors = errors(&method.output);
        let idempotent = method.idempotent;
        let subscription = method.subscription.is_some();
        quote! {
            ::rpc_core::MethodMeta {
                name: #wire_name,
                rust_name: #rust_name,
                doc: #doc,
                params: &[#(#params),*],
                result: #result,
                rest: #rest,
                errors: #errors,
                idempotent: #idempotent,
                subscription: #subscription,
            }
        }
    });
    let name = service.ident.unraw().to_string();
    let namespace = match &service.namespace {
        Some(ns) => quote!(::core::option::Option::Some(#ns)),
        None => quote!(::core::option::Option::None),
    };
    let doc = &service.doc;
    quote! {
        static __METHODS: [::rpc_core::MethodMeta; #count] = [#(#methods),*];
        static __SERVICE: ::rpc_core::ServiceMeta = ::rpc_core::ServiceMeta {
            name: #name,
            namespace: #namespace,
            doc: #doc,
            methods: &__METHODS,
        };
    }
}

/// The function that lists the errors the method's error type documents
/// (`DocumentedErrors`), or none.
fn errors(output: &Output) -> TokenStream {
    let Output::Fallible(ty) = output else {
        return quote!(|| &[]);
    };
    quote! {{
        // `&&Probe` is autoref specialization, not a needless borrow.
        #[allow(clippy::needless_borrow)]
        fn __errors() -> &'static [::rpc_core::ErrorMeta] {
            #[allow(unused_imports)]
            use ::rpc_core::__private::errors::{Documented as _, Undocumented as _};
            (&&::rpc_core::__private::errors::Probe::<
                <#ty as ::rpc_core::__private::errors::ErrorOf>::Error,
            >::NEW)
                .errors()
        }
        __errors
    }}
}

/// The type as the user wrote it, without the spaces the tokenizer adds.
fn spelling(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let next = chars.peek().copied();
            let prev = out.chars().last();
            let tight = matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']'))
                || matches!(prev, Some('<' | ':' | '(' | '[' | '&'));
            if !tight {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}
