//! [`Retry`]: which calls a client sends again after losing its connection.

use rpc_core::MethodMeta;

/// Which calls an [`AmqpTransport`](crate::AmqpTransport) sends again on a
/// new connection when it lost the old one after sending them, before their
/// answer came. Such a call may have run, or not: sending it again is safe
/// only if running it twice is (the method is idempotent).
///
/// A call that was not sent (no connection could be made) never ran and
/// fails with `ClientError::Connect`; a call that is not sent again fails
/// with `ClientError::Interrupted`, which says it may have run. Either way a
/// call has exactly one outcome, within its timeout.
///
/// ```
/// use rpc_amqp::{AmqpTransport, Retry};
///
/// let transport = AmqpTransport::new("amqp://127.0.0.1:5672/%2f", "inventory")
///     .retry(Retry::Never);
/// # let _ = transport;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry {
    /// Sends again the calls of methods marked `#[rpc(idempotent)]` (the
    /// default).
    #[default]
    Idempotent,
    /// Sends again every call: say so only of a service whose every method
    /// may run twice.
    Always,
    /// Never sends a call again.
    Never,
}

impl Retry {
    /// Whether a lost call of `method` is sent again.
    pub(super) fn allows(self, method: &MethodMeta) -> bool {
        match self {
            Retry::Idempotent => method.idempotent,
            Retry::Always => true,
            Retry::Never => false,
        }
    }
}
