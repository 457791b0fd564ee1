//! The row loop and the decisions about rows: which row is the header, and
//! for every other row the three steps [`Builder::read`] (cells to values,
//! or a rejection), [`Builder::exclusion`] (the filters, which exclude a
//! member from all their rows, earlier and later, when one row is) and
//! [`Builder::merge_or_add`] (a new user, or a duplicate merged into the
//! first).
//!
//! Every per-row and per-cell step is a hash lookup or a scan of the cell
//! itself, never of what came before: users are found by the hash of their
//! email key, statuses through a memo, roles de-duplicated and counted by
//! their lower-cased text in hash sets. A file with 100 000 different roles
//! costs what one with five does, row for row.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use std::ops::Range;

use super::header::{header_notes, mixed_date_cells, HeaderlessData};
use crate::columns::{Columns, Field, Layout};
use crate::error::{Error, ErrorKind, Result};
use crate::fields::date::{parse_last_used, Date};
use crate::fields::email::{domain_of, looks_like_email, normalize_email, EmailProblem};
use crate::fields::name::{name_part, split_name, NameParts};
use crate::fields::roles::{role_key, same_role, split_roles};
use crate::fields::status::{LicenseStatus, StatusMatch, UserStatus};
use crate::input::decode::Encoding;
use crate::input::scan::{sep_directive, sniff_delimiter, BrokenQuote, Record, Scanner, SplitRows};
use crate::options::{Exclusion, TransformSettings};
use crate::report::{Code, Diagnostic, FileReport, Report};
use crate::store::Text;
use crate::text::{plural, shorten, trim, FastBuild, FastMap, FastSet};
use crate::torii::{Roles, UserRecord};

/// Distinct status cells remembered with their mapping. An export has a
/// handful; a hostile one with a million gets the direct lookup.
const STATUS_MEMO_SIZE: usize = 256;

/// The rows read before the rest of a file is estimated from them
/// ([`Builder::reserve_rows`]).
const SIZE_SAMPLE_ROWS: usize = 256;

/// At most this many rows are reserved ahead (about 80 MB of tables); past
/// it, the tables grow as rows come.
const MAX_RESERVED_ROWS: usize = 1 << 20;

/// The most diagnostics one transform keeps. Each costs about 300 bytes of
/// wasm memory and 110 characters of the report's text, so two million is
/// about 600 MB and 220 MB (a JavaScript string holds at most 512 MiB),
/// beside the largest input. Beyond it the transform stops with an error,
/// not a trap or a report that cannot be shown.
pub const MAX_DIAGNOSTICS: usize = 2_000_000;

fn too_many_diagnostics(line: u64) -> Error {
    Error::new(
        ErrorKind::TooManyDiagnostics {
            limit: MAX_DIAGNOSTICS,
        },
        format!(
            "line {line}: more than {MAX_DIAGNOSTICS} rows were rejected, excluded or warned \
             about, more than this tool can report; this does not look like a Stripe team \
             export, or the options exclude nearly every row"
        ),
    )
}

/// Up to this many roles, a list is de-duplicated by comparing with each
/// entry; beyond it, through a hash set.
const SMALL_ROLE_LIST: usize = 8;

/// A row's values once read: what the exclusion and merge steps need.
struct RowValues<'r> {
    email: Cow<'r, str>,
    /// The comparison key, when it differs from the email.
    ascii_key: Option<String>,
    status_cell: &'r str,
    class: LicenseStatus,
    /// The roles cell, split where it is used.
    roles: &'r str,
    last_used: Option<Date>,
}

impl RowValues<'_> {
    fn key(&self) -> &str {
        self.ascii_key.as_deref().unwrap_or(&self.email)
    }
}

