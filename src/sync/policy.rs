//! The retry policy: which answers are retried, how long to wait, and the
//! limits. Randomness (the jitter) comes from a seed the host passes in, so
//! a session is deterministic for a given seed and clock.

use crate::fields::date::{month_number, Date};

/// At most this many attempts of one step.
pub const MAX_ATTEMPTS_PER_STEP: u32 = 5;
/// First backoff after a 5xx or a transport error; it doubles each attempt.
pub const SERVER_ERROR_BASE_DELAY_MS: f64 = 500.0;
/// First backoff after a 409 (another sync runs); syncs take a while, so
/// this starts longer.
pub const CONFLICT_BASE_DELAY_MS: f64 = 1_000.0;
/// No single backoff is longer than this.
pub const MAX_BACKOFF_MS: f64 = 16_000.0;
/// The wait after a 429 that has no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_MS: f64 = 1_000.0;

/// The exponential backoff before attempt `attempt + 1`, with "equal
/// jitter": half the delay is fixed, half is random, so parallel clients
/// spread out while every wait still grows.
pub fn backoff_ms(base_ms: f64, attempt: u32, random: f64) -> f64 {
    let exponent = attempt.saturating_sub(1).min(16);
    let full = (base_ms * f64::from(1u32 << exponent)).min(MAX_BACKOFF_MS);
    (full / 2.0 + full / 2.0 * random).round()
}

/// The wait a `Retry-After` header asks for, in milliseconds: delay-seconds
/// or an HTTP date (RFC 9110 IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00
/// GMT`) relative to `now_ms`. `None` when the value is neither, or asks for
/// no wait at all (0, or a date in the past, as a server with a wrong
/// clock sends): the caller then backs off as usual instead of hammering
/// the server at once.
///
/// Repeated headers reach a fetch host joined by commas (`3, 3`); an HTTP
/// date holds a comma itself, so then each piece and each pair of adjacent
/// pieces is read, and the longest wait wins.
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    one_retry_after_ms(value, now_ms).or_else(|| {
        let pieces: Vec<&str> = value.split(',').collect();
        let pairs = pieces
            .windows(2)
            .filter_map(|pair| one_retry_after_ms(&format!("{},{}", pair[0], pair[1]), now_ms));
        pieces
            .iter()
            .filter_map(|piece| one_retry_after_ms(piece, now_ms))
            .chain(pairs)
            .reduce(f64::max)
    })
}

/// One `Retry-After` value, as [`retry_after_ms`] reads it.
fn one_retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturates for absurd values; the time budget refuses them anyway.
        f64::from(value.parse::<u32>().unwrap_or(u32::MAX)) * 1000.0
    } else {
        http_date_ms(value)? - now_ms
    };
    (wait > 0.0).then_some(wait)
}

/// Milliseconds since the Unix epoch of an IMF-fixdate.
fn http_date_ms(value: &str) -> Option<f64> {
    let mut parts = value.split_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u8 = parts.next()?.parse().ok()?;
    let month = u8::try_from(month_number(parts.next()?.as_bytes())?).ok()?;
    let year: u16 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u32>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if clock.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = Date::from_ymd(year, month, day)?.days_since_epoch();
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(seconds as f64 * 1000.0)
}

/// A small deterministic generator (SplitMix64) for the jitter. Not for
/// secrets: it only spreads retries apart.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator started from the host's seed.
    pub fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    /// The next number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits fill an f64 mantissa exactly.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        assert_eq!(backoff_ms(500.0, 1, 0.0), 250.0);
        assert_eq!(backoff_ms(500.0, 1, 1.0), 500.0);
        assert_eq!(backoff_ms(500.0, 3, 0.5), 1500.0);
        assert_eq!(backoff_ms(500.0, 40, 1.0), MAX_BACKOFF_MS);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after_ms("3", 0.0), Some(3000.0));
        assert_eq!(retry_after_ms(" 0 ", 0.0), None);
        let at = http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(at, 784_111_777_000.0);
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at - 5000.0),
            Some(5000.0)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", at + 1.0),
            None,
            "a date in the past falls back to the normal backoff"
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 31 Feb 1994 08:49:37 GMT",
        ] {
            assert_eq!(retry_after_ms(bad, 0.0), None, "{bad}");
        }
    }

    #[test]
    fn jitter_is_deterministic_and_in_range() {
        let mut a = Jitter::new(7);
        let mut b = Jitter::new(7);
        for _ in 0..1000 {
            let x = a.next_unit();
            assert_eq!(x, b.next_unit());
            assert!((0.0..1.0).contains(&x));
        }
    }
}
