//! What the report says about a file's header row: a missing status column
//! (every user would read as active), a header repeated for one field (only
//! the first column is read), header cells no field is read from, and
//! columns without a header that hold data (seen as the rows are read,
//! reported at the end of the file), and a sheet's column whose date cells
//! may be other days.
//!
//! These are diagnostics about columns, not rows: they carry the header's
//! line and count no row, so the report's sums are unchanged.

use crate::columns::{Columns, Field, Layout, Unread};
use crate::input::scan::Scanner;
use crate::report::Code;
use crate::text::{plural, shorten, trim};

/// Unrecognised headers named in the missing-status message; the rest are
/// counted.
const HEADERS_LISTED: usize = 10;

/// One diagnostic about the header: the column at fault (if one is), its
/// code and its message.
pub(super) struct HeaderNote {
    /// The 0-based column, when the note is about one.
    pub(super) column: Option<usize>,
    /// Its code.
    pub(super) code: Code,
    /// What happened and what to do.
    pub(super) message: String,
}

/// The notes about a header row, in column order after the missing-status
/// warning; none for a file read by position. `Email,Email,Statut` gets
/// three: a missing status column (naming "Statut"), the second Email column
/// ignored, and Statut matching no field.
pub(super) fn header_notes(columns: &Columns) -> Vec<HeaderNote> {
    let unread = columns.unread();
    let mut notes = Vec::with_capacity(unread.len() + 1);
    if columns.lacks_status() {
        notes.push(HeaderNote {
            column: None,
            code: Code::MissingStatusColumn,
            message: missing_status(columns, &unread),
        });
    }
    for (column, why) in unread {
        let header = quoted(columns, column);
        let (code, message) = match why {
            Unread::Unknown => (
                Code::UnusedColumn,
                format!(
                    "{header} matches no field, so column {} is not exported; if it holds one \
                     of {}, map it with the columns option (FIELD={})",
                    column + 1,
                    field_names(),
                    column + 1
                ),
            ),
            Unread::Duplicate { field, used } => (
                Code::DuplicateColumn,
                format!(
                    "{header} in column {} names the {field} field again: {field} is read from \
                     column {} ({}) and column {} is ignored; to read column {} instead, map it \
                     with the columns option ({field}={})",
                    column + 1,
                    used + 1,
                    quoted(columns, used),
                    column + 1,
                    column + 1,
                    column + 1
                ),
            ),
            Unread::Mapped { field, used } => (
                Code::UnusedColumn,
                format!(
                    "{header} in column {} is not read: the columns option maps {field} to \
                     column {} ({})",
                    column + 1,
                    used + 1,
                    quoted(columns, used)
                ),
            ),
            Unread::FullName => (
                Code::UnusedColumn,
                format!(
                    "{header} in column {} is not read: names come from the first and last \
                     name columns",
                    column + 1
                ),
            ),
        };
        notes.push(HeaderNote {
            column: Some(column),
            code,
            message,
        });
    }
    notes
}

/// Data found under header cells that are empty: those columns are read by
/// no field, so their cells would leave the file without a word.
pub(super) struct HeaderlessData {
    /// Per column without a header: the rows with data there, and the
    /// first such row's line.
    columns: Vec<(usize, u64, u64)>,
}

impl HeaderlessData {
    /// Watches the columns of `columns` that have no header.
    pub(super) fn new(columns: &Columns) -> Self {
        let columns = columns
            .headerless()
            .into_iter()
            .map(|i| (i, 0, 0))
            .collect();
        HeaderlessData { columns }
    }

    /// Notes the current record of `scanner` (starting on `line`): a cell
    /// with more than whitespace under an empty header. Most files have no
    /// such column, and then this looks at nothing.
    pub(super) fn observe(&mut self, line: u64, scanner: &Scanner) {
        for (column, rows, first) in &mut self.columns {
            if !trim(scanner.cell(*column)).is_empty() {
                if *rows == 0 {
                    *first = line;
                }
                *rows += 1;
            }
        }
    }

    /// One note per column without a header that held data.
    pub(super) fn notes(&self) -> Vec<HeaderNote> {
        self.columns
            .iter()
            .filter(|(_, rows, _)| *rows > 0)
            .map(|&(column, rows, first)| HeaderNote {
                column: Some(column),
                code: Code::UnusedColumn,
                message: format!(
                    "column {} has no header but holds data on {} (the first on line {first}), \
                     so it is not exported; if it holds one of {}, map it with the columns \
                     option (FIELD={})",
                    column + 1,
                    plural(rows, "row", "rows"),
                    field_names(),
                    column + 1
                ),
            })
            .collect()
    }
}

/// The note on a sheet's column that holds date cells and a date Sheets
/// left as text, `text` on `line`, that only the other day order reads
/// (see [`crate::input::sheet_dates`]).
pub(super) fn mixed_date_cells(
    columns: &Columns,
    column: usize,
    line: u64,
    text: &str,
) -> HeaderNote {
    let header = if columns.layout == Layout::Header {
        format!("column {} ({})", column + 1, quoted(columns, column))
    } else {
        format!("column {}", column + 1)
    };
    HeaderNote {
        column: Some(column),
        code: Code::MixedDateCells,
        message: format!(
            "{header} holds date cells and dates Sheets left as text, such as \"{text}\" on row \
             {line}: the spreadsheet's locale reads dates in another order than the export, so a \
             date cell such as 3/4/2025 may already be another day; set File → Settings → Locale \
             to the export's, or format the column as plain text, and paste the export again"
        ),
    }
}

/// The missing-status warning: what it means for the users, the headers
/// not recognised (one of them may be the status), and the way to map it.
fn missing_status(columns: &Columns, unread: &[(usize, Unread)]) -> String {
    let unknown: Vec<usize> = unread
        .iter()
        .filter(|(_, why)| *why == Unread::Unknown)
        .map(|&(column, _)| column)
        .collect();
    let accepted = Field::Status.aliases().join(", ");
    let found = match unknown.len() {
        0 => "the header names no other column".to_string(),
        n => {
            let mut listed: Vec<String> = unknown
                .iter()
                .take(HEADERS_LISTED)
                .map(|&column| quoted(columns, column))
                .collect();
            if n > HEADERS_LISTED {
                listed.push(format!(
                    "and {}",
                    plural((n - HEADERS_LISTED) as u64, "other", "others")
                ));
            }
            format!(
                "headers not recognised: {}; if one of them is the status, map it with the \
                 columns option (status=HEADER or status=N)",
                listed.join(", ")
            )
        }
    };
    format!(
        "no status column (accepted: {accepted}), so every user is exported as active with an \
         active license, removed and invited members too; {found}"
    )
}

/// The fields' option names, for the hint to map one: "email, name, …".
fn field_names() -> String {
    let names: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
    names.join(", ")
}

/// The header of `column`, quoted and shortened, for messages.
fn quoted(columns: &Columns, column: usize) -> String {
    format!("\"{}\"", shorten(&columns.label(column)))
}
