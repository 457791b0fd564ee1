//! The destructive-sync guard.
//!
//! A Torii custom-integration file is a snapshot: a user missing from it is
//! no longer a user of the app. A truncated export (a filter left on, half
//! a paste) would therefore silently remove people. Every host keeps a
//! baseline per target (the record [`crate::sync::Outcome::baseline`] gives
//! it, and the last file synced when it can) and the session asks this
//! module before sending. The measure is the users the new file *removes*:
//! a file that swaps 40% of the users for others keeps the same count but
//! is just as destructive. A baseline that cannot be read is treated as
//! unknown, and the sync asks for confirmation rather than guessing.

use crate::json::{parse, Value};
use crate::text::{tenths, to_tenths};

/// The default largest share of users a sync may remove without confirmation.
pub const DEFAULT_MAX_DROP_PERCENT: f64 = 20.0;

/// What the host remembers of the last successful sync of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// Nothing: this is the target's first sync from this host.
    None,
    /// The user count of the last sync.
    Known {
        /// Users in the last synced file.
        user_count: u32,
    },
    /// Something was stored, but it is not a usable record.
    Unreadable {
        /// What is wrong with it.
        why: &'static str,
    },
}

impl Baseline {
    /// Reads what a host stored (the JSON text of an outcome's baseline).
    ///
    /// ```
    /// use stripe_torii_sync::sync::guard::Baseline;
    ///
    /// assert_eq!(Baseline::read(None), Baseline::None);
    /// assert_eq!(Baseline::read(Some(r#"{"userCount":100}"#)), Baseline::Known { user_count: 100 });
    /// assert!(matches!(Baseline::read(Some(r#"{"userCount":null}"#)), Baseline::Unreadable { .. }));
    /// assert!(matches!(Baseline::read(Some(r#"{"userCount":-5}"#)), Baseline::Unreadable { .. }));
    /// ```
    pub fn read(stored: Option<&str>) -> Baseline {
        let Some(stored) = stored else {
            return Baseline::None;
        };
        let unreadable = |why| Baseline::Unreadable { why };
        let Ok(value) = parse(stored) else {
            return unreadable("it is not JSON");
        };
        if !value.is_object() {
            return unreadable("it is not a record");
        }
        let count = match value.get("userCount") {
            None => return unreadable("it has no userCount"),
            Some(Value::Number(_)) => value.get("userCount").and_then(Value::as_f64),
            Some(_) => return unreadable("its userCount is not a number"),
        };
        match count {
            None => unreadable("its userCount is not a finite number"),
            Some(n) if n < 0.0 => unreadable("its userCount is negative"),
            Some(n) if n.fract() != 0.0 => unreadable("its userCount is not a whole number"),
            Some(n) if n > f64::from(u32::MAX) => unreadable("its userCount is too large"),
            Some(n) => Baseline::Known {
                user_count: n as u32,
            },
        }
    }
}

/// Why a sync needs confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// It removes more users than allowed.
    TooManyRemoved,
    /// The baseline to judge it by is unreadable.
    UnreadableBaseline,
}

impl DropReason {
    /// `too_many_removed` or `unreadable_baseline`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::TooManyRemoved => "too_many_removed",
            DropReason::UnreadableBaseline => "unreadable_baseline",
        }
    }
}

/// The guard's answer, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardVerdict {
    /// Whether the sync may go ahead without asking.
    pub allowed: bool,
    /// Why it may not, when it may not.
    pub reason: Option<DropReason>,
    /// Users in the last sync, when known.
    pub previous_users: Option<u32>,
    /// Of those, users the new file no longer holds.
    pub removed_users: u32,
    /// Users in the new file.
    pub new_users: u32,
    /// `removed / previous` in percent, rounded to one decimal (0 without
    /// a previous sync).
    pub drop_percent: f64,
    /// A sentence for the person: why it is refused, or that it is fine.
    pub message: String,
}

/// The last synced file compared with the new one: its users, and how
/// many of them the new file no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// Users in the last synced file.
    pub previous_users: u32,
    /// Of those, users missing from the new file.
    pub removed_users: u32,
}

