//! The destructive-sync guard.
//!
//! A Torii custom-integration file is a snapshot, and only its active users
//! are users of the app: a user missing from it, or marked `deleted` in it,
//! is no longer one. A truncated export (a filter left on, half a paste) or
//! a wrong status mapping would therefore silently remove people. Every host
//! keeps a baseline per target (the record [`crate::sync::Outcome::baseline`]
//! gives it, and the last file synced when it can) and the session asks this
//! module before sending.
//!
//! The measure is the share of the last sync's *active* users that the new
//! file *drops*, by leaving them out or by marking them deleted. With the
//! last synced file, users compare by email, so a file that swaps 40% of
//! the users for others keeps the same count but is just as destructive.
//! With only the baseline's count, the drop is how many fewer active users
//! the new file has; a record from before active users were counted holds
//! all the users of its file, and is compared with all the users of the
//! new one, like with like. When the host has both, both are checked and the
//! stricter verdict wins: the stored file may be easier to tamper with than
//! the count (a hidden sheet any editor can cut down). The comparison with
//! the limit is exact, in integers. A baseline that cannot be read is
//! treated as unknown, and the sync asks for confirmation rather than
//! guessing. A file with no active user at all would empty the app whatever
//! Torii held, so it asks unless a record of the last sync counts no active
//! user either: a first sync, a stored file without its record (emptied,
//! cut down to deleted users) and an old record's count do not vouch for it.

use crate::json::{parse, Value};
use crate::text::{shorten, tenths, to_tenths};

/// The default largest share of users a sync may remove without confirmation.
pub const DEFAULT_MAX_DROP_PERCENT: f64 = 20.0;

/// The limit is compared in millionths of a percent, so a limit typed with
/// up to six decimals is taken exactly as typed.
const LIMIT_SCALE: f64 = 1_000_000.0;

/// What the host remembers of the last successful sync of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// Nothing: this is the target's first sync from this host.
    None,
    /// The active users of the last sync.
    Known {
        /// Active users (any status but `deleted`) in the last synced file:
        /// the record's `activeUsers`.
        active_users: u32,
    },
    /// A record written before `activeUsers` existed: only its `userCount`.
    AllUsers {
        /// All the users of the last synced file, deleted ones included.
        /// It is compared with all the users of the new file, so it cannot
        /// see users turned deleted; the last synced file, when the host
        /// keeps it, does, and the next sync's record counts active users.
        user_count: u32,
    },
    /// Something was stored, but it is not a usable record.
    Unreadable {
        /// What is wrong with it.
        why: &'static str,
    },
}

impl Baseline {
    /// Reads what a host stored (the JSON text of an outcome's baseline):
    /// its `activeUsers`, or for an older record its `userCount`, or for
    /// the first Apps Script version's record the bare count it stored.
    ///
    /// ```
    /// use stripe_torii_sync::sync::guard::Baseline;
    ///
    /// assert_eq!(Baseline::read(None), Baseline::None);
    /// assert_eq!(Baseline::read(Some(r#"{"userCount":100}"#)), Baseline::AllUsers { user_count: 100 });
    /// assert_eq!(Baseline::read(Some("100")), Baseline::AllUsers { user_count: 100 });
    /// assert!(matches!(Baseline::read(Some("")), Baseline::Unreadable { .. }));
    /// assert_eq!(
    ///     Baseline::read(Some(r#"{"userCount":100,"activeUsers":90}"#)),
    ///     Baseline::Known { active_users: 90 }
    /// );
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
        let (field, active) = match (value.get("activeUsers"), value.get("userCount")) {
            _ if matches!(value, Value::Number(_)) => (&value, false),
            _ if !value.is_object() => return unreadable("it is not a record"),
            (Some(field), _) => (field, true),
            (None, Some(field)) => (field, false),
            (None, None) => return unreadable("it has no userCount"),
        };
        let count = match field {
            Value::Number(_) => field.as_f64(),
            _ => return unreadable("its user count is not a number"),
        };
        match count {
            None => unreadable("its user count is not a finite number"),
            Some(n) if n < 0.0 => unreadable("its user count is negative"),
            Some(n) if n.fract() != 0.0 => unreadable("its user count is not a whole number"),
            Some(n) if n > f64::from(u32::MAX) => unreadable("its user count is too large"),
            Some(n) if active => Baseline::Known {
                active_users: n as u32,
            },
            Some(n) => Baseline::AllUsers {
                user_count: n as u32,
            },
        }
    }
}

