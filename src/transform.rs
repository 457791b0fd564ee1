//! The transform: Stripe export text in, Torii file and report out.
//!
//! This module owns the row loop and the decisions about rows: which row is
//! the header, when a row is rejected, excluded or merged, and how merged
//! rows combine. Reading cells is delegated to [`crate::input`] and
//! [`crate::fields`]; the output types live in [`crate::torii`] and
//! [`crate::report`].

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::columns::Columns;
use crate::error::{Error, ErrorKind, Result};
use crate::fields::date::parse_last_used;
use crate::fields::email::{domain_of, looks_like_email, normalize_email, EmailProblem};
use crate::fields::name::{split_name, NameParts};
use crate::fields::roles::{push_roles, same_role};
use crate::fields::status::{LicenseStatus, StatusMatch, UserStatus};
use crate::input::{decode, sniff_delimiter, strip_bom, Records};
use crate::options::{Settings, TransformOptions};
use crate::report::{Code, Diagnostic, Layout, Report};
use crate::torii::{ToriiFile, User};

/// Distinct status cells remembered by [`Builder::map_status`].
const STATUS_MEMO_SIZE: usize = 32;

/// Cell values quoted in messages are cut to this many characters.
const QUOTE_LIMIT: usize = 60;

/// The result of a successful transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformed {
    /// The Torii file.
    pub file: ToriiFile,
    /// Counts, totals and diagnostics.
    pub report: Report,
}

impl Transformed {
    /// The file as the exact JSON text to upload (see [`ToriiFile::to_json`]).
    pub fn to_json(&self) -> String {
        self.file.to_json()
    }
}

/// Transforms a Stripe team export into a Torii file.
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
/// let user = &out.file.users[0];
/// assert_eq!(user.first_name.as_deref(), Some("Ada"));
/// assert_eq!(user.roles, ["Owner", "Developer", "Analyst"]);
/// assert_eq!(user.last_used_date.unwrap().to_string(), "2025-01-02");
/// assert_eq!((out.report.users_exported, out.report.merged), (1, 1));
/// ```
pub fn transform(text: &str, options: &TransformOptions) -> Result<Transformed> {
    let settings = options.resolve()?;
    let text = strip_bom(text);
    let delimiter = settings.delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut records = Records::new(text, delimiter);
    let mut blank_rows = 0;

    let (columns, first_row_is_data, first_line) = loop {
        let Some(line) = records.advance() else {
            return Err(Error::new(
                ErrorKind::EmptyInput,
                "the input has no rows; paste or export the Stripe team members list first",
            ));
        };
        if records.is_blank() {
            blank_rows += 1;
            continue;
        }
        if looks_like_email(records.cell(0)) {
            break (
                Columns::positional(records.len(), &settings.columns)?,
                true,
                line,
            );
        }
        let headers: Vec<&str> = (0..records.len()).map(|i| records.cell(i)).collect();
        break (
            Columns::from_header(&headers, &settings.columns)?,
            false,
            line,
        );
    };

    let mut builder = Builder::new(&settings, columns);
    builder.report.blank_rows_skipped = blank_rows;
    builder.report.delimiter = char::from(delimiter).to_string();
    if first_row_is_data {
        builder.row(first_line, &records);
    } else {
        builder.report.header_line = Some(first_line);
    }
    while let Some(line) = records.advance() {
        builder.row(line, &records);
    }
    builder.finish(&settings)
}

/// Like [`transform`], for raw bytes: refuses input that is not UTF-8 text
/// with an error naming the byte offset.
pub fn transform_bytes(bytes: &[u8], options: &TransformOptions) -> Result<Transformed> {
    transform(decode(bytes)?, options)
}

