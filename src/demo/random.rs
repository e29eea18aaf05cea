//! The demo's source of randomness: a seeded ChaCha8 stream, plus the few value shapes that
//! `rand` has no word for (durations, digit strings, postcode patterns).
//!
//! ChaCha8Rng rather than `StdRng`: `rand` documents `StdRng` as non-portable (its algorithm
//! may change in any release), while a generator named after its algorithm keeps its stream,
//! so a given database and count keep giving the same demo data after a dependency update.

use chrono::TimeDelta;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt as _, SeedableRng as _};

/// The generator every demo choice draws from. Demo data needs repeatability, not secrecy.
pub(super) type DemoRng = ChaCha8Rng;

pub(super) fn seeded(seed: u64) -> DemoRng {
    DemoRng::seed_from_u64(seed)
}

/// Demo-specific values drawn from [`DemoRng`].
pub(super) trait DemoValues {
    /// A uniform duration in `[0, span)`, to the microsecond (zero when `span` is not positive).
    fn micros(&mut self, span: TimeDelta) -> TimeDelta;

    /// A duration between `min` and `max`, log-uniform (hours are as common as weeks), with a
    /// microsecond part so that timestamps do not all fall on whole seconds.
    fn dwell(&mut self, min: TimeDelta, max: TimeDelta) -> TimeDelta;

    /// `count` decimal digits.
    fn digits(&mut self, count: usize) -> String;

    /// Fills a pattern: `#` becomes a digit, `@` an upper-case letter, the rest stays.
    fn pattern(&mut self, pattern: &str) -> String;
}

impl DemoValues for DemoRng {
    fn micros(&mut self, span: TimeDelta) -> TimeDelta {
        let span = span.num_microseconds().unwrap_or(i64::MAX);
        if span <= 0 {
            return TimeDelta::zero();
        }
        TimeDelta::microseconds(self.random_range(0..span))
    }

    fn dwell(&mut self, min: TimeDelta, max: TimeDelta) -> TimeDelta {
        let (lo, hi) = (min.num_seconds() as f64, max.num_seconds() as f64);
        let seconds = (lo.ln() + self.random::<f64>() * (hi.ln() - lo.ln())).exp();
        TimeDelta::seconds(seconds as i64) + self.micros(TimeDelta::seconds(1))
    }

    fn digits(&mut self, count: usize) -> String {
        (0..count).map(|_| self.random_range('0'..='9')).collect()
    }

    fn pattern(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| match c {
                '#' => self.random_range('0'..='9'),
                '@' => self.random_range('A'..='Z'),
                other => other,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_keep_their_shape() {
        let mut rng = seeded(5);
        for _ in 0..200 {
            let postcode = rng.pattern("EC1A #@@");
            let chars: Vec<char> = postcode.chars().collect();
            assert_eq!(chars.len(), 8, "{postcode}");
            assert_eq!(&postcode[..5], "EC1A ");
            assert!(chars[5].is_ascii_digit(), "{postcode}");
            assert!(
                chars[6..].iter().all(char::is_ascii_uppercase),
                "{postcode}"
            );
        }
        let digits = rng.digits(17);
        assert_eq!(digits.len(), 17);
        assert!(digits.chars().all(|c| c.is_ascii_digit()), "{digits}");
    }

    #[test]
    fn dwells_stay_between_their_bounds() {
        let mut rng = seeded(6);
        let (min, max) = (TimeDelta::hours(1), TimeDelta::weeks(2));
        let dwells: Vec<TimeDelta> = (0..2_000).map(|_| rng.dwell(min, max)).collect();
        assert!(
            dwells
                .iter()
                .all(|d| *d >= min && *d < max + TimeDelta::seconds(1))
        );
        // Log-uniform: about half of them under the geometric mean of the bounds (~18 hours).
        let short = dwells.iter().filter(|d| **d < TimeDelta::hours(18)).count();
        assert!((800..1_200).contains(&short), "{short}");
        assert!(dwells.iter().any(|d| d.subsec_nanos() != 0));
    }

    #[test]
    fn micros_cover_the_span_and_accept_an_empty_one() {
        let mut rng = seeded(7);
        let span = TimeDelta::days(540);
        for _ in 0..1_000 {
            let drawn = rng.micros(span);
            assert!(drawn >= TimeDelta::zero() && drawn < span);
        }
        assert_eq!(rng.micros(TimeDelta::zero()), TimeDelta::zero());
    }
}