/// Judges a sync of `new_users` users against the baseline and, when the
/// last synced file is known, what the new file removes from it.
///
/// ```
/// use stripe_torii_sync::sync::guard::{check, Baseline};
///
/// let verdict = check(&Baseline::Known { user_count: 100 }, None, 9, 20.0, false);
/// assert!(!verdict.allowed);
/// assert_eq!(verdict.drop_percent, 91.0);
/// assert!(verdict.message.contains("100"));
/// assert!(check(&Baseline::None, None, 9, 20.0, false).allowed);
/// ```
pub fn check(
    baseline: &Baseline,
    removal: Option<Removal>,
    new_users: u32,
    max_drop_percent: f64,
    allow_drop: bool,
) -> GuardVerdict {
    let mut verdict = GuardVerdict {
        allowed: true,
        reason: None,
        previous_users: None,
        removed_users: 0,
        new_users,
        drop_percent: 0.0,
        message: String::new(),
    };
    let (previous, removed) = match (removal, baseline) {
        (Some(r), _) => (r.previous_users, r.removed_users),
        (None, Baseline::Known { user_count }) => {
            (*user_count, user_count.saturating_sub(new_users))
        }
        (None, Baseline::Unreadable { why }) => {
            verdict.allowed = allow_drop;
            verdict.reason = (!allow_drop).then_some(DropReason::UnreadableBaseline);
            verdict.message = if allow_drop {
                format!("the record of the last sync is unreadable ({why}); confirmed, and this sync replaces it")
            } else {
                format!(
                    "the record of this target's last sync is unreadable ({why}), so this sync \
                     cannot be checked against it. Confirm to sync anyway; this sync's record \
                     then replaces it"
                )
            };
            return verdict;
        }
        (None, Baseline::None) => {
            verdict.message = "first sync of this target: nothing to compare with".into();
            return verdict;
        }
    };
    verdict.previous_users = Some(previous);
    verdict.removed_users = removed;
    let percent_tenths = if previous == 0 {
        0
    } else {
        to_tenths(f64::from(removed) * 100.0 / f64::from(previous))
    };
    verdict.drop_percent = percent_tenths as f64 / 10.0;
    let shown = tenths(percent_tenths);
    let max = tenths(to_tenths(max_drop_percent));
    let over = verdict.drop_percent > max_drop_percent;
    verdict.allowed = !over || allow_drop;
    verdict.reason = (over && !allow_drop).then_some(DropReason::TooManyRemoved);
    verdict.message = if removed == 0 {
        format!("the sync removes none of the {previous} users of the last sync")
    } else if !over {
        format!(
            "the sync removes {removed} of {previous} users ({shown}%), within the {max}% allowed"
        )
    } else if allow_drop {
        format!("the sync removes {removed} of {previous} users ({shown}%); confirmed")
    } else {
        format!(
            "the last sync sent {previous} users and this one removes {removed} of them \
             ({shown}%, more than the {max}% allowed without confirmation). Torii would mark \
             them as no longer using the app. Check the export is complete before you confirm"
        )
    };
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(n: u32) -> Baseline {
        Baseline::Known { user_count: n }
    }

    #[test]
    fn first_sync_and_growth_are_allowed() {
        assert!(check(&Baseline::None, None, 1, 20.0, false).allowed);
        let v = check(&known(10), None, 12, 20.0, false);
        assert!(v.allowed);
        assert_eq!(v.drop_percent, 0.0);
    }

    #[test]
    fn the_threshold_is_inclusive() {
        assert!(check(&known(10), None, 8, 20.0, false).allowed);
        assert!(!check(&known(10), None, 7, 20.0, false).allowed);
        assert!(check(&known(10), None, 7, 30.0, false).allowed);
    }

    #[test]
    fn confirmation_lets_a_large_drop_through() {
        let v = check(&known(100), None, 9, 20.0, true);
        assert!(v.allowed);
        assert!(v.message.contains("confirmed"));
    }

    #[test]
    fn a_swap_of_users_counts_what_it_removes() {
        let removal = Removal {
            previous_users: 100,
            removed_users: 40,
        };
        let v = check(&known(100), Some(removal), 100, 20.0, false);
        assert!(!v.allowed);
        assert_eq!((v.removed_users, v.drop_percent), (40, 40.0));
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
    }

    #[test]
    fn an_unreadable_baseline_asks_for_confirmation() {
        for stored in [
            "",
            "x",
            "[]",
            "{}",
            r#"{"userCount":"100"}"#,
            r#"{"userCount":null}"#,
            r#"{"userCount":-1}"#,
            r#"{"userCount":1.5}"#,
            r#"{"userCount":1e400}"#,
            r#"{"userCount":99999999999}"#,
        ] {
            let baseline = Baseline::read(Some(stored));
            assert!(matches!(baseline, Baseline::Unreadable { .. }), "{stored}");
            let v = check(&baseline, None, 50, 20.0, false);
            assert!(!v.allowed, "{stored}");
            assert_eq!(v.reason, Some(DropReason::UnreadableBaseline));
            assert!(v.message.contains("Confirm"));
            assert!(check(&baseline, None, 50, 20.0, true).allowed);
        }
    }

    #[test]
    fn percentages_print_without_float_formatting() {
        let v = check(&known(3), None, 2, 12.5, false);
        assert_eq!(v.drop_percent, 33.3);
        assert!(
            v.message.contains("33.3%, more than the 12.5% allowed"),
            "{}",
            v.message
        );
    }
}