/// What a host says when a sync went through but the record it was to keep
/// of it could not be stored (`why`): the next sync of the target is then
/// checked against the record before this one, and with none at all is a
/// first sync, so the person should know.
///
/// ```
/// use stripe_torii_sync::sync::guard::unsaved_record;
///
/// assert!(unsaved_record("the disk is full").starts_with(
///     "the sync went through, but its record could not be saved (the disk is full)"
/// ));
/// ```
pub fn unsaved_record(why: &str) -> String {
    format!(
        "the sync went through, but its record could not be saved ({why}), so the next sync of \
         this target is checked against the record before it, or, if there is none, against \
         nothing"
    )
}

/// What a stored record of the last sync says, for a person: "9 users
/// (7 active), file id 12, synced at 2026-12-04T05:00:00Z", leaving out what
/// the record lacks (an older record has no `activeUsers` or `syncedAt`);
/// or why it cannot be read, as the guard reads it ([`Baseline::read`]).
///
/// ```
/// use stripe_torii_sync::sync::guard::describe_record;
///
/// let record = r#"{"userCount":9,"activeUsers":7,"fileId":12,"syncedAt":"2026-12-04T05:00:00Z"}"#;
/// assert_eq!(describe_record(record), "9 users (7 active), file id 12, synced at 2026-12-04T05:00:00Z");
/// assert_eq!(describe_record(r#"{"userCount":1}"#), "1 user");
/// assert_eq!(describe_record("100"), "100 users");
/// assert_eq!(describe_record("{"), "a record that cannot be read (it is not JSON)");
/// ```
pub fn describe_record(stored: &str) -> String {
    if let Baseline::Unreadable { why } = Baseline::read(Some(stored)) {
        return format!("a record that cannot be read ({why})");
    }
    let Ok(value) = parse(stored) else {
        return String::new();
    };
    if let Value::Number(count) = value {
        return users(count);
    }
    let count = |key| match value.get(key) {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    };
    let mut parts = Vec::new();
    match (count("userCount"), count("activeUsers")) {
        (Some(all), Some(active)) => parts.push(format!("{} ({active} active)", users(all))),
        (Some(all), None) => parts.push(users(all)),
        (None, Some(active)) => parts.push(format!(
            "{active} active {}",
            if active == "1" { "user" } else { "users" }
        )),
        (None, None) => {}
    }
    match value.get("fileId") {
        Some(Value::Number(id)) => parts.push(format!("file id {id}")),
        Some(Value::String(id)) => parts.push(format!("file id {}", shorten(id))),
        _ => {}
    }
    if let Some(at) = value.get("syncedAt").and_then(Value::as_str) {
        parts.push(format!("synced at {}", shorten(at)));
    }
    parts.join(", ")
}

/// "N users", or "1 user", from a count as JSON wrote it.
fn users(count: &str) -> String {
    format!("{count} {}", if count == "1" { "user" } else { "users" })
}

/// Why a sync needs confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// It removes more users than allowed.
    TooManyRemoved,
    /// The baseline to judge it by is unreadable.
    UnreadableBaseline,
    /// The file has no active user, and no record of the last sync shows it
    /// had none either: it would remove every user of the app.
    NoActiveUsers,
}

impl DropReason {
    /// `too_many_removed`, `unreadable_baseline` or `no_active_users`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::TooManyRemoved => "too_many_removed",
            DropReason::UnreadableBaseline => "unreadable_baseline",
            DropReason::NoActiveUsers => "no_active_users",
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
    /// Active users in the last sync, when known (by the measure the
    /// verdict rests on; all its users when that is an old record's count).
    pub previous_users: Option<u32>,
    /// Of those, users the new file drops: leaves out or marks deleted.
    pub removed_users: u32,
    /// Active users in the new file (all its users when judged by an old
    /// record's count).
    pub new_users: u32,
    /// `removed / previous` in percent, rounded to one decimal (0 without
    /// a previous sync). For display only: `allowed` compares exactly.
    pub drop_percent: f64,
    /// A sentence for the person: why it is refused, or that it is fine.
    pub message: String,
}

