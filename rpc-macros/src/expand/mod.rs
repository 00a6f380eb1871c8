//! Code generation from a valid model. Nothing here reports user errors.
//!
//! The generated items name only `::rpc_core::…` (and its `__private`
//! re-exports), so the user's crate needs no other import; the helpers live in
//! a `const _: () = { … };` block so that they do not leak into the user's
//! namespace.

mod client;
mod metadata;
mod params;
mod rest;
mod schema;
mod server;
mod trait_def;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

pub use crate::model::first_type_argument;
use crate::model::{Method, Output, Service};

pub fn service(service: &Service) -> TokenStream {
    let trait_def = trait_def::expand(service);
    let server_struct = server::structure(service);
    let client_struct = client::structure(service);
    let params = params::expand(service);
    let metadata = metadata::expand(service);
    let server_impl = server::implementation(service);
    let client_impl = client::implementation(service);
    let rest_checks = rest::expand(service);
    quote! {
        #trait_def
        #server_struct
        #client_struct
        const _: () = {
            use ::rpc_core::__private as __rpc;
            #params
            #metadata
            #server_impl
            #client_impl
            #rest_checks
        };
    }
}

/// The params struct of a method.
fn params_ident(method: &Method) -> Ident {
    format_ident!("__Params_{}", method.ident)
}

/// The type of a method's successful result.
fn ok_type(output: &Output) -> TokenStream {
    match output {
        Output::Unit => quote!(()),
        Output::Plain(ty) => quote!(#ty),
        // `T` of `Result<T, E>` (or of an alias `Result<T>`), as written; the
        // server's call checks `E: Into<RpcError>`, spanned on the type.
        Output::Fallible(ty) => match first_type_argument(ty) {
            Some(ok) => quote!(#ok),
            None => quote_spanned!(ty.span()=> <#ty as __rpc::IntoRpcResult>::Ok),
        },
    }
}

/// The method's doc attributes, to copy onto generated items.
fn doc_attrs(method: &Method) -> impl Iterator<Item = &syn::Attribute> {
    method.attrs.iter().filter(|a| a.path().is_ident("doc"))
}
