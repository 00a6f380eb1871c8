//! Certificates made at test time: a CA, and leaves it signs (none is
//! committed).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};

/// A test CA and the PEM files of what it signed, in a directory of their own.
pub struct Pki {
    pub dir: PathBuf,
    issuer: Issuer<'static, KeyPair>,
    pub ca_pem: String,
}

impl Pki {
    /// A new CA, its certificate written to `dir/ca.pem`.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rpc-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("rpc test CA {name}"));
        let ca_pem = params.self_signed(&key).unwrap().pem();
        std::fs::write(dir.join("ca.pem"), &ca_pem).unwrap();
        Self {
            dir,
            issuer: Issuer::new(params, key),
            ca_pem,
        }
    }

    /// A leaf for `names` (DNS names or IP addresses), written to
    /// `dir/{file}.pem` and `dir/{file}.key`; `expired` makes one whose time
    /// has passed.
    pub fn leaf(&self, file: &str, names: &[&str], expired: bool) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, file);
        if expired {
            params.not_before = date_time_ymd(2000, 1, 1);
            params.not_after = date_time_ymd(2001, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap().pem();
        let key = key.serialize_pem();
        std::fs::write(self.dir.join(format!("{file}.pem")), &cert).unwrap();
        std::fs::write(self.dir.join(format!("{file}.key")), &key).unwrap();
        (cert, key)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The file's path as a string, for a command line.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}