/// FNV-1a: emails are short and trusted, so a fast non-keyed hash is right.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The hasher of a map whose keys are already hashes.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Accumulates users and the report, one row at a time.
struct Builder<'s> {
    settings: &'s Settings,
    columns: Columns,
    users: Vec<User>,
    /// Line on which each user was first seen, for merge messages.
    first_lines: Vec<u64>,
    /// Index of each user by the hash of their email. Keying by the hash
    /// instead of the email saves a copy of every email.
    by_hash: HashMap<u64, usize, BuildHasherDefault<Identity>>,
    /// The rare users whose email hash collided with another email's.
    collided: HashMap<String, usize>,
    /// Status cells seen so far and how they mapped.
    status_memo: Vec<(String, StatusMatch)>,
    report: Report,
}

impl<'s> Builder<'s> {
    fn new(settings: &'s Settings, columns: Columns) -> Self {
        let report = Report {
            layout: columns.layout,
            columns: columns.used(),
            ..Report::default()
        };
        Builder {
            settings,
            columns,
            users: Vec::new(),
            first_lines: Vec::new(),
            by_hash: HashMap::default(),
            collided: HashMap::new(),
            status_memo: Vec::new(),
            report,
        }
    }

    fn diagnose(&mut self, line: u64, column: Option<usize>, code: Code, message: String) {
        self.diagnose_user(line, column, code, message, None);
    }

    fn diagnose_user(
        &mut self,
        line: u64,
        column: Option<usize>,
        code: Code,
        message: String,
        email: Option<&str>,
    ) {
        self.report.diagnostics.push(Diagnostic {
            line,
            column: column.map(|i| self.columns.label(i)),
            level: code.level(),
            code,
            message,
            email: email.map(str::to_string),
        });
    }

    fn row(&mut self, line: u64, rec: &Records) {
        if rec.is_blank() {
            self.report.blank_rows_skipped += 1;
            return;
        }
        self.report.rows_read += 1;
        let c = &self.columns;
        let email_col = c.email;

        let email = match normalize_email(rec.cell(email_col)) {
            Ok(email) => email,
            Err(problem) => return self.reject(line, rec, problem),
        };
        self.check_width(line, rec, &email);

        let status_col = self.columns.status;
        let status_cell = status_col.map_or("", |i| rec.cell(i)).trim();
        let class = match self.map_status(status_cell) {
            StatusMatch::Known(class) => class,
            StatusMatch::Unknown => {
                self.diagnose_user(
                    line,
                    status_col,
                    Code::UnknownStatus,
                    format!(
                        "unknown status \"{}\"; treated as active (map it with the statusMap option)",
                        quote(status_cell)
                    ),
                    Some(&email),
                );
                LicenseStatus::Active
            }
        };

        let mut roles = Vec::new();
        if let Some(i) = self.columns.roles {
            push_roles(rec.cell(i), &mut roles);
        }

        let last_used_date = match self.columns.last_used {
            Some(i) => match parse_last_used(rec.cell(i), self.settings.date_order) {
                Ok(date) => date,
                Err(why) => {
                    self.diagnose_user(
                        line,
                        Some(i),
                        Code::UnparseableDate,
                        format!(
                            "unparseable last-used date \"{}\": {why}; the date is left out",
                            quote(rec.cell(i).trim())
                        ),
                        Some(&email),
                    );
                    None
                }
            },
            None => None,
        };

        if let Some(reason) = self.exclusion(status_cell, class, &roles, &email) {
            self.report.excluded += 1;
            let message = format!("{email} excluded: {reason}");
            self.diagnose_user(line, None, Code::Excluded, message, Some(&email));
            return;
        }

        let user = User {
            first_name: None,
            last_name: None,
            status: class.user_status(),
            external_status: (!status_cell.is_empty()).then(|| status_cell.to_string()),
            roles,
            last_used_date,
            license_status: class,
            email,
        };
        match self.find(&user.email) {
            Some(index) => {
                let earlier = &self.users[index];
                if earlier.first_name.is_none() && earlier.last_name.is_none() {
                    let names = self.names(rec);
                    let earlier = &mut self.users[index];
                    earlier.first_name = names.first;
                    earlier.last_name = names.last;
                }
                merge(&mut self.users[index], user);
                let first_line = self.first_lines[index];
                self.report.merged += 1;
                let email = self.users[index].email.clone();
                self.diagnose_user(
                    line,
                    Some(email_col),
                    Code::DuplicateEmail,
                    format!("{email} also appears on line {first_line}; merged into that user"),
                    Some(&email),
                );
            }
            None => {
                self.remember(&user.email);
                let names = self.names(rec);
                self.users.push(User {
                    first_name: names.first,
                    last_name: names.last,
                    ..user
                });
                self.first_lines.push(line);
            }
        }
    }