/// Accumulates users and the report, one row at a time.
pub(super) struct Builder<'s, 't> {
    settings: &'s TransformSettings,
    inputs: &'t str,
    arena: String,
    users: Vec<UserRecord>,
    /// Where each user was first seen: (file, line).
    origins: Vec<(usize, u64)>,
    /// Each user's index by the hash of their email key.
    by_hash: FastMap<u64, u32>,
    /// The rare users whose key hash collided with another key's.
    collided: FastMap<String, u32>,
    /// Keys that differ from the exported email (internationalised domains).
    ascii_keys: FastMap<u32, String>,
    /// Folded roles of users holding many, for merges.
    role_sets: FastMap<u32, FastSet<String>>,
    status_memo: FastMap<String, StatusMatch>,
    /// Members a filter excluded, by email key: where and why. A member is
    /// one person, so every row of theirs is excluded with that one.
    excluded: FastMap<String, ExcludedAt>,
    /// With filters on, each user's merged rows: file, line and the index
    /// of the row's `duplicate_email` diagnostic, to undo if they are
    /// excluded later.
    merged_rows: FastMap<u32, Vec<(usize, u64, usize)>>,
    /// Users excluded after they were added, left out at the end.
    removed: FastSet<u32>,
    report: Report,
}

/// Where a member was excluded, and why.
struct ExcludedAt {
    file: usize,
    line: u64,
    why: String,
}

/// Which file a row is from, and its columns.
struct FileContext {
    index: usize,
    columns: Columns,
}

impl<'s, 't> Builder<'s, 't> {
    pub(super) fn new(settings: &'s TransformSettings, inputs: &'t str) -> Self {
        Builder {
            settings,
            inputs,
            arena: String::new(),
            users: Vec::new(),
            origins: Vec::new(),
            by_hash: FastMap::default(),
            collided: FastMap::default(),
            ascii_keys: FastMap::default(),
            role_sets: FastMap::default(),
            status_memo: FastMap::default(),
            excluded: FastMap::default(),
            merged_rows: FastMap::default(),
            removed: FastSet::default(),
            report: Report::default(),
        }
    }

    /// Reads one file, `range` of the joined inputs.
    pub(super) fn read_file(
        &mut self,
        index: usize,
        name: &str,
        encoding: Encoding,
        range: Range<usize>,
        mut split: Option<SplitRows>,
    ) -> Result<()> {
        let text = &self.inputs[range];
        let sheet_dates = split.as_mut().map(SplitRows::take_dates);
        let (mut scanner, delimiter) = match split {
            Some(rows) => (Scanner::split_rows(text, rows), None),
            None => {
                let directive = sep_directive(text);
                let delimiter = self
                    .settings
                    .delimiter
                    .or(directive)
                    .unwrap_or_else(|| sniff_delimiter(text));
                let mut scanner = Scanner::new(text, delimiter);
                // Excel's `sep=;` line names the delimiter; the header follows.
                if directive.is_some() {
                    scanner.skip_line();
                }
                (scanner, Some(char::from(delimiter)))
            }
        };
        let mut file = FileReport {
            name: name.to_string(),
            encoding,
            delimiter,
            ..FileReport::default()
        };
        // The first non-blank record is the header, unless it is data: an
        // email in any of its cells (a header such as "ada@email.com" would
        // otherwise name the email column and lose that row).
        let (columns, first) = loop {
            let Some(record) = scanner.next_record() else {
                return Err(Error::new(
                    ErrorKind::EmptyInput,
                    "the input has no rows; paste or export the Stripe team members list first",
                ));
            };
            if scanner
                .cells()
                .iter()
                .any(|c| looks_like_email(scanner.text_of(c)))
            {
                let columns = Columns::positional(scanner.len(), &self.settings.columns)?;
                break (columns, Some(record));
            }
            match record {
                Record::Row { .. } if scanner.is_blank() => file.counts.blank_rows_skipped += 1,
                Record::Row { line } => {
                    let headers: Vec<&str> = (0..scanner.len()).map(|i| scanner.cell(i)).collect();
                    let columns = Columns::from_header(&headers, &self.settings.columns)?;
                    file.header_line = Some(line);
                    break (columns, None);
                }
                Record::Broken { quote, .. } => {
                    return Err(Error::new(
                        ErrorKind::BrokenFile { broken_quotes: 1 },
                        format!(
                            "line {}: the header row has a quote that is never closed, so the \
                             columns cannot be read; fix the quote in the header",
                            quote.line
                        ),
                    ))
                }
            }
        };
        scanner.set_row_shape(columns.email(), columns.width);
        file.layout = columns.layout;
        file.columns = columns.used();
        let header_line = file.header_line;
        self.report.files.push(file);
        let context = FileContext { index, columns };
        if let Some(line) = header_line {
            for note in header_notes(&context.columns) {
                self.diagnose(&context, line, note.column, note.code, note.message, None);
            }
        }
        let header_notes_end = self.report.diagnostics.len();
        let mut headerless = HeaderlessData::new(&context.columns);
        if let Some(record) = first {
            self.record(&context, record, &scanner);
        }
        let rows_from = scanner.position();
        let mut records = 0;
        while let Some(record) = scanner.next_record() {
            let line = match record {
                Record::Row { line } => {
                    headerless.observe(line, &scanner);
                    line
                }
                Record::Broken { line, .. } => line,
            };
            self.record(&context, record, &scanner);
            if self.report.diagnostics.len() > MAX_DIAGNOSTICS {
                return Err(too_many_diagnostics(line));
            }
            records += 1;
            if records == SIZE_SAMPLE_ROWS {
                self.reserve_rows(scanner.records_left(records, rows_from));
            }
        }
        // Notes about columns, seen only once the rows are read: with the
        // header's notes on its line, before the rows' own.
        let rows_end = self.report.diagnostics.len();
        let mut column_notes = headerless.notes();
        let mut line_of_notes = header_line;
        // Only the column read for the last-used date: another column's
        // date cells are not exported, whatever day they hold.
        let mixed = sheet_dates
            .as_ref()
            .zip(context.columns.get(Field::LastUsed))
            .and_then(|(dates, column)| dates.mixed_in(column));
        if let Some(mixed) = mixed {
            column_notes.push(mixed_date_cells(
                &context.columns,
                mixed.column,
                mixed.line,
                mixed.text,
            ));
            line_of_notes = line_of_notes.or(Some(mixed.line));
        }
        if let Some(line) = line_of_notes {
            for note in column_notes {
                self.diagnose(&context, line, note.column, note.code, note.message, None);
            }
            if header_line.is_some() {
                let added = self.report.diagnostics.len() - rows_end;
                self.report.diagnostics[header_notes_end..].rotate_right(added);
            }
        }
        Ok(())
    }

