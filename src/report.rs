//! The transform report: counts per file and in total, totals by status,
//! license status and role, one diagnostic per problem, and the change
//! preview when there is one.
//!
//! The report is the proof that nothing was lost: every data row read is
//! exported, merged into an earlier row, excluded by a filter, or rejected,
//! and each of the last three carries a [`Diagnostic`] with its file and
//! line. A file's header has diagnostics of its own ([`Code::about_header`]):
//! they are about columns, not rows, so they count no row. [`Report::is_balanced`] checks the sums; [`Report::render_text`] is
//! the human-readable form every host shows, and [`Report::to_json`] the
//! machine-readable one.

use crate::changes::Changes;
use crate::columns::{ColumnsUsed, Layout};
use crate::input::decode::Encoding;
use crate::json::ObjectWriter;
use crate::text::{plural, printable};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The row was rejected.
    Error,
    /// The row was kept, but a cell was ignored or guessed; or a column
    /// of the file is missing or ignored, so rows may read wrong.
    Warning,
    /// Nothing is wrong, but the row was merged or excluded, or a column
    /// holds no field.
    Info,
}

impl Level {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
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
    /// A quoted cell runs to the end of the file or over rows of their own;
    /// the row is rejected and the swallowed lines are read as rows.
    UnterminatedQuote,
    /// The header row has no status column: every user reads as active.
    MissingStatusColumn,
    /// Two header cells name the same field: the first is read, the other
    /// ignored.
    DuplicateColumn,
    /// A header cell names no field that is read; its column is not exported.
    UnusedColumn,
    /// A sheet's column holds date cells and dates Sheets left as text that
    /// only the other day order reads: the spreadsheet's locale is not the
    /// export's, and its date cells may be other days.
    MixedDateCells,
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
            Code::UnterminatedQuote => "unterminated_quote",
            Code::MissingStatusColumn => "missing_status_column",
            Code::DuplicateColumn => "duplicate_column",
            Code::UnusedColumn => "unused_column",
            Code::MixedDateCells => "mixed_date_cells",
        }
    }

    /// The level every diagnostic with this code has.
    pub fn level(self) -> Level {
        match self {
            Code::MissingEmail | Code::InvalidEmail | Code::UnterminatedQuote => Level::Error,
            Code::UnparseableDate
            | Code::UnknownStatus
            | Code::RaggedRow
            | Code::RepeatedHeader
            | Code::MissingStatusColumn
            | Code::DuplicateColumn
            | Code::MixedDateCells => Level::Warning,
            Code::DuplicateEmail | Code::Excluded | Code::UnusedColumn => Level::Info,
        }
    }

    /// True for the codes about a file's header row or its columns rather
    /// than a data row: their line is the header's (for a file without one,
    /// the row they name) and they count no row.
    pub fn about_header(self) -> bool {
        matches!(
            self,
            Code::MissingStatusColumn
                | Code::DuplicateColumn
                | Code::UnusedColumn
                | Code::MixedDateCells
        )
    }
}

/// One problem with one row, or with the header row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Index of the file in [`Report::files`].
    pub file: usize,
    /// 1-based physical line in the file where the row starts (for a broken
    /// quote, where the quote opened; for a [`Code::about_header`] code, the
    /// header's line, if the file has one).
    pub line: u64,
    /// The header of the cell at fault, when one cell is at fault.
    pub column: Option<String>,
    /// How serious it is.
    pub level: Level,
    /// Stable code.
    pub code: Code,
    /// What happened and what to do, for a person.
    pub message: String,
    /// The normalised email of the row, when it had a valid one, so hosts
    /// can mark the user the diagnostic is about: for a row merged into an
    /// earlier one, that user's email as exported.
    pub email: Option<String>,
}

/// What happened to the rows of one file, or of all files together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Data rows read (not counting the header and blank rows).
    pub rows_read: u64,
    /// Users first seen in these rows.
    pub users_exported: u64,
    /// Rows merged into an earlier row with the same email.
    pub merged: u64,
    /// Rows excluded by a filter option.
    pub excluded: u64,
    /// Rows rejected (no or invalid email, repeated header, broken quote).
    pub rejected: u64,
    /// Rows with no content at all (skipped, not counted in `rows_read`).
    pub blank_rows_skipped: u64,
}

impl Counts {
    /// exported + merged + excluded + rejected = rows read.
    pub fn is_balanced(&self) -> bool {
        self.users_exported + self.merged + self.excluded + self.rejected == self.rows_read
    }

    fn add(&mut self, other: &Counts) {
        self.rows_read += other.rows_read;
        self.users_exported += other.users_exported;
        self.merged += other.merged;
        self.excluded += other.excluded;
        self.rejected += other.rejected;
        self.blank_rows_skipped += other.blank_rows_skipped;
    }

