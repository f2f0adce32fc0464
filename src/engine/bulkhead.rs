//! Whether a call may start now under a concurrency bound: the bulkhead.
//!
//! A rate limit bounds how often we call a dependency; a bulkhead bounds how many calls to it
//! are open at once, so one slow dependency cannot take every connection (or every request
//! slot of a Worker) with it. Each key admits `maxConcurrent` calls; up to `maxQueue` more
//! wait in line, first come first served, and the rest are refused at once. A slot is held
//! for the whole call, retries and waits included, and handed straight to the next in line
//! when the call ends. Waiting is the driver's job: this module only counts and orders.

use alloc::collections::VecDeque;
use core::num::NonZeroU32;

/// Bulkhead settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkheadConfig {
    /// `bulkhead.maxConcurrent` (>= 1): calls open at once per key.
    pub max_concurrent: NonZeroU32,
    /// `bulkhead.maxQueue` (default 0): calls that may wait for a slot.
    pub max_queue: u32,
}

impl BulkheadConfig {
    /// At most `max_concurrent` calls open at once (never zero, by its type), `max_queue`
    /// more waiting.
    pub const fn new(max_concurrent: NonZeroU32, max_queue: u32) -> Self {
        Self {
            max_concurrent,
            max_queue,
        }
    }
}

/// The bulkhead's answer to a call that wants to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A slot is the call's until it ends.
    Entered,
    /// No slot free: the call waits in line under this ticket.
    Queued(u64),
    /// No slot and no room in the line: refused.
    Full,
}

/// One key's bulkhead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bulkhead {
    active: u32,
    queue: VecDeque<u64>,
}

impl Bulkhead {
    /// Asks for a slot for the call holding `ticket`.
    pub fn enter(&mut self, config: &BulkheadConfig, ticket: u64) -> Entry {
        if self.active < config.max_concurrent.get() {
            self.active += 1;
            Entry::Entered
        } else if self.queue.len() < config.max_queue as usize {
            self.queue.push_back(ticket);
            Entry::Queued(ticket)
        } else {
            Entry::Full
        }
    }

    /// A call holding a slot ended: the slot goes to the next in line (whose ticket is
    /// returned, so the driver can wake it), or is freed.
    pub fn leave(&mut self) -> Option<u64> {
        match self.queue.pop_front() {
            Some(next) => Some(next),
            None => {
                self.active = self.active.saturating_sub(1);
                None
            }
        }
    }

    /// A queued call gave up (aborted, or its deadline passed). `false` if its ticket was no
    /// longer in line: it had been handed a slot meanwhile, which the caller must now
    /// [`leave`](Self::leave).
    pub fn abandon(&mut self, ticket: u64) -> bool {
        let before = self.queue.len();
        self.queue.retain(|t| *t != ticket);
        self.queue.len() != before
    }

    /// Whether no call holds or waits for a slot (such a key can be forgotten safely).
    pub fn is_idle(&self) -> bool {
        self.active == 0 && self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_AND_ONE: BulkheadConfig = BulkheadConfig {
        max_concurrent: NonZeroU32::new(2).unwrap(),
        max_queue: 1,
    };

    #[test]
    fn admits_queues_then_refuses() {
        let mut b = Bulkhead::default();
        assert_eq!(b.enter(&TWO_AND_ONE, 1), Entry::Entered);
        assert_eq!(b.enter(&TWO_AND_ONE, 2), Entry::Entered);
        assert_eq!(b.enter(&TWO_AND_ONE, 3), Entry::Queued(3));
        assert_eq!(b.enter(&TWO_AND_ONE, 4), Entry::Full);
    }

    #[test]
    fn a_leaving_call_hands_its_slot_to_the_next_in_line() {
        let mut b = Bulkhead::default();
        b.enter(&TWO_AND_ONE, 1);
        b.enter(&TWO_AND_ONE, 2);
        b.enter(&TWO_AND_ONE, 3);
        assert_eq!(b.leave(), Some(3));
        assert_eq!(b.enter(&TWO_AND_ONE, 5), Entry::Queued(5), "still two open");
        assert_eq!(b.leave(), Some(5));
        assert_eq!(b.leave(), None);
        assert_eq!(b.leave(), None);
        assert!(b.is_idle());
    }

    #[test]
    fn an_abandoned_ticket_leaves_the_line() {
        let cfg = BulkheadConfig {
            max_concurrent: NonZeroU32::MIN,
            max_queue: 2,
        };
        let mut b = Bulkhead::default();
        b.enter(&cfg, 1);
        b.enter(&cfg, 2);
        b.enter(&cfg, 3);
        assert!(b.abandon(2));
        assert_eq!(b.leave(), Some(3));
        assert!(!b.abandon(3), "3 holds a slot now");
        assert_eq!(b.leave(), None);
        assert!(b.is_idle());
    }
}
