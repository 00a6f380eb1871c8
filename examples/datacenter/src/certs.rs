//! `datacenter certs DIR`: a private CA and the certificates it signs, to
//! try HTTPS and mutual TLS on one machine (as mkcert does). Not for
//! production: the CA's key is written beside its certificate.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

type Error = Box<dyn std::error::Error>;

/// Writes `ca.pem`, `server.pem`/`server.key` (for localhost, 127.0.0.1 and
/// ::1) and `client.pem`/`client.key` into `dir`.
pub fn write(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "datacenter development CA");
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = |name: &str, sans: &[&str]| -> Result<(String, String), Error> {
        let key = KeyPair::generate()?;
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
        params.distinguished_name.push(DnType::CommonName, name);
        Ok((params.signed_by(&key, &issuer)?.pem(), key.serialize_pem()))
    };
    let (server, server_key) = leaf("datacenter server", &["localhost", "127.0.0.1", "::1"])?;
    let (client, client_key) = leaf("datacenter client", &["datacenter-client"])?;
    for (file, text) in [
        ("ca.pem", &ca_pem),
        ("server.pem", &server),
        ("server.key", &server_key),
        ("client.pem", &client),
        ("client.key", &client_key),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let d = dir.display();
    println!(
        "wrote {d}/ca.pem, {d}/server.pem and .key (localhost, 127.0.0.1, ::1), {d}/client.pem and .key"
    );
    println!("serve:  datacenter serve --tls-cert {d}/server.pem --tls-key {d}/server.key");
    println!(
        "call:   datacenter call --url https://127.0.0.1:8080 --ca-cert {d}/ca.pem get_active_servers 3"
    );
    println!("curl:   curl --cacert {d}/ca.pem https://127.0.0.1:8080/country/3/server/active");
    Ok(())
}
