//! [`Brokers`]: the nodes of one RabbitMQ cluster, tried in turn.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The brokers of one cluster (the URLs of its nodes), as both AMQP ends
/// take them: one URL, a list, or URLs separated by commas (as `AMQP_URL`
/// may hold them).
///
/// A server or client connects to one node, and on losing it moves on to the
/// next, with backoff, declaring again what it needs. Each one starts at a
/// different node (picked from the process id and a counter), so that the
/// processes of a service spread over the cluster rather than all crowding
/// onto the first node. A server that had to move to another node goes back
/// to its own once that node is up again.
///
/// ```
/// use rpc_amqp::Brokers;
///
/// let one = Brokers::from("amqp://guest:guest@127.0.0.1:5672/%2f");
/// assert_eq!(one.len(), 1);
/// let cluster = Brokers::from("amqp://a:5672/%2f, amqp://b:5672/%2f,amqp://c:5672/%2f");
/// assert_eq!(cluster.urls(), ["amqp://a:5672/%2f", "amqp://b:5672/%2f", "amqp://c:5672/%2f"]);
/// ```
#[derive(Clone, Debug)]
pub struct Brokers {
    urls: Arc<[String]>,
    /// The node this process prefers, where it started.
    home: usize,
    /// The node to try first next time.
    next: Arc<AtomicUsize>,
}

impl Brokers {
    /// The brokers at `urls`, in this order.
    pub fn new(urls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let urls: Arc<[String]> = urls
            .into_iter()
            .map(Into::into)
            .map(|url: String| url.trim().to_owned())
            .filter(|url| !url.is_empty())
            .collect();
        static INSTANCE: AtomicUsize = AtomicUsize::new(0);
        let start = std::process::id() as usize + INSTANCE.fetch_add(1, Ordering::Relaxed);
        let next = if urls.is_empty() {
            0
        } else {
            start % urls.len()
        };
        Self {
            urls,
            home: next,
            next: Arc::new(AtomicUsize::new(next)),
        }
    }

    /// The URLs, in the order given.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// How many brokers there are.
    pub fn len(&self) -> usize {
        self.urls.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// The URLs in the order to try them now: the current node first.
    pub(crate) fn in_turn(&self) -> impl Iterator<Item = (usize, &str)> {
        let start = self.next.load(Ordering::Relaxed);
        let n = self.urls.len();
        (0..n).map(move |i| {
            let at = (start + i) % n;
            (at, self.urls[at].as_str())
        })
    }

    /// The node this process prefers, and its URL: a server that had to
    /// move away from it goes back once it is up again, so that the
    /// processes of a service spread over the cluster again.
    pub(crate) fn home(&self) -> (usize, &str) {
        (self.home, &self.urls[self.home])
    }

    /// Connected to node `at`: try it first next time.
    pub(crate) fn connected(&self, at: usize) {
        self.next.store(at, Ordering::Relaxed);
    }

    /// Lost node `at`: try the next one first.
    pub(crate) fn lost(&self, at: usize) {
        if !self.urls.is_empty() {
            let _ = self.next.compare_exchange(
                at,
                (at + 1) % self.urls.len(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}

impl From<&str> for Brokers {
    /// One URL, or several separated by commas.
    fn from(list: &str) -> Self {
        Self::new(list.split(','))
    }
}

impl From<String> for Brokers {
    fn from(list: String) -> Self {
        Self::from(list.as_str())
    }
}

impl From<&String> for Brokers {
    fn from(list: &String) -> Self {
        Self::from(list.as_str())
    }
}

impl From<Vec<String>> for Brokers {
    fn from(urls: Vec<String>) -> Self {
        Self::new(urls)
    }
}

impl From<&[&str]> for Brokers {
    fn from(urls: &[&str]) -> Self {
        Self::new(urls.iter().copied())
    }
}

impl<const N: usize> From<[&str; N]> for Brokers {
    fn from(urls: [&str; N]) -> Self {
        Self::new(urls)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_tried_in_turn_and_a_lost_one_last() {
        let brokers = Brokers::from(["a", "b", "c"]);
        let first: Vec<_> = brokers.in_turn().map(|(_, url)| url).collect();
        assert_eq!(first.len(), 3);
        let (at, _) = brokers.in_turn().next().unwrap();
        brokers.lost(at);
        let (now, _) = brokers.in_turn().next().unwrap();
        assert_eq!(now, (at + 1) % 3);
        // Losing a node no longer current changes nothing.
        brokers.lost(at);
        assert_eq!(brokers.in_turn().next().unwrap().0, now);
        brokers.connected(0);
        assert_eq!(
            brokers.in_turn().map(|(_, u)| u).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn a_list_with_spaces_and_empty_entries_is_read_whole() {
        let brokers = Brokers::from(" amqp://a , ,amqp://b");
        assert_eq!(brokers.urls(), ["amqp://a", "amqp://b"]);
    }
}
