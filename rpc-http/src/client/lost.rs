//! What a call that failed once it was handed to a connection is told: the
//! address it went to, and whether it may have run.
//!
//! A server that closes a kept-alive connection as the client reuses it (it
//! shut down, or its idle timer fired) makes the next request fail while it
//! is written or before its answer comes. Nothing tells the client whether
//! the server read it, so such a call is
//! [`Interrupted`](ClientError::Interrupted), the error that says it may
//! have run, as Go's and reqwest's clients treat a non-idempotent request;
//! an answer that is not HTTP is a [`Transport`](ClientError::Transport)
//! error; a request the connection closed before it left did not run.

use rpc_core::ClientError;

use super::connect::ConnectError;

/// The error of a request that failed on a connection to `address` (a
/// socket's path, or `host:port`), found in `err`'s chain of sources: a
/// connection that could not be made says so itself.
pub(crate) fn failed(err: &(dyn std::error::Error + 'static), address: &str) -> ClientError {
    if let Some(connect) = find::<ConnectError>(err) {
        return ClientError::connect(connect.to_string());
    }
    let Some(hyper) = find::<hyper::Error>(err) else {
        return ClientError::transport(format!("{address}: {}", words(err)));
    };
    let said = format!("{address}: {}", words(hyper));
    if hyper.is_canceled() {
        // Closed before the request was written: it never left.
        ClientError::connect(said)
    } else if hyper.is_parse() || hyper.is_parse_status() || hyper.is_user() {
        ClientError::transport(said)
    } else {
        ClientError::interrupted(said)
    }
}

/// The first error of type `E` in `err`'s chain of sources.
fn find<'a, E: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        cause = err.source();
    }
    None
}

/// `err` and its causes, in words: "error writing a body to connection:
/// Broken pipe (os error 32)".
fn words(err: &(dyn std::error::Error + 'static)) -> String {
    let mut said = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        let next = err.to_string();
        if !said.ends_with(&next) {
            said.push_str(": ");
            said.push_str(&next);
        }
        cause = err.source();
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_errors_name_the_address_and_their_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "Broken pipe");
        let err = failed(&io, "/run/notes.sock");
        assert!(matches!(err, ClientError::Transport(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "transport error: /run/notes.sock: Broken pipe"
        );
    }
}
