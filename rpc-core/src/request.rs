//! [`Request`]: a call on its way to the dispatcher.

use std::borrow::Cow;

use crate::{Context, Params};

/// One call, as every front end hands it to the dispatcher: the method's wire
/// name, its parameters still encoded, and the per-call [`Context`].
///
/// ```
/// use rpc_core::{Context, Params, Protocol, Request};
///
/// let req = Request::new("add", Params::json(r#"[1, 2]"#), Context::new(Protocol::JsonRpc));
/// assert_eq!(req.method(), "add");
/// let (a, b): (i32, i32) = req.into_params().decode().unwrap();
/// assert_eq!(a + b, 3);
/// ```
#[derive(Debug)]
pub struct Request {
    /// Borrowed when the front end knows the name at compile time (a REST
    /// route's): no copy of it a call.
    method: Cow<'static, str>,
    params: Params,
    context: Context,
}

impl Request {
    /// A call of `method` (a `&'static str` or a `String`) with `params`.
    pub fn new(method: impl Into<Cow<'static, str>>, params: Params, context: Context) -> Self {
        Self {
            method: method.into(),
            params,
            context,
        }
    }

    /// The method's wire name (namespace included).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The per-call context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The per-call context, for a layer to add to.
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// The parameters, still encoded.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Takes the parameters.
    pub fn into_params(self) -> Params {
        self.params
    }

    /// Splits the request into its method name, parameters and context.
    pub fn into_parts(self) -> (Cow<'static, str>, Params, Context) {
        (self.method, self.params, self.context)
    }
}