    /// Maps a status cell, remembering the answer: an export has a handful
    /// of distinct statuses, and matching against the whole table for each
    /// row would dominate the row's cost.
    fn map_status(&mut self, cell: &str) -> StatusMatch {
        if let Some((_, known)) = self.status_memo.iter().find(|(c, _)| c == cell) {
            return *known;
        }
        let found = self.settings.status_mapper.map(cell);
        if self.status_memo.len() < STATUS_MEMO_SIZE {
            self.status_memo.push((cell.to_string(), found));
        }
        found
    }

    /// The index of the user with this email, if seen before.
    fn find(&self, email: &str) -> Option<usize> {
        match self.by_hash.get(&fnv1a(email)) {
            Some(&index) if self.users[index].email == email => Some(index),
            Some(_) => self.collided.get(email).copied(),
            None => None,
        }
    }

    /// Records that the next user pushed has this (new) email.
    fn remember(&mut self, email: &str) {
        let index = self.users.len();
        match self.by_hash.entry(fnv1a(email)) {
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
            Entry::Occupied(_) => {
                self.collided.insert(email.to_string(), index);
            }
        }
    }

    fn names(&self, rec: &Records) -> NameParts {
        let c = &self.columns;
        if c.first_name.is_some() || c.last_name.is_some() {
            let part = |i: Option<usize>| {
                let cell = i.map_or("", |i| rec.cell(i));
                let collapsed = cell.split_whitespace().collect::<Vec<_>>().join(" ");
                (!collapsed.is_empty() && !looks_like_email(&collapsed)).then_some(collapsed)
            };
            NameParts {
                first: part(c.first_name),
                last: part(c.last_name),
            }
        } else {
            c.name.map(|i| split_name(rec.cell(i))).unwrap_or_default()
        }
    }

    fn reject(&mut self, line: u64, rec: &Records, problem: EmailProblem) {
        self.report.rejected += 1;
        let col = Some(self.columns.email);
        let cells = (0..rec.len()).map(|i| crate::columns::normalize_header(rec.cell(i)));
        if self.columns.is_header_again(cells) {
            return self.diagnose(
                line,
                None,
                Code::RepeatedHeader,
                "the header row appears again (were two exports pasted together?); skipped".into(),
            );
        }
        match problem {
            EmailProblem::Missing => self.diagnose(
                line,
                col,
                Code::MissingEmail,
                "no email; the row is skipped".into(),
            ),
            EmailProblem::Invalid => {
                let cell = quote(rec.cell(self.columns.email).trim());
                self.diagnose(
                    line,
                    col,
                    Code::InvalidEmail,
                    format!(
                        "\"{cell}\" is not an email address (local@domain.tld); the row is skipped"
                    ),
                )
            }
        }
    }

    fn check_width(&mut self, line: u64, rec: &Records, email: &str) {
        let width = self.columns.width;
        let len = rec.len();
        // Spreadsheets pad rows with empty cells; only real content counts.
        let extra_blank = len > width && (width..len).all(|i| rec.cell(i).trim().is_empty());
        if len != width && !extra_blank {
            let what = if self.columns.layout == Layout::Header {
                "the header has"
            } else {
                "the first row has"
            };
            self.diagnose_user(
                line,
                None,
                Code::RaggedRow,
                format!("the row has {len} cells but {what} {width}; cells were read by position"),
                Some(email),
            );
        }
    }