impl GuardVerdict {
    /// What a host that can ask shows in its confirmation dialog: the
    /// message and the question, so that OK or Yes answers "sync anyway"
    /// on every host alike. `None` when the sync is allowed.
    ///
    /// ```
    /// use stripe_torii_sync::sync::guard::{check, Baseline, UserCounts};
    ///
    /// let two = UserCounts { users: 2, active: 2 };
    /// let drop = check(&Baseline::Known { active_users: 10 }, None, two, 20.0, false);
    /// assert!(drop.question().unwrap().ends_with("before you confirm.\n\nSync anyway?"));
    /// assert_eq!(check(&Baseline::None, None, two, 20.0, false).question(), None);
    /// ```
    pub fn question(&self) -> Option<String> {
        (!self.allowed).then(|| format!("{}.\n\nSync anyway?", self.message))
    }
}

/// The users of a Torii file, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCounts {
    /// Entries of its `users` list.
    pub users: u32,
    /// Of those, users of the app: any status but `deleted` (compared
    /// ignoring case), a missing one included.
    pub active: u32,
}

/// The last synced file compared with the new one: its active users, and
/// how many of them the new file drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// Active users (any status but `deleted`) in the last synced file.
    pub previous_users: u32,
    /// Of those, users missing from the new file or marked deleted in it.
    pub removed_users: u32,
    /// Of the removed, users the new file keeps but marks deleted.
    pub deleted_users: u32,
}

/// One measure of what a sync drops, from the last file or from a count.
#[derive(Debug, Clone, Copy)]
struct Measure {
    /// Users of the last sync, by this measure.
    previous: u32,
    /// Of those, users the new file drops.
    removed: u32,
    /// Of the removed, users the new file marks deleted.
    deleted: u32,
    /// Users of the new file, by this measure.
    new: u32,
    /// What the counts count, for the messages: "active users" or "users".
    noun: &'static str,
}

impl Measure {
    /// The last synced file against the new one, by email.
    fn by_file(r: Removal, new: UserCounts) -> Measure {
        Measure {
            previous: r.previous_users,
            removed: r.removed_users,
            deleted: r.deleted_users,
            new: new.active,
            noun: "active users",
        }
    }

    /// A stored count against the same count of the new file.
    fn by_count(previous: u32, new: u32, noun: &'static str) -> Measure {
        Measure {
            previous,
            removed: previous.saturating_sub(new),
            deleted: 0,
            new,
            noun,
        }
    }

    /// Whether this drops a larger share than `other` (exactly, in integers).
    fn drops_more_than(&self, other: &Measure) -> bool {
        u64::from(self.removed) * u64::from(other.previous)
            > u64::from(other.removed) * u64::from(self.previous)
    }

    /// Whether the share dropped is above `max_drop_percent`:
    /// `removed * 100 > max * previous`, in integers (the limit in
    /// millionths of a percent). A limit that is not a number allows no drop.
    fn exceeds(&self, max_drop_percent: f64) -> bool {
        // `as` saturates: NaN and negatives become 0, huge values the maximum.
        let limit = (max_drop_percent * LIMIT_SCALE).round() as u64;
        u128::from(self.removed) * 100 * LIMIT_SCALE as u128
            > u128::from(limit) * u128::from(self.previous)
    }

    /// The share dropped in tenths of a percent, rounded half up.
    fn percent_tenths(&self) -> u64 {
        let previous = u64::from(self.previous);
        if previous == 0 {
            return 0;
        }
        (u64::from(self.removed) * 2000 + previous) / (2 * previous)
    }
}