    fn write(&self, o: &mut ObjectWriter) {
        o.u64("rowsRead", self.rows_read)
            .u64("usersExported", self.users_exported)
            .u64("merged", self.merged)
            .u64("excluded", self.excluded)
            .u64("rejected", self.rejected)
            .u64("blankRowsSkipped", self.blank_rows_skipped);
    }
}

/// How one input file was read, and what happened to its rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The name the host gave the file (its path, or the sheet's name).
    pub name: String,
    /// How its bytes were decoded.
    pub encoding: Encoding,
    /// The field delimiter used; `None` for rows given as cells.
    pub delimiter: Option<char>,
    /// How columns were found.
    pub layout: Layout,
    /// Line of the header row, or `None` for the positional layout.
    pub header_line: Option<u64>,
    /// The column used for each field.
    pub columns: ColumnsUsed,
    /// Its rows.
    pub counts: Counts,
}

/// Exported users by Torii user status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusTotals {
    /// `status: "active"`.
    pub active: u64,
    /// `status: "deleted"`.
    pub deleted: u64,
}

/// Exported users by license status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LicenseStatusTotals {
    /// `licenseStatus: "active"`.
    pub active: u64,
    /// `licenseStatus: "inactive"` (invited).
    pub inactive: u64,
    /// `licenseStatus: "deleted"`.
    pub deleted: u64,
}

/// Everything the transform has to say about its input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// One entry per input file, in the order given.
    pub files: Vec<FileReport>,
    /// The counts of all files together.
    pub totals: Counts,
    /// Exported users by status.
    pub by_status: StatusTotals,
    /// Exported users by license status (of the license, when there is one).
    pub by_license_status: LicenseStatusTotals,
    /// The license's name, or `None` when the file has no license.
    pub license: Option<String>,
    /// Exported users per role (first spelling seen), in first-seen order.
    pub by_role: Vec<(String, u64)>,
    /// Every problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// What changes against a previous Torii file, once compared.
    pub changes: Option<Changes>,
}

/// Emails listed per kind of change in the text report.
const CHANGES_LISTED: usize = 20;

impl Report {
    /// True when every data row is accounted for, in every file and in
    /// total: exported + merged + excluded + rejected = rows read.
    pub fn is_balanced(&self) -> bool {
        let mut sum = Counts::default();
        for file in &self.files {
            if !file.counts.is_balanced() {
                return false;
            }
            sum.add(&file.counts);
        }
        sum == self.totals && self.totals.is_balanced()
    }

    /// Recomputes the totals from the files.
    pub(crate) fn sum_files(&mut self) {
        let mut totals = Counts::default();
        for file in &self.files {
            totals.add(&file.counts);
        }
        self.totals = totals;
    }

    /// Number of diagnostics at `level`.
    pub fn count(&self, level: Level) -> usize {
        self.diagnostics.iter().filter(|d| d.level == level).count()
    }

    /// Number of diagnostics with `code`.
    pub fn count_code(&self, code: Code) -> usize {
        self.diagnostics.iter().filter(|d| d.code == code).count()
    }

    /// The name of file `index`, for messages.
    pub fn file_name(&self, index: usize) -> &str {
        self.files.get(index).map_or("", |f| f.name.as_str())
    }

    /// "a.csv line 3" (or "line 3" for an unnamed input), as diagnostics
    /// and merge notes name a place.
    pub fn place(&self, file: usize, line: u64) -> String {
        match self.file_name(file) {
            "" => format!("line {line}"),
            name => format!("{name} line {line}"),
        }
    }

    /// The first line of the summary: "12 rows read: 9 exported, …".
    pub fn headline(&self) -> String {
        let t = &self.totals;
        let files = if self.files.len() > 1 {
            format!(" from {} files", self.files.len())
        } else {
            String::new()
        };
        format!(
            "{}{files}: {} exported, {} merged, {} excluded, {} rejected",
            plural(t.rows_read, "row read", "rows read"),
            t.users_exported,
            t.merged,
            t.excluded,
            t.rejected
        )
    }

