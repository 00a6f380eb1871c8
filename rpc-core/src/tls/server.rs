//! [`ServerTls`]: the certificate a server shows and whom it asks for one.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use super::{Identity, TlsError, add_roots, certificates, certificates_file, provider};

/// The certificate a server shows and, optionally, the CAs whose client
/// certificates it requires (mutual TLS).
///
/// ```no_run
/// use rpc_core::tls::ServerTls;
///
/// # fn main() -> Result<(), rpc_core::tls::TlsError> {
/// let tls = ServerTls::from_files("server.pem", "server.key")?
///     .require_client_certs_file("clients-ca.pem")?;
/// # let _ = tls;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ServerTls {
    identity: Identity,
    client_roots: Vec<CertificateDer<'static>>,
}

impl ServerTls {
    /// Shows this certificate chain, whose key is `key` (both PEM).
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        Self {
            identity: Identity::from_pem(chain, key)?,
            client_roots: Vec::new(),
        }
        .check()
    }

    /// Shows the certificate chain and key of these PEM files.
    pub fn from_files(chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, TlsError> {
        Self {
            identity: Identity::from_files(chain.as_ref(), key.as_ref())?,
            client_roots: Vec::new(),
        }
        .check()
    }

    /// Requires every client to show a certificate signed by one of the CAs
    /// in `pem`.
    pub fn require_client_certs_pem(mut self, pem: &[u8]) -> Result<Self, TlsError> {
        self.client_roots
            .extend(certificates(pem, "the client CA certificates")?);
        self.check()
    }

    /// Requires every client to show a certificate signed by one of the CAs
    /// in the PEM file at `path`.
    pub fn require_client_certs_file(mut self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        self.client_roots.extend(certificates_file(path.as_ref())?);
        self.check()
    }

    fn check(self) -> Result<Self, TlsError> {
        self.rustls_config(&[])?;
        Ok(self)
    }

    /// The rustls configuration, accepting `alpn` protocols.
    pub fn rustls_config(&self, alpn: &[&[u8]]) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Refused {
                what: "the TLS versions",
                source,
            })?;
        let builder = if self.client_roots.is_empty() {
            builder.with_no_client_auth()
        } else {
            let mut roots = RootCertStore::empty();
            add_roots(
                &mut roots,
                &self.client_roots,
                "a client CA certificate cannot be trusted",
            )?;
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|err| TlsError::Refused {
                what: "the client CA certificates",
                source: rustls::Error::General(err.to_string()),
            })?;
            builder.with_client_cert_verifier(verifier)
        };
        let mut config = builder
            .with_single_cert(self.identity.chain.clone(), self.identity.key.clone_key())
            .map_err(|source| TlsError::Refused {
                what: "the server certificate and its key",
                source,
            })?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}