/// Judges a sync of a file with `new` users against the baseline and,
/// when the last synced file is known, what the new file drops from it.
/// With both, the stricter measure decides.
///
/// ```
/// use stripe_torii_sync::sync::guard::{check, Baseline, Removal, UserCounts};
///
/// let nine = UserCounts { users: 9, active: 9 };
/// let verdict = check(&Baseline::Known { active_users: 100 }, None, nine, 20.0, false);
/// assert!(!verdict.allowed);
/// assert_eq!(verdict.drop_percent, 91.0);
/// assert!(verdict.message.contains("100"));
/// assert!(check(&Baseline::None, None, nine, 20.0, false).allowed);
///
/// // A previous file cut down to one user does not hide the count's drop.
/// let one = UserCounts { users: 1, active: 1 };
/// let cut = Removal { previous_users: 1, removed_users: 0, deleted_users: 0 };
/// assert!(!check(&Baseline::Known { active_users: 100 }, Some(cut), one, 20.0, false).allowed);
/// ```
pub fn check(
    baseline: &Baseline,
    removal: Option<Removal>,
    new: UserCounts,
    max_drop_percent: f64,
    allow_drop: bool,
) -> GuardVerdict {
    let by_count = match baseline {
        Baseline::Known { active_users } => {
            Some(Measure::by_count(*active_users, new.active, "active users"))
        }
        Baseline::AllUsers { user_count } => {
            Some(Measure::by_count(*user_count, new.users, "users"))
        }
        Baseline::None | Baseline::Unreadable { .. } => None,
    };
    let by_file = removal.map(|r| Measure::by_file(r, new));
    // The stricter measure: one over the limit beats one within it, then
    // the larger share; on a tie the file's, which compares by email. (A
    // file cut down to no active users drops no share of them at all, so
    // the share alone would let it hide the count's drop.)
    let worst = match (by_file, by_count) {
        (Some(file), Some(count)) => {
            let count_is_stricter = match (
                count.exceeds(max_drop_percent),
                file.exceeds(max_drop_percent),
            ) {
                (true, false) => true,
                (false, true) => false,
                _ => count.drops_more_than(&file),
            };
            Some(if count_is_stricter { count } else { file })
        }
        (file, count) => file.or(count),
    };
    let mut verdict = GuardVerdict {
        allowed: true,
        reason: None,
        previous_users: worst.map(|w| w.previous),
        removed_users: worst.map_or(0, |w| w.removed),
        new_users: worst.map_or(new.active, |w| w.new),
        drop_percent: worst.map_or(0.0, |w| w.percent_tenths() as f64 / 10.0),
        message: String::new(),
    };
    match (worst, baseline) {
        (Some(w), _) if w.exceeds(max_drop_percent) => {
            verdict.allowed = allow_drop;
            verdict.reason = (!allow_drop).then_some(DropReason::TooManyRemoved);
            verdict.message = too_many_removed(&w, max_drop_percent, allow_drop);
        }
        (_, Baseline::Unreadable { why }) => {
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
        }
        // Whatever Torii holds for the app, a file of only deleted users
        // ends it all, so it asks unless a record of the last sync counts
        // no active user either: a stored file alone may have been emptied,
        // and an old record counts deleted users too.
        (_, b) if new.active == 0 && !matches!(b, Baseline::Known { .. }) => {
            let first = worst.is_none();
            verdict.allowed = allow_drop;
            verdict.reason = (!allow_drop).then_some(DropReason::NoActiveUsers);
            verdict.message = match (allow_drop, first) {
                (true, true) => {
                    "first sync of this target, with no active user in the file; confirmed".into()
                }
                (true, false) => "no active user in the file; confirmed".into(),
                (false, _) => {
                    let (first_sync, no_record) = if first {
                        ("this is the first sync of this target and ", "")
                    } else {
                        (
                            "",
                            " and no record of this target's last sync shows it had none either",
                        )
                    };
                    format!(
                        "{first_sync}the file has no active user (all {} of its users are \
                         marked deleted){no_record}, so Torii would mark every user of the app \
                         as no longer using it. Check the export and the status mapping before \
                         you confirm",
                        new.users
                    )
                }
            };
        }
        (Some(w), _) if w.removed == 0 => {
            verdict.message = format!(
                "the sync removes none of the {} {} of the last sync",
                w.previous, w.noun
            );
        }
        (Some(w), _) => {
            verdict.message = format!(
                "the sync removes {} of {} {} ({}%), within the {}% allowed",
                w.removed,
                w.previous,
                w.noun,
                tenths(w.percent_tenths()),
                tenths(to_tenths(max_drop_percent))
            );
        }
        (None, _) => verdict.message = "first sync of this target: nothing to compare with".into(),
    }
    verdict
}

