//! [`AmqpError`]: why the AMQP transport could not do its work.

/// Why an AMQP server or client could not do its work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AmqpError {
    /// The broker could not be reached, or the connection or channel failed.
    #[error("AMQP broker error: {0}")]
    Broker(#[from] lapin::Error),
    /// A call was published, but no queue took it: no server is consuming.
    #[error("no server consumes the queue `{queue}` (the broker returned the call: {reason})")]
    NoServer {
        /// The queue the call was sent to.
        queue: String,
        /// What the broker said.
        reason: String,
    },
    /// The broker refused a message (a negative publisher confirm).
    #[error("the broker refused the message to `{0}`")]
    Refused(String),
    /// The connection was lost before the answer came.
    #[error("the connection to the broker was lost before the answer came")]
    Lost,
}
