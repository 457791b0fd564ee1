//! Member status: Stripe's wording mapped to Torii's user and license status.
//!
//! Every wording maps to a class, which is Torii's [`LicenseStatus`]; the
//! user status follows from the class. Hosts can add wording with
//! overrides, which win over the built-in table.
//!
//! ```
//! use stripe_torii_sync::fields::status::{LicenseStatus, StatusMapper, StatusMatch};
//!
//! let mapper = StatusMapper::default();
//! assert_eq!(mapper.map(" Invite  sent "), StatusMatch::Known(LicenseStatus::Inactive));
//! assert_eq!(mapper.map("Frozen"), StatusMatch::Unknown);
//! let mapper = StatusMapper::new(vec![("Frozen".into(), LicenseStatus::Deleted)]);
//! assert_eq!(mapper.map("FROZEN"), StatusMatch::Known(LicenseStatus::Deleted));
//! ```

use serde::{Deserialize, Serialize};

/// Torii's user `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Shown as a user of the app.
    Active,
    /// No longer a user.
    Deleted,
}

/// Torii's `licenseStatus`, which is also the class a Stripe status maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseStatus {
    /// Active member.
    Active,
    /// Invited, not yet accepted.
    Inactive,
    /// Expired invite or removed member.
    Deleted,
}

impl UserStatus {
    /// The value as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Deleted => "deleted",
        }
    }
}

impl LicenseStatus {
    /// The value as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "active",
            LicenseStatus::Inactive => "inactive",
            LicenseStatus::Deleted => "deleted",
        }
    }

    /// The user status that goes with this license status: invited members
    /// are users of the app, whose license is not in use yet.
    pub fn user_status(self) -> UserStatus {
        match self {
            LicenseStatus::Active | LicenseStatus::Inactive => UserStatus::Active,
            LicenseStatus::Deleted => UserStatus::Deleted,
        }
    }
}

/// The built-in table, in lower case with single spaces.
const TABLE: &[(&str, LicenseStatus)] = &[
    ("active", LicenseStatus::Active),
    ("accepted", LicenseStatus::Active),
    ("enabled", LicenseStatus::Active),
    ("invited", LicenseStatus::Inactive),
    ("pending", LicenseStatus::Inactive),
    ("invite sent", LicenseStatus::Inactive),
    ("invitation sent", LicenseStatus::Inactive),
    ("pending invite", LicenseStatus::Inactive),
    ("pending invitation", LicenseStatus::Inactive),
    ("expired", LicenseStatus::Deleted),
    ("invite expired", LicenseStatus::Deleted),
    ("invitation expired", LicenseStatus::Deleted),
    ("removed", LicenseStatus::Deleted),
    ("deactivated", LicenseStatus::Deleted),
    ("disabled", LicenseStatus::Deleted),
    ("suspended", LicenseStatus::Deleted),
    ("deleted", LicenseStatus::Deleted),
];

/// The result of mapping a status cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// A known (or empty) status.
    Known(LicenseStatus),
    /// Not in the table nor the overrides; treated as active with a warning.
    Unknown,
}

/// Maps status cells using the built-in table plus user overrides.
#[derive(Debug, Clone, Default)]
pub struct StatusMapper {
    overrides: Vec<(String, LicenseStatus)>,
}

impl StatusMapper {
    /// A mapper whose `overrides` (status text → class) win over the table.
    /// Override wording is matched like cells: trimmed, any case, with runs
    /// of spaces counting as one.
    pub fn new(overrides: Vec<(String, LicenseStatus)>) -> Self {
        let overrides = overrides
            .into_iter()
            .map(|(wording, class)| (crate::options::collapse_lower(&wording), class))
            .collect();
        StatusMapper { overrides }
    }

    /// Maps one cell (trimmed, case-insensitive).
    pub fn map(&self, cell: &str) -> StatusMatch {
        let cell = cell.trim();
        if cell.is_empty() {
            return StatusMatch::Known(LicenseStatus::Active);
        }
        let overrides = self.overrides.iter().map(|(w, c)| (w.as_str(), *c));
        match overrides
            .chain(TABLE.iter().copied())
            .find(|(w, _)| same_words(cell, w))
            .map(|(_, class)| class)
        {
            Some(class) => StatusMatch::Known(class),
            None => StatusMatch::Unknown,
        }
    }
}

/// Compares a cell with lower-case, single-spaced wording, ignoring case
/// and the width of whitespace runs, without allocating.
fn same_words(cell: &str, wording: &str) -> bool {
    let mut words = cell.split_whitespace();
    let mut expected = wording.split(' ');
    loop {
        match (words.next(), expected.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) => {
                let same = if a.is_ascii() {
                    a.eq_ignore_ascii_case(b)
                } else {
                    a.to_lowercase() == b
                };
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Parses a class name: `active`, `inactive` or `deleted` (any case).
pub fn parse_class(s: &str) -> Option<LicenseStatus> {
    let s = s.trim();
    [
        ("active", LicenseStatus::Active),
        ("inactive", LicenseStatus::Inactive),
        ("deleted", LicenseStatus::Deleted),
    ]
    .into_iter()
    .find(|(name, _)| name.eq_ignore_ascii_case(s))
    .map(|(_, class)| class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        let m = StatusMapper::default();
        for (cell, class) in [
            ("Active", LicenseStatus::Active),
            ("", LicenseStatus::Active),
            ("  ", LicenseStatus::Active),
            ("ACCEPTED", LicenseStatus::Active),
            ("Pending Invitation", LicenseStatus::Inactive),
            ("invitation\tsent", LicenseStatus::Inactive),
            ("Invite Expired", LicenseStatus::Deleted),
            ("Suspended", LicenseStatus::Deleted),
        ] {
            assert_eq!(m.map(cell), StatusMatch::Known(class), "{cell:?}");
        }
        assert_eq!(m.map("active user"), StatusMatch::Unknown);
        assert_eq!(m.map("pending invite sent"), StatusMatch::Unknown);
    }

    #[test]
    fn overrides_win() {
        let m = StatusMapper::new(vec![
            (" Invited ".into(), LicenseStatus::Active),
            ("On  Hold".into(), LicenseStatus::Inactive),
        ]);
        assert_eq!(m.map("invited"), StatusMatch::Known(LicenseStatus::Active));
        assert_eq!(
            m.map("on hold"),
            StatusMatch::Known(LicenseStatus::Inactive)
        );
    }

    #[test]
    fn classes_and_user_status() {
        assert_eq!(parse_class(" Inactive "), Some(LicenseStatus::Inactive));
        assert_eq!(parse_class("gone"), None);
        assert_eq!(LicenseStatus::Inactive.user_status(), UserStatus::Active);
        assert_eq!(LicenseStatus::Deleted.user_status(), UserStatus::Deleted);
    }
}