/// The message for a drop above the limit. Rounded to one decimal, the
/// share can print as the limit itself (20.04% as 20%); it is then left
/// out, so the message never reads "20%, more than the 20% allowed".
fn too_many_removed(w: &Measure, max_drop_percent: f64, allow_drop: bool) -> String {
    let (previous, removed, noun) = (w.previous, w.removed, w.noun);
    let shown = w.percent_tenths();
    let max = to_tenths(max_drop_percent);
    let share = (shown > max).then(|| format!("{}%", tenths(shown)));
    if allow_drop {
        let share = share.unwrap_or_else(|| format!("more than {}%", tenths(max)));
        return format!("the sync removes {removed} of {previous} {noun} ({share}); confirmed");
    }
    let more_than = format!(
        "more than the {}% allowed without confirmation",
        tenths(max)
    );
    let share = match share {
        Some(share) => format!("{share}, {more_than}"),
        None => more_than,
    };
    let marked = match w.deleted {
        0 => String::new(),
        n => format!("; it marks {n} of them deleted"),
    };
    format!(
        "the last sync sent {previous} {noun} and this one removes {removed} of them \
         ({share}){marked}. Torii would mark them as no longer using the app. Check the \
         export is complete before you confirm"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(n: u32) -> Baseline {
        Baseline::Known { active_users: n }
    }

    #[test]
    fn a_record_is_described_with_what_it_holds() {
        // An older record: no activeUsers, no syncedAt (the page once printed "synced at undefined").
        assert_eq!(
            describe_record(r#"{"userCount":9,"fileId":"f-1"}"#),
            "9 users, file id f-1"
        );
        assert_eq!(describe_record(r#"{"activeUsers":1}"#), "1 active user");
        assert_eq!(
            describe_record(r#"{"userCount":2,"activeUsers":1,"syncedAt":"x\u0007"}"#),
            "2 users (1 active), synced at x\\u{7}"
        );
        for (stored, why) in [
            ("[]", "it is not a record"),
            (r#"{"fileId":1}"#, "it has no userCount"),
            (r#"{"userCount":-1}"#, "its user count is negative"),
        ] {
            assert_eq!(
                describe_record(stored),
                format!("a record that cannot be read ({why})")
            );
        }
    }

    /// A new file of `active` users, none marked deleted.
    fn n(active: u32) -> UserCounts {
        UserCounts {
            users: active,
            active,
        }
    }

    fn removal(previous_users: u32, removed_users: u32, deleted_users: u32) -> Option<Removal> {
        Some(Removal {
            previous_users,
            removed_users,
            deleted_users,
        })
    }

    #[test]
    fn first_sync_and_growth_are_allowed() {
        assert!(check(&Baseline::None, None, n(1), 20.0, false).allowed);
        let v = check(&known(10), None, n(12), 20.0, false);
        assert!(v.allowed);
        assert_eq!(v.drop_percent, 0.0);
    }

    #[test]
    fn the_threshold_is_inclusive() {
        assert!(check(&known(10), None, n(8), 20.0, false).allowed);
        assert!(!check(&known(10), None, n(7), 20.0, false).allowed);
        assert!(check(&known(10), None, n(7), 30.0, false).allowed);
    }

    #[test]
    fn confirmation_lets_a_large_drop_through() {
        let v = check(&known(100), None, n(9), 20.0, true);
        assert!(v.allowed);
        assert!(v.message.contains("confirmed"));
    }

    #[test]
    fn a_swap_of_users_counts_what_it_removes() {
        let removal = Removal {
            previous_users: 100,
            removed_users: 40,
            deleted_users: 0,
        };
        let v = check(&known(100), Some(removal), n(100), 20.0, false);
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
            "-1",
            "1.5",
            "NaN",
        ] {
            let baseline = Baseline::read(Some(stored));
            assert!(matches!(baseline, Baseline::Unreadable { .. }), "{stored}");
            let v = check(&baseline, None, n(50), 20.0, false);
            assert!(!v.allowed, "{stored}");
            assert_eq!(v.reason, Some(DropReason::UnreadableBaseline));
            assert!(v.message.contains("Confirm"));
            assert!(check(&baseline, None, n(50), 20.0, true).allowed);
        }
    }

    #[test]
    fn a_bare_count_guards_as_an_old_record_does() {
        let bare = Baseline::read(Some(" 100 "));
        assert_eq!(bare, Baseline::read(Some(r#"{"userCount":100}"#)));
        assert!(!check(&bare, None, n(9), 20.0, false).allowed);
    }

    #[test]
    fn percentages_print_without_float_formatting() {
        let v = check(&known(3), None, n(2), 12.5, false);
        assert_eq!(v.drop_percent, 33.3);
        assert!(
            v.message.contains("33.3%, more than the 12.5% allowed"),
            "{}",
            v.message
        );
    }

    #[test]
    fn the_limit_is_compared_exactly() {
        // 501 of 2500 is 20.04%: it rounds to 20% but is over the limit.
        let v = check(&Baseline::None, removal(2500, 501, 0), n(2500), 20.0, false);
        assert!(!v.allowed, "{}", v.message);
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
        assert_eq!(v.drop_percent, 20.0);
        assert!(!v.message.contains("20%,"), "{}", v.message);
        assert!(v
            .message
            .contains("removes 501 of them (more than the 20% allowed without confirmation)"));
        let confirmed = check(&Baseline::None, removal(2500, 501, 0), n(2500), 20.0, true);
        assert!(confirmed.message.contains("(more than 20%); confirmed"));
        assert!(check(&Baseline::None, removal(2500, 500, 0), n(2500), 20.0, false).allowed);
        // The count path too: 2500 to 1999 active users.
        assert!(!check(&known(2500), None, n(1999), 20.0, false).allowed);
        assert!(check(&known(2500), None, n(2000), 20.0, false).allowed);
        // A fractional limit, and limits that are not numbers.
        assert!(check(&known(1000), None, n(875), 12.5, false).allowed);
        assert!(!check(&known(1000), None, n(874), 12.5, false).allowed);
        assert!(!check(&known(10), None, n(9), f64::NAN, false).allowed);
        assert!(check(&known(10), None, n(0), f64::INFINITY, false).allowed);
        assert!(check(&known(u32::MAX), None, n(0), 100.0, false).allowed);
    }

    #[test]
    fn with_a_file_and_a_count_the_stricter_wins() {
        // The stored file was cut down to the one user still sent.
        let v = check(&known(100), removal(1, 0, 0), n(1), 20.0, false);
        assert!(!v.allowed);
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
        assert_eq!((v.previous_users, v.removed_users), (Some(100), 99));
        // Cut down to no active user at all (an empty file, or only deleted
        // users left): it drops no share of none, and the count still asks.
        let v = check(&known(100), removal(0, 0, 0), n(1), 20.0, false);
        assert!(!v.allowed);
        assert_eq!((v.previous_users, v.removed_users), (Some(100), 99));
        let v = check(
            &Baseline::AllUsers { user_count: 100 },
            removal(0, 0, 0),
            n(1),
            20.0,
            false,
        );
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
        // The file finds a swap the count cannot see.
        let v = check(&known(100), removal(100, 40, 0), n(100), 20.0, false);
        assert_eq!((v.previous_users, v.removed_users), (Some(100), 40));
        // Both fine: the larger share is reported.
        let v = check(&known(100), removal(100, 0, 0), n(90), 20.0, false);
        assert!(v.allowed);
        assert_eq!(v.removed_users, 10);
        assert!(v.message.contains("removes 10 of 100 active users (10%)"));
        // An unreadable record still asks, whatever the file says.
        let unreadable = Baseline::Unreadable {
            why: "it is not JSON",
        };
        let v = check(&unreadable, removal(10, 0, 0), n(10), 20.0, false);
        assert_eq!(v.reason, Some(DropReason::UnreadableBaseline));
        let v = check(&unreadable, removal(10, 9, 0), n(1), 20.0, false);
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
        assert!(check(&unreadable, removal(10, 9, 0), n(1), 20.0, true).allowed);
    }

    #[test]
    fn users_marked_deleted_count_as_removed() {
        let v = check(&known(100), removal(100, 100, 100), n(0), 20.0, false);
        assert!(!v.allowed);
        assert_eq!((v.removed_users, v.new_users), (100, 0));
        assert!(
            v.message.contains("; it marks 100 of them deleted. Torii"),
            "{}",
            v.message
        );
        assert!(!check(&known(100), None, n(0), 20.0, false)
            .message
            .contains("marks"));
        // By count alone: the active users are compared.
        let all_deleted = UserCounts {
            users: 100,
            active: 0,
        };
        let v = check(&known(100), None, all_deleted, 20.0, false);
        assert_eq!((v.allowed, v.removed_users), (false, 100));
        assert!(v.message.starts_with("the last sync sent 100 active users"));
    }

    #[test]
    fn no_active_user_asks_unless_a_record_counts_none_before() {
        let all_deleted = UserCounts {
            users: 3,
            active: 0,
        };
        // The stored file emptied (or cut to deleted users) and the record
        // deleted: nothing vouches that Torii holds no active user.
        for cut in [removal(0, 0, 0), None] {
            let v = check(&Baseline::None, cut, all_deleted, 20.0, false);
            assert_eq!(v.reason, Some(DropReason::NoActiveUsers), "{cut:?}");
            assert!(check(&Baseline::None, cut, all_deleted, 20.0, true).allowed);
        }
        // An old record counts all the users, deleted ones too.
        let old = Baseline::AllUsers { user_count: 3 };
        let v = check(&old, None, all_deleted, 20.0, false);
        assert_eq!(v.reason, Some(DropReason::NoActiveUsers), "{}", v.message);
        assert!(v.message.contains("no active user"), "{}", v.message);
        // A record of a last sync with no active user either: harmless.
        assert!(check(&known(0), removal(0, 0, 0), all_deleted, 20.0, false).allowed);
        assert!(check(&known(0), None, all_deleted, 20.0, false).allowed);
    }

    #[test]
    fn an_old_record_compares_all_users_like_with_like() {
        let old = Baseline::read(Some(r#"{"userCount":9,"fileId":1}"#));
        assert_eq!(old, Baseline::AllUsers { user_count: 9 });
        // Nine users sent, two of them deleted then and now: no drop.
        let same = UserCounts {
            users: 9,
            active: 7,
        };
        let v = check(&old, None, same, 20.0, false);
        assert!(v.allowed, "{}", v.message);
        assert_eq!(
            v.message,
            "the sync removes none of the 9 users of the last sync"
        );
        let v = check(&old, None, n(2), 20.0, false);
        assert_eq!(
            (v.allowed, v.previous_users, v.new_users),
            (false, Some(9), 2)
        );
        assert!(v.message.starts_with("the last sync sent 9 users and"));
        // The previous file, when kept, still sees users turned deleted.
        let turned = UserCounts {
            users: 9,
            active: 0,
        };
        assert!(!check(&old, removal(7, 7, 7), turned, 20.0, false).allowed);
    }

    #[test]
    fn a_record_with_active_users_is_read_by_them() {
        assert_eq!(
            Baseline::read(Some(r#"{"userCount":120,"activeUsers":100,"fileId":3}"#)),
            known(100)
        );
        assert!(matches!(
            Baseline::read(Some(r#"{"userCount":120,"activeUsers":"100"}"#)),
            Baseline::Unreadable { .. }
        ));
    }
}
