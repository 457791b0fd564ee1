//! Finding the columns: the fields a row can hold, their header aliases,
//! explicit mappings, and the positional layout of Torii's sample for files
//! without a header.
//!
//! [`Field`] names what the transform reads and [`FieldMap`] holds one value
//! per field, so the list of fields is written once. The result,
//! [`Columns`], tells the transform which cell holds which field, and which
//! header cells it will not read ([`Columns::unread`]) so that the report
//! can say so. This is the only place that knows the aliases; the README's
//! table of accepted headers lists the same names ([`Field::aliases`]).

use std::fmt;
use std::ops::{Index, IndexMut};

use crate::error::{Error, ErrorKind, Result};
use crate::text::{is_invisible, plural};

/// The header row of Stripe's team export, in its order: the columns a
/// file without a header is read by ([`Columns::positional`]), and the
/// header "Set up sheets" writes in a new Users sheet.
pub const STRIPE_EXPORT_HEADER: [&str; 6] = [
    "Email",
    "Name",
    "Status",
    "Role",
    "Two-step authentication",
    "Last login",
];

/// A field of a Stripe export row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The email address: the user's key.
    Email,
    /// The full name, split into first and last name.
    Name,
    /// The first name, when the export has separate name columns.
    FirstName,
    /// The last name.
    LastName,
    /// The member status (`Active`, `Invited`, ...).
    Status,
    /// The role or roles.
    Roles,
    /// The last login.
    LastUsed,
}

impl Field {
    /// Every field, in the order they are listed.
    pub const ALL: [Field; 7] = [
        Field::Email,
        Field::Name,
        Field::FirstName,
        Field::LastName,
        Field::Status,
        Field::Roles,
        Field::LastUsed,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The field's name in options (`email`, `firstName`, `lastUsed`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::FirstName => "firstName",
            Field::LastName => "lastName",
            Field::Status => "status",
            Field::Roles => "roles",
            Field::LastUsed => "lastUsed",
        }
    }

    /// Header names accepted for the field, as written in the README.
    /// Matching ignores case, spaces, `-`, `_`, `.` and a trailing `(…)`
    /// such as `(UTC)`.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Email => &["Email", "E-mail", "Email address"],
            Field::Name => &["Name", "Full name", "User"],
            Field::FirstName => &["First name", "Given name"],
            Field::LastName => &["Last name", "Surname", "Family name"],
            Field::Status => &["Status"],
            Field::Roles => &["Role", "Roles", "Type"],
            Field::LastUsed => &[
                "Last login",
                "Last active",
                "Last used",
                "Last seen",
                "Last sign in",
            ],
        }
    }

    /// The field a mapping names: its option name or one of its aliases,
    /// matched like headers (`email`, `first_name`, `Last login`).
    ///
    /// ```
    /// use stripe_torii_sync::columns::Field;
    ///
    /// assert_eq!(Field::parse("firstName"), Some(Field::FirstName));
    /// assert_eq!(Field::parse("last-login"), Some(Field::LastUsed));
    /// assert_eq!(Field::parse("role"), Some(Field::Roles));
    /// assert_eq!(Field::parse("salary"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Field> {
        let wanted = normalize_header(name);
        Field::ALL.into_iter().find(|field| {
            normalize_header(field.name()) == wanted
                || field
                    .aliases()
                    .iter()
                    .any(|a| normalize_header(a) == wanted)
        })
    }

    /// The field a normalised header names, if any.
    fn for_header(normalized: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| {
            field
                .aliases()
                .iter()
                .any(|alias| normalize_header(alias) == normalized)
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One value per [`Field`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap<T>([T; 7]);

impl<T> FieldMap<T> {
    /// A map whose value for each field is `f(field)`.
    pub fn from_fn(mut f: impl FnMut(Field) -> T) -> Self {
        FieldMap(Field::ALL.map(&mut f))
    }

    /// The fields and their values, in [`Field::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &T)> {
        Field::ALL.into_iter().zip(self.0.iter())
    }
}

impl<T> Index<Field> for FieldMap<T> {
    type Output = T;

    fn index(&self, field: Field) -> &T {
        &self.0[field.index()]
    }
}

impl<T> IndexMut<Field> for FieldMap<T> {
    fn index_mut(&mut self, field: Field) -> &mut T {
        &mut self.0[field.index()]
    }
}

/// An explicit column: a header name (matched like detected headers,
/// ignoring case and spaces) or a 1-based column number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    /// 1-based column number, as a spreadsheet user counts.
    Position(usize),
    /// A header name.
    Header(String),
}

impl ColumnRef {
    /// A mapping's text: digits are a column number, anything else a header.
    pub fn parse(text: &str) -> ColumnRef {
        let text = text.trim();
        match text.parse::<usize>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => ColumnRef::Position(n),
            _ => ColumnRef::Header(text.to_string()),
        }
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Position(n) => write!(f, "column {n}"),
            ColumnRef::Header(h) => write!(f, "\"{}\"", crate::text::shorten(h)),
        }
    }
}