    /// Makes room for about `rows` more users at once, as estimated from
    /// the rows read so far: growing the tables row by row copies and
    /// rehashes them again and again on a large file. Capped, since a file
    /// whose first rows are short says little about the rest.
    fn reserve_rows(&mut self, rows: usize) {
        let rows = (rows + rows / 8).min(MAX_RESERVED_ROWS);
        self.users.reserve(rows);
        self.origins.reserve(rows);
        self.by_hash.reserve(rows);
    }

    fn counts(&mut self, file: usize) -> &mut crate::report::Counts {
        &mut self.report.files[file].counts
    }

    fn record(&mut self, file: &FileContext, record: Record, scanner: &Scanner) {
        match record {
            Record::Row { line } => {
                if scanner.is_blank() {
                    self.counts(file.index).blank_rows_skipped += 1;
                    return;
                }
                self.counts(file.index).rows_read += 1;
                let row_diagnostics = self.report.diagnostics.len();
                let Some(values) = self.read(file, line, scanner) else {
                    self.counts(file.index).rejected += 1;
                    return;
                };
                if let Some(why) = self.exclusion(&values) {
                    return self.exclude_member(file, line, values, why);
                }
                if !self.excluded.is_empty() && self.excluded.contains_key(values.key()) {
                    return self.exclude_with_member(file, line, values);
                }
                self.merge_or_add(file, line, values, scanner, row_diagnostics);
            }
            Record::Broken { quote, .. } => {
                let counts = self.counts(file.index);
                counts.rows_read += 1;
                counts.rejected += 1;
                self.broken_quote(file, quote, scanner);
            }
        }
    }

    fn diagnose(
        &mut self,
        file: &FileContext,
        line: u64,
        column: Option<usize>,
        code: Code,
        message: String,
        email: Option<String>,
    ) {
        self.report.diagnostics.push(Diagnostic {
            file: file.index,
            line,
            column: column.map(|i| file.columns.label(i)),
            level: code.level(),
            code,
            message,
            email,
        });
    }