    /// A readable summary followed by one line per diagnostic, as every
    /// host shows it.
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
        out.push_str(&self.headline());
        out.push('\n');
        if self.files.len() > 1 {
            for file in &self.files {
                let c = &file.counts;
                out.push_str(&format!(
                    "  {}: {}, {} exported, {} merged, {} excluded, {} rejected\n",
                    file.name,
                    plural(c.rows_read, "row", "rows"),
                    c.users_exported,
                    c.merged,
                    c.excluded,
                    c.rejected
                ));
            }
        }
        out.push_str(&format!(
            "status: {} active, {} deleted",
            self.by_status.active, self.by_status.deleted
        ));
        match &self.license {
            Some(_) => out.push_str(&format!(
                "; license: {} active, {} inactive, {} deleted\n",
                self.by_license_status.active,
                self.by_license_status.inactive,
                self.by_license_status.deleted
            )),
            None => out.push_str("; no license\n"),
        }
        if !self.by_role.is_empty() {
            let roles: Vec<String> = self
                .by_role
                .iter()
                .map(|(role, n)| format!("{} {n}", printable(role)))
                .collect();
            out.push_str(&format!("roles: {}\n", roles.join(", ")));
        }
        if let Some(changes) = &self.changes {
            out.push_str(&changes.render_text(CHANGES_LISTED));
        }
        out.push_str(&format!(
            "{}, {}, {}\n",
            plural(self.count(Level::Error) as u64, "error", "errors"),
            plural(self.count(Level::Warning) as u64, "warning", "warnings"),
            plural(self.count(Level::Info) as u64, "note", "notes")
        ));
        for d in &self.diagnostics {
            self.push_diagnostic_line(&mut out, d);
        }
        out
    }

    /// What a one-line record of a run keeps of the report (the Apps Script
    /// host's history): the headline, then each warning about a file's
    /// columns, a line each as [`Report::render_text`] writes it. Those
    /// warnings say the whole file may read wrong, where a row's own
    /// problems are counted in the headline.
    ///
    /// ```
    /// use stripe_torii_sync::{transform, TransformOptions};
    ///
    /// let out = transform("Email,Team\nada@example.com,Core\nnot-an-email,Core\n", &TransformOptions::default()).unwrap();
    /// let brief = out.report.brief_text();
    /// let lines: Vec<&str> = brief.lines().collect();
    /// assert_eq!(lines.len(), 2);
    /// assert_eq!(lines[0], "2 rows read: 1 exported, 0 merged, 0 excluded, 1 rejected");
    /// assert!(lines[1].starts_with("line 1: warning missing_status_column: no status column"));
    /// ```
    pub fn brief_text(&self) -> String {
        let mut out = self.headline();
        out.push('\n');
        for d in &self.diagnostics {
            if d.level == Level::Warning && d.code.about_header() {
                self.push_diagnostic_line(&mut out, d);
            }
        }
        out
    }

    /// Appends `d` as one line of the text form.
    fn push_diagnostic_line(&self, out: &mut String, d: &Diagnostic) {
        out.push_str(&self.place(d.file, d.line));
        out.push_str(": ");
        out.push_str(d.level.as_str());
        out.push(' ');
        out.push_str(d.code.as_str());
        if let Some(column) = &d.column {
            out.push_str(" [");
            out.push_str(&printable(column));
            out.push(']');
        }
        out.push_str(": ");
        out.push_str(&d.message);
        out.push('\n');
    }

    /// Appends diagnostic `d` as a JSON object, as the report and the
    /// preview pages write it.
    pub(crate) fn write_diagnostic(&self, d: &Diagnostic, out: &mut Vec<u8>) {
        let mut w = ObjectWriter::new(out);
        w.str("file", self.file_name(d.file))
            .u64("line", d.line)
            .opt_str("column", d.column.as_deref())
            .str("level", d.level.as_str())
            .str("code", d.code.as_str())
            .str("message", &d.message)
            .opt_str("email", d.email.as_deref());
        w.end();
    }

    /// The report as JSON (camelCase keys), as hosts receive it and the
    /// CLI's `--report` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.diagnostics.len() * 160);
        let mut o = ObjectWriter::new(&mut out);
        self.totals.write(&mut o);
        o.array("files", &self.files, |files, file| {
            let mut f = ObjectWriter::new(files);
            f.str("name", &file.name)
                .str("encoding", file.encoding.as_str())
                .opt_str("delimiter", file.delimiter.map(String::from).as_deref())
                .str("layout", file.layout.as_str());
            if let Some(line) = file.header_line {
                f.u64("headerLine", line);
            }
            f.object("columns", |c| {
                for (field, used) in file.columns.iter() {
                    c.opt_str(field.name(), used.as_deref());
                }
            });
            file.counts.write(&mut f);
            f.end();
        });
        o.object("byStatus", |w| {
            w.u64("active", self.by_status.active)
                .u64("deleted", self.by_status.deleted);
        })
        .object("byLicenseStatus", |w| {
            w.u64("active", self.by_license_status.active)
                .u64("inactive", self.by_license_status.inactive)
                .u64("deleted", self.by_license_status.deleted);
        })
        .u64("licenses", u64::from(self.license.is_some()))
        .opt_str("licenseName", self.license.as_deref())
        .object("byRole", |w| {
            for (role, n) in &self.by_role {
                w.u64(role, *n);
            }
        });
        o.array("diagnostics", &self.diagnostics, |list, d| {
            self.write_diagnostic(d, list)
        });
        if let Some(changes) = &self.changes {
            o.raw("changes", &changes.to_json());
        }
        o.end();
        out
    }
}
