//! The TLS options of `datacenter serve` and `datacenter call`.

use std::path::PathBuf;

use clap::Args;
use rpc_core::tls::{ClientTls, ServerTls, TlsError};

/// Whom to trust when connecting (HTTPS, `amqps://`), and which certificate
/// to show.
#[derive(Args, Debug, Clone, Default)]
pub struct ClientTlsArgs {
    /// Also trust the CA certificates of this PEM file (beside the
    /// platform's roots), for https:// and amqps:// URLs.
    #[arg(long, env = "DATACENTER_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// Show this client certificate (PEM) to servers that ask for one.
    #[arg(long, requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The key of --client-cert (PEM).
    #[arg(long, requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

impl ClientTlsArgs {
    pub fn client_tls(&self) -> Result<ClientTls, TlsError> {
        let mut tls = ClientTls::new();
        if let Some(ca) = &self.ca_cert {
            tls = tls.add_ca_file(ca)?;
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            tls = tls.identity_files(cert, key)?;
        }
        Ok(tls)
    }
}

/// The certificate `datacenter serve` shows over HTTPS.
#[derive(Args, Debug, Clone, Default)]
pub struct ServerTlsArgs {
    /// Serve HTTPS with this certificate chain (PEM) on --listen.
    #[arg(long, env = "DATACENTER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The key of --tls-cert (PEM).
    #[arg(long, env = "DATACENTER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require HTTPS clients to show a certificate signed by a CA of this
    /// PEM file (mutual TLS).
    #[arg(long, requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
}

impl ServerTlsArgs {
    pub fn server_tls(&self) -> Result<Option<ServerTls>, TlsError> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let mut tls = ServerTls::from_files(cert, key)?;
        if let Some(ca) = &self.tls_client_ca {
            tls = tls.require_client_certs_file(ca)?;
        }
        Ok(Some(tls))
    }
}
