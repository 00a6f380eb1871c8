//! The user's trait, as written, with each `async fn` returning a `Send`
//! future (what `trait-variant` does), so calls run on any tokio worker and
//! through any tower layer.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Output, Service};

pub fn expand(service: &Service) -> TokenStream {
    let Service {
        vis,
        ident,
        attrs,
        supertraits,
        ..
    } = service;
    let methods = service.methods.iter().map(|method| {
        let attrs = &method.attrs;
        let name = &method.ident;
        let args = method
            .signature_args()
            .into_iter()
            .map(|(ident, ty)| quote!(#ident: #ty));
        let output = match &method.output {
            Output::Unit => quote!(()),
            Output::Plain(ty) | Output::Fallible(ty) => quote!(#ty),
        };
        let body = match &method.default {
            None => quote!(;),
            Some(block) => quote!({ async move #block }),
        };
        quote! {
            #(#attrs)*
            fn #name(&self, #(#args),*)
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
            #body
        }
    });
    // A service is shared by every connection's task: `Send + Sync + 'static`.
    quote! {
        #(#attrs)*
        #vis trait #ident: ::core::marker::Send + ::core::marker::Sync + 'static #(+ #supertraits)* {
            #(#methods)*
        }
    }
}