    /// Step 1: the row's cells as values, with a diagnostic for each cell
    /// that could not be used; `None` when the row is rejected.
    fn read<'r>(
        &mut self,
        file: &FileContext,
        line: u64,
        scanner: &'r Scanner,
    ) -> Option<RowValues<'r>> {
        let columns = &file.columns;
        let email_cell = scanner.cell(columns.email());
        let email = match normalize_email(email_cell) {
            Ok(email) => email,
            Err(problem) => {
                self.reject(file, line, scanner, problem);
                return None;
            }
        };
        let (email_text, ascii_key) = email.into_parts();
        self.check_width(file, line, scanner, &email_text);

        let status_column = columns.get(Field::Status);
        let status_cell = trim(status_column.map_or("", |i| scanner.cell(i)));
        let class = match self.map_status(status_cell) {
            StatusMatch::Known(class) => class,
            StatusMatch::Unknown => {
                let message = format!(
                    "unknown status \"{}\"; treated as active (map it with the statusMap option)",
                    shorten(status_cell)
                );
                let email = Some(email_text.to_string());
                self.diagnose(
                    file,
                    line,
                    status_column,
                    Code::UnknownStatus,
                    message,
                    email,
                );
                LicenseStatus::Active
            }
        };

        let roles = columns.get(Field::Roles).map_or("", |i| scanner.cell(i));

        let last_used = match columns.get(Field::LastUsed) {
            Some(i) => match parse_last_used(scanner.cell(i), self.settings.date_order) {
                Ok(date) => date,
                Err(why) => {
                    let message = format!(
                        "unparseable last-used date \"{}\": {why}; the date is left out",
                        shorten(scanner.cell(i).trim())
                    );
                    let email = Some(email_text.to_string());
                    self.diagnose(file, line, Some(i), Code::UnparseableDate, message, email);
                    None
                }
            },
            None => None,
        };
        Some(RowValues {
            email: email_text,
            ascii_key,
            status_cell,
            class,
            roles,
            last_used,
        })
    }

    /// Step 2: why the filters exclude the row, if they do.
    fn exclusion(&self, values: &RowValues) -> Option<String> {
        // Most runs filter nothing: no domain to cut out, no roles to split.
        if !self.settings.filters_rows() {
            return None;
        }
        let key_domain = domain_of(values.key());
        let why = self.settings.exclusion(
            values.status_cell,
            values.class,
            split_roles(values.roles),
            key_domain,
        )?;
        Some(match why {
            Exclusion::Status => {
                let shown = if values.status_cell.is_empty() {
                    "active (empty)"
                } else {
                    values.status_cell
                };
                format!("status \"{}\" is in excludeStatuses", shorten(shown))
            }
            Exclusion::Role(role) => format!("role \"{}\" is in excludeRoles", shorten(&role)),
            Exclusion::NotIncludedDomain => "its domain is not in includeDomains".to_string(),
            Exclusion::ExcludedDomain => "its domain is in excludeDomains".to_string(),
        })
    }

    /// Step 2, when a filter excludes the row: the member is excluded, with
    /// their earlier rows (no longer exported or merged) and later ones.
    fn exclude_member(&mut self, file: &FileContext, line: u64, values: RowValues, why: String) {
        self.counts(file.index).excluded += 1;
        let message = format!("{} excluded: {why}", values.email);
        let email = Some(values.email.to_string());
        self.diagnose(file, line, None, Code::Excluded, message, email);
        if self.excluded.contains_key(values.key()) {
            return;
        }
        let place = ExcludedAt {
            file: file.index,
            line,
            why,
        };
        let hash = FastBuild::default().hash_one(values.key());
        if let Some(index) = self.find(hash, values.key()) {
            self.remove_user(index, &place);
        }
        self.excluded.insert(values.key().to_string(), place);
    }

    /// Turns the rows of user `index`, read before `place` excluded the
    /// member, into excluded rows.
    fn remove_user(&mut self, index: u32, place: &ExcludedAt) {
        self.removed.insert(index);
        let email = self.email_of(index).to_string();
        let (first_file, first_line) = self.origins[index as usize];
        let message = self.excluded_with(first_file, &email, place);
        let counts = self.counts(first_file);
        counts.users_exported -= 1;
        counts.excluded += 1;
        self.report.diagnostics.push(Diagnostic {
            file: first_file,
            line: first_line,
            column: None,
            level: Code::Excluded.level(),
            code: Code::Excluded,
            message,
            email: Some(email.clone()),
        });
        for (row_file, _, at) in self.merged_rows.remove(&index).unwrap_or_default() {
            let message = self.excluded_with(row_file, &email, place);
            let counts = self.counts(row_file);
            counts.merged -= 1;
            counts.excluded += 1;
            let d = &mut self.report.diagnostics[at];
            d.code = Code::Excluded;
            d.level = Code::Excluded.level();
            d.column = None;
            d.message = message;
        }
    }

    /// Step 2, for a row of a member excluded on an earlier row.
    fn exclude_with_member(&mut self, file: &FileContext, line: u64, values: RowValues) {
        let place = &self.excluded[values.key()];
        let message = self.excluded_with(file.index, &values.email, place);
        self.counts(file.index).excluded += 1;
        let email = Some(values.email.into_owned());
        self.diagnose(file, line, None, Code::Excluded, message, email);
    }

    /// The message for a row in `file` excluded because `place` excluded
    /// its member.
    fn excluded_with(&self, file: usize, email: &str, place: &ExcludedAt) -> String {
        let at = if place.file == file {
            format!("line {}", place.line)
        } else {
            self.report.place(place.file, place.line)
        };
        format!(
            "{email} excluded: the same member on {at} is excluded ({}), so all their rows are",
            place.why
        )
    }

    /// Step 3: a new user, or the row merged into the user first seen with
    /// the same email. The row's diagnostics start at `row_diagnostics`.
    fn merge_or_add(
        &mut self,
        file: &FileContext,
        line: u64,
        values: RowValues,
        scanner: &Scanner,
        row_diagnostics: usize,
    ) {
        let hash = FastBuild::default().hash_one(values.key());
        if let Some(index) = self.find(hash, values.key()) {
            // The row's warnings name the user as exported, not as this row
            // spells the email (`xn--…`), so a preview finds them on the user.
            if self.email_of(index) != values.email {
                let exported = self.email_of(index).to_string();
                for d in &mut self.report.diagnostics[row_diagnostics..] {
                    d.email = Some(exported.clone());
                }
            }
            self.merge(file, line, index, values, scanner);
            return;
        }
        let index = self.users.len() as u32;
        match self.by_hash.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
            Entry::Occupied(_) => {
                self.collided.insert(values.key().to_string(), index);
            }
        }
        if let Some(ascii) = &values.ascii_key {
            self.ascii_keys.insert(index, ascii.clone());
        }
        let email = self.keep(&values.email, scanner.needs_escape(file.columns.email()));
        let names = self.names(file, scanner);
        let external_status = self.external_status(file, scanner, values.status_cell);
        self.users.push(UserRecord {
            email,
            first_name: names.0,
            last_name: names.1,
            external_status,
            roles: Roles::None,
            last_used: values.last_used,
            license_status: values.class,
        });
        self.add_roles(file, scanner, index, values.roles);
        self.origins.push((file.index, line));
        self.counts(file.index).users_exported += 1;
    }

    fn merge(
        &mut self,
        file: &FileContext,
        line: u64,
        index: u32,
        values: RowValues,
        scanner: &Scanner,
    ) {
        let i = index as usize;
        if self.users[i].first_name.is_empty() && self.users[i].last_name.is_empty() {
            let (first, last) = self.names(file, scanner);
            self.users[i].first_name = first;
            self.users[i].last_name = last;
        }
        self.add_roles(file, scanner, index, values.roles);
        if values.class.rank() > self.users[i].license_status.rank() {
            let external_status = self.external_status(file, scanner, values.status_cell);
            let user = &mut self.users[i];
            user.license_status = values.class;
            user.external_status = external_status;
        }
        let user = &mut self.users[i];
        user.last_used = user.last_used.max(values.last_used);
        self.counts(file.index).merged += 1;
        let (first_file, first_line) = self.origins[i];
        let earlier = if first_file == file.index {
            format!("line {first_line}")
        } else {
            self.report.place(first_file, first_line)
        };
        let message = format!(
            "{} also appears on {earlier}; merged into that user",
            values.email
        );
        let email = Some(self.email_of(index).to_string());
        let column = Some(file.columns.email());
        self.diagnose(file, line, column, Code::DuplicateEmail, message, email);
        if self.settings.filters_rows() {
            let at = self.report.diagnostics.len() - 1;
            self.merged_rows
                .entry(index)
                .or_default()
                .push((file.index, line, at));
        }
    }

    /// The status cell as Stripe wrote it (trimmed), for `externalStatus`.
    fn external_status(&mut self, file: &FileContext, scanner: &Scanner, cell: &str) -> Text {
        match file.columns.get(Field::Status) {
            Some(column) if !cell.is_empty() => self.keep(cell, scanner.needs_escape(column)),
            _ => Text::EMPTY,
        }
    }

    /// The exported email of user `index`.
    fn email_of(&self, index: u32) -> &str {
        self.users[index as usize]
            .email
            .resolve(self.inputs, &self.arena)
    }

    /// The user with this email key, if seen before.
    fn find(&self, hash: u64, key: &str) -> Option<u32> {
        let &index = self.by_hash.get(&hash)?;
        let known = match self.ascii_keys.get(&index) {
            Some(ascii) => ascii.as_str(),
            None => self.email_of(index),
        };
        if known == key {
            Some(index)
        } else {
            self.collided.get(key).copied()
        }
    }

    /// A handle for `value`, a cell of the current record or a rewritten
    /// form of it: a slice of the input when it is one (the common case), a
    /// copy in the arena otherwise. `escape` is the cell's.
    fn keep(&mut self, value: &str, escape: bool) -> Text {
        if value.is_empty() {
            return Text::EMPTY;
        }
        match offset_within(self.inputs, value) {
            Some(start) => Text::input(start..start + value.len(), escape),
            None => Text::push(&mut self.arena, value, escape),
        }
    }

    fn names(&mut self, file: &FileContext, scanner: &Scanner) -> (Text, Text) {
        let columns = &file.columns;
        let escape = |i: Option<usize>| i.is_some_and(|i| scanner.needs_escape(i));
        let first_column = columns.get(Field::FirstName);
        let last_column = columns.get(Field::LastName);
        if first_column.is_some() || last_column.is_some() {
            let part = |i: Option<usize>| i.and_then(|i| name_part(scanner.cell(i)));
            let (first, last) = (part(first_column), part(last_column));
            let first = self.keep_part(first, escape(first_column));
            let last = self.keep_part(last, escape(last_column));
            return (first, last);
        }
        let Some(name_column) = columns.get(Field::Name) else {
            return (Text::EMPTY, Text::EMPTY);
        };
        let NameParts { first, last } = split_name(scanner.cell(name_column));
        let escape = escape(Some(name_column));
        let first = self.keep_part(first, escape);
        let last = self.keep_part(last, escape);
        (first, last)
    }

    #[inline]
    fn keep_part(&mut self, part: Option<Cow<str>>, escape: bool) -> Text {
        part.map_or(Text::EMPTY, |part| self.keep(&part, escape))
    }

    /// Adds the roles of a cell to a user, skipping those the user holds
    /// (ignoring case and runs of whitespace, see [`role_key`]): a list
    /// compared entry by entry while short, a hash set once long.
    fn add_roles(&mut self, file: &FileContext, scanner: &Scanner, user: u32, cell: &str) {
        let Some(column) = file.columns.get(Field::Roles) else {
            return;
        };
        let escape = scanner.needs_escape(column);
        for role in split_roles(cell) {
            let held = self.users[user as usize].roles.as_slice();
            let known = match self.role_sets.get(&user) {
                Some(set) => set.contains(role_key(role).as_ref()),
                None => held
                    .iter()
                    .any(|&r| same_role(r.resolve(self.inputs, &self.arena), role)),
            };
            if known {
                continue;
            }
            let text = self.keep(role, escape);
            let count = {
                let roles = &mut self.users[user as usize].roles;
                roles.push(text);
                roles.as_slice().len()
            };
            if count > SMALL_ROLE_LIST {
                let set = match self.role_sets.entry(user) {
                    Entry::Occupied(set) => set.into_mut(),
                    Entry::Vacant(slot) => {
                        let all = self.users[user as usize].roles.as_slice();
                        let (inputs, arena) = (self.inputs, &self.arena);
                        slot.insert(
                            all.iter()
                                .map(|r| role_key(r.resolve(inputs, arena)).into_owned())
                                .collect(),
                        )
                    }
                };
                set.insert(role_key(role).into_owned());
            }
        }
    }

    /// Maps a status cell, remembering the answer: an export has a handful
    /// of distinct statuses.
    fn map_status(&mut self, cell: &str) -> StatusMatch {
        if let Some(&known) = self.status_memo.get(cell) {
            return known;
        }
        let found = self.settings.status_mapper.map(cell);
        if self.status_memo.len() < STATUS_MEMO_SIZE {
            self.status_memo.insert(cell.to_string(), found);
        }
        found
    }

    fn reject(&mut self, file: &FileContext, line: u64, scanner: &Scanner, problem: EmailProblem) {
        let columns = &file.columns;
        let cells = (0..scanner.len()).map(|i| scanner.cell(i));
        if columns.is_header_again(cells) {
            let message =
                "the header row appears again (were two exports pasted together?); skipped".into();
            return self.diagnose(file, line, None, Code::RepeatedHeader, message, None);
        }
        let column = Some(columns.email());
        let (code, message) = match problem {
            EmailProblem::Missing => (Code::MissingEmail, "no email; the row is skipped".into()),
            EmailProblem::Invalid => (
                Code::InvalidEmail,
                format!(
                    "\"{}\" is not an email address (local@domain.tld); the row is skipped",
                    shorten(scanner.cell(columns.email()).trim())
                ),
            ),
        };
        self.diagnose(file, line, column, code, message, None);
    }

    fn broken_quote(&mut self, file: &FileContext, quote: BrokenQuote, scanner: &Scanner) {
        let column_label = file.columns.label(quote.column);
        let how = if quote.to_end {
            "runs to the end of the file"
        } else {
            "runs over lines that look like rows of their own"
        };
        let swallowed = match quote.swallowed {
            0 => String::new(),
            n => format!(
                ", swallowing {}; they were read again as rows of their own",
                plural(n, "line", "lines")
            ),
        };
        let message = format!(
            "the quote that opens the {column_label} cell is never closed: it {how}{swallowed}. \
             The row is skipped; fix the stray quote in the export"
        );
        let email = (quote.column > file.columns.email())
            .then(|| normalize_email(scanner.cell(file.columns.email())).ok())
            .flatten()
            .map(|e| e.address.into_owned());
        self.diagnose(
            file,
            quote.line,
            Some(quote.column),
            Code::UnterminatedQuote,
            message,
            email,
        );
    }

    fn check_width(&mut self, file: &FileContext, line: u64, scanner: &Scanner, email: &str) {
        let width = file.columns.width;
        let len = scanner.len();
        // Most rows are as wide as the header: nothing to look at.
        if len == width {
            return;
        }
        // Spreadsheets pad rows (and headers) with empty cells; only real
        // content counts.
        let extra_blank = len > width && (width..len).all(|i| scanner.cell(i).trim().is_empty());
        let whole = (file.columns.named_width()..=width).contains(&len);
        if !whole && !extra_blank {
            let what = if file.columns.layout == Layout::Header {
                "the header has"
            } else {
                "the first row has"
            };
            let message =
                format!("the row has {len} cells but {what} {width}; cells were read by position");
            self.diagnose(
                file,
                line,
                None,
                Code::RaggedRow,
                message,
                Some(email.to_string()),
            );
        }
    }

    /// The totals, and the error when no user is left.
    pub(super) fn finish(mut self) -> Result<(Vec<UserRecord>, String, Report)> {
        // Members excluded after their first row was kept.
        if !self.removed.is_empty() {
            // Their earlier rows' notes were added late: back in file order
            // (rows are read in it, so a stable sort moves only those).
            self.report.diagnostics.sort_by_key(|d| (d.file, d.line));
            let removed = std::mem::take(&mut self.removed);
            let mut index = 0;
            self.users.retain(|_| {
                index += 1;
                !removed.contains(&(index - 1))
            });
        }
        let (inputs, arena) = (self.inputs, &self.arena);
        let report = &mut self.report;
        report.sum_files();
        // Roles repeat with the same spelling: an exact lookup first, the
        // one by role_key only for a spelling not seen yet.
        let mut exact: FastMap<&str, usize> = FastMap::default();
        let mut role_index: FastMap<Cow<str>, usize> = FastMap::default();
        for user in &self.users {
            match user.license_status.user_status() {
                UserStatus::Active => report.by_status.active += 1,
                UserStatus::Deleted => report.by_status.deleted += 1,
            }
            match user.license_status {
                LicenseStatus::Active => report.by_license_status.active += 1,
                LicenseStatus::Inactive => report.by_license_status.inactive += 1,
                LicenseStatus::Deleted => report.by_license_status.deleted += 1,
            }
            for &role in user.roles.as_slice() {
                let text = role.resolve(inputs, arena);
                if let Some(&at) = exact.get(text) {
                    report.by_role[at].1 += 1;
                    continue;
                }
                let at = match role_index.entry(role_key(text)) {
                    Entry::Occupied(slot) => *slot.get(),
                    Entry::Vacant(slot) => {
                        slot.insert(report.by_role.len());
                        report.by_role.push((text.to_string(), 0));
                        report.by_role.len() - 1
                    }
                };
                report.by_role[at].1 += 1;
                exact.insert(text, at);
            }
        }
        drop((exact, role_index));
        if self.users.is_empty() {
            let report = &self.report;
            let first_problem = report
                .diagnostics
                .iter()
                .find(|d| d.code != Code::RaggedRow && !d.code.about_header())
                .map(|d| format!(" ({}: {})", report.place(d.file, d.line), d.message))
                .unwrap_or_default();
            let t = &report.totals;
            let message = format!(
                "no valid users: {} read, {} rejected, {} excluded{first_problem}",
                plural(t.rows_read, "row", "rows"),
                t.rejected,
                t.excluded
            );
            return Err(Error::new(
                ErrorKind::NoValidUsers {
                    report: Box::new(self.report),
                },
                message,
            ));
        }
        Ok((self.users, self.arena, self.report))
    }
}

