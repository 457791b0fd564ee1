//! The change preview: what a sync is about to change in Torii, found by
//! comparing the new file with the last one synced.
//!
//! A Torii file replaces the app's whole user list, so an admin should see
//! who is new, who disappears, and whose status, roles, last-used date,
//! names, license or license status change before pressing the button. Emails
//! compare as the transform normalises them (case, invisible characters,
//! the ASCII form of a domain) and roles as sets, ignoring order (not case:
//! Torii shows the spelling the file gives).
//!
//! For the destructive-sync guard it also counts the previous file's active
//! users (any status but `deleted`) and those the new file drops, by leaving
//! them out or marking them deleted ([`Changes::removal`],
//! [`removal_between`]).
//!
//! The previous file is read from its JSON bytes ([`Snapshot::parse`]), or
//! from the one-JSON-object-per-user rows the Apps Script front end keeps in
//! a sheet ([`Snapshot::from_rows`], written by [`snapshot_rows`]).
//!
//! ```
//! use stripe_torii_sync::changes::{compare, Snapshot};
//! use stripe_torii_sync::{transform, TransformOptions};
//!
//! let previous = br#"{"users":[{"email":"Ada@Example.com","status":"active","roles":["Owner"]},
//!                              {"email":"bob@example.com","status":"active"}]}"#;
//! let now = transform("Email,Role,Status\nada@example.com,owner,Invited\ncat@example.com,,Active\n",
//!                     &TransformOptions::default()).unwrap();
//! let previous = Snapshot::parse(std::str::from_utf8(previous).unwrap()).unwrap();
//! let changes = compare(&now.file, &previous);
//! assert_eq!(changes.added, ["cat@example.com"]);
//! assert_eq!(changes.removed, ["bob@example.com"]);
//! // "owner" is a new spelling of "Owner": the file Torii gets changes.
//! assert_eq!(changes.changed[0].fields, ["externalStatus", "roles", "licenseStatus"]);
//! assert_eq!(changes.unchanged, 0);
//! ```

use std::borrow::Cow;

use crate::error::{Error, ErrorKind, Result};
use crate::fields::date::{parse_last_used, Date, DateOrder};
use crate::fields::email::normalize_email;
use crate::fields::status::UserStatus;
use crate::json::{ObjectWriter, Reader, SyntaxError};
use crate::sync::guard::Removal;
use crate::text::{fold, printable, utf16_prefix, FastMap, FastSet, SHEET_CELL_LIMIT};
use crate::torii::{ToriiFile, User};

/// One user whose fields differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The email, as the new file spells it.
    pub email: String,
    /// The names of the fields whose value differs, in file order:
    /// `firstName`, `lastName`, `status`, `externalStatus`, `roles`,
    /// `lastUsedDate`, `licenseStatus`, `license` (listed in a license of
    /// another name: Torii moves the user to the new one).
    pub fields: Vec<&'static str>,
}

impl Changed {
    /// `{"email","fields"}`, the email written as `email` gives it.
    fn write_json(&self, out: &mut Vec<u8>, email: &str) {
        let mut w = ObjectWriter::new(out);
        w.str("email", email)
            .strs("fields", self.fields.iter().copied());
        w.end();
    }
}

/// What changes between a previous Torii file and a new one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// What the previous file is called in the summary (a path, or "the
    /// last sync").
    pub since: String,
    /// Users in the previous file.
    pub previous_users: u64,
    /// Emails in the new file only, in its order.
    pub added: Vec<String>,
    /// Emails in the previous file only, in its order.
    pub removed: Vec<String>,
    /// Users in both whose fields differ, in the new file's order.
    pub changed: Vec<Changed>,
    /// Users in both with nothing changed.
    pub unchanged: u64,
    /// Users of the previous file who were active (any status but
    /// `deleted`): the users of the app it described.
    pub previous_active: u64,
    /// Of the previous active users, those the new file leaves out.
    pub removed_active: u64,
    /// Of the previous active users, those the new file keeps but marks
    /// `deleted`: Torii drops them from the app just the same.
    pub deactivated: u64,
}