/// Explicit columns for the fields that have one.
pub type ColumnMapping = FieldMap<Option<ColumnRef>>;

/// Which layout the columns were read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// The first row is a header and columns are found by name.
    #[default]
    Header,
    /// No header: Torii's sample positions (0 email, 1 name, 2 status, 3 role, 5 last login).
    Positional,
}

impl Layout {
    /// `header` or `positional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Header => "header",
            Layout::Positional => "positional",
        }
    }
}

/// The header (or `column N`) used for each field, for the report.
pub type ColumnsUsed = FieldMap<Option<String>>;

/// How the columns option named a field's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MappedBy {
    /// By its number: one column, whatever the headers say.
    Number,
    /// By its header, which picks the first column so headed.
    Header,
}

/// Which cell holds which field, plus the header texts for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    at: FieldMap<Option<usize>>,
    /// The fields the columns option mapped, and how.
    mapped: FieldMap<Option<MappedBy>>,
    email: usize,
    /// Header row or positional layout.
    pub layout: Layout,
    /// Cells per row the header (or first row) had.
    pub width: usize,
    headers: Vec<String>,
    normalized_headers: Vec<String>,
}

/// Normalises a header for matching: lower-case, without spaces, `-`, `_`,
/// `.`, invisible characters (a byte-order mark left by `cat` of two
/// exports, a zero-width space) and a trailing parenthesised note.
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
        .filter(|&c| !c.is_whitespace() && !is_invisible(c) && !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Columns {
    /// Maps a header row. Explicit columns in `explicit` win over detection.
    /// Without an email column this fails with the headers found and the
    /// names accepted.
    ///
    /// ```
    /// use stripe_torii_sync::columns::{ColumnMapping, Columns, Field};
    ///
    /// let c = Columns::from_header(&["E-mail", "Full Name", "Last seen"], &ColumnMapping::default()).unwrap();
    /// assert_eq!((c.email(), c.get(Field::Name), c.get(Field::LastUsed)), (0, Some(1), Some(2)));
    /// ```
    pub fn from_header(headers: &[&str], explicit: &ColumnMapping) -> Result<Columns> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let mut at = FieldMap::from_fn(|field| {
            normalized
                .iter()
                .position(|n| Field::for_header(n) == Some(field))
        });
        // A header such as "Work email" is still the email column.
        if at[Field::Email].is_none() {
            at[Field::Email] = normalized.iter().position(|n| n.contains("email"));
        }
        let mut columns = Columns {
            at,
            mapped: FieldMap::default(),
            email: 0,
            layout: Layout::Header,
            width: headers.len(),
            headers: headers.iter().map(|h| h.trim().to_string()).collect(),
            normalized_headers: normalized,
        };
        columns.apply_explicit(explicit)?;
        columns.finish()
    }

    /// Torii's sample layout for a file whose first row is already data:
    /// the columns of [`STRIPE_EXPORT_HEADER`], 0 email, 1 name, 2 status,
    /// 3 role, 5 last login. Explicit columns must be positions here, since
    /// there are no header names.
    pub fn positional(width: usize, explicit: &ColumnMapping) -> Result<Columns> {
        let mut columns = Columns {
            at: FieldMap::from_fn(|field| match field {
                Field::Email => Some(0),
                Field::Name => Some(1),
                Field::Status => Some(2),
                Field::Roles => Some(3),
                Field::LastUsed => Some(5),
                Field::FirstName | Field::LastName => None,
            }),
            mapped: FieldMap::default(),
            email: 0,
            layout: Layout::Positional,
            width,
            headers: Vec::new(),
            normalized_headers: Vec::new(),
        };
        columns.apply_explicit(explicit)?;
        columns.finish()
    }

    fn finish(mut self) -> Result<Columns> {
        let Some(email) = self.at[Field::Email] else {
            return Err(missing_email_column(&self.headers));
        };
        self.email = email;
        // Separate first/last columns are more precise than a full name.
        if self.at[Field::FirstName].is_some() || self.at[Field::LastName].is_some() {
            self.at[Field::Name] = None;
        }
        Ok(self)
    }

    fn apply_explicit(&mut self, explicit: &ColumnMapping) -> Result<()> {
        for (field, requested) in explicit.iter() {
            if let Some(requested) = requested {
                self.at[field] = Some(self.resolve(field, requested)?);
                self.mapped[field] = Some(match requested {
                    ColumnRef::Position(_) => MappedBy::Number,
                    ColumnRef::Header(_) => MappedBy::Header,
                });
            }
        }
        Ok(())
    }

    fn resolve(&self, field: Field, requested: &ColumnRef) -> Result<usize> {
        let found = match requested {
            ColumnRef::Position(n) if (1..=self.width).contains(n) => Some(n - 1),
            ColumnRef::Position(_) => None,
            ColumnRef::Header(name) => {
                let wanted = normalize_header(name);
                self.normalized_headers.iter().position(|h| *h == wanted)
            }
        };
        found.ok_or_else(|| {
            let why = match (requested, self.layout) {
                (ColumnRef::Position(0), _) => "column numbers start at 1".to_string(),
                (ColumnRef::Position(_), Layout::Header) => {
                    format!(
                        "the header has {}",
                        plural(self.width as u64, "column", "columns")
                    )
                }
                (ColumnRef::Position(_), Layout::Positional) => {
                    format!(
                        "the first row has {}",
                        plural(self.width as u64, "column", "columns")
                    )
                }
                (ColumnRef::Header(_), Layout::Positional) => {
                    "the file has no header row, so map columns by number".to_string()
                }
                (ColumnRef::Header(_), Layout::Header) => {
                    format!("headers found: {}", listed(&self.headers))
                }
            };
            Error::new(
                ErrorKind::UnknownColumn {
                    field,
                    requested: requested.to_string(),
                },
                format!(
                    "the {field} column is mapped to {requested}, which is not in the file; {why}"
                ),
            )
        })
    }

    /// The cell index of the email.
    pub fn email(&self) -> usize {
        self.email
    }

    /// The cell index of `field`, if the file has it.
    pub fn get(&self, field: Field) -> Option<usize> {
        self.at[field]
    }

    /// A readable name for cell `index`: its header, or `column N`.
    pub fn label(&self, index: usize) -> String {
        match self.headers.get(index) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => format!("column {}", index + 1),
        }
    }

    /// The cells up to the header's last non-empty one: a row that stops
    /// there is whole (the header's trailing empty cells are padding). The
    /// width itself for a file read by position.
    pub fn named_width(&self) -> usize {
        match self.layout {
            Layout::Header => self
                .headers
                .iter()
                .rposition(|h| !h.is_empty())
                .map_or(0, |i| i + 1),
            Layout::Positional => self.width,
        }
    }

    /// True when a row is the header again (compared after normalising).
    pub fn is_header_again<'c>(&self, mut cells: impl Iterator<Item = &'c str>) -> bool {
        self.layout == Layout::Header
            && self
                .normalized_headers
                .iter()
                .all(|h| cells.next().is_some_and(|c| normalize_header(c) == *h))
            && cells.next().is_none()
    }

    /// The header used for each field, for the report.
    pub fn used(&self) -> ColumnsUsed {
        FieldMap::from_fn(|field| self.at[field].map(|i| self.label(i)))
    }

    /// True when the file has a header row and no column holds the status,
    /// so every row reads as active.
    pub fn lacks_status(&self) -> bool {
        self.layout == Layout::Header && self.at[Field::Status].is_none()
    }

    /// The non-empty header cells no field is read from, in file order,
    /// with the reason; empty for the positional layout, which has no
    /// headers.
    ///
    /// ```
    /// use stripe_torii_sync::columns::{ColumnMapping, Columns, Field, Unread};
    ///
    /// let c = Columns::from_header(&["Email", "Email", "Statut"], &ColumnMapping::default()).unwrap();
    /// assert_eq!(
    ///     c.unread(),
    ///     [(1, Unread::Duplicate { field: Field::Email, used: 0 }), (2, Unread::Unknown)]
    /// );
    /// // Stripe's two-step authentication column has no Torii field: no news.
    /// let stripe = ["Email", "Name", "Status", "Role", "Two-step authentication", "Last login"];
    /// assert!(Columns::from_header(&stripe, &ColumnMapping::default()).unwrap().unread().is_empty());
    /// ```
    pub fn unread(&self) -> Vec<(usize, Unread)> {
        let read = |i: usize| self.at.iter().any(|(_, at)| *at == Some(i));
        self.normalized_headers
            .iter()
            .enumerate()
            .filter(|&(i, _)| !self.headers[i].is_empty() && !read(i))
            .filter(|(_, normalized)| !is_known_unexported(normalized))
            .map(|(i, normalized)| (i, self.why_unread(normalized)))
            .collect()
    }

    /// Columns inside the header whose header cell is empty and that no
    /// field is read from: their cells are not exported, which the
    /// transform reports when one of them holds data.
    pub fn headerless(&self) -> Vec<usize> {
        let read = |i: usize| self.at.iter().any(|(_, at)| *at == Some(i));
        (0..self.headers.len())
            .filter(|&i| self.headers[i].is_empty() && !read(i))
            .collect()
    }

    /// Why the column headed `normalized` is not read: the field it names
    /// (by alias, or by repeating a header that is read) is read from
    /// another column, or it names none.
    fn why_unread(&self, normalized: &str) -> Unread {
        // The fields read from a column with this same header.
        let same_header = || {
            self.at.iter().filter_map(|(field, at)| {
                at.filter(|&used| {
                    self.normalized_headers.get(used).map(String::as_str) == Some(normalized)
                })
                .map(|used| (field, used))
            })
        };
        // A header the option named, repeated: the option did not say which
        // of the columns it meant, whatever field the header is an alias of.
        if let Some((field, used)) =
            same_header().find(|&(field, _)| self.mapped[field] == Some(MappedBy::Header))
        {
            return Unread::Duplicate { field, used };
        }
        let field =
            Field::for_header(normalized).or_else(|| same_header().next().map(|(field, _)| field));
        match field.map(|field| (field, self.at[field])) {
            Some((field, Some(used))) if self.mapped[field].is_some() => {
                Unread::Mapped { field, used }
            }
            Some((field, Some(used))) => Unread::Duplicate { field, used },
            Some((Field::Name, None)) => Unread::FullName,
            Some((_, None)) | None => Unread::Unknown,
        }
    }
}

