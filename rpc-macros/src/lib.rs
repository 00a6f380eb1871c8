//! The `#[service]` attribute of the rpc framework. Use it through
//! [`rpc_core::service`](https://docs.rs/rpc-core), which re-exports it.
//!
//! On a trait of `async fn`s, it keeps the trait (each method returning a
//! `Send` future) and generates:
//!
//! - `TraitServer<T>`, the `tower::Service` that serves any `T: Trait` on every
//!   protocol, decoding each method's params into a generated struct;
//! - `TraitClient<Transport>`, a typed client with the same methods;
//! - the static metadata (names, docs, parameter and result types with their
//!   schemas, REST routes) that introspection reads.
//!
//! Options:
//!
//! - `#[service(namespace = "inventory")]` on the trait: every method is called
//!   `inventory.<name>` on the wire;
//! - `#[rpc(name = "getActiveServers")]` on a method: its wire name;
//! - `#[rest(get = "/country/{country}/server/active")]` on a method: its REST
//!   route (`get`, `post`, `put`, `patch` or `delete`), and `status = 201` for
//!   the success status;
//! - `#[context] ctx: rpc_core::Context` as an argument: the method receives the
//!   per-call context (protocol, deadline, the HTTP headers and whatever a
//!   layer added); it is not a parameter on the wire.
//!
//! Everything it cannot serve is a compile error on the offending tokens, all
//! of them at once.

mod check;
mod ctxt;
mod expand;
mod model;
mod parse;

use proc_macro::TokenStream;
use quote::quote;
use syn::{ItemTrait, TraitItem};

/// Serves a trait over every protocol and generates its typed client. See the
/// crate documentation.
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse::<ItemTrait>(input) {
        Ok(item) => item,
        Err(err) => {
            let message = "#[service] goes on a trait: `#[rpc_core::service] pub trait MyService { async fn ...; }`";
            return syn::Error::new(err.span(), message)
                .to_compile_error()
                .into();
        }
    };
    let cx = ctxt::Ctxt::new();
    let model = parse::service(&cx, args.into(), item.clone());
    check::service(&cx, &model);
    match cx.check() {
        Ok(()) => expand::service(&model).into(),
        Err(err) => {
            // Keep the trait, without our attributes, so that the errors above
            // are not followed by errors about a missing trait.
            let fallback = strip_inert_attributes(item);
            let err = err.to_compile_error();
            quote!(#fallback #err).into()
        }
    }
}

/// The trait as the user wrote it, minus what only the attribute understands:
/// our `#[rpc]`, `#[rest]` and `#[schema]` attributes, argument attributes and patterns (which a
/// method without body cannot have, and which we reported already).
fn strip_inert_attributes(mut item: ItemTrait) -> ItemTrait {
    for trait_item in &mut item.items {
        if let TraitItem::Fn(func) = trait_item {
            func.attrs.retain(|a| {
                !["rpc", "rest", "schema", "subscription"]
                    .iter()
                    .any(|ours| a.path().is_ident(ours))
            });
            if func.default.is_none() {
                for input in &mut func.sig.inputs {
                    if let syn::FnArg::Typed(typed) = input {
                        typed.attrs.clear();
                        if !matches!(*typed.pat, syn::Pat::Ident(_)) {
                            *typed.pat = syn::parse_quote!(_);
                        }
                    }
                }
            }
        }
    }
    item
}