impl Changes {
    /// "changes since PREVIOUS.json: 3 added, 1 removed, 2 changed, 94 unchanged".
    pub fn summary(&self) -> String {
        let since = if self.since.is_empty() {
            "the last sync"
        } else {
            &self.since
        };
        format!(
            "changes since {since}: {} added, {} removed, {} changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        )
    }

    /// The summary, then up to `listed` emails of each kind.
    pub fn render_text(&self, listed: usize) -> String {
        let mut out = self.summary();
        out.push('\n');
        let list = |out: &mut String, what: &str, items: Vec<String>| {
            if items.is_empty() {
                return;
            }
            let more = items.len().saturating_sub(listed);
            out.push_str(&format!("  {what}: "));
            out.push_str(
                &items
                    .into_iter()
                    .take(listed)
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            if more > 0 {
                out.push_str(&format!(" … and {more} more"));
            }
            out.push('\n');
        };
        list(&mut out, "added", self.added.clone());
        // The previous file's emails were never checked: any text.
        let removed = self.removed.iter().map(|e| printable(e).into_owned());
        list(&mut out, "removed", removed.collect());
        let changed = self
            .changed
            .iter()
            .map(|c| format!("{} ({})", c.email, c.fields.join(", ")))
            .collect();
        list(&mut out, "changed", changed);
        out
    }

    /// The changes as JSON: `{"added":[…],"removed":[…],"changed":[{"email",
    /// "fields"}],"unchanged":N}`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut o = ObjectWriter::new(&mut out);
        o.strs("added", self.added.iter().map(String::as_str));
        o.strs("removed", self.removed.iter().map(String::as_str));
        o.array("changed", &self.changed, |list, c| {
            c.write_json(list, &c.email)
        });
        o.u64("unchanged", self.unchanged);
        o.end();
        out
    }

    /// The changes for a person to read, as JSON: `{"counts":{"added",
    /// "removed","changed","unchanged"},"added":[…],"removed":[…],
    /// "changed":[{"email","fields"}]}`, with the whole counts but at most
    /// `listed` emails of each kind. The emails are [`printable`]: the
    /// previous file's were never checked, and a direction override in one
    /// would reorder the list around it.
    ///
    /// ```
    /// use stripe_torii_sync::changes::Changes;
    ///
    /// let changes = Changes {
    ///     removed: vec!["a@example.com".into(), "\u{202e}b@example.com".into()],
    ///     ..Changes::default()
    /// };
    /// let listing = String::from_utf8(changes.listing_json(1)).unwrap();
    /// assert!(listing.contains(r#""removed":2"#));
    /// assert!(listing.contains(r#""removed":["a@example.com"]"#));
    /// let listing = String::from_utf8(changes.listing_json(5)).unwrap();
    /// assert!(listing.contains(r#""\\u{202e}b@example.com""#));
    /// ```
    pub fn listing_json(&self, listed: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut o = ObjectWriter::new(&mut out);
        o.object("counts", |counts| {
            counts
                .u64("added", self.added.len() as u64)
                .u64("removed", self.removed.len() as u64)
                .u64("changed", self.changed.len() as u64)
                .u64("unchanged", self.unchanged);
        });
        let added = shown(&self.added, listed);
        o.strs("added", added.iter().map(AsRef::as_ref));
        let removed = shown(&self.removed, listed);
        o.strs("removed", removed.iter().map(AsRef::as_ref));
        let changed = &self.changed[..self.changed.len().min(listed)];
        o.array("changed", changed, |list, c| {
            c.write_json(list, &printable(&c.email));
        });
        o.end();
        out
    }
}

/// The first `listed` of `emails`, [`printable`].
fn shown(emails: &[String], listed: usize) -> Vec<Cow<'_, str>> {
    emails.iter().take(listed).map(|e| printable(e)).collect()
}

/// One user of a previous file, with the fields the comparison reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotUser<'a> {
    /// The email as that file spells it.
    pub email: Cow<'a, str>,
    /// `firstName`.
    pub first_name: Option<Cow<'a, str>>,
    /// `lastName`.
    pub last_name: Option<Cow<'a, str>>,
    /// `status`.
    pub status: Option<Cow<'a, str>>,
    /// `externalStatus`.
    pub external_status: Option<Cow<'a, str>>,
    /// `roles`.
    pub roles: Vec<Cow<'a, str>>,
    /// `lastUsedDate`, as a date when it reads as one.
    pub last_used: Option<Date>,
    /// The user's `licenseStatus` in the license, if listed.
    pub license_status: Option<Cow<'a, str>>,
    /// The name of that license, when known.
    pub license: Option<Cow<'a, str>>,
}

impl SnapshotUser<'_> {
    /// Whether the user is a user of the app: any status but `deleted`
    /// (compared ignoring case), a missing one included.
    pub fn is_active(&self) -> bool {
        !self.status.as_deref().is_some_and(is_deleted_status)
    }
}

/// True when a `status` of a Torii file is `deleted` (trimmed, compared
/// ignoring case): the one status that is not a user of the app.
pub(crate) fn is_deleted_status(status: &str) -> bool {
    fold_is(status, "deleted")
}

/// A previous Torii file, read for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot<'a> {
    users: Vec<SnapshotUser<'a>>,
    by_key: FastMap<String, usize>,
}

/// A previous file as a host keeps it: a Torii file's JSON text, or the
/// rows [`snapshot_rows`] wrote (one JSON object per user), as the Apps
/// Script front end keeps them in a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousFile {
    /// The JSON text of a Torii file.
    Json(String),
    /// One user object per row, continued rows joined ([`PreviousFile::rows`]).
    Rows(Vec<String>),
}

