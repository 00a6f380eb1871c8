//! TLS settings, the same for every transport: [`ClientTls`] (whom a client
//! trusts, which certificate it shows) for the HTTP clients and both AMQP
//! ends, [`ServerTls`] (the certificate a server shows, whom it asks for a
//! certificate) for the HTTP server.
//!
//! One TLS stack serves them all: rustls with the *ring* crypto provider.
//! rustls is memory-safe and needs no system library; *ring* builds with the
//! C compiler a Rust toolchain already needs (aws-lc-rs, rustls's default,
//! also wants CMake). The platform's roots come from the system store
//! (`rustls-native-certs`), which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`.
//!
//! ```
//! use rpc_core::tls::ClientTls;
//!
//! # fn main() -> Result<(), rpc_core::tls::TlsError> {
//! // The platform's roots, plus a private CA; no client certificate.
//! # let ca_pem = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap().cert.pem();
//! let tls = ClientTls::new().add_ca_pem(ca_pem.as_bytes())?;
//! assert_eq!(tls.extra_roots(), 1);
//! # Ok(())
//! # }
//! ```

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// What is wrong with TLS settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// PEM text held no certificate.
    #[error("no PEM certificate in {0}: give a file with `-----BEGIN CERTIFICATE-----` blocks")]
    NoCertificate(String),
    /// PEM text held no private key, or one that cannot be read.
    #[error(
        "no PEM private key in {0}: give a PKCS#8, PKCS#1 or SEC1 key (`-----BEGIN PRIVATE KEY-----`)"
    )]
    NoKey(String),
    /// A certificate rustls refuses (a CA that is not one, a key that does
    /// not match its certificate…).
    #[error("{what}: {source}")]
    Refused {
        /// What was being set up.
        what: &'static str,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
}

/// The crypto provider of every TLS connection: *ring*.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    static PROVIDER: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    Arc::clone(PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())))
}

/// The platform's roots, read once (honouring `SSL_CERT_FILE` and
/// `SSL_CERT_DIR`); certificates it cannot parse are skipped and logged.
fn platform_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for err in &found.errors {
            tracing::warn!(error = %err, "a platform root certificate could not be read");
        }
        found.certs
    })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(what.to_owned()));
    }
    Ok(certs)
}

fn private_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|_| TlsError::NoKey(what.to_owned()))
}

/// Adds `certs` to `roots`; `what` says which when one is refused.
fn add_roots(
    roots: &mut RootCertStore,
    certs: &[CertificateDer<'static>],
    what: &'static str,
) -> Result<(), TlsError> {
    for cert in certs {
        roots
            .add(cert.clone())
            .map_err(|source| TlsError::Refused { what, source })?;
    }
    Ok(())
}

/// A certificate chain and its private key.
#[derive(Debug)]
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Identity {
    fn from_pem(chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        Ok(Self {
            chain: certificates(chain, "the certificate chain")?,
            key: private_key(key, "the key")?,
        })
    }

    fn from_files(chain: &Path, key: &Path) -> Result<Self, TlsError> {
        Ok(Self {
            chain: certificates(&read(chain)?, &chain.display().to_string())?,
            key: private_key(&read(key)?, &key.display().to_string())?,
        })
    }
}

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
    pub fn add_ca_file(self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        let path = path.as_ref();
        let pem = read(path)?;
        let mut this = self;
        this.extra_roots
            .extend(certificates(&pem, &path.display().to_string())?);
        Ok(this)
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
    pub fn require_client_certs_file(self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        let path = path.as_ref();
        let pem = read(path)?;
        let mut this = self;
        this.client_roots
            .extend(certificates(&pem, &path.display().to_string())?);
        this.check()
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

    fn self_signed(name: &str) -> (String, String) {
        let certified = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (certified.cert.pem(), certified.signing_key.serialize_pem())
    }

    #[test]
    fn pem_without_a_certificate_or_a_key_says_what_to_give() {
        let err = ClientTls::new().add_ca_pem(b"not pem").unwrap_err();
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
        let (cert, _) = self_signed("a.test");
        let err = ServerTls::from_pem(cert.as_bytes(), b"nope").unwrap_err();
        assert!(err.to_string().contains("no PEM private key"), "{err}");
        let err = ClientTls::new()
            .add_ca_file("/nonexistent/ca.pem")
            .unwrap_err();
        assert!(
            err.to_string().contains("cannot read /nonexistent/ca.pem"),
            "{err}"
        );
    }

    #[test]
    fn a_key_that_does_not_match_its_certificate_is_refused_at_once() {
        let (cert, _) = self_signed("a.test");
        let (_, other_key) = self_signed("b.test");
        let err = ServerTls::from_pem(cert.as_bytes(), other_key.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("the server certificate and its key"),
            "{err}"
        );
        let err = ClientTls::new()
            .identity_pem(cert.as_bytes(), other_key.as_bytes())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the client certificate and its key"),
            "{err}"
        );
    }

    #[test]
    fn good_settings_build_configs_offering_their_protocols() {
        let (cert, key) = self_signed("a.test");
        let server = ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
        assert_eq!(
            server.rustls_config(&[b"http/1.1"]).unwrap().alpn_protocols,
            [b"http/1.1".to_vec()]
        );
        let client = ClientTls::new()
            .without_platform_roots()
            .add_ca_pem(cert.as_bytes())
            .unwrap()
            .identity_pem(cert.as_bytes(), key.as_bytes())
            .unwrap();
        assert_eq!(client.extra_roots(), 1);
        assert!(client.rustls_config(&[]).is_ok());
    }

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
