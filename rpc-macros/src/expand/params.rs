//! One params struct per method: a field per argument, decoded by serde from
//! named params (a map) and positional params (a sequence) alike.

use proc_macro2::TokenStream;
use quote::quote;

use super::params_ident;
use crate::model::Service;

pub fn expand(service: &Service) -> TokenStream {
    let structs = service.methods.iter().map(|method| {
        let name = params_ident(method);
        let fields = method.args.iter().map(|arg| {
            let (ident, ty) = (&arg.ident, &arg.ty);
            // An optional argument may be left out, by name or at the end of a sequence.
            let default = arg.optional.then(|| quote!(#[serde(default)]));
            quote!(#default #ident: #ty)
        });
        quote! {
            #[derive(__rpc::serde::Serialize, __rpc::serde::Deserialize)]
            #[serde(crate = "::rpc_core::__private::serde", deny_unknown_fields)]
            #[allow(non_camel_case_types)]
            struct #name {
                #(#fields,)*
            }
        }
    });
    quote!(#(#structs)*)
}
