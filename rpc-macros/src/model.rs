//! The model of a service, known to be valid once `check` has run. Code
//! generation reads only this, never the syntax.

use proc_macro2::Span;
use syn::{Attribute, Block, Ident, LitStr, Type, TypeParamBound, Visibility};

pub struct Service {
    pub vis: Visibility,
    pub ident: Ident,
    /// Attributes of the trait, doc comments included.
    pub attrs: Vec<Attribute>,
    pub supertraits: Vec<TypeParamBound>,
    pub namespace: Option<String>,
    pub doc: String,
    pub methods: Vec<Method>,
}

pub struct Method {
    pub ident: Ident,
    /// The name on the wire, namespace included.
    pub wire_name: String,
    /// Where the wire name was chosen (the `name = "…"` or the method's name).
    pub wire_name_span: Span,
    pub doc: String,
    /// Attributes kept on the trait's method (not `#[rpc]` nor `#[rest]`).
    pub attrs: Vec<Attribute>,
    /// The arguments that come from the wire, in order.
    pub args: Vec<Arg>,
    /// The `#[context]` argument, which receives the per-call context.
    pub context: Option<ContextArg>,
    pub output: Output,
    /// The type the documents show for the result instead
    /// (`#[schema(result = T)]`).
    pub result_schema: Option<Type>,
    /// `#[rpc(idempotent)]`: running it twice is as running it once.
    pub idempotent: bool,
    /// `#[subscription]`: the method answers a `Subscription<T>`; this is `T`.
    pub subscription: Option<Type>,
    pub rest: Option<Rest>,
    /// A provided method's body.
    pub default: Option<Block>,
}

pub struct Arg {
    pub ident: Ident,
    pub ty: Type,
    /// Whether the type is spelled `Option<…>`: it may then be left out.
    pub optional: bool,
    /// The type the documents show instead (`#[schema(value_type = T)]`).
    pub schema: Option<Type>,
}

pub struct ContextArg {
    /// Its position among all the arguments (after `&self`).
    pub index: usize,
    pub ident: Ident,
    pub ty: Type,
}

impl Method {
    /// Every argument in the order of the signature: `(name, type)`.
    pub fn signature_args(&self) -> Vec<(&Ident, &Type)> {
        let mut all: Vec<_> = self.args.iter().map(|a| (&a.ident, &a.ty)).collect();
        if let Some(context) = &self.context {
            all.insert(context.index.min(all.len()), (&context.ident, &context.ty));
        }
        all
    }
}

pub enum Output {
    /// No return type: `()`.
    Unit,
    /// `Result<T, E>`: fallible, `E: Into<RpcError>`.
    Fallible(Type),
    /// Any other type: the method cannot fail.
    Plain(Type),
}

impl Output {
    /// Whether a success carries nothing: `()`, or `Result<(), E>`.
    pub fn returns_unit(&self) -> bool {
        let is_unit = |ty: &Type| matches!(ty, Type::Tuple(t) if t.elems.is_empty());
        match self {
            Output::Unit => true,
            Output::Plain(ty) => is_unit(ty),
            Output::Fallible(ty) => first_type_argument(ty).is_some_and(is_unit),
        }
    }
}

/// The first type argument of a path type: `T` of `Result<T, E>`.
pub fn first_type_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RestVerb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl RestVerb {
    pub const ALL: [(&'static str, RestVerb); 5] = [
        ("get", RestVerb::Get),
        ("post", RestVerb::Post),
        ("put", RestVerb::Put),
        ("patch", RestVerb::Patch),
        ("delete", RestVerb::Delete),
    ];

    pub fn variant(self) -> &'static str {
        match self {
            RestVerb::Get => "Get",
            RestVerb::Post => "Post",
            RestVerb::Put => "Put",
            RestVerb::Patch => "Patch",
            RestVerb::Delete => "Delete",
        }
    }
}

pub struct Rest {
    pub verb: RestVerb,
    pub path: LitStr,
    pub status: Option<u16>,
    /// The `{name}` placeholders of the path.
    pub placeholders: Vec<String>,
}
