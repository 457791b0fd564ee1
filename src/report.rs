//! The transform report: counts, totals and one diagnostic per problem row.
//!
//! The report is the proof that nothing was lost: every data row read is
//! exported, merged into an earlier row, excluded by a filter, or rejected,
//! and each of the last three carries a [`Diagnostic`] with its line number.
//! [`Report::is_balanced`] checks the sum; [`Report::render_text`] is the
//! human-readable form the CLI prints.

use std::fmt::Write as _;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The row was rejected.
    Error,
    /// The row was kept, but a cell was ignored or guessed.
    Warning,
    /// Nothing is wrong, but the row was merged or excluded.
    Info,
}

/// The stable code of a diagnostic. Hosts match on [`Code::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The email cell is empty; the row is rejected.
    MissingEmail,
    /// The email cell is not `local@domain.tld`; the row is rejected.
    InvalidEmail,
    /// The email was seen on an earlier row; this row was merged into it.
    DuplicateEmail,
    /// The last-used cell is not a recognised date; the date is left out.
    UnparseableDate,
    /// The status cell is not in the table; the user is treated as active.
    UnknownStatus,
    /// A filter option excluded the row.
    Excluded,
    /// The row has a different number of cells than the header.
    RaggedRow,
    /// The row repeats the header (e.g. two exports pasted together); skipped.
    RepeatedHeader,
}

impl Code {
    /// The code as written in reports, e.g. `"invalid_email"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingEmail => "missing_email",
            Code::InvalidEmail => "invalid_email",
            Code::DuplicateEmail => "duplicate_email",
            Code::UnparseableDate => "unparseable_date",
            Code::UnknownStatus => "unknown_status",
            Code::Excluded => "excluded",
            Code::RaggedRow => "ragged_row",
            Code::RepeatedHeader => "repeated_header",
        }
    }

    /// The level every diagnostic with this code has.
    pub fn level(self) -> Level {
        match self {
            Code::MissingEmail | Code::InvalidEmail => Level::Error,
            Code::UnparseableDate
            | Code::UnknownStatus
            | Code::RaggedRow
            | Code::RepeatedHeader => Level::Warning,
            Code::DuplicateEmail | Code::Excluded => Level::Info,
        }
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// 1-based physical line in the file where the row starts.
    pub line: u64,
    /// The header of the cell at fault, when one cell is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// How serious it is.
    pub level: Level,
    /// Stable code.
    pub code: Code,
    /// What happened and what to do, for a person.
    pub message: String,
    /// The normalised email of the row, when it had a valid one, so hosts
    /// can mark the user the diagnostic is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Which layout the columns were read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The first row is a header and columns are found by name.
    #[default]
    Header,
    /// No header: Torii's sample positions (0 email, 1 name, 2 status, 3 role, 5 last login).
    Positional,
}

/// The header (or `column N`) used for each field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnsUsed {
    /// Email column.
    pub email: String,
    /// Full-name column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First-name column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last-name column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Status column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Role(s) column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    /// Last-used column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
}

/// Exported users by Torii user status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusTotals {
    /// `status: "active"`.
    pub active: u64,
    /// `status: "deleted"`.
    pub deleted: u64,
}

/// Exported users by license status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LicenseStatusTotals {
    /// `licenseStatus: "active"`.
    pub active: u64,
    /// `licenseStatus: "inactive"` (invited).
    pub inactive: u64,
    /// `licenseStatus: "deleted"`.
    pub deleted: u64,
}

/// Exported users per role, in first-seen order (serialised as an object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleTotals(pub Vec<(String, u64)>);

impl Serialize for RoleTotals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (role, n) in &self.0 {
            map.serialize_entry(role, n)?;
        }
        map.end()
    }
}

/// Everything the transform has to say about its input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Data rows read (not counting the header and blank rows).
    pub rows_read: u64,
    /// Users in the file.
    pub users_exported: u64,
    /// Rows merged into an earlier row with the same email.
    pub merged: u64,
    /// Rows excluded by a filter option.
    pub excluded: u64,
    /// Rows rejected (no or invalid email, repeated header).
    pub rejected: u64,
    /// Rows with no content at all (skipped, not counted in `rows_read`).
    pub blank_rows_skipped: u64,
    /// Line of the header row, or `None` for the positional layout.
    pub header_line: Option<u64>,
    /// The field delimiter used.
    pub delimiter: String,
    /// How columns were found.
    pub layout: Layout,
    /// The column used for each field.
    pub columns: ColumnsUsed,
    /// Exported users by status.
    pub by_status: StatusTotals,
    /// Exported users by license status.
    pub by_license_status: LicenseStatusTotals,
    /// Exported users per role.
    pub by_role: RoleTotals,
    /// Every problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when every data row is accounted for:
    /// exported + merged + excluded + rejected = rows read.
    pub fn is_balanced(&self) -> bool {
        self.users_exported + self.merged + self.excluded + self.rejected == self.rows_read
    }

    /// Number of diagnostics at `level`.
    pub fn count(&self, level: Level) -> usize {
        self.diagnostics.iter().filter(|d| d.level == level).count()
    }

    /// A readable summary followed by one line per diagnostic, as the CLI
    /// prints it on stderr.
    ///
    /// ```
    /// use stripe_torii_sync::{transform, TransformOptions};
    ///
    /// let out = transform("Email\nada@example.com\nnot-an-email\n", &TransformOptions::default()).unwrap();
    /// let text = out.report.render_text();
    /// assert!(text.contains("2 rows read: 1 exported, 0 merged, 0 excluded, 1 rejected"));
    /// assert!(text.contains("line 3: error invalid_email"));
    /// ```
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{} rows read: {} exported, {} merged, {} excluded, {} rejected",
            self.rows_read, self.users_exported, self.merged, self.excluded, self.rejected
        );
        let _ = writeln!(
            out,
            "status: {} active, {} deleted; license: {} active, {} inactive, {} deleted",
            self.by_status.active,
            self.by_status.deleted,
            self.by_license_status.active,
            self.by_license_status.inactive,
            self.by_license_status.deleted
        );
        if !self.by_role.0.is_empty() {
            let roles: Vec<String> = self
                .by_role
                .0
                .iter()
                .map(|(role, n)| format!("{role} {n}"))
                .collect();
            let _ = writeln!(out, "roles: {}", roles.join(", "));
        }
        let _ = writeln!(
            out,
            "{}, {}, {}",
            plural(self.count(Level::Error), "error"),
            plural(self.count(Level::Warning), "warning"),
            plural(self.count(Level::Info), "note")
        );
        for d in &self.diagnostics {
            let level = match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Info => "info",
            };
            let _ = write!(out, "line {}: {level} {}", d.line, d.code.as_str());
            if let Some(column) = &d.column {
                let _ = write!(out, " [{column}]");
            }
            let _ = writeln!(out, ": {}", d.message);
        }
        out
    }
}

/// "1 note", "2 notes".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
