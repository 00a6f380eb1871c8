//! A TLS handshake's names and errors: the name a certificate is checked
//! against, and what went wrong, in words.

use rustls::pki_types::ServerName;

/// The name a client checks the server's certificate against, from a URL's
/// host (a DNS name or an IP address).
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned())
        .map_err(|_| format!("`{host}` is no host name a certificate can be checked against"))
}

/// What went wrong in a TLS handshake with `host`, in words: "certificate
/// for 127.0.0.1 signed by an unknown authority", "certificate for … has
/// expired", "certificate is not valid for …".
pub fn explain(err: &rustls::Error, host: &str) -> String {
    use rustls::CertificateError as Cert;
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer => {
                format!("certificate for {host} signed by an unknown authority")
            }
            Cert::Expired | Cert::ExpiredContext { .. } => {
                format!("certificate for {host} has expired")
            }
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => {
                format!("certificate for {host} is not valid yet")
            }
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                format!("certificate is not valid for {host} (the host name does not match)")
            }
            Cert::Revoked => format!("certificate for {host} has been revoked"),
            other => format!("certificate for {host} refused: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => {
            format!(
                "{host} refused the TLS handshake ({alert:?}): does it require a client certificate?"
            )
        }
        other => format!("TLS handshake with {host} failed: {other}"),
    }
}

/// The rustls error inside an I/O error of a TLS stream, if any.
pub fn rustls_error(err: &std::io::Error) -> Option<&rustls::Error> {
    err.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_errors_are_explained_in_words() {
        use rustls::CertificateError as Cert;
        let explained = |cert| explain(&rustls::Error::InvalidCertificate(cert), "127.0.0.1");
        assert_eq!(
            explained(Cert::UnknownIssuer),
            "certificate for 127.0.0.1 signed by an unknown authority"
        );
        assert_eq!(
            explained(Cert::Expired),
            "certificate for 127.0.0.1 has expired"
        );
        assert!(explained(Cert::NotValidForName).contains("not valid for 127.0.0.1"));
        assert!(server_name("127.0.0.1").is_ok());
        assert!(server_name("[::1]").is_ok());
        assert!(server_name("bad name").is_err());
    }
}
