//! [`DocumentedErrors`]: the errors a method's error type can turn into, as
//! the OpenAPI and OpenRPC documents list them.

/// One error a method can answer: its code on every protocol, its HTTP status
/// over REST (if it has one of its own), and what it means.
///
/// ```
/// use rpc_core::ErrorMeta;
///
/// const NOT_FOUND: ErrorMeta = ErrorMeta::new(404, "No server has that id").status(404);
/// assert_eq!(NOT_FOUND.code, 404);
/// assert_eq!(NOT_FOUND.status, Some(404));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorMeta {
    /// The error's code: the JSON-RPC error code, the XML-RPC `faultCode`,
    /// and the `code` member of the REST problem document.
    pub code: i32,
    /// The HTTP status of the REST answer; `None` for 500.
    pub status: Option<u16>,
    /// What the error means, for the documents.
    pub description: &'static str,
}

impl ErrorMeta {
    /// An error of `code`, described by `description`.
    pub const fn new(code: i32, description: &'static str) -> Self {
        Self {
            code,
            status: None,
            description,
        }
    }

    /// The HTTP status it has over REST (as `RpcError::with_status` gives it).
    pub const fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

/// An error type that says which errors it turns into, so that the documents
/// list them: each REST operation of a method that returns it lists their
/// statuses with the problem schema, and `rpc.discover` lists them as the
/// method's errors.
///
/// Optional: a method whose error type does not implement it documents the
/// errors every method may answer (bad params, internal) only.
///
/// ```
/// use rpc_core::{DocumentedErrors, ErrorMeta, RpcError};
///
/// #[derive(Debug, thiserror::Error)]
/// pub enum InventoryError {
///     #[error("server {0} not found")]
///     NotFound(u32),
/// }
///
/// impl From<InventoryError> for RpcError {
///     fn from(err: InventoryError) -> Self {
///         RpcError::new(404, err.to_string()).with_status(http::StatusCode::NOT_FOUND)
///     }
/// }
///
/// impl DocumentedErrors for InventoryError {
///     const ERRORS: &'static [ErrorMeta] = &[ErrorMeta::new(404, "No server has that id").status(404)];
/// }
///
/// /// Inventory of servers.
/// #[rpc_core::service]
/// pub trait Inventory {
///     /// One server, by id.
///     async fn get_server(&self, id: u32) -> Result<String, InventoryError>;
/// }
///
/// let errors = (InventoryClient::<()>::METADATA.methods[0].errors)();
/// assert_eq!(errors[0].code, 404);
/// ```
pub trait DocumentedErrors {
    /// Every error the type turns into.
    const ERRORS: &'static [ErrorMeta];
}

/// The errors of a type that documents them.
pub trait Documented {
    /// `T::ERRORS`.
    fn errors(&self) -> &'static [ErrorMeta];
}

impl<T: DocumentedErrors + ?Sized> Documented for &crate::__private::Probe<T> {
    fn errors(&self) -> &'static [ErrorMeta] {
        T::ERRORS
    }
}

/// The errors of a type that does not document them: none.
pub trait Undocumented {
    /// No error.
    fn errors(&self) -> &'static [ErrorMeta];
}

impl<T: ?Sized> Undocumented for crate::__private::Probe<T> {
    fn errors(&self) -> &'static [ErrorMeta] {
        &[]
    }
}
