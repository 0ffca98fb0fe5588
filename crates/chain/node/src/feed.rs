//! Subscription feeds bounded by bytes, not by items.
//!
//! The producer publishes each item once, serialized, into a ring that keeps at most `max_bytes`
//! of them (always the newest one). A subscriber is only a cursor into the ring: it holds no copy
//! of what it has not read, so one that never reads pins nothing; once the ring has moved past
//! its cursor, it has lost items and is dropped with an error ([`Lagged`]) that says so, and
//! catches up through the paged methods. A block summary is a few hundred bytes, a `Sent` event
//! carries its whole packet (up to 64 KiB, as hex): the bound is what the items weigh.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::watch;

/// Bytes of block summaries a node keeps for its subscribers.
pub const BLOCK_FEED_BYTES: usize = 1 << 20;
/// Bytes of endpoint events a node keeps for its subscribers.
pub const EVENT_FEED_BYTES: usize = 32 << 20;

/// A subscriber's cursor fell out of the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("subscriber fell {missed} items behind the feed's {max_bytes}-byte window and was dropped")]
pub struct Lagged {
    /// Items it missed.
    pub missed: u64,
    /// The feed's byte bound.
    pub max_bytes: usize,
}

#[derive(Debug, Default)]
struct Ring {
    items: VecDeque<Arc<RawValue>>,
    /// Sequence number of `items[0]`.
    first: u64,
    bytes: usize,
}

/// One feed.
#[derive(Debug)]
pub struct Feed {
    ring: Mutex<Ring>,
    /// The sequence number the next item gets.
    next: watch::Sender<u64>,
    max_bytes: usize,
}

impl Feed {
    /// An empty feed keeping at most `max_bytes` of serialized items (and at least the newest).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            ring: Mutex::default(),
            next: watch::Sender::new(0),
            max_bytes,
        }
    }

    /// Publishes `item` to every subscriber; drops the oldest items beyond the byte bound.
    pub fn publish<T: Serialize>(&self, item: &T) {
        let raw: Arc<RawValue> = match serde_json::value::to_raw_value(item) {
            Ok(raw) => raw.into(),
            Err(e) => {
                tracing::error!(error = %e, "feed item does not serialize");
                return;
            }
        };
        let next = {
            let mut ring = self.ring.lock().expect("feed lock");
            ring.bytes += raw.get().len();
            ring.items.push_back(raw);
            while ring.bytes > self.max_bytes && ring.items.len() > 1 {
                let old = ring.items.pop_front().expect("non-empty");
                ring.bytes -= old.get().len();
                ring.first += 1;
            }
            ring.first + ring.items.len() as u64
        };
        self.next.send_replace(next);
    }

    /// A new subscriber: its cursor (it receives what is published from now on) and a receiver
    /// that changes when something is.
    pub fn subscribe(&self) -> (u64, watch::Receiver<u64>) {
        let rx = self.next.subscribe();
        let cursor = *rx.borrow();
        (cursor, rx)
    }

    /// Up to `max` items from `cursor` on (empty when the subscriber is up to date).
    pub fn read(&self, cursor: u64, max: usize) -> Result<Vec<Arc<RawValue>>, Lagged> {
        let ring = self.ring.lock().expect("feed lock");
        if cursor < ring.first {
            return Err(Lagged {
                missed: ring.first - cursor,
                max_bytes: self.max_bytes,
            });
        }
        let start = (cursor - ring.first) as usize;
        Ok(ring.items.iter().skip(start).take(max).cloned().collect())
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.ring.lock().expect("feed lock").bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_is_bounded_by_bytes_and_a_laggard_is_told() {
        let item = "x".repeat(98); // 100 bytes as a JSON string
        let feed = Feed::new(300);
        let (cursor, _rx) = feed.subscribe();
        for _ in 0..3 {
            feed.publish(&item);
        }
        // At the bound: all three kept.
        assert_eq!(feed.bytes(), 300);
        assert_eq!(feed.read(cursor, 10).unwrap().len(), 3);
        assert_eq!(feed.read(cursor + 1, 1).unwrap().len(), 1);
        // Past it: the oldest goes, and a cursor on it has lagged.
        feed.publish(&item);
        assert_eq!(feed.bytes(), 300);
        assert_eq!(
            feed.read(cursor, 10).unwrap_err(),
            Lagged {
                missed: 1,
                max_bytes: 300
            }
        );
        assert_eq!(feed.read(cursor + 1, 10).unwrap().len(), 3);
        assert!(feed.read(cursor + 4, 10).unwrap().is_empty());
        // An item larger than the whole bound is still delivered, alone.
        feed.publish(&"y".repeat(1000));
        assert_eq!(feed.read(cursor + 4, 10).unwrap().len(), 1);
        assert_eq!(feed.bytes(), 1002);
    }

    /// The old broadcast channel kept 65 536 items whatever they weighed: one subscriber that
    /// never read pinned every packet. Here 10 000 packet-sized items pass one idle subscriber and
    /// the feed holds only its byte bound.
    #[test]
    fn an_idle_subscriber_pins_nothing_beyond_the_bound() {
        let feed = Feed::new(1 << 20);
        let (cursor, _rx) = feed.subscribe();
        let packet = "ab".repeat(64 * 1024);
        for _ in 0..10_000 {
            feed.publish(&packet);
        }
        assert!(feed.bytes() <= 1 << 20);
        assert!(feed.read(cursor, 1).is_err());
    }
}
