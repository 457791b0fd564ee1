//! Email addresses: normalising and validating the key of every user.

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
    let _ = cell;
    todo!()
}

/// True when the trimmed cell has the shape of an email (used to tell a
/// header row from a data row, and a name that is really an email).
pub fn looks_like_email(cell: &str) -> bool {
    let _ = cell;
    todo!()
}

/// The domain part of a normalised email (`a@b.com` → `b.com`).
pub fn domain_of(email: &str) -> &str {
    let _ = email;
    todo!()
}
