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
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

mod client;
mod handshake;
mod server;

pub use self::client::ClientTls;
pub use self::handshake::{explain, rustls_error, server_name};
pub use self::server::ServerTls;

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

/// The certificates of the PEM file at `path`, named by it when it holds none.
fn certificates_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    certificates(&read(path)?, &path.display().to_string())
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
            chain: certificates_file(chain)?,
            key: private_key(&read(key)?, &key.display().to_string())?,
        })
    }
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
}