impl PreviousFile {
    /// The rows [`snapshot_rows`] wrote, as a sheet gives them back: a row
    /// that starts with [`CONTINUED`] is joined to the row before it.
    ///
    /// ```
    /// use stripe_torii_sync::changes::PreviousFile;
    ///
    /// let rows = ["{\"email\":\"ada@exa", "…mple.com\"}", "{\"email\":\"bob@example.com\"}"];
    /// let previous = PreviousFile::rows(rows.map(String::from).to_vec());
    /// assert_eq!(
    ///     previous,
    ///     PreviousFile::Rows(vec![
    ///         r#"{"email":"ada@example.com"}"#.into(),
    ///         r#"{"email":"bob@example.com"}"#.into(),
    ///     ])
    /// );
    /// ```
    pub fn rows(cells: Vec<String>) -> PreviousFile {
        let mut rows: Vec<String> = Vec::with_capacity(cells.len());
        for cell in cells {
            match (cell.strip_prefix(CONTINUED), rows.last_mut()) {
                (Some(rest), Some(last)) => last.push_str(rest),
                _ => rows.push(cell),
            }
        }
        PreviousFile::Rows(rows)
    }

    /// The snapshot to compare with.
    ///
    /// # Errors
    ///
    /// `not_torii_file`, as [`Snapshot::parse`] and [`Snapshot::from_rows`].
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        match self {
            PreviousFile::Json(text) => Snapshot::parse(text),
            PreviousFile::Rows(rows) => {
                let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
                Snapshot::from_rows(&rows)
            }
        }
    }
}

fn not_torii(what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::NotToriiFile,
        format!(
            "the previous file is not a Torii file: {what}; give the JSON file an earlier \
             transform or sync wrote"
        ),
    )
}

