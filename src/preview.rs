//! The preview table: the users about to be sent, a page at a time, each
//! with its license status, roles, the change against the last sync and
//! the diagnostics of its rows, so no host has to read the Torii JSON back
//! to show a table.
//!
//! [`Preview::new`] indexes the diagnostics by email once; each
//! [`Preview::page`] then costs only the rows it returns. [`PreviewRow::cells`]
//! is the same row as text cells in [`PREVIEW_COLUMNS`] order, for tables and
//! spreadsheets.

use crate::report::{Diagnostic, Level, Report};
use crate::text::{FastMap, FastSet};
use crate::torii::User;
use crate::transform::Transformed;

/// The column labels of [`PreviewRow::cells`].
pub const PREVIEW_COLUMNS: [&str; 10] = [
    "Email",
    "First name",
    "Last name",
    "Status",
    "Stripe status",
    "License",
    "Roles",
    "Last used",
    "Change",
    "Problems",
];

/// The column labels of [`diagnostic_cells`].
pub const DIAGNOSTIC_COLUMNS: [&str; 6] = ["File", "Line", "Level", "Code", "Column", "Message"];

/// How a user differs from the last synced file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeMark<'c> {
    /// Not in the last synced file.
    Added,
    /// In it, with these fields different.
    Changed(&'c [&'static str]),
    /// In it, the same.
    Unchanged,
}

impl ChangeMark<'_> {
    /// `added`, `changed` or `unchanged`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeMark::Added => "added",
            ChangeMark::Changed(_) => "changed",
            ChangeMark::Unchanged => "unchanged",
        }
    }
}

/// One user of the preview.
#[derive(Debug, Clone)]
pub struct PreviewRow<'t> {
    /// The user's index in the file.
    pub index: usize,
    /// The user.
    pub user: User<'t>,
    /// The change against the last synced file, when there is one.
    pub change: Option<ChangeMark<'t>>,
    /// The diagnostics about this user's rows, in file order.
    pub diagnostics: Vec<&'t Diagnostic>,
}

impl PreviewRow<'_> {
    /// Whether a warning or an error is about this user's rows (a note is
    /// not): what the row's Problems cell lists.
    pub fn has_problem(&self) -> bool {
        self.diagnostics.iter().any(|d| is_problem(d))
    }

    /// The row as text cells, in [`PREVIEW_COLUMNS`] order. Problems are
    /// written out ("⚠ line 3: warning unparseable_date"), so a row with a
    /// problem is marked with text, not colour alone.
    pub fn cells(&self, report: &Report) -> Vec<String> {
        let user = &self.user;
        let change = match self.change {
            None => String::new(),
            Some(ChangeMark::Changed(fields)) => format!("changed: {}", fields.join(", ")),
            Some(mark) => mark.as_str().to_string(),
        };
        let problems = self
            .diagnostics
            .iter()
            .filter(|d| is_problem(d))
            .map(|d| {
                format!(
                    "⚠ {}: {} {}",
                    report.place(d.file, d.line),
                    d.level.as_str(),
                    d.code.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        vec![
            user.email().to_string(),
            user.first_name().unwrap_or_default().to_string(),
            user.last_name().unwrap_or_default().to_string(),
            user.status().as_str().to_string(),
            user.external_status().unwrap_or_default().to_string(),
            user.license_status().as_str().to_string(),
            user.roles().collect::<Vec<_>>().join(", "),
            user.last_used_date()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            change,
            problems,
        ]
    }
}

/// A warning or an error: what a preview row shows as a problem.
fn is_problem(diagnostic: &Diagnostic) -> bool {
    diagnostic.level != Level::Info
}

/// The index behind the preview pages.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    diagnostics_by_email: FastMap<String, Vec<usize>>,
    added: FastSet<String>,
    changed: FastMap<String, usize>,
}

impl Preview {
    /// Indexes a transform's diagnostics and changes.
    pub fn new(transformed: &Transformed) -> Preview {
        let report = &transformed.report;
        let mut diagnostics_by_email: FastMap<String, Vec<usize>> = FastMap::default();
        for (i, d) in report.diagnostics.iter().enumerate() {
            if let Some(email) = &d.email {
                diagnostics_by_email
                    .entry(email.clone())
                    .or_default()
                    .push(i);
            }
        }
        let (added, changed) = match &report.changes {
            Some(changes) => (
                changes.added.iter().cloned().collect(),
                changes
                    .changed
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.email.clone(), i))
                    .collect(),
            ),
            None => Default::default(),
        };
        Preview {
            diagnostics_by_email,
            added,
            changed,
        }
    }

    /// Up to `limit` users from `offset` on.
    ///
    /// ```
    /// use stripe_torii_sync::preview::Preview;
    /// use stripe_torii_sync::{transform, TransformOptions};
    ///
    /// let out = transform("Email,Last login\nada@example.com,soon\nbob@example.com,\n", &TransformOptions::default()).unwrap();
    /// let preview = Preview::new(&out);
    /// let rows = preview.page(&out, 0, 10);
    /// assert_eq!(rows.len(), 2);
    /// assert_eq!(rows[0].diagnostics[0].code.as_str(), "unparseable_date");
    /// assert!(rows[0].cells(&out.report)[9].starts_with("⚠ line 2: warning"));
    /// assert!(preview.page(&out, 2, 10).is_empty());
    /// ```
    pub fn page<'t>(
        &self,
        transformed: &'t Transformed,
        offset: usize,
        limit: usize,
    ) -> Vec<PreviewRow<'t>> {
        let report = &transformed.report;
        let changes = report.changes.as_ref();
        transformed
            .file
            .users()
            .enumerate()
            .skip(offset)
            .take(limit)
            .map(|(index, user)| {
                let email = user.email();
                let diagnostics = self
                    .diagnostics_by_email
                    .get(email)
                    .map(|list| list.iter().map(|&i| &report.diagnostics[i]).collect())
                    .unwrap_or_default();
                let change = changes.map(|changes| {
                    if self.added.contains(email) {
                        ChangeMark::Added
                    } else if let Some(&i) = self.changed.get(email) {
                        ChangeMark::Changed(&changes.changed[i].fields)
                    } else {
                        ChangeMark::Unchanged
                    }
                });
                PreviewRow {
                    index,
                    user,
                    change,
                    diagnostics,
                }
            })
            .collect()
    }
}

