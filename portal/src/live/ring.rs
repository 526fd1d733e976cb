//! The recent events of a topic, for replay to a subscriber that arrives or comes back.

use std::collections::VecDeque;

use super::{Event, Kind};

/// Change lines a new subscriber (without `Last-Event-ID`) gets as recent history.
const RECENT_CHANGES: usize = 50;

/// The recent events of a topic, for replay.
#[derive(Debug)]
pub struct Ring {
    pub(super) events: VecDeque<Event>,
    /// Every event of the topic with an id above this one is retained.
    floor: u64,
    capacity: usize,
}

impl Ring {
    /// An empty ring for a topic whose events will have ids above `floor`.
    pub fn new(floor: u64, capacity: usize) -> Ring {
        Ring {
            events: VecDeque::with_capacity(capacity),
            floor,
            capacity: capacity.max(1),
        }
    }

    /// Keeps `event`, forgetting the oldest one when full.
    pub fn push(&mut self, event: Event) {
        if self.events.len() == self.capacity
            && let Some(old) = self.events.pop_front()
        {
            self.floor = old.id;
        }
        self.events.push_back(event);
    }

    fn newest(&self) -> u64 {
        self.events.back().map_or(self.floor, |e| e.id)
    }

    /// What a subscriber gets first: with `last` (its `Last-Event-ID`) still covered, every
    /// event after it; otherwise the current state ([`Ring::fresh`]).
    pub fn replay(&self, last: Option<u64>) -> Vec<Event> {
        match last {
            Some(last) if (self.floor..=self.newest()).contains(&last) => self
                .events
                .iter()
                .filter(|e| e.id > last)
                .cloned()
                .collect(),
            _ => self.fresh(),
        }
    }

    /// The recent change log, the latest snapshot, the latest upstream condition and whether
    /// the resource is gone, in id order.
    pub fn fresh(&self) -> Vec<Event> {
        let mut out: Vec<Event> = self
            .events
            .iter()
            .filter(|e| e.kind == Kind::Change)
            .rev()
            .take(RECENT_CHANGES)
            .cloned()
            .collect();
        for kind in [Kind::Snapshot, Kind::Upstream, Kind::Gone] {
            if let Some(event) = self.events.iter().rev().find(|e| e.kind == kind) {
                out.push(event.clone());
            }
        }
        out.sort_by_key(|e| e.id);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u64, kind: Kind) -> Event {
        Event {
            id,
            kind,
            data: "{}".into(),
        }
    }

    fn ids(events: &[Event]) -> Vec<u64> {
        events.iter().map(|e| e.id).collect()
    }

    #[test]
    fn a_reconnect_gets_every_event_after_its_id() {
        let mut ring = Ring::new(100, 10);
        for (id, kind) in [
            (101, Kind::Snapshot),
            (102, Kind::Change),
            (103, Kind::Snapshot),
            (104, Kind::Upstream),
        ] {
            ring.push(event(id, kind));
        }
        assert_eq!(ids(&ring.replay(Some(102))), [103, 104]);
        assert_eq!(
            ids(&ring.replay(Some(100))),
            [101, 102, 103, 104],
            "from the start"
        );
        assert!(ring.replay(Some(104)).is_empty(), "up to date");
    }

    #[test]
    fn an_unknown_or_forgotten_id_gets_the_current_state() {
        let mut ring = Ring::new(0, 3);
        for (id, kind) in [
            (1, Kind::Snapshot),
            (2, Kind::Change),
            (3, Kind::Snapshot),
            (4, Kind::Change),
            (5, Kind::Snapshot),
        ] {
            ring.push(event(id, kind));
        }
        // 1 and 2 were forgotten: 1 can no longer be answered exactly.
        let fresh = [4, 5];
        assert_eq!(ids(&ring.replay(Some(1))), fresh);
        assert_eq!(
            ids(&ring.replay(Some(2))),
            [3, 4, 5],
            "2 is the floor: everything after it is kept"
        );
        assert_eq!(ids(&ring.replay(Some(99))), fresh, "an id from the future");
        assert_eq!(ids(&ring.replay(None)), fresh);
    }

    #[test]
    fn a_fresh_subscriber_gets_the_log_and_only_the_latest_state() {
        let mut ring = Ring::new(0, 10);
        for (id, kind) in [
            (1, Kind::Snapshot),
            (2, Kind::Upstream),
            (3, Kind::Change),
            (4, Kind::Snapshot),
            (5, Kind::Upstream),
            (6, Kind::Change),
        ] {
            ring.push(event(id, kind));
        }
        assert_eq!(ids(&ring.fresh()), [3, 4, 5, 6]);
    }
}