    fn exclusion(
        &self,
        status_cell: &str,
        class: LicenseStatus,
        roles: &[String],
        email: &str,
    ) -> Option<String> {
        let s = self.settings;
        if s.excludes_status(status_cell, class) {
            let shown = if status_cell.is_empty() {
                "active (empty)"
            } else {
                status_cell
            };
            return Some(format!("status \"{}\" is in excludeStatuses", quote(shown)));
        }
        if let Some(role) = s.excluded_role(roles) {
            return Some(format!("role \"{}\" is in excludeRoles", quote(role)));
        }
        s.domain_filter(domain_of(email)).map(str::to_string)
    }

    fn finish(mut self, settings: &Settings) -> Result<Transformed> {
        let report = &mut self.report;
        report.users_exported = self.users.len() as u64;
        for user in &self.users {
            match user.status {
                UserStatus::Active => report.by_status.active += 1,
                UserStatus::Deleted => report.by_status.deleted += 1,
            }
            match user.license_status {
                LicenseStatus::Active => report.by_license_status.active += 1,
                LicenseStatus::Inactive => report.by_license_status.inactive += 1,
                LicenseStatus::Deleted => report.by_license_status.deleted += 1,
            }
            for role in &user.roles {
                match report
                    .by_role
                    .0
                    .iter_mut()
                    .find(|(r, _)| same_role(r, role))
                {
                    Some((_, n)) => *n += 1,
                    None => report.by_role.0.push((role.clone(), 1)),
                }
            }
        }
        if self.users.is_empty() {
            let first_problem = report
                .diagnostics
                .iter()
                .find(|d| d.code != Code::RaggedRow)
                .map(|d| format!(" (line {}: {})", d.line, d.message))
                .unwrap_or_default();
            let message = format!(
                "no valid users: {} rows read, {} rejected, {} excluded{first_problem}",
                report.rows_read, report.rejected, report.excluded
            );
            return Err(Error::new(
                ErrorKind::NoValidUsers {
                    report: Box::new(self.report),
                },
                message,
            ));
        }
        Ok(Transformed {
            file: ToriiFile {
                users: self.users,
                license: settings.license.clone(),
            },
            report: self.report,
        })
    }
}

/// Combines a later row into the user first seen with the same email.
fn merge(user: &mut User, later: User) {
    for role in later.roles {
        if !user.roles.iter().any(|r| same_role(r, &role)) {
            user.roles.push(role);
        }
    }
    user.last_used_date = user.last_used_date.max(later.last_used_date);
    if rank(later.license_status) > rank(user.license_status) {
        user.license_status = later.license_status;
        user.status = later.status;
        user.external_status = later.external_status;
    }
}

/// Status precedence when merging: active > inactive > deleted.
fn rank(status: LicenseStatus) -> u8 {
    match status {
        LicenseStatus::Active => 3,
        LicenseStatus::Inactive => 2,
        LicenseStatus::Deleted => 1,
    }
}

/// A cell value shortened for a message.
fn quote(cell: &str) -> String {
    match cell.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &cell[..cut]),
        None => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two different emails whose hashes collide still stay two users.
    #[test]
    fn hash_collisions_keep_users_apart() {
        let settings = TransformOptions::default().resolve().unwrap();
        let columns = Columns::positional(1, &Default::default()).unwrap();
        let mut builder = Builder::new(&settings, columns);
        builder.remember("a@x.co");
        builder.users.push(User {
            email: "a@x.co".into(),
            first_name: None,
            last_name: None,
            status: UserStatus::Active,
            external_status: None,
            roles: Vec::new(),
            last_used_date: None,
            license_status: LicenseStatus::Active,
        });
        // Pretend "b@x.co" hashes like "a@x.co".
        let index_of_a = builder.by_hash[&fnv1a("a@x.co")];
        builder.by_hash.insert(fnv1a("b@x.co"), index_of_a);
        assert_eq!(builder.find("b@x.co"), None);
        builder.remember("b@x.co");
        assert_eq!(builder.find("b@x.co"), Some(1));
        assert_eq!(builder.find("a@x.co"), Some(0));
    }
}