/// Columns of Stripe's export that Torii's file has no field for, so that
/// leaving them out is no news: not reported by [`Columns::unread`], or
/// every export would carry the same note.
const KNOWN_UNEXPORTED: &[&str] = &["Two-step authentication", "Two-factor authentication"];

/// True when `normalized` (a [`normalize_header`]) heads one of
/// [`KNOWN_UNEXPORTED`].
fn is_known_unexported(normalized: &str) -> bool {
    KNOWN_UNEXPORTED
        .iter()
        .any(|known| normalize_header(known) == normalized)
}

/// Why a header cell is not read (see [`Columns::unread`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// The header names no field.
    Unknown,
    /// The header names `field` (or repeats the header of its column, even
    /// one the columns option named), and `field` is read from the earlier
    /// column `used`.
    Duplicate {
        /// The field both columns name.
        field: Field,
        /// The 0-based column the field is read from.
        used: usize,
    },
    /// The header names `field`, which the columns option maps to column
    /// `used`.
    Mapped {
        /// The field the header names.
        field: Field,
        /// The 0-based column the option maps it to.
        used: usize,
    },
    /// A full name, when first and last name columns are read instead.
    FullName,
}

/// Headers from the file, each shortened and with control characters
/// escaped, for a message.
fn listed(headers: &[String]) -> String {
    let quoted: Vec<_> = headers.iter().map(|h| crate::text::shorten(h)).collect();
    quoted.join(", ")
}

