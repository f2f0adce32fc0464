//! When a route may send next: holds (the server named a time) and the adaptive send rate
//! (the server refused without naming one).
//!
//! A 429 is not a failure but a signal to slow down, and a gate is where the engine slows
//! down. Each route (breaker key and URL path: see [`route`]) has one:
//!
//! - **Holds.** A `Retry-After` on a 429 or 503 (`cooldown`), or an exhausted quota in the
//!   rate-limit headers (`paceFromHeaders`), holds the route until that time; so does a
//!   quota whose remaining requests are no more than the route's requests still in flight
//!   (they will spend it: sending more would only collect refusals). Every call of
//!   the route waits for it, if its own bounds allow, or fails at once without sending.
//! - **Adaptive send rate** (`adaptiveRate`). A 429 that names no time says only "too fast".
//!   The gate then learns a send rate the way the AWS SDKs' adaptive retry mode does: on a
//!   refusal the rate is cut to `BETA` times the rate the server was accepting (the
//!   successes counted over the last second), and it grows back along a CUBIC curve (RFC
//!   9438's window growth, in requests per second) that reaches the old rate after `K`
//!   seconds and then probes above it. Only refusals of requests sent after the last cut
//!   cut again (one cut per round, like TCP), and successes of requests sent before the cut
//!   may still raise the rate the cut was based on, so the order in which one burst's
//!   answers arrive does not matter. Once the curve has grown far past the old rate with no
//!   refusal, the rate is forgotten.
//!
//! A hold of one route stays on its route: a limit on `/search` must not stall `/items`.
//! Once a second route of the same key is held within [`PROMOTE_MS`], the limit is evidently
//! the origin's, and holds also reach the key's whole-key gate, which every route obeys (the
//! instance keeps both levels; see `Instance::signal`). A learned rate stays on its route: a
//! refusal that names no time cannot tell a limit on the origin from one on a route, or from
//! refusals that have nothing to do with the rate, and cutting the whole origin's rate on
//! such guesses would compound into a crawl.
//!
//! Calls take slots in the order they ask (a virtual schedule: each slot is one interval of
//! the learned rate after the previous one), so calls waiting for a route leave in arrival
//! order and none starves. The gate holds no timer: it only answers "at what time".

use alloc::string::String;

use super::math;
use super::window::Window;

/// The share of the accepted rate kept on a refusal. AWS keeps 0.7 of its *sending* rate;
/// the rate the server was *accepting* is already close to its limit, so less is given up.
const BETA: f64 = 0.8;
/// The CUBIC scaling constant, in requests per second per second cubed (AWS: 0.4).
const SCALE: f64 = 0.4;
/// The least learned rate, in requests per second: a route is never shut.
pub const MIN_RATE: f64 = 0.5;
/// A learned rate that has grown to this multiple of the rate before the cut is forgotten.
pub(super) const FORGET_FACTOR: f64 = 8.0;
/// How far back successes are counted to measure the accepted rate.
const MEASURE_MS: u64 = 1_000;

/// Holds of two different routes of one key within this time make them apply to the whole
/// key: the limit is evidently the origin's, not one route's.
pub const PROMOTE_MS: u64 = 60_000;

/// The path of the gate that covers every route of a key (no URL path is `*`).
pub const WHOLE_KEY: &str = "*";

/// The state under the route of `path` for breaker key `key`.
pub fn route(key: &str, path: &str) -> String {
    let mut r = String::with_capacity(key.len() + path.len() + 1);
    r.push_str(key);
    r.push(' ');
    r.push_str(path);
    r
}

/// A learned rate: a CUBIC curve since the last cut.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Curve {
    /// The accepted rate the cut was based on (requests per second).
    pub(super) w_max: f64,
    /// When the cut happened (ms).
    pub(super) cut_at: u64,
    /// Requests sent before this time were scheduled before the cut (ms): their refusals
    /// belong to the round the cut already answered.
    pub(super) horizon: u64,
}

impl Curve {
    /// Seconds until the curve is back at `w_max`.
    fn k(&self) -> f64 {
        math::cbrt(self.w_max * (1.0 - BETA) / SCALE)
    }

    /// The rate at `now`, requests per second.
    pub(super) fn rate(&self, now: u64) -> f64 {
        let t = now.saturating_sub(self.cut_at) as f64 / 1000.0;
        let d = t - self.k();
        (SCALE * d * d * d + self.w_max).max(MIN_RATE)
    }
}

/// A slot taken in a route's schedule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    /// When the call may send (ms).
    pub at: u64,
    /// The schedule's next free time before this slot was taken, to give the slot back.
    previous: f64,
    /// The schedule's next free time after it.
    next: f64,
}

