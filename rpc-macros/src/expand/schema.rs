//! The schema of a type in a signature, built from its syntax: the
//! containers serde knows from their elements, integers with their bounds,
//! and any other type through the probe, which picks its own schema when it
//! has one (`utoipa::ToSchema`) and the open schema `{}` when it has none.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type, TypePath};

/// `TypeMeta::new(…)` for `ty`, spelled `spelled`.
pub fn type_meta(ty: &Type, spelled: &str) -> TokenStream {
    let build = build(ty);
    quote_spanned! {ty.span()=>
        ::rpc_core::TypeMeta::new(#spelled, {
            // `&&Probe` is autoref specialization, not a needless borrow.
            #[allow(clippy::needless_borrow)]
            fn __schema(
                __components: &mut ::rpc_core::Components,
            ) -> ::rpc_core::__private::schema::SchemaRef {
                #[allow(unused_imports)]
                use ::rpc_core::__private::schema::{Documented as _, Undocumented as _};
                #build
            }
            __schema
        })
    }
}

/// An expression of the schema of `ty`.
fn build(ty: &Type) -> TokenStream {
    let schema = quote!(::rpc_core::__private::schema);
    match ty {
        Type::Paren(inner) => build(&inner.elem),
        Type::Group(inner) => build(&inner.elem),
        Type::Reference(inner) => build(&inner.elem),
        Type::Slice(slice) => {
            let items = build(&slice.elem);
            quote!(#schema::array(#items))
        }
        Type::Array(array) => {
            let items = build(&array.elem);
            let len = &array.len;
            quote!(#schema::array_of_len(#items, #len))
        }
        Type::Tuple(tuple) if tuple.elems.is_empty() => quote!(#schema::unit()),
        Type::Tuple(tuple) => {
            let elements = tuple.elems.iter().map(build);
            quote!(#schema::tuple(::std::vec![#(#elements),*]))
        }
        Type::Path(path) if path.qself.is_none() => build_path(path, ty),
        _ => probe(ty, false),
    }
}

fn build_path(path: &TypePath, ty: &Type) -> TokenStream {
    let schema = quote!(::rpc_core::__private::schema);
    let Some(last) = path.path.segments.last() else {
        return probe(ty, false);
    };
    let args: Vec<&Type> = match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let plain = path
        .path
        .segments
        .iter()
        .all(|segment| segment.arguments.is_none());
    match (last.ident.to_string().as_str(), args.as_slice()) {
        ("Option", [inner]) => {
            let inner = build(inner);
            quote!(#schema::nullable(#inner))
        }
        ("Vec" | "VecDeque" | "LinkedList" | "BinaryHeap", [items]) => {
            let items = build(items);
            quote!(#schema::array(#items))
        }
        ("HashSet" | "BTreeSet" | "IndexSet", [items, ..]) => {
            let items = build(items);
            quote!(#schema::set(#items))
        }
        ("HashMap" | "BTreeMap" | "IndexMap", [_, values, ..]) => {
            let values = build(values);
            quote!(#schema::map(#values))
        }
        ("Box" | "Rc" | "Arc" | "Cow", [inner]) => build(inner),
        ("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64", []) if plain => {
            quote!(<#ty as #schema::Integer>::schema())
        }
        // A type of its own name (no generic arguments) may become a
        // component of the document.
        _ => probe(ty, plain),
    }
}

/// The probe's choice for `ty`: its own schema, or the open one.
fn probe(ty: &Type, named: bool) -> TokenStream {
    quote! {
        (&&::rpc_core::__private::schema::Probe::<#ty>::NEW).schema(#named, __components)
    }
}
