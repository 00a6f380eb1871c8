//! [`ClientTls`]: whom a client trusts and which certificate it shows.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use super::{
    Identity, TlsError, add_roots, certificates, certificates_file, platform_roots, provider,
};

/// How a client trusts servers and which certificate it shows, over HTTPS
/// and `amqps://` alike: the platform's roots (unless left out), extra CA
/// certificates, and optionally a client certificate (mutual TLS).
///
/// ```no_run
/// use rpc_core::tls::ClientTls;
///
/// # fn main() -> Result<(), rpc_core::tls::TlsError> {
/// let tls = ClientTls::new()
///     .add_ca_file("ca.pem")?
///     .identity_files("client.pem", "client.key")?;
/// # let _ = tls;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClientTls {
    platform_roots: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    identity: Option<Identity>,
}

impl Default for ClientTls {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientTls {
    /// Trusts the platform's roots; shows no certificate.
    pub fn new() -> Self {
        Self {
            platform_roots: true,
            extra_roots: Vec::new(),
            identity: None,
        }
    }

    /// Trusts only the CAs added, not the platform's roots.
    pub fn without_platform_roots(mut self) -> Self {
        self.platform_roots = false;
        self
    }

    /// Also trusts the CA certificates in `pem`.
    pub fn add_ca_pem(mut self, pem: &[u8]) -> Result<Self, TlsError> {
        self.extra_roots
            .extend(certificates(pem, "the CA certificates")?);
        Ok(self)
    }

    /// Also trusts the CA certificates in the PEM file at `path`.
    pub fn add_ca_file(mut self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        self.extra_roots.extend(certificates_file(path.as_ref())?);
        Ok(self)
    }

    /// Shows this certificate chain, whose key is `key` (PEM), to servers
    /// that ask for one.
    pub fn identity_pem(mut self, chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        self.identity = Some(Identity::from_pem(chain, key)?);
        self.check()
    }

    /// Shows the certificate chain and key of these PEM files to servers
    /// that ask for one.
    pub fn identity_files(
        mut self,
        chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        self.identity = Some(Identity::from_files(chain.as_ref(), key.as_ref())?);
        self.check()
    }

    /// How many CA certificates were added beside the platform's roots.
    pub fn extra_roots(&self) -> usize {
        self.extra_roots.len()
    }

    /// Fails now rather than at the first connection.
    fn check(self) -> Result<Self, TlsError> {
        self.build()?;
        Ok(self)
    }

    fn build(&self) -> Result<rustls::ClientConfig, TlsError> {
        let mut roots = RootCertStore::empty();
        let platform = if self.platform_roots {
            platform_roots()
        } else {
            &[]
        };
        // A platform root rustls cannot use is skipped, as browsers do.
        roots.add_parsable_certificates(platform.iter().cloned());
        add_roots(
            &mut roots,
            &self.extra_roots,
            "a CA certificate cannot be trusted",
        )?;
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Refused {
                what: "the TLS versions",
                source,
            })?
            .with_root_certificates(roots);
        match &self.identity {
            None => Ok(builder.with_no_client_auth()),
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|source| TlsError::Refused {
                    what: "the client certificate and its key",
                    source,
                }),
        }
    }

    /// The rustls configuration, offering `alpn` protocols (`b"http/1.1"`).
    pub fn rustls_config(&self, alpn: &[&[u8]]) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        let mut config = self.build()?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}