/// One route's holds and learned rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub(super) hold_until: u64,
    next_free: f64,
    pub(super) curve: Option<Curve>,
    accepted: Window,
    in_flight: u32,
    /// On a key's whole-key gate: the last route that signalled (a hash) and when.
    last_signal: Option<(u64, u64)>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            hold_until: 0,
            next_free: 0.0,
            curve: None,
            accepted: Window::new(MEASURE_MS),
            in_flight: 0,
            last_signal: None,
        }
    }
}

impl Gate {
    /// Holds the route until `until` (never shortens a hold already running).
    pub fn hold(&mut self, until: u64) {
        self.hold_until = self.hold_until.max(until);
    }

    /// Milliseconds the route is still held at `now` (0: not held).
    pub fn hold_ms(&self, now: u64) -> u64 {
        self.hold_until.saturating_sub(now)
    }

    /// The learned rate at `now`, requests per second (`None`: none learned).
    pub fn rate(&self, now: u64) -> Option<f64> {
        self.curve.map(|c| c.rate(now))
    }

    /// Whether the gate holds nothing worth keeping at `now`.
    pub fn is_idle(&self, now: u64) -> bool {
        self.hold_until <= now && self.curve.is_none() && self.in_flight == 0
    }

    /// On a whole-key gate: a route was held at `now`. Whether another route was too within
    /// [`PROMOTE_MS`], so the hold applies to the whole key.
    pub fn note_signal(&mut self, route: &str, now: u64) -> bool {
        // FNV-1a: deterministic, no seed.
        let hash = route.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let promote = self
            .last_signal
            .is_some_and(|(h, at)| h != hash && now.saturating_sub(at) <= PROMOTE_MS);
        self.last_signal = Some((hash, now));
        promote
    }

    /// A request went out on the route.
    pub fn sent(&mut self) {
        self.in_flight = self.in_flight.saturating_add(1);
    }

    /// `n` requests of the route settled (answered, failed, or abandoned).
    pub fn settled(&mut self, n: u32) {
        self.in_flight = self.in_flight.saturating_sub(n);
    }

    /// Requests of the route in flight.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// Takes the first slot at or after `earliest` that the hold and the learned rate allow
    /// (`adaptive`: whether the rate applies).
    pub fn reserve(&mut self, earliest: u64, now: u64, adaptive: bool) -> Slot {
        let previous = self.next_free;
        let mut at = earliest.max(self.hold_until) as f64;
        let mut next = previous;
        if adaptive {
            if let Some(c) = self.curve {
                let rate = c.rate(now);
                if rate >= c.w_max * FORGET_FACTOR {
                    self.curve = None;
                } else {
                    at = at.max(self.next_free);
                    next = at + 1000.0 / rate;
                }
            }
        }
        self.next_free = next;
        Slot {
            at: math::ceil(at) as u64,
            previous,
            next,
        }
    }

    /// Gives back a slot its call will not use, if no later slot was taken since.
    pub fn release(&mut self, slot: Slot) {
        if self.next_free == slot.next {
            self.next_free = slot.previous;
        }
    }

    /// An answer that was not a refusal, to a request sent at `sent_at`.
    pub fn on_accepted(&mut self, sent_at: u64, now: u64) {
        self.accepted.add(0, now);
        // A success of the burst the last cut reacted to: the server accepted more than the
        // cut assumed.
        if let Some(c) = &mut self.curve {
            if sent_at < c.cut_at && now < c.cut_at + MEASURE_MS {
                let measured = self.accepted.totals(now)[0] as f64 * 1000.0 / MEASURE_MS as f64;
                if measured > c.w_max {
                    c.w_max = measured;
                }
            }
        }
    }

