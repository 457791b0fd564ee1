//! Finding the columns: header names and aliases, explicit mappings, and
//! the positional layout of Torii's sample for files without a header.
//!
//! The result, [`Columns`], tells the transform which cell holds which field.
//! It is the only place that knows the aliases; the README's table of
//! accepted headers is generated from the same lists ([`ALIASES`]).

use crate::error::{Error, ErrorKind, Result};
use crate::options::{ColumnOptions, ColumnRef};
use crate::report::{ColumnsUsed, Layout};

/// Header names accepted for each field, as written in the README. Matching
/// ignores case, spaces, `-`, `_`, `.` and a trailing `(…)` such as `(UTC)`.
pub const ALIASES: &[(&str, &[&str])] = &[
    ("email", &["Email", "E-mail", "Email address"]),
    ("name", &["Name", "Full name", "User"]),
    ("firstName", &["First name", "Given name"]),
    ("lastName", &["Last name", "Surname", "Family name"]),
    ("status", &["Status"]),
    ("roles", &["Role", "Roles", "Type"]),
    (
        "lastUsed",
        &[
            "Last login",
            "Last active",
            "Last used",
            "Last seen",
            "Last sign in",
        ],
    ),
];

/// Torii's sample layout for exports without a header row.
const POSITIONAL: ColumnIndexes = ColumnIndexes {
    email: 0,
    name: Some(1),
    first_name: None,
    last_name: None,
    status: Some(2),
    roles: Some(3),
    last_used: Some(5),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ColumnIndexes {
    email: usize,
    name: Option<usize>,
    first_name: Option<usize>,
    last_name: Option<usize>,
    status: Option<usize>,
    roles: Option<usize>,
    last_used: Option<usize>,
}

/// Which cell holds which field, plus the header texts for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Email cell index.
    pub email: usize,
    /// Full-name cell index.
    pub name: Option<usize>,
    /// First-name cell index.
    pub first_name: Option<usize>,
    /// Last-name cell index.
    pub last_name: Option<usize>,
    /// Status cell index.
    pub status: Option<usize>,
    /// Role(s) cell index.
    pub roles: Option<usize>,
    /// Last-used cell index.
    pub last_used: Option<usize>,
    /// Header row or positional layout.
    pub layout: Layout,
    /// Cells per row the header (or first row) had.
    pub width: usize,
    headers: Vec<String>,
    normalized_headers: Vec<String>,
}

/// Normalises a header for matching: lower-case, without spaces, `-`, `_`,
/// `.`, and without a trailing parenthesised note.
///
/// ```
/// use stripe_torii_sync::columns::normalize_header;
///
/// assert_eq!(normalize_header(" E-mail Address "), "emailaddress");
/// assert_eq!(normalize_header("Last login (UTC)"), "lastlogin");
/// ```
pub fn normalize_header(header: &str) -> String {
    let trimmed = header.trim();
    let base = match (trimmed.ends_with(')'), trimmed.rfind('(')) {
        (true, Some(open)) if open > 0 => &trimmed[..open],
        _ => trimmed,
    };
    base.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn field_for(normalized: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, names)| names.iter().any(|n| normalize_header(n) == normalized))
        .map(|(field, _)| *field)
}

