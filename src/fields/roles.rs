//! Roles: one cell holding several role names.
//!
//! Stripe members can hold several roles, and the export does not document
//! how they are joined, so every plausible separator is accepted.
//!
//! ```
//! use stripe_torii_sync::fields::roles::push_roles;
//!
//! let mut roles = Vec::new();
//! push_roles("Developer, Analyst|developer", &mut roles);
//! assert_eq!(roles, ["Developer", "Analyst"]);
//! ```

/// Splits `cell` on `,` `;` `|` or newline, trims, drops empties, and appends
/// each role not already in `roles` (compared case-insensitively, keeping
/// the first spelling).
pub fn push_roles(cell: &str, roles: &mut Vec<String>) {
    for role in cell.split([',', ';', '|', '\n', '\r']) {
        let role = role.trim();
        if !role.is_empty() && !roles.iter().any(|r| same_role(r, role)) {
            roles.push(role.to_string());
        }
    }
}

/// Role names compare case-insensitively ("View only" is "View Only").
pub fn same_role(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(cell: &str) -> Vec<String> {
        let mut roles = Vec::new();
        push_roles(cell, &mut roles);
        roles
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
    fn blanks_and_duplicates_are_dropped() {
        assert!(split("").is_empty());
        assert!(split(" ,; | ").is_empty());
        assert_eq!(split("View only, View Only ,VIEW ONLY"), ["View only"]);
        assert_eq!(split("Ädmin, ädmin"), ["Ädmin"]);
    }

    #[test]
    fn existing_roles_are_kept_when_appending() {
        let mut roles = vec!["Owner".to_string()];
        push_roles("owner, Developer", &mut roles);
        assert_eq!(roles, ["Owner", "Developer"]);
    }
}