    /// A 429 that named no time, to a request sent at `sent_at`: cut the rate, once per
    /// round.
    pub fn on_refused(&mut self, sent_at: u64, now: u64) {
        if self.curve.is_some_and(|c| sent_at < c.horizon) {
            return;
        }
        let measured = self.accepted.totals(now)[0] as f64 * 1000.0 / MEASURE_MS as f64;
        let current = self.curve.map_or(f64::INFINITY, |c| c.rate(now));
        let w_max = current.min(measured).max(MIN_RATE / BETA);
        // Slots already handed out leave at the old spacing: the round ends after them.
        let horizon = now.max(math::ceil(self.next_free) as u64);
        let curve = Curve {
            w_max,
            cut_at: now,
            horizon,
        };
        self.curve = Some(curve);
        // Nothing leaves at once after a refusal: the next slot is one interval away.
        self.next_free = self.next_free.max(now as f64 + 1000.0 / curve.rate(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_790_000_000_000;

    #[test]
    fn holds_never_shorten_and_delay_every_slot() {
        let mut g = Gate::default();
        g.hold(T + 2_000);
        g.hold(T + 1_000);
        assert_eq!(g.hold_ms(T), 2_000);
        assert_eq!(g.reserve(T, T, true).at, T + 2_000);
        assert_eq!(g.reserve(T + 2_500, T, true).at, T + 2_500);
        assert!(!g.is_idle(T));
        assert!(g.is_idle(T + 2_000));
    }

    #[test]
    fn a_refusal_cuts_to_beta_times_the_accepted_rate_and_grows_back() {
        let mut g = Gate::default();
        for _ in 0..10 {
            g.on_accepted(T, T + 100);
        }
        g.on_refused(T + 50, T + 200);
        let r0 = g.rate(T + 200).unwrap();
        assert!(
            (r0 - 8.0).abs() < 1e-9,
            "0.8 x 10 accepted in the last second: {r0}"
        );
        // Back at the old rate after K seconds, then above it.
        let k = (10.0f64 * 0.2 / 0.4).cbrt();
        let back = T + 200 + (k * 1000.0) as u64;
        assert!((g.rate(back).unwrap() - 10.0).abs() < 0.01);
        assert!(g.rate(back + 2_000).unwrap() > 10.5);
        // Slots are spaced by the rate, in the order asked.
        let a = g.reserve(T + 200, T + 200, true).at;
        let b = g.reserve(T + 200, T + 200, true).at;
        let c = g.reserve(T + 200, T + 200, true).at;
        assert_eq!(
            (a, b - a, c - b),
            (T + 325, 125, 125),
            "one interval after the cut"
        );
        // Without the adaptive rate, only holds apply.
        assert_eq!(g.reserve(T + 200, T + 200, false).at, T + 200);
    }

    #[test]
    fn one_cut_per_round_and_late_successes_raise_the_basis() {
        let mut g = Gate::default();
        for _ in 0..3 {
            g.on_accepted(T, T + 10);
        }
        g.on_refused(T, T + 20);
        assert!((g.rate(T + 20).unwrap() - 2.4).abs() < 1e-9);
        // The rest of the burst: more refusals change nothing, more successes raise w_max.
        g.on_refused(T, T + 25);
        for _ in 0..7 {
            g.on_accepted(T, T + 30);
        }
        assert!((g.rate(T + 20).unwrap() - 8.0).abs() < 1e-9);
        // A refusal of a request sent after the cut cuts again, from the rate at that time.
        g.on_refused(T + 40, T + 50);
        assert!(g.rate(T + 50).unwrap() < 8.0 * 0.8 + 0.5);
    }

    #[test]
    fn a_first_refusal_with_nothing_accepted_starts_at_the_floor() {
        let mut g = Gate::default();
        g.on_refused(T, T);
        assert!((g.rate(T).unwrap() - MIN_RATE).abs() < 1e-9);
        assert!(
            g.rate(T + 5_000).unwrap() > 10.0,
            "grows back within seconds"
        );
    }

    #[test]
    fn a_rate_grown_far_past_its_basis_is_forgotten() {
        let mut g = Gate::default();
        for _ in 0..10 {
            g.on_accepted(T, T);
        }
        g.on_refused(T, T);
        assert!(g.rate(T).is_some());
        g.reserve(T + 60_000, T + 60_000, true);
        assert_eq!(g.rate(T + 60_000), None);
        assert!(g.is_idle(T + 60_000));
    }

    #[test]
    fn released_slots_return_to_the_schedule() {
        let mut g = Gate::default();
        g.on_refused(T, T);
        let a = g.reserve(T, T, true);
        let b = g.reserve(T, T, true);
        g.release(b);
        let c = g.reserve(T, T, true);
        assert_eq!(b.at, c.at);
        g.release(a); // not the latest: kept
        assert!(g.reserve(T, T, true).at > c.at);
    }

    #[test]
    fn slots_handed_out_before_a_cut_belong_to_its_round() {
        let mut g = Gate::default();
        for _ in 0..10 {
            g.on_accepted(T, T);
        }
        g.on_refused(T, T);
        // Five calls take slots at 8/s: 125 ms apart, from T + 125.
        let slots: Vec<u64> = (0..5).map(|_| g.reserve(T, T, true).at).collect();
        assert_eq!(slots, [T + 125, T + 250, T + 375, T + 500, T + 625]);
        // The first of them is refused: a new round, a second cut.
        g.on_refused(T + 125, T + 140);
        let second = g.rate(T + 140).unwrap();
        assert!(second < 8.0, "{second}");
        // The other slots were handed out before that cut: their refusals change nothing.
        g.on_refused(T + 500, T + 510);
        assert!(
            (g.rate(T + 140).unwrap() - second).abs() < 1e-9,
            "same round"
        );
        // A request sent after them starts a new round.
        g.on_refused(T + 760, T + 770);
        assert!(g.rate(T + 770).unwrap() < second, "a new round cuts");
    }
}
