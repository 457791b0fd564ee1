//! The transform: Stripe exports in, Torii file and report out.
//!
//! This module owns the order of the work: check the size, decode every
//! input, then read each file's records into one set of users. What a row
//! means (read, excluded, merged) is `builder`'s, what the report says
//! about a header row `header`'s; reading text is
//! [`crate::input`]'s; the output types live in [`crate::torii`] and
//! [`crate::report`].

mod builder;
mod header;

use crate::error::{Error, ErrorKind, Result};
use crate::input::check_input_size;
use crate::input::decode::{decode, Decoded, Encoding};
use crate::input::scan::SplitRows;
use crate::options::TransformOptions;
use crate::report::{Code, Level, Report};
use crate::torii::ToriiFile;

use builder::Builder;
pub use builder::MAX_DIAGNOSTICS;

/// One input of a transform: a name for messages (a path, a sheet name, or
/// empty) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The name diagnostics give the file; empty for an unnamed input.
    pub name: String,
    /// The content.
    pub data: InputData,
}

/// What an input holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputData {
    /// A file's bytes, in any encoding [`decode`] reads.
    Bytes(Vec<u8>),
    /// Rows already split into cells, such as a spreadsheet's values: the
    /// cells' text and where each cell and row sits in it (see
    /// [`SplitRows`]); row `i` is reported as line `i + 1`.
    Rows(String, SplitRows),
}

impl Input {
    /// A file named `name`.
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input {
            name: name.into(),
            data: InputData::Bytes(bytes.into()),
        }
    }

    /// Rows of cells named `name` (a sheet's name).
    pub fn rows(name: impl Into<String>, rows: Vec<Vec<String>>) -> Input {
        let (text, split) = SplitRows::join(&rows);
        Input::split_rows(name, text, split)
    }

    /// Rows of cells named `name`, already joined into `text` by `split`.
    pub fn split_rows(name: impl Into<String>, text: String, split: SplitRows) -> Input {
        Input {
            name: name.into(),
            data: InputData::Rows(text, split),
        }
    }

    fn size(&self) -> u64 {
        match &self.data {
            InputData::Bytes(bytes) => bytes.len() as u64,
            // Each cell and a separator, as if the rows were CSV.
            InputData::Rows(text, split) => text.len() as u64 + split.cell_count() as u64,
        }
    }
}

/// The result of a successful transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformed {
    /// The Torii file.
    pub file: ToriiFile,
    /// Counts, totals and diagnostics.
    pub report: Report,
    /// Whether the options asked for strict mode (see [`Transformed::refusal`]).
    pub strict: bool,
}

impl Transformed {
    /// The file as the exact JSON bytes to upload (see [`ToriiFile::to_json`]).
    pub fn to_json(&self) -> Vec<u8> {
        self.file.to_json()
    }

    /// Compares the file with a previous Torii file (its JSON text) and puts
    /// the changes in the report; `since` names the previous file in the
    /// summary ("changes since PREVIOUS.json: …").
    ///
    /// # Errors
    ///
    /// `not_torii_file` when `previous` is not a Torii file.
    pub fn compare_with(&mut self, previous: &str, since: &str) -> Result<()> {
        let snapshot = crate::changes::Snapshot::parse(previous)?;
        let mut changes = crate::changes::compare(&self.file, &snapshot);
        changes.since = since.to_string();
        self.report.changes = Some(changes);
        Ok(())
    }