/// The byte offset of `part` in `whole`, when `part` is a slice of it.
fn offset_within(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_reserved_from_short_first_rows_are_capped_and_the_rest_is_read() {
        // The first rows are as short as a row gets; the last has a 4 MB
        // cell, so the estimate would be half a million rows.
        let mut csv = String::from("Email,Name\n");
        for i in 0..SIZE_SAMPLE_ROWS + 10 {
            csv.push_str(&format!("u{i}@x.io,\n"));
        }
        csv.push_str(&format!("last@x.io,{}\n", "n".repeat(4 << 20)));
        let out = crate::transform(&csv, &crate::TransformOptions::default()).unwrap();
        assert_eq!(out.file.len(), SIZE_SAMPLE_ROWS + 11);
        assert!(out.report.is_balanced());
    }

    #[test]
    fn a_sheet_longer_than_the_size_sample_is_read_whole() {
        // Rows given as cells have no byte position; the scanner counts them.
        let mut rows = vec![vec!["Email".to_string(), "Name".to_string()]];
        rows.extend((0..SIZE_SAMPLE_ROWS + 10).map(|i| vec![format!("u{i}@x.io"), "Ada".into()]));
        let input = crate::transform::Input::rows("Users", rows);
        let out =
            crate::transform::transform_inputs(vec![input], &crate::TransformOptions::default())
                .unwrap();
        assert_eq!(out.file.len(), SIZE_SAMPLE_ROWS + 10);
    }

    #[test]
    fn offsets_only_for_slices() {
        let whole = "ada@example.com";
        assert_eq!(offset_within(whole, &whole[4..]), Some(4));
        assert_eq!(offset_within(whole, "example"), None);
    }
}
