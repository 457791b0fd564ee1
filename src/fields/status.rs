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

use crate::text::{collapse_fold, FastMap};

/// Torii's user `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Shown as a user of the app.
    Active,
    /// No longer a user.
    Deleted,
}

/// Torii's `licenseStatus`, which is also the class a Stripe status maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// Precedence when two rows of one user disagree: active wins over
    /// invited (inactive), which wins over deleted.
    pub fn rank(self) -> u8 {
        match self {
            LicenseStatus::Active => 3,
            LicenseStatus::Inactive => 2,
            LicenseStatus::Deleted => 1,
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

/// Maps status cells using the built-in table plus user overrides, by a
/// hash lookup of the cell's collapsed, lower-cased wording: the cost of a
/// cell does not grow with the number of overrides.
#[derive(Debug, Clone)]
pub struct StatusMapper {
    classes: FastMap<String, LicenseStatus>,
}

impl Default for StatusMapper {
    fn default() -> Self {
        StatusMapper::new(Vec::new())
    }
}

impl StatusMapper {
    /// A mapper whose `overrides` (status text → class) win over the table.
    /// Override wording is matched like cells: trimmed, any case, with runs
    /// of spaces counting as one.
    pub fn new(overrides: Vec<(String, LicenseStatus)>) -> Self {
        let mut classes: FastMap<String, LicenseStatus> = TABLE
            .iter()
            .map(|&(wording, class)| (wording.to_string(), class))
            .collect();
        for (wording, class) in overrides {
            classes.insert(collapse_fold(&wording), class);
        }
        StatusMapper { classes }
    }

    /// Maps one cell (trimmed, case-insensitive, whitespace runs as one).
    pub fn map(&self, cell: &str) -> StatusMatch {
        let wording = collapse_fold(cell);
        if wording.is_empty() {
            return StatusMatch::Known(LicenseStatus::Active);
        }
        match self.classes.get(&wording) {
            Some(&class) => StatusMatch::Known(class),
            None => StatusMatch::Unknown,
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

/// The class names [`parse_class`] accepts, for messages and option help.
pub const CLASS_NAMES: [&str; 3] = ["active", "inactive", "deleted"];

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
