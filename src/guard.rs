//! The destructive-sync guard.
//!
//! A Torii custom-integration file is a snapshot: a user missing from it is
//! no longer a user of the app. A truncated export (a filter left on, half a
//! paste) would therefore silently remove people. Every host remembers the
//! user count of the last successful sync per app account and asks this
//! module before sending; a drop above the threshold is refused unless the
//! user confirmed it.

use serde::{Deserialize, Serialize};

/// The default largest share of users a sync may drop without confirmation.
pub const DEFAULT_MAX_DROP_PERCENT: f64 = 20.0;

/// What the guard is asked: the last and the new user count, the threshold,
/// and whether the user already confirmed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct GuardInput {
    /// Users in the last successful sync of this app account; `None` when
    /// there was none (a first sync is never refused).
    pub previous_user_count: Option<f64>,
    /// Users in the file about to be sent.
    pub user_count: f64,
    /// The largest drop allowed without confirmation, in percent (default 20).
    pub max_drop_percent: Option<f64>,
    /// The user confirmed a larger drop.
    pub allow_drop: bool,
}

/// The guard's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardVerdict {
    /// Whether the sync may go ahead.
    pub allowed: bool,
    /// How many percent of the previous users the new file drops (0 when it
    /// grows or there is no previous count), rounded to one decimal.
    pub drop_percent: f64,
    /// A sentence for the user: why it was refused, or that it is fine.
    pub message: String,
}

/// Decides whether a sync may replace `previous` users with `new` users.
///
/// ```
/// use stripe_torii_sync::guard::{check_sync, GuardInput};
///
/// let verdict = check_sync(&GuardInput {
///     previous_user_count: Some(100.0),
///     user_count: 9.0,
///     ..Default::default()
/// }).unwrap();
/// assert!(!verdict.allowed);
/// assert_eq!(verdict.drop_percent, 91.0);
/// assert!(verdict.message.contains("100"));
/// ```
///
/// # Errors
///
/// An `invalid_option` error when a count is negative or not whole, or the
/// threshold is outside 0–100.
pub fn check_sync(input: &GuardInput) -> crate::Result<GuardVerdict> {
    let new = whole_count(input.user_count, "userCount")?;
    let previous = match input.previous_user_count {
        Some(count) => Some(whole_count(count, "previousUserCount")?),
        None => None,
    };
    let max_drop = input.max_drop_percent.unwrap_or(DEFAULT_MAX_DROP_PERCENT);
    if !(0.0..=100.0).contains(&max_drop) {
        return Err(crate::Error::new(
            crate::ErrorKind::InvalidOption {
                option: "maxDropPercent".into(),
            },
            "maxDropPercent must be a number between 0 and 100".to_string(),
        ));
    }
    let Some(previous) = previous.filter(|&p| p > new) else {
        return Ok(GuardVerdict {
            allowed: true,
            drop_percent: 0.0,
            message: "the sync does not drop users".into(),
        });
    };
    let dropped = previous - new;
    let drop_percent = (dropped as f64 * 1000.0 / previous as f64).round() / 10.0;
    let over = drop_percent > max_drop;
    let message = if !over {
        format!("the sync drops {dropped} of {previous} users ({drop_percent}%), within the {max_drop}% allowed")
    } else if input.allow_drop {
        format!(
            "the sync drops {dropped} of {previous} users ({drop_percent}%); confirmed by the user"
        )
    } else {
        format!(
            "refused: the last sync sent {previous} users and this one sends {new}, \
             dropping {drop_percent}% (more than {max_drop}%). Torii would mark the missing \
             users as no longer using the app. Check the export is complete, then confirm \
             to sync anyway"
        )
    };
    Ok(GuardVerdict {
        allowed: !over || input.allow_drop,
        drop_percent,
        message,
    })
}

/// `tenths` as a decimal: 915 → "91.5", 910 → "91".
pub(crate) fn tenths(tenths: u64) -> String {
    match tenths % 10 {
        0 => (tenths / 10).to_string(),
        digit => format!("{}.{digit}", tenths / 10),
    }
}

/// A count as hosts send it (a JS number) checked to be a whole, non-negative
/// number that fits in `u32`.
fn whole_count(value: f64, option: &str) -> crate::Result<u32> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= f64::from(u32::MAX) {
        Ok(value as u32)
    } else {
        Err(crate::Error::new(
            crate::ErrorKind::InvalidOption {
                option: option.into(),
            },
            format!("{option} must be a whole, non-negative number of users"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(previous: Option<f64>, new: f64, max: Option<f64>, allow: bool) -> GuardVerdict {
        check_sync(&GuardInput {
            previous_user_count: previous,
            user_count: new,
            max_drop_percent: max,
            allow_drop: allow,
        })
        .unwrap()
    }

    #[test]
    fn first_sync_and_growth_are_allowed() {
        assert!(verdict(None, 1.0, None, false).allowed);
        assert!(verdict(Some(10.0), 12.0, None, false).allowed);
        assert_eq!(verdict(Some(10.0), 12.0, None, false).drop_percent, 0.0);
    }

    #[test]
    fn the_threshold_is_inclusive() {
        assert!(verdict(Some(10.0), 8.0, None, false).allowed);
        assert!(!verdict(Some(10.0), 7.0, None, false).allowed);
        assert!(verdict(Some(10.0), 7.0, Some(30.0), false).allowed);
    }

    #[test]
    fn confirmation_lets_a_large_drop_through() {
        let v = verdict(Some(100.0), 9.0, None, true);
        assert!(v.allowed);
        assert!(v.message.contains("confirmed"));
    }

    #[test]
    fn percentages_print_without_float_formatting() {
        assert_eq!(tenths(915), "91.5");
        assert_eq!(tenths(910), "91");
        assert_eq!(tenths(5), "0.5");
        let v = verdict(Some(3.0), 2.0, Some(12.5), false);
        assert_eq!(v.drop_percent, 33.3);
        assert!(
            v.message.contains("33.3% (more than 12.5%)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn bad_counts_are_errors() {
        for (previous, new, max) in [
            (Some(-1.0), 1.0, None),
            (None, 1.5, None),
            (None, f64::NAN, None),
            (None, 1.0, Some(101.0)),
        ] {
            let input = GuardInput {
                previous_user_count: previous,
                user_count: new,
                max_drop_percent: max,
                allow_drop: false,
            };
            assert_eq!(check_sync(&input).unwrap_err().code(), "invalid_option");
        }
    }
}