/// Every diagnostic as text cells, in [`DIAGNOSTIC_COLUMNS`] order.
pub fn diagnostic_cells(report: &Report) -> Vec<Vec<String>> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            vec![
                report.file_name(d.file).to_string(),
                d.line.to_string(),
                d.level.as_str().to_string(),
                d.code.as_str().to_string(),
                d.column.clone().unwrap_or_default(),
                d.message.clone(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{transform, TransformOptions};

    #[test]
    fn a_merged_row_spelt_another_way_shows_its_problems_on_the_user() {
        // The second row spells the domain in its ASCII form: one user,
        // exported as first spelt, whose second row has a bad date.
        let csv = "Email,Status,Last login\n\
                   ada@bücher.example,Active,2025-01-02\n\
                   ADA@xn--bcher-kva.example,Frozen,soon\n";
        let out = transform(csv, &TransformOptions::default()).unwrap();
        let rows = Preview::new(&out).page(&out, 0, 10);
        let codes: Vec<&str> = rows[0]
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["unknown_status", "unparseable_date", "duplicate_email"]
        );
    }

    #[test]
    fn a_row_has_a_problem_when_its_problems_cell_lists_one() {
        // Bo's rows are merged, a note only; Cy's status is unknown, a warning.
        let csv = "Email,Status\n\
                   bo@example.com,Active\n\
                   BO@example.com,Active\n\
                   cy@example.com,Frozen\n\
                   di@example.com,Active\n";
        let out = transform(csv, &TransformOptions::default()).unwrap();
        let rows = Preview::new(&out).page(&out, 0, 10);
        let problems = PREVIEW_COLUMNS
            .iter()
            .position(|c| *c == "Problems")
            .unwrap();
        let seen: Vec<(&str, bool, usize, bool)> = rows
            .iter()
            .map(|row| {
                let cells = row.cells(&out.report);
                (
                    row.user.email(),
                    row.has_problem(),
                    row.diagnostics.len(),
                    !cells[problems].is_empty(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("bo@example.com", false, 1, false),
                ("cy@example.com", true, 1, true),
                ("di@example.com", false, 0, false),
            ]
        );
    }
}