impl<'a> Snapshot<'a> {
    /// Reads a Torii file's JSON.
    ///
    /// # Errors
    ///
    /// `not_torii_file` when the text is not JSON, or not an object with a
    /// `users` list of objects that each have an `email`.
    pub fn parse(json: &'a str) -> Result<Snapshot<'a>> {
        Snapshot::read_json(json, false)
    }

    /// Reads a Torii file about to be sent, to compare it with the last
    /// one: an entry that is not an object, or has no email, is Torii's to
    /// judge and matches no one, so it is passed over rather than refused.
    ///
    /// # Errors
    ///
    /// `not_torii_file` when the text is not JSON, or not an object with a
    /// `users` list.
    pub(crate) fn parse_sent(json: &'a str) -> Result<Snapshot<'a>> {
        Snapshot::read_json(json, true)
    }

    fn read_json(json: &'a str, sent: bool) -> Result<Snapshot<'a>> {
        let mut users = Vec::new();
        let mut licenses: Vec<LicensedUser<'a>> = Vec::new();
        let mut saw_users = false;
        let mut reader = Reader::new(json);
        if reader.peek() != Some(b'{') {
            return Err(not_torii("it is not a JSON object"));
        }
        reader
            .object(|r, key| match key.as_ref() {
                // Torii reads one list; which one, for two, is not ours to guess.
                "users" if saw_users => Err(SyntaxError {
                    what: TWO_LISTS,
                    offset: 0,
                }),
                "users" => {
                    saw_users = true;
                    r.array(|r| {
                        if sent && r.peek() != Some(b'{') {
                            return r.skip();
                        }
                        match read_user(r) {
                            Ok(user) => users.push(user),
                            Err(e) if sent && e.what == NO_EMAIL => {}
                            Err(e) => return Err(e),
                        }
                        Ok(())
                    })
                }
                "licenses" => r.array(|r| read_license(r, &mut licenses)),
                _ => r.skip(),
            })
            .and_then(|()| reader.finish())
            .map_err(|e| match e.what {
                NO_EMAIL | TWO_LISTS | "a user that is not an object" => not_torii(e.what),
                _ => not_torii(format!("it is not valid JSON ({e})")),
            })?;
        if !saw_users {
            return Err(not_torii("it has no users list"));
        }
        let mut snapshot = Snapshot::from_users(users, sent);
        for listed in licenses {
            if let Some(&i) = snapshot.by_key.get(key_of(&listed.email).as_ref()) {
                let user = &mut snapshot.users[i];
                if user.license_status.is_none() {
                    user.license_status = Some(listed.status);
                    user.license = listed.license;
                }
            }
        }
        Ok(snapshot)
    }

    /// Reads the rows [`snapshot_rows`] wrote: one JSON object per user,
    /// continued rows joined first ([`PreviousFile::rows`]).
    ///
    /// # Errors
    ///
    /// `not_torii_file` naming the first row that is not such an object.
    pub fn from_rows(rows: &[&'a str]) -> Result<Snapshot<'a>> {
        let mut users = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if row.trim().is_empty() {
                continue;
            }
            let mut reader = Reader::new(row);
            let user = read_user(&mut reader)
                .and_then(|user| reader.finish().map(|()| user))
                .map_err(|e| {
                    not_torii(format!(
                        "row {} of the saved sync is unreadable ({e})",
                        i + 1
                    ))
                })?;
            users.push(user);
        }
        Ok(Snapshot::from_users(users, false))
    }

    /// Keeps each email once. Which of two entries Torii keeps is
    /// undocumented, so the guard assumes the worst: in a previous file an
    /// active entry wins (a user of the app to lose), in a file to send
    /// (`sent`) a deleted one (a user it drops).
    fn from_users(users: Vec<SnapshotUser<'a>>, sent: bool) -> Snapshot<'a> {
        let mut by_key = FastMap::default();
        let mut kept = Vec::with_capacity(users.len());
        for user in users {
            let key = key_of(&user.email).into_owned();
            match by_key.entry(key) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(kept.len());
                    kept.push(user);
                }
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let first = &mut kept[*slot.get()];
                    if first.is_active() == sent && user.is_active() != sent {
                        *first = user;
                    }
                }
            }
        }
        Snapshot {
            users: kept,
            by_key,
        }
    }

    /// Users in the file (each email once: of two entries, the first, or
    /// the first active one of a previous file).
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when the file has no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// The key an email compares by: the transform's, or the lower-cased text
/// when it is not a valid address.
fn key_of(email: &str) -> Cow<'_, str> {
    match normalize_email(email) {
        Ok(e) => {
            let (address, ascii) = e.into_parts();
            match ascii {
                Some(ascii) => Cow::Owned(ascii),
                None => address,
            }
        }
        Err(_) => fold(email.trim()),
    }
}

/// What [`read_user`] says of a user object without an email.
const NO_EMAIL: &str = "a user without an email";

/// What [`Snapshot::parse`] says of a file with a second `users` list.
const TWO_LISTS: &str = "it has more than one users list";

fn read_user<'a>(r: &mut Reader<'a>) -> std::result::Result<SnapshotUser<'a>, SyntaxError> {
    if r.peek() != Some(b'{') {
        return Err(SyntaxError {
            what: "a user that is not an object",
            offset: 0,
        });
    }
    let mut user = SnapshotUser::default();
    let mut has_email = false;
    r.object(|r, key| {
        let text = |r: &mut Reader<'a>| -> std::result::Result<Option<Cow<'a, str>>, SyntaxError> {
            if r.peek() == Some(b'"') {
                r.string().map(Some)
            } else {
                r.skip().map(|()| None)
            }
        };
        match key.as_ref() {
            "email" => {
                if let Some(email) = text(r)? {
                    user.email = email;
                    has_email = true;
                }
            }
            "firstName" => user.first_name = text(r)?,
            "lastName" => user.last_name = text(r)?,
            "status" => user.status = text(r)?,
            "externalStatus" => user.external_status = text(r)?,
            "licenseStatus" => user.license_status = text(r)?,
            "license" => user.license = text(r)?,
            "lastUsedDate" => {
                user.last_used =
                    text(r)?.and_then(|d| parse_last_used(&d, DateOrder::Mdy).ok().flatten());
            }
            "roles" if r.peek() == Some(b'[') => r.array(|r| {
                if let Some(role) = text(r)? {
                    user.roles.push(role);
                }
                Ok(())
            })?,
            _ => r.skip()?,
        }
        Ok(())
    })?;
    if !has_email {
        return Err(SyntaxError {
            what: NO_EMAIL,
            offset: 0,
        });
    }
    Ok(user)
}

/// A user listed in a license of a previous file.
struct LicensedUser<'a> {
    email: Cow<'a, str>,
    status: Cow<'a, str>,
    /// The license's name, when it has one.
    license: Option<Cow<'a, str>>,
}

fn read_license<'a>(
    r: &mut Reader<'a>,
    into: &mut Vec<LicensedUser<'a>>,
) -> std::result::Result<(), SyntaxError> {
    if r.peek() != Some(b'{') {
        return r.skip();
    }
    let first = into.len();
    let mut name = None;
    r.object(|r, key| match (key.as_ref(), r.peek()) {
        ("name", Some(b'"')) => r.string().map(|s| name = Some(s)),
        ("users", Some(b'[')) => r.array(|r| {
            if r.peek() != Some(b'{') {
                return r.skip();
            }
            let (mut email, mut status) = (None, None);
            r.object(|r, key| match (key.as_ref(), r.peek()) {
                ("email", Some(b'"')) => r.string().map(|s| email = Some(s)),
                ("licenseStatus", Some(b'"')) => r.string().map(|s| status = Some(s)),
                _ => r.skip(),
            })?;
            if let (Some(email), Some(status)) = (email, status) {
                into.push(LicensedUser {
                    email,
                    status,
                    license: None,
                });
            }
            Ok(())
        }),
        _ => r.skip(),
    })?;
    // The name may come after the users.
    for listed in &mut into[first..] {
        listed.license.clone_from(&name);
    }
    Ok(())
}