impl Columns {
    /// Maps a header row. Explicit columns in `explicit` win over detection.
    /// Without an email column this fails with the headers found and the
    /// names accepted.
    ///
    /// ```
    /// use stripe_torii_sync::columns::Columns;
    /// use stripe_torii_sync::options::ColumnOptions;
    ///
    /// let c = Columns::from_header(&["E-mail", "Full Name", "Last seen"], &ColumnOptions::default()).unwrap();
    /// assert_eq!((c.email, c.name, c.last_used), (0, Some(1), Some(2)));
    /// ```
    pub fn from_header(headers: &[&str], explicit: &ColumnOptions) -> Result<Columns> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let find = |field: &str| -> Option<usize> {
            normalized.iter().position(|n| field_for(n) == Some(field))
        };
        let mut idx = ColumnIndexes {
            // A header such as "Work email" is still the email column.
            email: find("email")
                .or_else(|| normalized.iter().position(|n| n.contains("email")))
                .unwrap_or(usize::MAX),
            name: find("name"),
            first_name: find("firstName"),
            last_name: find("lastName"),
            status: find("status"),
            roles: find("roles"),
            last_used: find("lastUsed"),
        };
        let mut columns = Columns {
            email: 0,
            name: None,
            first_name: None,
            last_name: None,
            status: None,
            roles: None,
            last_used: None,
            layout: Layout::Header,
            width: headers.len(),
            headers: headers.iter().map(|h| h.trim().to_string()).collect(),
            normalized_headers: normalized,
        };
        columns.apply_explicit(&mut idx, explicit)?;
        if idx.email == usize::MAX {
            return Err(missing_email_column(&columns.headers));
        }
        columns.set(idx);
        Ok(columns)
    }

    /// Torii's sample layout for a file whose first row is already data:
    /// 0 email, 1 name, 2 status, 3 role, 5 last login. Explicit columns
    /// must be positions here, since there are no header names.
    pub fn positional(width: usize, explicit: &ColumnOptions) -> Result<Columns> {
        let mut columns = Columns {
            email: 0,
            name: None,
            first_name: None,
            last_name: None,
            status: None,
            roles: None,
            last_used: None,
            layout: Layout::Positional,
            width,
            headers: Vec::new(),
            normalized_headers: Vec::new(),
        };
        let mut idx = POSITIONAL;
        columns.apply_explicit(&mut idx, explicit)?;
        columns.set(idx);
        Ok(columns)
    }

    fn set(&mut self, idx: ColumnIndexes) {
        self.email = idx.email;
        self.name = idx.name;
        self.first_name = idx.first_name;
        self.last_name = idx.last_name;
        self.status = idx.status;
        self.roles = idx.roles;
        self.last_used = idx.last_used;
        // Separate first/last columns are more precise than a full name.
        if self.first_name.is_some() || self.last_name.is_some() {
            self.name = None;
        }
    }

    fn apply_explicit(&self, idx: &mut ColumnIndexes, explicit: &ColumnOptions) -> Result<()> {
        if let Some(r) = &explicit.email {
            idx.email = self.resolve("email", r)?;
        }
        let optional = [
            ("name", &explicit.name, &mut idx.name),
            ("firstName", &explicit.first_name, &mut idx.first_name),
            ("lastName", &explicit.last_name, &mut idx.last_name),
            ("status", &explicit.status, &mut idx.status),
            ("roles", &explicit.roles, &mut idx.roles),
            ("lastUsed", &explicit.last_used, &mut idx.last_used),
        ];
        for (field, requested, slot) in optional {
            if let Some(r) = requested {
                *slot = Some(self.resolve(field, r)?);
            }
        }
        Ok(())
    }

    fn resolve(&self, field: &str, requested: &ColumnRef) -> Result<usize> {
        let found = match requested {
            ColumnRef::Position(n) if *n >= 1 => Some(n - 1),
            ColumnRef::Position(_) => None,
            ColumnRef::Header(name) => {
                let wanted = normalize_header(name);
                self.normalized_headers.iter().position(|h| *h == wanted)
            }
        };
        found.ok_or_else(|| {
            let why = match (requested, self.layout) {
                (ColumnRef::Position(_), _) => "column numbers start at 1".to_string(),
                (ColumnRef::Header(_), Layout::Positional) => {
                    "the file has no header row, so map columns by number".to_string()
                }
                (ColumnRef::Header(_), Layout::Header) => {
                    format!("headers found: {}", self.headers.join(", "))
                }
            };
            Error::new(
                ErrorKind::UnknownColumn {
                    field: field.to_string(),
                    requested: requested.to_string(),
                },
                format!(
                    "the {field} column is mapped to {requested}, which is not in the file; {why}"
                ),
            )
        })
    }

    /// A readable name for cell `index`: its header, or `column N`.
    pub fn label(&self, index: usize) -> String {
        match self.headers.get(index) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("column {}", index + 1),
        }
    }

    /// True when a row is the header again (compared after normalising).
    pub fn is_header_again(&self, cells: impl Iterator<Item = String>) -> bool {
        self.layout == Layout::Header && cells.eq(self.normalized_headers.iter().cloned())
    }

    /// The header used for each field, for the report.
    pub fn used(&self) -> ColumnsUsed {
        let label = |i: Option<usize>| i.map(|i| self.label(i));
        ColumnsUsed {
            email: self.label(self.email),
            name: label(self.name),
            first_name: label(self.first_name),
            last_name: label(self.last_name),
            status: label(self.status),
            roles: label(self.roles),
            last_used: label(self.last_used),
        }
    }
}

fn missing_email_column(headers: &[String]) -> Error {
    let accepted = ALIASES[0].1.join(", ");
    let found = if headers.iter().all(|h| h.is_empty()) {
        "none".to_string()
    } else {
        headers.join(", ")
    };
    Error::new(
        ErrorKind::MissingEmailColumn {
            headers_found: headers.to_vec(),
        },
        format!(
            "no email column: the header row has {found}; \
             name the email column one of {accepted} (any case), or map it with the columns option"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_case_and_space_insensitive() {
        let c = Columns::from_header(
            &["EMAIL ADDRESS", "user", "STATUS", "type", "Last Sign-In"],
            &ColumnOptions::default(),
        )
        .unwrap();
        assert_eq!(c.email, 0);
        assert_eq!(c.name, Some(1));
        assert_eq!(c.status, Some(2));
        assert_eq!(c.roles, Some(3));
        assert_eq!(c.last_used, Some(4));
    }

    #[test]
    fn first_and_last_name_columns_win_over_a_full_name() {
        let c = Columns::from_header(
            &["Name", "First name", "Last name", "Email"],
            &ColumnOptions::default(),
        )
        .unwrap();
        assert_eq!(
            (c.email, c.name, c.first_name, c.last_name),
            (3, None, Some(1), Some(2))
        );
    }

    #[test]
    fn missing_email_lists_headers_and_accepted_names() {
        let err = Columns::from_header(&["Name", "Role"], &ColumnOptions::default()).unwrap_err();
        assert_eq!(err.code(), "missing_email_column");
        assert!(err.message().contains("Name, Role"));
        assert!(err.message().contains("Email, E-mail, Email address"));
    }

    #[test]
    fn explicit_columns_by_name_and_position() {
        let explicit = ColumnOptions {
            email: Some(ColumnRef::Header("login".into())),
            last_used: Some(ColumnRef::Position(1)),
            ..Default::default()
        };
        let c = Columns::from_header(&["When", "Login"], &explicit).unwrap();
        assert_eq!((c.email, c.last_used), (1, Some(0)));
        let bad = ColumnOptions {
            email: Some(ColumnRef::Header("Mail".into())),
            ..Default::default()
        };
        let err = Columns::from_header(&["When", "Login"], &bad).unwrap_err();
        assert_eq!(err.code(), "unknown_column");
        assert!(err.message().contains("When, Login"));
    }

    #[test]
    fn positional_layout_follows_torii_sample() {
        let c = Columns::positional(6, &ColumnOptions::default()).unwrap();
        assert_eq!(
            (c.email, c.name, c.status, c.roles, c.last_used),
            (0, Some(1), Some(2), Some(3), Some(5))
        );
        assert_eq!(c.label(5), "column 6");
    }
}
