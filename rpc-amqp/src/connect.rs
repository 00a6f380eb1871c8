//! How both AMQP ends reach a broker: one node of the cluster after another
//! ([`Brokers`]), over TCP for `amqp://`, and over TLS for `amqps://` with the
//! same rustls settings as the HTTP clients ([`ClientTls`]: the platform's
//! roots, extra CAs, a client certificate).

use std::io;

use lapin::tcp::{AsyncTcpStream, RustlsConnector};
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Connection, ConnectionProperties};
use rpc_core::tls::ClientTls;

use crate::{AmqpError, Brokers};

/// A connection to one node of a cluster.
pub(crate) struct Connected {
    pub connection: Connection,
    /// Which node (its place in the list).
    pub node: usize,
}

/// Connects to the first node of `brokers` that can be reached, in turn;
/// the error of the last one when none can.
pub(crate) async fn connect_any(
    brokers: &Brokers,
    properties: ConnectionProperties,
    tls: &ClientTls,
) -> Result<Connected, AmqpError> {
    let mut failed = AmqpError::Url {
        url: String::new(),
        reason: "no broker URL was given".into(),
    };
    for (node, url) in brokers.in_turn() {
        match connect(url, properties.clone(), tls).await {
            Ok(connection) => {
                brokers.connected(node);
                return Ok(Connected { connection, node });
            }
            // Settings that no other node mends.
            Err(err @ AmqpError::Tls(_)) => return Err(err),
            Err(err) => {
                tracing::debug!(broker = %redact(url), error = %err, "cannot connect; trying the next node");
                failed = err;
            }
        }
    }
    Err(failed)
}

/// Connects to the broker at `url`, over TLS with `tls` for `amqps://`.
pub(crate) async fn connect(
    url: &str,
    properties: ConnectionProperties,
    tls: &ClientTls,
) -> Result<Connection, AmqpError> {
    let uri: AMQPUri = url.parse().map_err(|reason: String| AmqpError::Url {
        url: redact(url),
        reason,
    })?;
    let connector = match uri.scheme {
        AMQPScheme::AMQP => None,
        AMQPScheme::AMQPS => Some(RustlsConnector::from(tls.rustls_config(&[])?)),
    };
    let runtime = lapin::runtime::default_runtime()?;
    let connect = async move |uri: AMQPUri, runtime| {
        let host = uri.authority.host.clone();
        let address = format!("{host}:{}", uri.authority.port);
        let fail =
            |what: String| lapin::Error::from(io::Error::other(format!("{address}: {what}")));
        let addresses: Vec<_> = tokio::net::lookup_host((host.as_str(), uri.authority.port))
            .await
            .map_err(|err| fail(err.to_string()))?
            .collect();
        let stream = AsyncTcpStream::connect(&runtime, addresses)
            .await
            .map_err(|err| fail(err.to_string()))?;
        match &connector {
            None => Ok(stream),
            Some(connector) => stream.into_rustls(connector, &host).await.map_err(|err| {
                fail(match rpc_core::tls::rustls_error(&err) {
                    Some(tls) => rpc_core::tls::explain(tls, &host),
                    None => format!("TLS handshake failed: {err}"),
                })
            }),
        }
    };
    Connection::connector(uri, runtime, connect, properties)
        .await
        .map_err(|source| AmqpError::Connect {
            url: redact(url),
            source,
        })
}

/// The URL (or comma-separated URLs) without passwords, for messages and
/// logs.
///
/// ```
/// assert_eq!(
///     rpc_amqp::redact("amqps://guest:s3cret@broker:5671/%2f"),
///     "amqps://guest:***@broker:5671/%2f"
/// );
/// assert_eq!(
///     rpc_amqp::redact("amqp://u:p@a/%2f,amqp://u:p@b/%2f"),
///     "amqp://u:***@a/%2f,amqp://u:***@b/%2f"
/// );
/// ```
pub fn redact(urls: &str) -> String {
    urls.split(',')
        .map(redact_one)
        .collect::<Vec<_>>()
        .join(",")
}

fn redact_one(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            redact("amqps://guest:s3cret@broker:5671/%2f"),
            "amqps://guest:***@broker:5671/%2f"
        );
        assert_eq!(redact("amqp://broker"), "amqp://broker");
    }
}