/// The license status a user has in effect: the listed one, or the user's
/// status when the file lists none (Torii's rule).
fn effective_license(listed: Option<&str>, status: Option<&str>) -> String {
    match (listed, status) {
        (Some(listed), _) => fold(listed).into_owned(),
        (None, Some(status)) if is_deleted_status(status) => "deleted".into(),
        _ => "active".into(),
    }
}

fn fold_is(text: &str, word: &str) -> bool {
    fold(text.trim()) == word
}

/// Whether two role lists are one set. Spelling counts, case too: the
/// transform merges "Developer" and "developer", but the file Torii gets
/// holds one of them, and a new spelling is a change there.
fn same_roles<'r>(a: impl Iterator<Item = &'r str>, b: &[Cow<str>]) -> bool {
    let a: FastSet<&str> = a.collect();
    let b: FastSet<&str> = b.iter().map(|r| &**r).collect();
    a == b
}

/// The fields of `user` that differ from `before`, in file order.
fn changed_fields(user: &User, before: &SnapshotUser, license: Option<&str>) -> Vec<&'static str> {
    let has_license = license.is_some();
    let mut fields = Vec::new();
    let differs = |now: Option<&str>, then: &Option<Cow<str>>| now != then.as_deref();
    if differs(user.first_name(), &before.first_name) {
        fields.push("firstName");
    }
    if differs(user.last_name(), &before.last_name) {
        fields.push("lastName");
    }
    let status = user.status().as_str();
    // No status is an active user, to Torii as to the guard.
    if !fold_is(before.status.as_deref().unwrap_or("active"), status) {
        fields.push("status");
    }
    if differs(user.external_status(), &before.external_status) {
        fields.push("externalStatus");
    }
    if !same_roles(user.roles(), &before.roles) {
        fields.push("roles");
    }
    if user.last_used_date() != before.last_used {
        fields.push("lastUsedDate");
    }
    let now_license = if has_license {
        user.license_status().as_str().to_string()
    } else {
        effective_license(None, Some(status))
    };
    let then_license =
        effective_license(before.license_status.as_deref(), before.status.as_deref());
    if now_license != then_license {
        fields.push("licenseStatus");
    }
    if license.is_some_and(|now| before.license.as_deref().is_some_and(|then| then != now)) {
        fields.push("license");
    }
    fields
}

/// Compares `file` with the previous file.
pub fn compare(file: &ToriiFile, previous: &Snapshot) -> Changes {
    let mut changes = Changes {
        previous_users: previous.len() as u64,
        ..Changes::default()
    };
    let license = file.license().map(|l| l.name.as_str());
    let mut seen = vec![false; previous.len()];
    for user in file.users() {
        match previous.by_key.get(key_of(user.email()).as_ref()) {
            None => changes.added.push(user.email().to_string()),
            Some(&i) => {
                seen[i] = true;
                if previous.users[i].is_active() && user.status() == UserStatus::Deleted {
                    changes.deactivated += 1;
                }
                let fields = changed_fields(&user, &previous.users[i], license);
                if fields.is_empty() {
                    changes.unchanged += 1;
                } else {
                    changes.changed.push(Changed {
                        email: user.email().to_string(),
                        fields,
                    });
                }
            }
        }
    }
    for (user, seen) in previous.users.iter().zip(seen) {
        changes.previous_active += u64::from(user.is_active());
        if !seen {
            changes.removed_active += u64::from(user.is_active());
            changes.removed.push(user.email.to_string());
        }
    }
    changes
}

/// What starts a row of [`snapshot_rows`] that continues the row before it.
pub const CONTINUED: &str = "…";

/// The rows the Apps Script front end keeps of a synced file: one JSON
/// object per user, with the user's `licenseStatus` and `license` (its
/// name) in it. A cell that starts with `{` is never taken for a formula,
/// nor one that starts with [`CONTINUED`]: a user whose object is longer
/// than a sheet cell holds ([`SHEET_CELL_LIMIT`]) goes on in the rows after
/// it, each starting with that mark. [`PreviousFile::rows`] joins them.
pub fn snapshot_rows(file: &ToriiFile) -> Vec<String> {
    let mut rows = Vec::with_capacity(file.len());
    for row in user_objects(file) {
        if row.len() <= SHEET_CELL_LIMIT {
            rows.push(row);
        } else {
            split_for_cells(&row, &mut rows);
        }
    }
    rows
}

