//! `TraitServer<T>`: the `tower::Service<Request>` that serves any `T: Trait`,
//! mapping a wire name to decode params → call → typed result.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::params_ident;
use crate::model::{Output, Service};

pub fn structure(service: &Service) -> TokenStream {
    let (vis, trait_ident) = (&service.vis, &service.ident);
    let server = format_ident!("{}Server", trait_ident);
    let doc = format!(
        "Serves any implementation of [`{trait_ident}`] over every protocol.\n\n\
         A `tower::Service<rpc_core::Request>` (see [`rpc_core::RpcService`]): hand it to a \
         front end, or to [`rpc_core::Dispatcher::new`] to merge it with other services and \
         add layers. Cloning it is cheap: the implementation is shared behind an `Arc`."
    );
    quote! {
        #[doc = #doc]
        #vis struct #server<__T>(::std::sync::Arc<__T>);

        impl<__T> #server<__T> {
            /// Serves `service`.
            pub fn new(service: __T) -> Self {
                Self(::std::sync::Arc::new(service))
            }

            /// Serves a `service` that is shared with other code.
            pub fn from_arc(service: ::std::sync::Arc<__T>) -> Self {
                Self(service)
            }

            /// The implementation being served.
            pub fn get_ref(&self) -> &__T {
                &self.0
            }
        }

        impl<__T> ::core::clone::Clone for #server<__T> {
            fn clone(&self) -> Self {
                Self(::std::sync::Arc::clone(&self.0))
            }
        }

        impl<__T> ::core::fmt::Debug for #server<__T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#server))
            }
        }
    }
}

pub fn implementation(service: &Service) -> TokenStream {
    let trait_ident = &service.ident;
    let server = format_ident!("{}Server", trait_ident);
    let arms = service.methods.iter().map(|method| {
        let wire_name = &method.wire_name;
        let name = &method.ident;
        let params = params_ident(method);
        let args: Vec<_> = method.args.iter().map(|arg| &arg.ident).collect();
        // The call's arguments in the signature's order, the context where the
        // `#[context]` argument stands.
        let passed: Vec<TokenStream> = method
            .signature_args()
            .into_iter()
            .map(|(ident, _)| match &method.context {
                Some(context) if context.ident == *ident => quote!(context),
                _ => quote!(#ident),
            })
            .collect();
        let call = quote!(<__T as #trait_ident>::#name(&*service, #(#passed),*).await);
        let result = match (&method.output, &method.subscription) {
            // A subscription's error converts as any method's; its `Ok` is the
            // stream, which is no `Serialize` value.
            (Output::Fallible(ty), Some(_)) => quote_spanned! {ty.span()=>
                #call.map_err(::core::convert::Into::<::rpc_core::RpcError>::into)
            },
            // Spanned on the return type: an error type that is not
            // `Into<RpcError>` is reported where the user wrote it.
            (Output::Fallible(ty), None) => quote_spanned! {ty.span()=>
                __rpc::IntoRpcResult::into_rpc_result(#call)
            },
            (Output::Plain(_) | Output::Unit, _) => {
                quote!(::core::result::Result::Ok::<_, ::rpc_core::RpcError>(#call))
            }
        };
        let run = if method.subscription.is_some() {
            quote!(run_subscription)
        } else {
            quote!(run)
        };
        quote! {
            #wire_name => {
                let service = ::std::sync::Arc::clone(&self.0);
                __rpc::#run(#wire_name, async move {
                    let #params { #(#args),* } = params.decode::<#params>()?;
                    #result
                })
            }
        }
    });
    quote! {
        impl<__T: #trait_ident> __rpc::tower::Service<::rpc_core::Request> for #server<__T> {
            type Response = ::rpc_core::Response;
            type Error = ::core::convert::Infallible;
            type Future = __rpc::BoxFuture<
                'static,
                ::core::result::Result<::rpc_core::Response, ::core::convert::Infallible>,
            >;

            fn poll_ready(
                &mut self,
                _: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<::core::result::Result<(), ::core::convert::Infallible>> {
                ::core::task::Poll::Ready(::core::result::Result::Ok(()))
            }

            fn call(&mut self, request: ::rpc_core::Request) -> Self::Future {
                ::rpc_core::RpcService::__call(self, request)
            }
        }

        impl<__T: #trait_ident> ::rpc_core::RpcService for #server<__T> {
            const METADATA: &'static ::rpc_core::ServiceMeta = &__SERVICE;

            fn __call(&self, request: ::rpc_core::Request) -> __rpc::BoxFuture<
                'static,
                ::core::result::Result<::rpc_core::Response, ::core::convert::Infallible>,
            > {
                #[allow(unused_variables)]
                let (method, params, context) = request.into_parts();
                match &*method {
                    #(#arms)*
                    _ => __rpc::method_not_found(&method),
                }
            }
        }
    }
}
