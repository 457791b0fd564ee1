//! Roles: one cell holding several role names.
//!
//! Stripe members can hold several roles, and the export does not document
//! how they are joined, so every plausible separator is accepted. Role
//! names compare ignoring case ("View only" is "View Only"); the first
//! spelling seen is kept. De-duplication is the transform's, which keys
//! roles by [`crate::text::fold`] in hash sets, so a cell of 60 000 roles
//! costs 60 000 steps, not 60 000².
//!
//! ```
//! use stripe_torii_sync::fields::roles::split_roles;
//!
//! let roles: Vec<&str> = split_roles(" Developer, Analyst|developer;;").collect();
//! assert_eq!(roles, ["Developer", "Analyst", "developer"]);
//! ```

use crate::text::{is_invisible, trim};

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
