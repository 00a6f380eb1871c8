//! [`Coalesced`]: a body whose data frames ready at once go out as one.
//!
//! A subscription's events are small, one frame each. Over HTTP/2 each frame
//! is a DATA frame, and a client on the `h2` crate (hyper's, ours) holds
//! only so many small DATA frames unread before it takes them for a flood
//! and closes the whole connection (`ENHANCE_YOUR_CALM`): a subscriber a
//! hundred-odd events behind lost every call on its connection. Events that
//! are ready together (a burst, or a subscriber that reads more slowly than
//! they come, while the server waits for its window) now leave as one
//! frame; an event that comes alone still leaves at once. Over HTTP/1.1 it
//! is fewer writes for the same bytes.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};

/// The most a coalesced frame gathers before it is sent.
const MAX_FRAME: usize = 16 * 1024;

/// `B`'s frames, those ready at the same time joined into one.
pub(crate) struct Coalesced<B: Body> {
    inner: B,
    /// What ended the gathering of the frame sent before: sent next.
    held: Option<Result<Frame<Bytes>, B::Error>>,
    ended: bool,
}

impl<B: Body> Coalesced<B> {
    pub(crate) fn new(inner: B) -> Self {
        Self {
            inner,
            held: None,
            ended: false,
        }
    }
}

// Nothing of it is pinned but `inner`, and that only if it is `Unpin`.
impl<B: Body + Unpin> Unpin for Coalesced<B> {}

impl<B> Body for Coalesced<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Some(held) = this.held.take() {
            return Poll::Ready(Some(held));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        let first = match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(frame) => return Poll::Ready(Some(Ok(frame))),
            },
            other => {
                this.ended = other.is_none();
                return Poll::Ready(other);
            }
        };
        let mut gathered: Option<BytesMut> = None;
        while gathered.as_ref().map_or(first.len(), BytesMut::len) < MAX_FRAME {
            let next = match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => break,
                Poll::Ready(None) => {
                    this.ended = true;
                    break;
                }
                Poll::Ready(Some(Ok(frame))) => frame.into_data(),
                Poll::Ready(Some(Err(err))) => {
                    this.held = Some(Err(err));
                    break;
                }
            };
            match next {
                Ok(data) => gathered
                    .get_or_insert_with(|| BytesMut::from(&first[..]))
                    .extend_from_slice(&data),
                Err(trailers) => {
                    this.held = Some(Ok(trailers));
                    break;
                }
            }
        }
        let data = gathered.map_or(first, BytesMut::freeze);
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.held.is_none() && (self.ended || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        if self.held.is_some() {
            SizeHint::default()
        } else {
            self.inner.size_hint()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    use futures_util::StreamExt;
    use http_body_util::{BodyExt, StreamBody};

    use super::*;

    fn data(text: &'static str) -> Item {
        Ok(Frame::data(Bytes::from_static(text.as_bytes())))
    }

    type Item = Result<Frame<Bytes>, Infallible>;

    /// Frames pushed to a queue; pending while it is empty and open.
    #[derive(Clone, Default)]
    struct Queue(Arc<Mutex<(VecDeque<Item>, bool)>>);

    impl Queue {
        fn push(&self, frame: Item) -> Result<(), ()> {
            self.0.lock().unwrap().0.push_back(frame);
            Ok(())
        }

        fn close(&self) {
            self.0.lock().unwrap().1 = true;
        }

        fn body(&self) -> impl Body<Data = Bytes, Error = Infallible> + Unpin {
            let queue = self.clone();
            StreamBody::new(futures_util::stream::poll_fn(move |_| {
                let mut queue = queue.0.lock().unwrap();
                match queue.0.pop_front() {
                    Some(frame) => Poll::Ready(Some(frame)),
                    None if queue.1 => Poll::Ready(None),
                    None => Poll::Pending,
                }
            }))
        }
    }

    #[tokio::test]
    async fn frames_ready_together_go_as_one_and_a_frame_alone_at_once() {
        let sender = Queue::default();
        let mut body = Coalesced::new(sender.body());
        for text in ["a", "b", "c"] {
            sender.push(data(text)).unwrap();
        }
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "abc");

        sender.push(data("d")).unwrap();
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "d");

        let mut trailers = http::HeaderMap::new();
        trailers.insert("x-end", http::HeaderValue::from_static("1"));
        sender.push(data("e")).unwrap();
        sender.push(Ok(Frame::trailers(trailers))).unwrap();
        sender.close();
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "e");
        let frame = body.frame().await.unwrap().unwrap();
        assert!(frame.trailers_ref().is_some());
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn a_burst_is_cut_at_the_largest_frame() {
        let chunk = "x".repeat(1000).leak();
        let frames = futures_util::stream::iter((0..40).map(|_| data(chunk)));
        let body = Coalesced::new(StreamBody::new(frames));
        let sizes: Vec<usize> = body
            .into_data_stream()
            .map(|data| data.unwrap().len())
            .collect()
            .await;
        assert_eq!(sizes.iter().sum::<usize>(), 40_000);
        assert!(sizes.iter().all(|&n| n <= MAX_FRAME + 1000), "{sizes:?}");
        assert_eq!(sizes.len(), 3, "{sizes:?}");
    }
}
