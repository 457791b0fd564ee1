//! Email addresses: normalising and validating the key of every user.
//!
//! Validation is deliberately shape-only (`local@domain.tld`): Torii needs a
//! key that looks like an address, not RFC 5322 compliance. A `mailto:`
//! prefix or surrounding `<…>` from pasted data is removed first.
//!
//! ```
//! use stripe_torii_sync::fields::email::{normalize_email, EmailProblem};
//!
//! assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
//! assert_eq!(normalize_email("<mailto:ada@example.com>").unwrap(), "ada@example.com");
//! assert_eq!(normalize_email(""), Err(EmailProblem::Missing));
//! assert_eq!(normalize_email("ada@example"), Err(EmailProblem::Invalid));
//! ```

/// Why an email cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailProblem {
    /// The cell is empty (after trimming).
    Missing,
    /// The cell is not `local@domain.tld`.
    Invalid,
}

/// Trims and lower-cases `cell` and checks it is `local@domain.tld`.
pub fn normalize_email(cell: &str) -> Result<String, EmailProblem> {
    let email = unwrap_pasted(cell.trim());
    if email.is_empty() {
        return Err(EmailProblem::Missing);
    }
    if !has_email_shape(email) {
        return Err(EmailProblem::Invalid);
    }
    Ok(if email.is_ascii() {
        email.to_ascii_lowercase()
    } else {
        email.to_lowercase()
    })
}

/// True when the trimmed cell has the shape of an email (used to tell a
/// header row from a data row, and a name that is really an email).
pub fn looks_like_email(cell: &str) -> bool {
    has_email_shape(unwrap_pasted(cell.trim()))
}

/// The domain part of a normalised email (`a@b.com` → `b.com`).
pub fn domain_of(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Removes `<…>` and a `mailto:` prefix, as found in pasted addresses.
fn unwrap_pasted(s: &str) -> &str {
    let s = s
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s);
    match s.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    }
}

fn has_email_shape(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') {
        return false;
    }
    let spaced = if s.is_ascii() {
        s.bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    } else {
        s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced {
        return false;
    }
    let mut labels = domain.split('.');
    let Some(tld) = domain.rsplit('.').next() else {
        return false;
    };
    let dotted = domain.contains('.');
    dotted
        && labels.all(|l| !l.is_empty())
        && tld.chars().count() >= 2
        && !tld.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_trimmed_and_lowercased() {
        for (cell, want) in [
            ("ada@example.com", "ada@example.com"),
            ("  ADA@Example.Com\t", "ada@example.com"),
            (
                "first.last+tag@sub.example.co.uk",
                "first.last+tag@sub.example.co.uk",
            ),
            ("MAILTO:ada@example.com", "ada@example.com"),
            ("<ada@example.com>", "ada@example.com"),
            ("ÉLODIE@exemple.fr", "élodie@exemple.fr"),
        ] {
            assert_eq!(normalize_email(cell).as_deref(), Ok(want), "{cell}");
        }
    }

    #[test]
    fn shapes_that_are_not_local_at_domain_tld_are_invalid() {
        for cell in [
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a@b@example.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@example.com.",
            "ada@example.c",
            "ada@10.0.0.1",
            "ada lovelace@example.com",
            "ada@exa\u{0}mple.com",
            "Email",
        ] {
            assert_eq!(normalize_email(cell), Err(EmailProblem::Invalid), "{cell}");
        }
        assert_eq!(normalize_email("   "), Err(EmailProblem::Missing));
        assert_eq!(normalize_email("<>"), Err(EmailProblem::Missing));
    }

    #[test]
    fn shape_checks_and_domains() {
        assert!(looks_like_email(" ada@example.com "));
        assert!(!looks_like_email("Email address"));
        assert_eq!(domain_of("ada@eu.example.com"), "eu.example.com");
        assert_eq!(domain_of("nodomain"), "");
    }
}