fn missing_email_column(headers: &[String]) -> Error {
    let accepted = Field::Email.aliases().join(", ");
    let found = if headers.iter().all(|h| h.is_empty()) {
        "none".to_string()
    } else {
        listed(headers)
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
    fn a_file_without_a_header_is_read_as_stripes_export_header_lays_it_out() {
        let by_header =
            Columns::from_header(&STRIPE_EXPORT_HEADER, &ColumnMapping::default()).unwrap();
        let by_position = Columns::positional(6, &ColumnMapping::default()).unwrap();
        for field in Field::ALL {
            assert_eq!(by_header.get(field), by_position.get(field), "{field:?}");
        }
    }

    #[test]
    fn aliases_are_case_and_space_insensitive() {
        let c = Columns::from_header(
            &["EMAIL ADDRESS", "user", "STATUS", "type", "Last Sign-In"],
            &ColumnMapping::default(),
        )
        .unwrap();
        assert_eq!(c.email(), 0);
        assert_eq!(c.get(Field::Name), Some(1));
        assert_eq!(c.get(Field::Status), Some(2));
        assert_eq!(c.get(Field::Roles), Some(3));
        assert_eq!(c.get(Field::LastUsed), Some(4));
    }

    #[test]
    fn first_and_last_name_columns_win_over_a_full_name() {
        let c = Columns::from_header(
            &["Name", "First name", "Last name", "Email"],
            &ColumnMapping::default(),
        )
        .unwrap();
        assert_eq!(
            (
                c.email(),
                c.get(Field::Name),
                c.get(Field::FirstName),
                c.get(Field::LastName)
            ),
            (3, None, Some(1), Some(2))
        );
    }

    #[test]
    fn missing_email_lists_headers_and_accepted_names() {
        let err = Columns::from_header(&["Name", "Role"], &ColumnMapping::default()).unwrap_err();
        assert_eq!(err.code(), "missing_email_column");
        assert!(err.message().contains("Name, Role"));
        assert!(err.message().contains("Email, E-mail, Email address"));
    }

    #[test]
    fn explicit_columns_by_name_and_position() {
        let mut explicit = ColumnMapping::default();
        explicit[Field::Email] = Some(ColumnRef::Header("login".into()));
        explicit[Field::LastUsed] = Some(ColumnRef::Position(1));
        let c = Columns::from_header(&["When", "Login"], &explicit).unwrap();
        assert_eq!((c.email(), c.get(Field::LastUsed)), (1, Some(0)));
        let mut bad = ColumnMapping::default();
        bad[Field::Email] = Some(ColumnRef::Header("Mail".into()));
        let err = Columns::from_header(&["When", "Login"], &bad).unwrap_err();
        assert_eq!(err.code(), "unknown_column");
        assert!(err.message().contains("When, Login"));
    }

    #[test]
    fn positional_layout_follows_torii_sample() {
        let c = Columns::positional(6, &ColumnMapping::default()).unwrap();
        assert_eq!(
            (
                c.email(),
                c.get(Field::Name),
                c.get(Field::Status),
                c.get(Field::Roles),
                c.get(Field::LastUsed)
            ),
            (0, Some(1), Some(2), Some(3), Some(5))
        );
        assert_eq!(c.label(5), "column 6");
    }

    #[test]
    fn a_repeated_header_is_recognised_after_normalising() {
        let c = Columns::from_header(&["Email", "Name"], &ColumnMapping::default()).unwrap();
        assert!(c.is_header_again(["EMAIL ", "name"].into_iter()));
        assert!(!c.is_header_again(["Email"].into_iter()));
        assert!(!c.is_header_again(["Email", "Name", "x"].into_iter()));
    }

    #[test]
    fn every_field_has_a_name_that_parses_back() {
        for field in Field::ALL {
            assert_eq!(Field::parse(field.name()), Some(field));
        }
    }
}
