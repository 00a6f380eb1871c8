//! Compile-time checks of REST routes that need types: a `{placeholder}`
//! binds a type that parses from a path segment, and a GET or DELETE takes
//! only what a query string can carry.

use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

use crate::model::{RestVerb, Service};

pub fn expand(service: &Service) -> TokenStream {
    let mut checks = Vec::new();
    for method in &service.methods {
        let Some(rest) = &method.rest else { continue };
        let has_body = matches!(rest.verb, RestVerb::Post | RestVerb::Put | RestVerb::Patch);
        for arg in &method.args {
            let ty = &arg.ty;
            if rest.placeholders.iter().any(|p| arg.ident == p) {
                checks.push(quote_spanned! {ty.span()=> path::<#ty>(); });
            } else if !has_body {
                checks.push(quote_spanned! {ty.span()=> query::<#ty>(); });
            }
        }
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    quote_spanned! {proc_macro2::Span::call_site()=>
        const _: fn() = || {
            fn path<T: __rpc::PathParam + ?Sized>() {}
            fn query<T: __rpc::QueryParam + ?Sized>() {}
            #(#checks)*
        };
    }
}
