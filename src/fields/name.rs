//! Full names: splitting one cell into Torii's `firstName` / `lastName`.

/// First and last name, either of which may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameParts {
    /// Everything but the last name, or the single word of a one-word name.
    pub first: Option<String>,
    /// The last word (with a suffix such as "Jr." attached).
    pub last: Option<String>,
}

/// Splits a full-name cell.
pub fn split_name(cell: &str) -> NameParts {
    let _ = cell;
    todo!()
}
