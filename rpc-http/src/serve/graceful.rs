//! The server's graceful shutdown: a signal every connection watches, and a
//! count of those still open. hyper-util's `GracefulShutdown` watches plain
//! connections only; this one also serves connections that may be upgraded
//! (WebSocket), whose sessions hold a [`Watcher`] of their own to close
//! gracefully too.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use tokio::sync::watch;

/// Starts the shutdown, and waits for every watcher to be done.
#[derive(Debug)]
pub(crate) struct Graceful {
    signal: watch::Sender<bool>,
}

/// Watches for the shutdown; the server waits until every watcher is
/// dropped.
#[derive(Debug, Clone)]
pub struct Watcher {
    signal: watch::Receiver<bool>,
}

tokio::task_local! {
    /// The watcher of the HTTP/1.1 connection this task serves: its
    /// requests reach it here rather than each in its extensions, which
    /// cost a box, a map and a clone a request.
    static CONNECTION: Watcher;
}

impl Graceful {
    pub(crate) fn new() -> Self {
        Self {
            signal: watch::channel(false).0,
        }
    }

    pub(crate) fn watcher(&self) -> Watcher {
        Watcher {
            signal: self.signal.subscribe(),
        }
    }

    /// How many watchers are still out.
    pub(crate) fn count(&self) -> usize {
        self.signal.receiver_count()
    }

    /// Signals the shutdown, and waits until every watcher is dropped.
    pub(crate) async fn shutdown(self) {
        let _ = self.signal.send(true);
        self.signal.closed().await;
    }
}

impl Watcher {
    /// The watcher of the connection a request came on: in its extensions
    /// (HTTP/2, whose streams are tasks of their own), or that of the
    /// HTTP/1.1 connection this task serves. `None` for a router served by
    /// something other than [`serve`](crate::serve), or for a handler that a
    /// user's layer moved to a task of its own.
    pub(crate) fn of(extensions: &http::Extensions) -> Option<Self> {
        extensions.get::<Self>().cloned().or_else(Self::current)
    }

    /// The watcher of the HTTP/1.1 connection this task serves.
    pub(crate) fn current() -> Option<Self> {
        CONNECTION.try_with(Self::clone).ok()
    }

    /// Runs `connection` with `watcher` as its task's [`Watcher::current`].
    pub(crate) async fn serving<O>(
        watcher: Option<Self>,
        connection: impl Future<Output = O>,
    ) -> O {
        match watcher {
            Some(watcher) => CONNECTION.scope(watcher, connection).await,
            None => connection.await,
        }
    }

    /// Resolves once the shutdown has begun.
    pub async fn shutting_down(&mut self) {
        let _ = self.signal.wait_for(|down| *down).await;
    }

    /// Resolves once the shutdown has begun; never without a watcher (a
    /// router served by something other than [`serve`](crate::serve)).
    pub(crate) async fn shutting_down_or_never(watcher: &mut Option<Watcher>) {
        match watcher {
            Some(watcher) => watcher.shutting_down().await,
            None => std::future::pending().await,
        }
    }

    /// Drives `connection` to its end, under `watcher` if there is one
    /// (see [`Watcher::watch`]).
    pub(crate) async fn drive<C, O>(
        watcher: Option<Self>,
        connection: C,
        graceful: impl FnOnce(std::pin::Pin<&mut C>),
    ) -> O
    where
        C: Future<Output = O>,
    {
        match watcher {
            Some(watcher) => watcher.watch(connection, graceful).await,
            None => connection.await,
        }
    }

    /// Drives `connection` to its end, calling `graceful` on it once when the
    /// shutdown begins (hyper then finishes the request in flight and
    /// closes).
    ///
    /// The shutdown's future is polled once, which leaves this task's waker
    /// with the signal, and again only once the signal has changed: polled
    /// beside the connection at each of its wake-ups (`select!`), it took
    /// the signal's lock each time, some 300 instructions a request.
    pub(crate) async fn watch<C, O>(
        mut self,
        connection: C,
        graceful: impl FnOnce(std::pin::Pin<&mut C>),
    ) -> O
    where
        C: Future<Output = O>,
    {
        let probe = self.signal.clone();
        let mut connection = pin!(connection);
        let ended = {
            let mut down = pin!(self.shutting_down());
            let mut waiting = false;
            poll_fn(|cx| {
                if let Poll::Ready(ended) = connection.as_mut().poll(cx) {
                    return Poll::Ready(Some(ended));
                }
                // A closed signal counts as changed: its future then ends.
                if !waiting || probe.has_changed().unwrap_or(true) {
                    waiting = true;
                    if down.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(None);
                    }
                }
                Poll::Pending
            })
            .await
        };
        match ended {
            Some(ended) => ended,
            None => {
                graceful(connection.as_mut());
                connection.await
            }
        }
    }
}