/// Splits a text into cells of at most [`SHEET_CELL_LIMIT`] UTF-16 units,
/// each after the first starting with [`CONTINUED`]. No cell but the last
/// ends in whitespace, which a sheet might trim.
fn split_for_cells(text: &str, rows: &mut Vec<String>) {
    let mut rest = text;
    let mut mark = "";
    loop {
        let (end, _) = utf16_prefix(rest, SHEET_CELL_LIMIT - mark.encode_utf16().count());
        if end == rest.len() {
            rows.push(format!("{mark}{rest}"));
            return;
        }
        let trimmed = rest[..end].trim_end().len();
        let cut = if trimmed == 0 { end } else { trimmed };
        rows.push(format!("{mark}{}", &rest[..cut]));
        rest = &rest[cut..];
        mark = CONTINUED;
    }
}

/// One JSON object per user, for [`snapshot_rows`].
fn user_objects(file: &ToriiFile) -> impl Iterator<Item = String> + '_ {
    let license = file.license().map(|l| l.name.as_str());
    file.users().map(move |user| {
        let mut out = Vec::with_capacity(160);
        let mut o = ObjectWriter::new(&mut out);
        o.str("email", user.email())
            .opt_str("firstName", user.first_name())
            .opt_str("lastName", user.last_name())
            .str("status", user.status().as_str())
            .opt_str("externalStatus", user.external_status());
        if user.roles().len() > 0 {
            o.strs("roles", user.roles());
        }
        if let Some(date) = user.last_used_date() {
            o.str("lastUsedDate", &date.to_string());
        }
        if let Some(name) = license {
            o.str("licenseStatus", user.license_status().as_str())
                .str("license", name);
        }
        o.end();
        String::from_utf8(out).unwrap_or_default()
    })
}

impl Changes {
    /// What the new file drops of the previous file's active users, for
    /// the guard: those it leaves out and those it marks deleted.
    pub fn removal(&self) -> Removal {
        let count = |n: u64| n.min(u64::from(u32::MAX)) as u32;
        Removal {
            previous_users: count(self.previous_active),
            removed_users: count(self.removed_active.saturating_add(self.deactivated)),
            deleted_users: count(self.deactivated),
        }
    }
}

