//! `TraitClient<Transport>`: the trait's methods, called over any transport.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{doc_attrs, ok_type, params_ident};
use crate::model::{Output, Service};

pub fn structure(service: &Service) -> TokenStream {
    let (vis, trait_ident) = (&service.vis, &service.ident);
    let client = format_ident!("{}Client", trait_ident);
    let doc = format!(
        "A typed client of [`{trait_ident}`]: the same methods, called over any \
         [`rpc_core::Transport`] (JSON-RPC, XML-RPC or REST over HTTP, AMQP, or in process \
         with [`rpc_core::LocalTransport`]).\n\n\
         Each method returns the method's result, or a [`rpc_core::ClientError`] that holds \
         the server's [`rpc_core::RpcError`] or says why the call failed on the way."
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #client<__T> {
            transport: __T,
        }

        impl<__T> #client<__T> {
            /// A client calling through `transport`.
            pub fn new(transport: __T) -> Self {
                Self { transport }
            }

            /// The transport.
            pub fn transport(&self) -> &__T {
                &self.transport
            }

            /// Takes the transport back.
            pub fn into_transport(self) -> __T {
                self.transport
            }
        }
    }
}

pub fn implementation(service: &Service) -> TokenStream {
    let client = format_ident!("{}Client", service.ident);
    let methods = service.methods.iter().enumerate().map(|(index, method)| {
        let name = &method.ident;
        let docs = doc_attrs(method);
        let params = params_ident(method);
        let args: Vec<_> = method.args.iter().map(|arg| &arg.ident).collect();
        let types = method.args.iter().map(|arg| &arg.ty);
        let ok = ok_type(&method.output);
        // Spanned on the return type: a result type that is not `Deserialize`
        // is reported where the user wrote it.
        let span = match &method.output {
            Output::Unit => name.span(),
            Output::Plain(ty) | Output::Fallible(ty) => ty.span(),
        };
        if let Some(item) = &method.subscription {
            // A subscription: the stream of its items.
            let subscribe = quote_spanned! {span=>
                ::rpc_core::Transport::subscribe::<_, #item>(
                    &self.transport,
                    &__METHODS[#index],
                    #params { #(#args),* },
                )
            };
            return quote! {
                #(#docs)*
                #[allow(clippy::too_many_arguments)]
                pub async fn #name(&self, #(#args: #types),*)
                    -> ::core::result::Result<
                        ::rpc_core::SubscriptionStream<#item>,
                        ::rpc_core::ClientError,
                    >
                {
                    #subscribe.await
                }
            };
        }
        let call = quote_spanned! {span=>
            ::rpc_core::Transport::call::<_, #ok>(
                &self.transport,
                &__METHODS[#index],
                #params { #(#args),* },
            )
        };
        quote! {
            #(#docs)*
            #[allow(clippy::too_many_arguments)]
            pub async fn #name(&self, #(#args: #types),*)
                -> ::core::result::Result<#ok, ::rpc_core::ClientError>
            {
                #call.await
            }
        }
    });
    quote! {
        impl<__T> #client<__T> {
            /// The metadata of the service: names, docs, types, REST routes.
            pub const METADATA: &'static ::rpc_core::ServiceMeta = &__SERVICE;
        }

        impl<__T: ::rpc_core::Transport> #client<__T> {
            #(#methods)*
        }
    }
}
