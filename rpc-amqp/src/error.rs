//! [`AmqpError`]: why the AMQP transport could not do its work.

/// Why an AMQP server or client could not do its work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AmqpError {
    /// The broker could not be reached, or the connection or channel failed.
    #[error("AMQP broker error: {0}")]
    Broker(#[from] lapin::Error),
    /// No connection to the broker could be made (refused, timed out, its
    /// TLS certificate refused…).
    #[error("the broker at {url}: {source}")]
    Connect {
        /// The broker's URL, without its password.
        url: String,
        /// Why.
        #[source]
        source: lapin::Error,
    },
    /// The broker's URL cannot be read.
    #[error("`{url}` is not an AMQP URL: {reason}")]
    Url {
        /// The URL, without its password.
        url: String,
        /// Why.
        reason: String,
    },
    /// The service's queue exists with other settings than the server asks
    /// for (a classic queue where a quorum one is asked for, or the other way
    /// round).
    #[error(
        "the queue `{queue}` exists with other settings (its type?): delete it or ask for its settings; the broker said: {reason}"
    )]
    Queue {
        /// The queue.
        queue: String,
        /// What the broker said.
        reason: String,
    },
    /// The TLS settings are not usable.
    #[error("TLS settings: {0}")]
    Tls(#[from] rpc_core::tls::TlsError),
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

impl AmqpError {
    /// Whether no connection could be made at all (the broker, its URL, or
    /// TLS settings): a call that failed so was never sent.
    pub fn is_connect(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Url { .. } | Self::Tls(_))
    }
}
