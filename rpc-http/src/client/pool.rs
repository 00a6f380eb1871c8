//! The HTTP/1.1 connections of one endpoint: kept alive between calls and
//! reused, the most recently used first.
//!
//! A call checks a connection out ([`Pool::checkout`]), sends its request,
//! reads the answer to its end and gives the connection back
//! ([`Lease::release`]); a call whose answer is not read to its end (a stream
//! of events, a timeout) drops its lease, and the connection closes. A
//! connection the server closed while it sat idle is passed over, and a call
//! whose request never left on a reused connection is sent again on a new one.
//!
//! The transports called hyper-util's pool before. That one is shared by
//! every host and scheme, so each call hashes its key, locks, and spawns a
//! task to put the connection back. An endpoint's transport reaches one
//! server, so this pool is a vector behind a lock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use rpc_core::ClientError;
use tower::ServiceExt;

use super::connect::Connector;

/// How long a connection may sit idle and still be reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The most idle connections kept; more are closed as they come back.
const MAX_IDLE: usize = 256;

/// The kept-alive HTTP/1.1 connections to one endpoint; clones share them.
#[derive(Clone, Debug)]
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    connector: Connector,
    idle: Mutex<Vec<Idle>>,
}

#[derive(Debug)]
struct Idle {
    sender: SendRequest<Full<Bytes>>,
    since: Instant,
}

/// A connection checked out for one call.
pub(crate) struct Lease {
    sender: SendRequest<Full<Bytes>>,
    pool: Arc<Inner>,
}

impl Pool {
    pub fn new(connector: Connector) -> Self {
        Self {
            inner: Arc::new(Inner {
                connector,
                idle: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Sends `request` (its URI in origin form, its `Host` set) to `uri`'s
    /// server on a kept-alive connection, or on a new one.
    pub async fn send(
        &self,
        uri: &Uri,
        mut request: Request<Full<Bytes>>,
    ) -> Result<(Response<Incoming>, Lease), ClientError> {
        while let Some(mut lease) = self.reuse().await {
            match lease.sender.try_send_request(request).await {
                Ok(response) => return Ok((response, lease)),
                Err(mut err) => match err.take_message() {
                    // Closed before the request left: try the next one.
                    Some(unsent) => request = unsent,
                    None => return Err(self.failed(&err.into_error(), uri)),
                },
            }
        }
        let mut lease = self.connect(uri).await?;
        match lease.sender.send_request(request).await {
            Ok(response) => Ok((response, lease)),
            Err(err) => Err(self.failed(&err, uri)),
        }
    }

    /// The error of a request to `uri` that failed on its connection.
    fn failed(&self, err: &hyper::Error, uri: &Uri) -> ClientError {
        super::lost::failed(err, &self.inner.connector.address(uri))
    }

    /// Sends an upgrade request (a WebSocket's) on a connection of its own,
    /// which carries the upgraded protocol once the server agrees.
    pub async fn upgrade(
        &self,
        uri: &Uri,
        request: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, ClientError> {
        let stream = self.open(uri).await?;
        let (mut sender, connection) = http1::handshake(stream)
            .await
            .map_err(ClientError::connect)?;
        tokio::spawn(async move {
            if let Err(err) = connection.with_upgrades().await {
                tracing::debug!(error = %err, "client connection ended with an error");
            }
        });
        sender
            .send_request(request)
            .await
            .map_err(ClientError::connect)
    }

    /// The most recently used idle connection that is still open and ready.
    async fn reuse(&self) -> Option<Lease> {
        loop {
            let idle = self.inner.idle.lock().ok()?.pop()?;
            if idle.sender.is_closed() || idle.since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            let mut sender = idle.sender;
            // Ready at once, or as soon as its connection has finished the
            // previous answer; an error means it closed.
            if sender.ready().await.is_ok() {
                return Some(Lease {
                    sender,
                    pool: Arc::clone(&self.inner),
                });
            }
        }
    }

    /// A new connection (TCP, TLS or Unix) to `uri`'s server.
    async fn open(&self, uri: &Uri) -> Result<super::connect::Stream, ClientError> {
        self.inner
            .connector
            .clone()
            .oneshot(uri.clone())
            .await
            .map_err(|err| ClientError::connect(err.to_string()))
    }

    async fn connect(&self, uri: &Uri) -> Result<Lease, ClientError> {
        let stream = self.open(uri).await?;
        let (sender, connection) = http1::handshake(stream)
            .await
            .map_err(ClientError::transport)?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "client connection ended with an error");
            }
        });
        Ok(Lease {
            sender,
            pool: Arc::clone(&self.inner),
        })
    }
}

impl Lease {
    /// Gives the connection back for the next call, once its answer has been
    /// read to the end.
    pub fn release(self) {
        if self.sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(Idle {
                sender: self.sender,
                since: Instant::now(),
            });
        }
    }
}