/// What `new` drops of `previous`'s active users (by email key), for a
/// sync of a Torii file given as JSON rather than as a transform's result:
/// those it leaves out and those it marks deleted.
pub fn removal_between(previous: &Snapshot, new: &Snapshot) -> Removal {
    let (mut active, mut removed, mut deleted) = (0usize, 0usize, 0usize);
    for (key, &i) in &previous.by_key {
        if !previous.users[i].is_active() {
            continue;
        }
        active += 1;
        match new.by_key.get(key.as_str()) {
            None => removed += 1,
            Some(&j) if !new.users[j].is_active() => deleted += 1,
            Some(_) => {}
        }
    }
    let count = |n: usize| n.min(u32::MAX as usize) as u32;
    Removal {
        previous_users: count(active),
        removed_users: count(removed + deleted),
        deleted_users: count(deleted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{transform, TransformOptions};

    fn file(csv: &str) -> crate::Transformed {
        transform(csv, &TransformOptions::default()).unwrap()
    }

    #[test]
    fn each_kind_of_change_is_named() {
        let before = file(
            "Email,Name,Status,Role,Last login\n\
             a@x.com,Ada Lovelace,Active,Owner,2025-01-01\n\
             b@x.com,Bob B,Active,Owner,2025-01-01\n\
             c@x.com,Cat C,Active,\"Owner, Analyst\",2025-01-01\n\
             d@x.com,Dan D,Active,Owner,2025-01-01\n",
        );
        let json = String::from_utf8(before.to_json()).unwrap();
        let previous = Snapshot::parse(&json).unwrap();
        let after = file(
            "Email,Name,Status,Role,Last login\n\
             A@X.COM,Ada King,Invited,Owner,2025-02-01\n\
             c@x.com,Cat C,Active,\"Analyst, Owner\",2025-01-01\n\
             d@x.com,Dan D,Removed,Owner,2025-01-01\n\
             e@x.com,Eve E,Active,Owner,2025-01-01\n",
        );
        let changes = compare(&after.file, &previous);
        assert_eq!(changes.added, ["e@x.com"]);
        assert_eq!(changes.removed, ["b@x.com"]);
        assert_eq!(changes.unchanged, 1, "role sets compare ignoring order");
        assert_eq!(changes.changed.len(), 2);
        assert_eq!(changes.changed[0].email, "a@x.com");
        assert_eq!(
            changes.changed[0].fields,
            [
                "lastName",
                "externalStatus",
                "lastUsedDate",
                "licenseStatus"
            ]
        );
        assert_eq!(
            changes.changed[1].fields,
            ["status", "externalStatus", "licenseStatus"]
        );
        assert_eq!(changes.previous_users, 4);
        assert_eq!(
            changes.removal(),
            Removal {
                previous_users: 4,
                removed_users: 2,
                deleted_users: 1
            },
            "b@x.com is left out and d@x.com marked deleted"
        );
    }

    #[test]
    fn a_role_spelled_otherwise_is_a_change() {
        // The file Torii gets holds the new spelling, so the preview says
        // so, though the transform merges roles ignoring case.
        let before = r#"{"users":[{"email":"a@x.com","roles":["Developer","Owner"]}]}"#;
        let previous = Snapshot::parse(before).unwrap();
        let after = file("Email,Role\na@x.com,\"owner, Developer\"\n");
        let changes = compare(&after.file, &previous);
        assert_eq!(changes.changed.len(), 1);
        assert_eq!(changes.changed[0].fields, ["roles"]);
        let after = file("Email,Role\na@x.com,\"Owner, Developer, OWNER\"\n");
        assert_eq!(compare(&after.file, &previous).unchanged, 1);
    }

    #[test]
    fn users_marked_deleted_are_dropped_from_the_app() {
        let before = r#"{"users":[{"email":"a@x.com","status":"active"},
            {"email":"b@x.com"},{"email":"c@x.com","status":"Deleted"},
            {"email":"d@x.com","status":"active"}]}"#;
        let previous = Snapshot::parse(before).unwrap();
        let expected = Removal {
            previous_users: 3,
            removed_users: 2,
            deleted_users: 1,
        };
        // a stays, b is marked deleted, d is left out; c was not a user of the app.
        let now = file(
            "Email,Status
a@x.com,Active
b@x.com,Removed
c@x.com,Removed
",
        );
        let changes = compare(&now.file, &previous);
        assert_eq!(changes.removed, ["d@x.com"]);
        assert_eq!(changes.removal(), expected);
        let json = String::from_utf8(now.to_json()).unwrap();
        let after = Snapshot::parse(&json).unwrap();
        assert_eq!(removal_between(&previous, &after), expected);
        let back = file(
            "Email,Status
a@x.com,Active
b@x.com,Active
c@x.com,Active
d@x.com,Active
",
        );
        assert_eq!(compare(&back.file, &previous).removal().removed_users, 0);
    }

    #[test]
    fn emails_compare_as_the_transform_normalises_them() {
        let previous = Snapshot::parse(
            r#"{"users":[{"email":"ADA@xn--bcher-kva.example","status":"active"},
                          {"email":" bob\u200b@example.com","status":"active"}]}"#,
        )
        .unwrap();
        let now = file("Email\nada@bücher.example\nbob@example.com\n");
        let changes = compare(&now.file, &previous);
        assert!(changes.added.is_empty() && changes.removed.is_empty());
    }

    #[test]
    fn a_user_without_a_status_was_active() {
        // Torii takes a user without a status for an active one, as the
        // guard does: only the fields that differ are named.
        let previous = Snapshot::parse(
            r#"{"users":[{"email":"a@x.com","externalStatus":"Active"},
                          {"email":"b@x.com","externalStatus":"Active"}]}"#,
        )
        .unwrap();
        let now = file("Email,Status\na@x.com,Active\nb@x.com,Removed\n");
        let changes = compare(&now.file, &previous);
        assert_eq!(changes.unchanged, 1, "{changes:?}");
        assert_eq!(changes.changed[0].email, "b@x.com");
        assert_eq!(
            changes.changed[0].fields,
            ["status", "externalStatus", "licenseStatus"]
        );
    }

    #[test]
    fn a_license_of_another_name_is_a_change() {
        // Torii moves every user from the old license to the new one.
        let now = file("Email,Status\na@x.com,Active\n");
        let json = String::from_utf8(now.to_json()).unwrap();
        let renamed = json.replace(r#""name":"Stripe""#, r#""name":"Stripe (old)""#);
        assert_ne!(json, renamed);
        let changes = compare(&now.file, &Snapshot::parse(&renamed).unwrap());
        assert_eq!(changes.changed.len(), 1, "{changes:?}");
        assert_eq!(changes.changed[0].fields, ["license"]);
        assert_eq!(
            compare(&now.file, &Snapshot::parse(&json).unwrap()).unchanged,
            1
        );
        // The Apps Script rows keep the license name, and show the same.
        let rows: Vec<String> = snapshot_rows(&now.file)
            .into_iter()
            .map(|row| row.replace(r#""license":"Stripe""#, r#""license":"Stripe (old)""#))
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let changes = compare(&now.file, &Snapshot::from_rows(&rows).unwrap());
        assert_eq!(changes.changed.len(), 1, "{rows:?}");
        assert_eq!(changes.changed[0].fields, ["license"]);
    }

    #[test]
    fn a_user_listed_twice_is_active_if_either_entry_is() {
        // Which entry Torii keeps is not documented: the guard must not
        // miss a user of the app because an earlier entry says deleted.
        let previous = Snapshot::parse(
            r#"{"users":[{"email":"a@x.com","status":"deleted"},
                          {"email":"b@x.com","status":"active"},
                          {"email":"A@X.com","status":"active"}]}"#,
        )
        .unwrap();
        assert_eq!(previous.len(), 2);
        let now = file("Email,Status\nb@x.com,Active\n");
        let changes = compare(&now.file, &previous);
        assert_eq!(changes.removed.len(), 1);
        assert_eq!(
            changes.removal(),
            Removal {
                previous_users: 2,
                removed_users: 1,
                deleted_users: 0
            }
        );
        let json = String::from_utf8(now.to_json()).unwrap();
        let after = Snapshot::parse(&json).unwrap();
        assert_eq!(removal_between(&previous, &after), changes.removal());
        // In a file to send, a deleted entry of the two is a user dropped.
        let sent = Snapshot::parse_sent(
            r#"{"users":[{"email":"b@x.com","status":"active"},
                          {"email":"a@x.com","status":"active"},
                          {"email":"a@x.com","status":"deleted"}]}"#,
        )
        .unwrap();
        assert_eq!(removal_between(&previous, &sent).deleted_users, 1);
    }

    #[test]
    fn a_file_that_is_not_a_torii_file_is_a_clear_error() {
        for bad in [
            "",
            "[]",
            "{",
            r#"{"licenses":[]}"#,
            r#"{"users":[{"name":"x"}]}"#,
            r#"{"users":[1]}"#,
            r#"{"users":[{"email":"a@x.com"}],"users":[{"email":"b@x.com"}]}"#,
            "Email\na@x.com",
        ] {
            let err = Snapshot::parse(bad).unwrap_err();
            assert_eq!(err.code(), "not_torii_file", "{bad}");
            assert!(err.message().contains("not a Torii file"));
        }
    }

    #[test]
    fn snapshot_rows_round_trip() {
        let now = file("Email,Name,Status,Role,Last login\n=a@x.com,Ada L,Invited,\"Owner, Dev\",2025-01-01\nb@x.com,,,,\n");
        let rows = snapshot_rows(&now.file);
        assert!(rows.iter().all(|r| r.starts_with('{')));
        let borrowed: Vec<&str> = rows.iter().map(String::as_str).collect();
        let snapshot = Snapshot::from_rows(&borrowed).unwrap();
        let changes = compare(&now.file, &snapshot);
        assert_eq!(changes.unchanged, now.file.len() as u64, "{changes:?}");
        assert!(Snapshot::from_rows(&["not json"]).is_err());
    }

    #[test]
    fn a_user_longer_than_a_sheet_cell_goes_on_in_the_rows_after_it() {
        // 12,000 roles: an object of about 150,000 characters, some of them
        // outside the BMP (two UTF-16 units each).
        let roles: Vec<String> = (0..12_000).map(|i| format!("Role 😀 {i}")).collect();
        let text = format!(
            "Email,Role\nada@x.com,\"{}\"\nbob@x.com,Owner\n",
            roles.join(", ")
        );
        let now = file(&text);
        let rows = snapshot_rows(&now.file);
        assert!(rows.len() > 3, "{}", rows.len());
        for row in &rows {
            assert!(row.encode_utf16().count() <= SHEET_CELL_LIMIT);
            assert!(row.starts_with('{') || row.starts_with(CONTINUED));
        }
        assert!(rows[1].starts_with(CONTINUED));
        assert!(rows.iter().all(|r| !r.ends_with(char::is_whitespace)));
        let previous = PreviousFile::rows(rows);
        let changes = compare(&now.file, &previous.snapshot().unwrap());
        assert_eq!(changes.unchanged, 2, "{changes:?}");
    }

    #[test]
    fn a_long_row_is_cut_where_no_cell_ends_in_whitespace() {
        for text in [
            format!("{{{}}}", "a ".repeat(40_000)),
            format!("{{{}}}", "ab   ".repeat(30_000)),
            format!("{{{}}}", "😀 ".repeat(40_000)),
        ] {
            let mut rows = Vec::new();
            split_for_cells(&text, &mut rows);
            assert!(rows.len() > 1);
            for row in &rows {
                assert!(row.encode_utf16().count() <= SHEET_CELL_LIMIT);
                assert!(!row.ends_with(char::is_whitespace), "{row:?}");
            }
            assert_eq!(PreviousFile::rows(rows), PreviousFile::Rows(vec![text]));
        }
    }

    #[test]
    fn the_summary_lists_up_to_a_limit() {
        let changes = Changes {
            since: "prev.json".into(),
            added: (0..25).map(|i| format!("u{i}@x.com")).collect(),
            unchanged: 3,
            ..Default::default()
        };
        let text = changes.render_text(20);
        assert!(text
            .starts_with("changes since prev.json: 25 added, 0 removed, 0 changed, 3 unchanged\n"));
        assert!(text.contains("u19@x.com … and 5 more"));
        assert!(!text.contains("u20@x.com"));
        let json = String::from_utf8(changes.to_json()).unwrap();
        assert!(json.contains(r#""removed":[],"changed":[],"unchanged":3"#));
    }
}
