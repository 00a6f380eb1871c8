//! Acknowledging a channel's deliveries: each once its call is done (its
//! reply confirmed), and those done in a row with one `basic.ack`
//! (`multiple`), which spares the broker a message per call under load.
//!
//! A delivery is registered as it is received, marked done when its call is
//! done, and acknowledged by the channel's acknowledger task soon after:
//! the done deliveries below every delivery still running with one frame,
//! the others (done past a call still running) each with its own, at once,
//! so that a long call never holds up the acknowledgement of those after it
//! (nor, through the prefetch window, the deliveries still to come).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use lapin::Channel;
use lapin::options::BasicAckOptions;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The deliveries of one channel, from receipt to acknowledgement.
#[derive(Debug)]
pub(crate) struct Acks {
    state: Mutex<State>,
    /// Wakes the acknowledger: a delivery is done, or the channel is left.
    ready: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Every delivery tag up to this one was received (a channel's tags
    /// count from 1, over all of its consumers).
    received_upto: u64,
    /// Tags received past a tag not received yet (the channel's consumers
    /// are read side by side).
    received_early: BTreeSet<u64>,
    /// Received and not done.
    running: BTreeSet<u64>,
    /// Done and not acknowledged yet.
    done: Vec<u64>,
    /// A delivery was left unacknowledged for the broker to redeliver: no
    /// acknowledgement of this channel may cover several deliveries from
    /// then on.
    one_by_one: bool,
    /// The channel is being left: acknowledge what is done, then stop.
    closing: bool,
}

/// What one round of the acknowledger sends.
#[derive(Debug, Default, PartialEq)]
struct Round {
    /// Acknowledges every delivery up to this tag (`multiple`).
    upto: Option<u64>,
    /// Acknowledges each of these alone.
    each: Vec<u64>,
}

impl Acks {
    /// The deliveries of `channel`, acknowledged by a task of their own
    /// until [`close`](Self::close).
    pub(crate) fn start(channel: Channel) -> (Arc<Self>, JoinHandle<()>) {
        let acks = Arc::new(Self {
            state: Mutex::default(),
            ready: Notify::new(),
        });
        let task = tokio::spawn(Arc::clone(&acks).acknowledge(channel));
        (acks, task)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Delivery `tag` was received: its call runs.
    pub(crate) fn received(&self, tag: u64) {
        self.state().received(tag);
    }

    /// The call of delivery `tag` is done: it is acknowledged.
    pub(crate) fn done(&self, tag: u64) {
        if self.state().done(tag) {
            self.ready.notify_one();
        }
    }

    /// Delivery `tag` was rejected: it is no longer the broker's to be
    /// acknowledged.
    pub(crate) fn rejected(&self, tag: u64) {
        self.state().running.remove(&tag);
    }

    /// Delivery `tag` is left unacknowledged, for the broker to redeliver
    /// when the channel closes.
    pub(crate) fn left(&self, tag: u64) {
        let mut state = self.state();
        state.running.remove(&tag);
        state.one_by_one = true;
    }

    /// Acknowledges what is done, then stops the acknowledger.
    pub(crate) async fn close(&self, task: JoinHandle<()>) {
        self.state().closing = true;
        self.ready.notify_one();
        let _ = task.await;
    }

    async fn acknowledge(self: Arc<Self>, channel: Channel) {
        loop {
            self.ready.notified().await;
            let (round, closing) = {
                let mut state = self.state();
                (state.round(), state.closing)
            };
            let upto = round
                .upto
                .map(|tag| channel.basic_ack(tag, BasicAckOptions { multiple: true }));
            let each = round
                .each
                .iter()
                .map(|&tag| channel.basic_ack(tag, BasicAckOptions::default()));
            let sent = futures_util::future::join_all(upto.into_iter().chain(each)).await;
            if let Some(Err(err)) = sent.into_iter().find(Result::is_err) {
                tracing::warn!(error = %err, "cannot acknowledge a message; the broker will redeliver it");
            }
            if closing {
                return;
            }
        }
    }
}

impl State {
    fn received(&mut self, tag: u64) {
        self.running.insert(tag);
        if tag != self.received_upto + 1 {
            self.received_early.insert(tag);
            return;
        }
        self.received_upto = tag;
        while self.received_early.remove(&(self.received_upto + 1)) {
            self.received_upto += 1;
        }
    }

    /// Whether `tag` was running (and is now done).
    fn done(&mut self, tag: u64) -> bool {
        let running = self.running.remove(&tag);
        if running {
            self.done.push(tag);
        }
        running
    }

    /// Takes what is done: those below every delivery still running (and
    /// every one not yet received) in one acknowledgement, the others one by
    /// one.
    fn round(&mut self) -> Round {
        let mut done = std::mem::take(&mut self.done);
        done.sort_unstable();
        if self.one_by_one {
            return Round {
                upto: None,
                each: done,
            };
        }
        let below = self
            .running
            .first()
            .copied()
            .unwrap_or(u64::MAX)
            .min(self.received_upto + 1);
        let split = done.partition_point(|&tag| tag < below);
        Round {
            upto: split.checked_sub(1).map(|last| done[last]),
            each: done.split_off(split),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(state: &mut State, tags: impl IntoIterator<Item = u64>) {
        for tag in tags {
            state.received(tag);
        }
    }

    fn done(state: &mut State, tags: impl IntoIterator<Item = u64>) {
        for tag in tags {
            assert!(state.done(tag));
        }
    }

    #[test]
    fn calls_done_in_a_row_are_acknowledged_with_one_frame() {
        let mut state = State::default();
        received(&mut state, 1..=5);
        done(&mut state, [2, 1, 3]);
        assert_eq!(
            state.round(),
            Round {
                upto: Some(3),
                each: vec![]
            }
        );
        done(&mut state, [5]);
        assert_eq!(
            state.round(),
            Round {
                upto: None,
                each: vec![5]
            }
        );
        assert!(!state.done(5), "a delivery is done once");
        done(&mut state, [4]);
        assert_eq!(
            state.round(),
            Round {
                upto: Some(4),
                each: vec![]
            }
        );
    }

    #[test]
    fn a_long_call_holds_up_no_acknowledgement_after_it() {
        let mut state = State::default();
        received(&mut state, 1..=4);
        done(&mut state, [4, 2, 3]);
        assert_eq!(
            state.round(),
            Round {
                upto: None,
                each: vec![2, 3, 4]
            }
        );
    }

    #[test]
    fn no_acknowledgement_covers_a_delivery_not_read_yet() {
        let mut state = State::default();
        // Tag 2 came on the other consumer and is not read yet.
        received(&mut state, [1, 3]);
        done(&mut state, [3, 1]);
        assert_eq!(
            state.round(),
            Round {
                upto: Some(1),
                each: vec![3]
            }
        );
        received(&mut state, [2]);
        assert_eq!(state.received_upto, 3);
        done(&mut state, [2]);
        assert_eq!(state.round().upto, Some(2));
    }

    #[test]
    fn after_a_delivery_left_for_redelivery_each_is_acknowledged_alone() {
        let mut state = State::default();
        received(&mut state, 1..=3);
        state.running.remove(&1);
        state.one_by_one = true;
        done(&mut state, [3, 2]);
        assert_eq!(
            state.round(),
            Round {
                upto: None,
                each: vec![2, 3]
            }
        );
    }
}
