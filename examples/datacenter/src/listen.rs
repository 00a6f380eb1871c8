//! `--listen`: a TCP address, or `unix:/path/to.sock` with the socket's
//! file permissions (`--socket-mode`).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where `serve` listens.
#[derive(Clone, Debug)]
pub enum Listen {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl std::str::FromStr for Listen {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.strip_prefix("unix:") {
            Some("") => Err("give the socket's path: unix:/run/datacenter.sock".into()),
            Some(path) => Ok(Self::Unix(path.into())),
            None => text.parse().map(Self::Tcp).map_err(|_| {
                format!("`{text}`: give an address (127.0.0.1:8080) or unix:/path/to.sock")
            }),
        }
    }
}

/// `--socket-mode`: octal file permissions, as chmod takes them.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|mode| *mode <= 0o777)
        .ok_or_else(|| format!("`{text}`: give permissions in octal, as chmod does (0660)"))
}

impl Listen {
    /// Binds it; returns the listener and the URL clients call it at
    /// (`http://127.0.0.1:8080`, `unix:/run/datacenter.sock`).
    pub async fn bind(
        &self,
        mode: u32,
        scheme: &str,
    ) -> Result<(rpc_http::Listener, String), String> {
        match self {
            Self::Tcp(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                Ok((listener.into(), format!("{scheme}://{addr}")))
            }
            #[cfg(unix)]
            Self::Unix(path) => {
                let listener = rpc_http::bind_unix(path, mode)
                    .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
                Ok((listener, format!("unix:{}", path.display())))
            }
            #[cfg(not(unix))]
            Self::Unix(_) => Err("Unix sockets need a Unix".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_addresses_sockets_and_modes() {
        assert!(matches!("127.0.0.1:0".parse(), Ok(Listen::Tcp(_))));
        assert!(
            matches!("unix:/run/d.sock".parse(), Ok(Listen::Unix(p)) if p == std::path::Path::new("/run/d.sock"))
        );
        assert!("unix:".parse::<Listen>().is_err());
        assert!("localhost".parse::<Listen>().unwrap_err().contains("unix:"));
        assert_eq!(parse_mode("0660"), Ok(0o660));
        assert_eq!(parse_mode("600"), Ok(0o600));
        assert!(parse_mode("0999").is_err());
        assert!(parse_mode("01777").is_err());
    }
}