    /// Why this result must not be used as it is, in `strict` mode or for
    /// a sync: a broken quote (always, for a sync; in strict mode, for the
    /// transform too), and in strict mode rejected rows or a warning about
    /// the columns (no status column, a field named twice).
    ///
    /// ```
    /// use stripe_torii_sync::{transform, TransformOptions};
    ///
    /// let out = transform("Email,Name\nada@example.com,\"Ada\nbob@example.com,Bob\n", &TransformOptions::default()).unwrap();
    /// assert_eq!(out.refusal(false, true).unwrap().code(), "broken_file");
    /// assert!(out.refusal(false, false).is_none());
    /// assert_eq!(out.refusal(true, false).unwrap().code(), "broken_file");
    /// ```
    pub fn refusal(&self, strict: bool, for_sync: bool) -> Option<Error> {
        let report = &self.report;
        let broken = report.count_code(Code::UnterminatedQuote);
        if broken > 0 && (strict || for_sync) {
            let first = report
                .diagnostics
                .iter()
                .find(|d| d.code == Code::UnterminatedQuote)
                .map(|d| report.place(d.file, d.line))
                .unwrap_or_default();
            return Some(Error::new(
                ErrorKind::BrokenFile {
                    broken_quotes: broken as u32,
                },
                format!(
                    "the file has {} ({first} first), so rows may be missing or wrong; fix the \
                     quote in the export{}",
                    crate::text::plural(
                        broken as u64,
                        "quote that is never closed",
                        "quotes that are never closed"
                    ),
                    if for_sync {
                        " before syncing: a broken file is never uploaded"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let rejected = report.totals.rejected;
        if strict && rejected > 0 {
            return Some(Error::new(
                ErrorKind::RowsRejected { rejected },
                format!(
                    "strict: {} rejected; fix them or run without strict",
                    crate::text::plural(rejected, "row was", "rows were")
                ),
            ));
        }
        let mut unclear = report
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning && d.code.about_header());
        if let (true, Some(first)) = (strict, unclear.next()) {
            let warnings = 1 + unclear.count();
            // A column's dates read in the wrong locale are no header's fault.
            let fix = match first.code {
                Code::MixedDateCells => {
                    "set the spreadsheet's locale to the export's and paste the export again"
                }
                _ => "fix the header or map the columns with the columns option",
            };
            return Some(Error::new(
                ErrorKind::UnclearColumns {
                    warnings: warnings as u32,
                },
                format!(
                    "strict: {} about the columns ({} first: {}); {fix}, or run without strict",
                    crate::text::plural(warnings as u64, "warning", "warnings"),
                    report.place(first.file, first.line),
                    first.code.as_str()
                ),
            ));
        }
        None
    }
}

/// Transforms one Stripe team export, given as text, into a Torii file.
///
/// Fails only when nothing sensible can be produced: invalid options, an
/// empty input, no email column, or no valid user. Problems with single rows
/// are diagnostics in the report, and the other rows still export.
///
/// ```
/// use stripe_torii_sync::{transform, TransformOptions};
///
/// let csv = "Email,Name,Status,Role,Last login\n\
///            ada@example.com,\"Lovelace, Ada\",Invited,\"Owner, Developer\",12/30/2024\n\
///            ADA@example.com,Ada Lovelace,Active,Analyst,2025-01-02T10:00:00Z\n";
/// let out = transform(csv, &TransformOptions::default()).unwrap();
/// let user = out.file.user(0).unwrap();
/// assert_eq!(user.first_name(), Some("Ada"));
/// assert_eq!(user.roles().collect::<Vec<_>>(), ["Owner", "Developer", "Analyst"]);
/// assert_eq!(user.last_used_date().unwrap().to_string(), "2025-01-02");
/// assert_eq!((out.report.totals.users_exported, out.report.totals.merged), (1, 1));
/// ```
pub fn transform(text: &str, options: &TransformOptions) -> Result<Transformed> {
    transform_inputs(vec![Input::new("", text)], options)
}

/// Like [`transform`], for raw bytes: UTF-8 (with or without a byte-order
/// mark) or UTF-16 with one; anything else is refused with an error naming
/// the byte offset and the likely encoding.
pub fn transform_bytes(bytes: &[u8], options: &TransformOptions) -> Result<Transformed> {
    transform_inputs(vec![Input::new("", bytes)], options)
}

/// Transforms several exports into one Torii file. Each may have its own
/// layout and delimiter; the same email in two files is merged like a
/// duplicate within one, and every diagnostic names its file.
///
/// ```
/// use stripe_torii_sync::transform::{transform_inputs, Input};
/// use stripe_torii_sync::TransformOptions;
///
/// let out = transform_inputs(
///     vec![
///         Input::new("eu.csv", "Email,Role\nada@example.com,Owner\n"),
///         Input::new("us.csv", "Email;Role\nADA@example.com;Analyst\nbob@example.com;Owner\n"),
///     ],
///     &TransformOptions::default(),
/// )
/// .unwrap();
/// assert_eq!(out.file.len(), 2);
/// assert_eq!(out.report.files[1].counts.merged, 1);
/// let merged = out.report.diagnostics.iter().find(|d| d.code.as_str() == "duplicate_email");
/// assert!(merged.unwrap().message.contains("eu.csv line 2"));
/// ```
///
/// # Errors
///
/// As [`transform`]; a fatal problem in one file names the file.
pub fn transform_inputs(inputs: Vec<Input>, options: &TransformOptions) -> Result<Transformed> {
    let settings = options.resolve()?;
    check_input_size(inputs.iter().map(Input::size).sum())?;
    let mut decoded: Vec<(String, Decoded, Option<SplitRows>)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input.data {
            InputData::Bytes(bytes) => {
                let text = decode(bytes).map_err(|e| named(&input.name, e))?;
                decoded.push((input.name, text, None));
            }
            InputData::Rows(text, split) => {
                let text = Decoded {
                    text,
                    start: 0,
                    encoding: Encoding::Utf8,
                };
                decoded.push((input.name, text, Some(split)));
            }
        }
    }
    // One buffer for every input: the first is moved, not copied.
    let mut files = Vec::with_capacity(decoded.len());
    let mut joined = String::new();
    for (name, d, split) in decoded {
        let start = if joined.is_empty() && files.is_empty() {
            joined = d.text;
            d.start
        } else {
            let at = joined.len();
            joined.push_str(d.as_str());
            at
        };
        files.push((name, d.encoding, start..joined.len(), split));
    }
    let mut builder = Builder::new(&settings, &joined);
    for (index, (name, encoding, range, split)) in files.into_iter().enumerate() {
        builder
            .read_file(index, &name, encoding, range, split)
            .map_err(|e| named(&name, e))?;
    }
    let (users, arena, mut report) = builder.finish()?;
    report.license = settings.license.as_ref().map(|terms| terms.name.clone());
    Ok(Transformed {
        file: ToriiFile {
            store: crate::store::Store::new(joined, arena),
            users,
            license: settings.license.clone(),
        },
        report,
        strict: settings.strict,
    })
}

/// Prefixes a fatal error's message with the file it is about.
fn named(name: &str, error: Error) -> Error {
    if name.is_empty() {
        return error;
    }
    let message = format!("{name}: {}", error.message());
    Error::new(error.kind().clone(), message)
}
