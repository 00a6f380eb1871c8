//! Broker URLs (`mqtt://[user[:password]@]host[:port]`) and the connection
//! options both ends share.

use std::time::Duration;

use rpc_core::tls::ClientTls;
use rumqttc::v5::MqttOptions;
use rumqttc::{TlsConfiguration, Transport};

use crate::MqttError;

/// The keep-alive: a broker that stops answering is noticed within about
/// one and a half of it.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Options for a client of id `client_id` on the broker at `url`, over TLS
/// as `tls` says for an `mqtts://` URL.
pub(crate) fn options(
    url: &str,
    client_id: &str,
    tls: &ClientTls,
) -> Result<MqttOptions, MqttError> {
    let invalid = |reason: &str| MqttError::Url {
        url: redact(url),
        reason: reason.to_owned(),
    };
    let (secure, rest) = match url.split_once("://") {
        Some(("mqtt" | "tcp", rest)) => (false, rest),
        Some(("mqtts" | "ssl", rest)) => (true, rest),
        _ => {
            return Err(invalid(
                "give a URL such as mqtt://127.0.0.1:1883 (or mqtts://host:8883 over TLS)",
            ));
        }
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (login, address) = match authority.rsplit_once('@') {
        Some((login, address)) => (Some(login), address),
        None => (None, authority),
    };
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || address.starts_with('[') => (
            host,
            port.parse::<u16>()
                .map_err(|_| invalid("the port is not a number"))?,
        ),
        _ => (address, if secure { 8883 } else { 1883 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid("the URL has no host"));
    }
    let mut options = MqttOptions::new(client_id, host, port);
    options.set_keep_alive(KEEP_ALIVE);
    options.set_clean_start(true);
    // Small messages go out at once rather than after Nagle's delay (with
    // the peer's delayed acknowledgement, some 40 ms each way).
    let mut network = rumqttc::NetworkOptions::new();
    network.set_tcp_nodelay(true);
    options.set_network_options(network);
    if secure {
        let config = tls.rustls_config(&[])?;
        options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(config)));
    }
    if let Some(login) = login {
        let (user, password) = login.split_once(':').unwrap_or((login, ""));
        options.set_credentials(decode(user), decode(password));
    }
    Ok(options)
}

/// `url` without its password, for errors and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((login, _)) if login.contains(':') => {
            let user = login.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{}", &rest[login.len() + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Percent-decoding of a user name or password.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A client id no other process uses: `prefix`, the process id, and a
/// number drawn at random.
pub(crate) fn unique_id(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!(
        "{prefix}-{}-{:08x}",
        std::process::id(),
        hasher.finish() as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_broker_and_a_login() {
        let options = |url, id| options(url, id, &ClientTls::new());
        let local = options("mqtt://127.0.0.1:1884", "me").unwrap();
        assert_eq!(local.broker_address(), ("127.0.0.1".into(), 1884));
        let named = options("mqtt://broker.example", "me").unwrap();
        assert_eq!(named.broker_address(), ("broker.example".into(), 1883));
        let logged = options("mqtt://ada:s%40cret@[::1]:1883", "me").unwrap();
        assert_eq!(logged.broker_address(), ("::1".into(), 1883));
        let login = logged.credentials().unwrap();
        assert_eq!(
            (login.username.as_str(), login.password.as_str()),
            ("ada", "s@cret")
        );
        for bad in ["http://x", "mqtt://:1883", "mqtt://h:port"] {
            assert!(options(bad, "me").is_err(), "{bad}");
        }
        let secure = options("mqtts://broker.example", "me").unwrap();
        assert_eq!(secure.broker_address(), ("broker.example".into(), 8883));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("mqtt://ada:secret@h:1883"), "mqtt://ada:***@h:1883");
        assert_eq!(redact("mqtt://h:1883"), "mqtt://h:1883");
        let err = options("mqtts://ada:secret@h:x", "me", &ClientTls::new()).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn ids_differ() {
        assert_ne!(unique_id("a"), unique_id("a"));
    }
}
