//! Roles: one cell holding several role names.
//!
//! Stripe members can hold several roles, and the export does not document
//! how they are joined, so every plausible separator is accepted. Role
//! names compare by [`role_key`], as the `excludeRoles` filter does too,
//! ignoring case and runs of whitespace ("View only" is "View Only" and
//! "View  only"); the first spelling seen is kept. De-duplication is the
//! transform's, which keys roles by [`role_key`] in hash sets, so a cell
//! of 60 000 roles costs 60 000 steps, not 60 000².
//!
//! ```
//! use stripe_torii_sync::fields::roles::split_roles;
//!
//! let roles: Vec<&str> = split_roles(" Developer, Analyst|developer;;").collect();
//! assert_eq!(roles, ["Developer", "Analyst", "developer"]);
//! ```

use std::borrow::Cow;

use crate::text::{collapse_fold, fold, is_invisible, is_trimmed_ascii, trim};

/// The text two role names are compared by, here and in the `excludeRoles`
/// filter: [`collapse_fold`]. A role of single-spaced, visible words
/// (nearly every one) only needs its case folded, which borrows when there
/// is none to fold.
///
/// ```
/// use stripe_torii_sync::fields::roles::role_key;
///
/// assert_eq!(role_key("View  Only"), role_key("view only"));
/// assert_eq!(role_key("Developer"), "developer");
/// ```
pub fn role_key(role: &str) -> Cow<'_, str> {
    if is_plainly_spaced(role) {
        fold(role)
    } else {
        Cow::Owned(collapse_fold(role))
    }
}

/// True when `a` and `b` are one role: [`role_key`] of both agree.
pub fn same_role(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    // Most pairs of roles differ in their first letter, which folding and
    // collapsing whitespace leave as it is when it is a visible ASCII one.
    if let (Some(p), Some(q)) = (x.first(), y.first()) {
        if p.is_ascii_graphic() && q.is_ascii_graphic() && !p.eq_ignore_ascii_case(q) {
            return false;
        }
    }
    if x.len() == y.len() && x.eq_ignore_ascii_case(y) {
        return true;
    }
    // Two plainly spaced roles are one only in the same length.
    if is_plainly_spaced(a) && is_plainly_spaced(b) {
        return false;
    }
    collapse_fold(a) == collapse_fold(b)
}

/// ASCII with no whitespace but single spaces between words, so that
/// [`collapse_fold`] would only fold its case.
fn is_plainly_spaced(role: &str) -> bool {
    // A space first counts as a doubled one.
    let mut after_space = true;
    for &b in role.as_bytes() {
        let space = b == b' ';
        if b >= 0x80 || (space && after_space) || (!space && is_trimmed_ascii(b)) {
            return false;
        }
        after_space = space;
    }
    !after_space || role.is_empty()
}

/// The role names in `cell`: split on `,` `;` `|` or a line break, trimmed
/// (of invisible characters too), empty pieces dropped. Duplicates are
/// left for the caller to merge.
pub fn split_roles(cell: &str) -> RoleSplit<'_> {
    RoleSplit { rest: Some(cell) }
}

/// The iterator of [`split_roles`]. The separators are ASCII, so cutting
/// at their bytes always falls on a character boundary.
#[derive(Debug, Clone)]
pub struct RoleSplit<'c> {
    rest: Option<&'c str>,
}

impl<'c> Iterator for RoleSplit<'c> {
    type Item = &'c str;

    fn next(&mut self) -> Option<&'c str> {
        loop {
            let rest = self.rest?;
            let cut = rest
                .bytes()
                .position(|b| matches!(b, b',' | b';' | b'|' | b'\n' | b'\r'));
            let piece = match cut {
                Some(at) => {
                    self.rest = Some(&rest[at + 1..]);
                    &rest[..at]
                }
                None => {
                    self.rest = None;
                    rest
                }
            };
            let role = trim_role(piece);
            if !role.is_empty() {
                return Some(role);
            }
        }
    }
}

/// A role trimmed of whitespace and of invisible characters at its edges
/// (a zero-width space pasted from a web page), which would otherwise make
/// "Owner" and "Owner\u{200b}" two roles.
fn trim_role(piece: &str) -> &str {
    let role = trim(piece);
    // Invisible characters are not ASCII: ASCII edges (nearly every role)
    // need no character decoded.
    match (role.as_bytes().first(), role.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii() && last.is_ascii() => return role,
        _ => {}
    }
    match (role.chars().next(), role.chars().next_back()) {
        (Some(first), Some(last)) if !is_invisible(first) && !is_invisible(last) => role,
        _ => role.trim_matches(|c: char| c.is_whitespace() || is_invisible(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(cell: &str) -> Vec<&str> {
        split_roles(cell).collect()
    }

    #[test]
    fn roles_are_one_role_ignoring_case_and_runs_of_whitespace() {
        for (a, b) in [
            ("View only", "View Only"),
            ("View only", "View  only"),
            ("View only", "view\tonly"),
            ("View only", "View\u{a0}Only"),
            ("Owner", "Own\u{200b}er"),
            ("Überprüfer", "ÜBERPRÜFER"),
        ] {
            assert!(same_role(a, b), "{a:?} {b:?}");
            assert_eq!(role_key(a), role_key(b), "{a:?} {b:?}");
        }
        for (a, b) in [("View only", "Viewonly"), ("Owner", "Owners")] {
            assert!(!same_role(a, b), "{a:?} {b:?}");
            assert_ne!(role_key(a), role_key(b), "{a:?} {b:?}");
        }
        // The shortcuts of same_role agree with the keys on every pair.
        let roles = [
            "",
            " ",
            "Owner",
            "owner",
            "OWNER ",
            " owner",
            "\u{200b}Owner",
            "Own\u{200b}er",
            "View only",
            "View  only",
            "view\tonly",
            "View\u{a0}Only",
            "Viewonly",
            "View",
            "ü",
            "Ü",
            "\u{b}Owner",
        ];
        for a in roles {
            for b in roles {
                assert_eq!(same_role(a, b), role_key(a) == role_key(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn every_separator_splits() {
        assert_eq!(
            split("Owner, Developer;Analyst|View only"),
            ["Owner", "Developer", "Analyst", "View only"]
        );
        assert_eq!(
            split("Developer\r\nAnalyst\nTax Analyst"),
            ["Developer", "Analyst", "Tax Analyst"]
        );
    }

    #[test]
    fn invisible_characters_at_the_edges_are_trimmed() {
        // Pasted from a web page, "Owner\u{200b}" would be a second Owner.
        assert_eq!(
            split("Owner\u{200b}, \u{feff}Developer,\u{200e}"),
            ["Owner", "Developer"]
        );
    }

    #[test]
    fn blanks_are_dropped() {
        assert!(split("").is_empty());
        assert!(split(" ,; | ").is_empty());
    }
}
