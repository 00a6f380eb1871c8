//! [`Listener`]: where [`serve`](crate::serve) accepts connections, a TCP
//! port or a Unix domain socket, and [`bind_unix`], which makes a Unix socket
//! with the file permissions that are its access control.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, TcpStream};
#[cfg(unix)]
use tokio::net::{UnixListener, UnixStream};

/// Where [`serve`](crate::serve) accepts connections: a
/// [`tokio::net::TcpListener`] or a [`tokio::net::UnixListener`], each
/// converted with `From`, so `serve` takes either as it is.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let app = axum::Router::new();
/// let listener = rpc_http::bind_unix("/run/datacenter.sock", 0o660)?;
/// rpc_http::serve(listener, app).await
/// # }
/// ```
#[derive(Debug)]
pub struct Listener(Inner);

#[derive(Debug)]
enum Inner {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix {
        listener: UnixListener,
        /// The socket's file, removed when the server ends.
        path: Option<PathBuf>,
    },
}

impl From<TcpListener> for Listener {
    fn from(listener: TcpListener) -> Self {
        Self(Inner::Tcp(listener))
    }
}

#[cfg(unix)]
impl From<UnixListener> for Listener {
    fn from(listener: UnixListener) -> Self {
        let path = listener
            .local_addr()
            .ok()
            .and_then(|addr| addr.as_pathname().map(Path::to_path_buf));
        Self(Inner::Unix { listener, path })
    }
}

/// An accepted connection before any TLS: TCP or a Unix socket.
#[derive(Debug)]
pub(super) enum Plain {
    Tcp(TcpStream, SocketAddr),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Listener {
    pub(super) async fn accept(&self) -> io::Result<Plain> {
        match &self.0 {
            Inner::Tcp(listener) => {
                let (stream, peer) = listener.accept().await?;
                Ok(Plain::Tcp(stream, peer))
            }
            #[cfg(unix)]
            Inner::Unix { listener, .. } => Ok(Plain::Unix(listener.accept().await?.0)),
        }
    }

    /// The TCP address listened on; an error for a Unix socket.
    pub(super) fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            Inner::Tcp(listener) => listener.local_addr(),
            #[cfg(unix)]
            Inner::Unix { .. } => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a Unix socket has no IP address",
            )),
        }
    }

    pub(super) fn is_unix(&self) -> bool {
        !matches!(self.0, Inner::Tcp(_))
    }

    /// Stops listening; a Unix socket's file is removed, so that the next
    /// server binds the path afresh and clients are refused meanwhile.
    pub(super) fn close(self) {
        #[cfg(unix)]
        if let Inner::Unix {
            listener,
            path: Some(path),
        } = self.0
        {
            drop(listener);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Binds a Unix domain socket at `path` for [`serve`](crate::serve), with
/// the file permissions `mode` (e.g. `0o660`: its owner and group may
/// connect, nobody else). On a Unix socket the file's permissions are the
/// access control: a client must be allowed to write to it to connect.
///
/// The socket gets its permissions before it appears at `path` (it is made
/// under a temporary name and renamed), so no client can connect in
/// between. A socket file left at `path` by a server that is gone is
/// replaced; one a live server still answers on is not
/// ([`io::ErrorKind::AddrInUse`]), nor is a file that is not a socket.
/// The server removes the socket's file when it ends.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> std::io::Result<()> {
/// let listener = rpc_http::bind_unix("/tmp/datacenter.sock", 0o600)?;
/// rpc_http::serve(listener, axum::Router::new()).await
/// # }
/// ```
#[cfg(unix)]
pub fn bind_unix(path: impl AsRef<Path>, mode: u32) -> io::Result<Listener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    let path = path.as_ref();
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("{}: a server is listening there already", path.display()),
                ));
            }
            // Left by a server that is gone.
            std::fs::remove_file(path)?;
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{}: a file that is not a socket is there", path.display()),
            ));
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file's path", path.display()),
        )
    })?;
    let mut hidden = name.to_os_string();
    hidden.push(format!(".{}.binding", std::process::id()));
    let hidden = path.with_file_name(hidden);
    let _ = std::fs::remove_file(&hidden);
    let listener = UnixListener::bind(&hidden)?;
    let placed = std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(mode))
        .and_then(|()| std::fs::rename(&hidden, path));
    if let Err(err) = placed {
        let _ = std::fs::remove_file(&hidden);
        return Err(err);
    }
    // The listener's own address still names the temporary file.
    Ok(Listener(Inner::Unix {
        listener,
        path: Some(path.to_path_buf()),
    }))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rpc-http-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn binds_with_its_mode_and_replaces_a_stale_socket() {
        let dir = dir("bind");
        let path = dir.join("s.sock");
        let first = bind_unix(&path, 0o600).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A live server keeps its socket.
        let err = bind_unix(&path, 0o600).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
        drop(first);
        // Gone: its file is replaced.
        let _second = bind_unix(&path, 0o660).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o660);
        assert!(UnixStream::connect(&path).await.is_ok());
        // Nothing is left under a temporary name.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_to_replace_a_file_that_is_not_a_socket() {
        let dir = dir("file");
        let path = dir.join("data");
        std::fs::write(&path, "keep me").unwrap();
        let err = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async { bind_unix(&path, 0o600).unwrap_err() });
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
