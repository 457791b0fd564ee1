//! Torii's custom-integration file: the users, the license, and the exact
//! JSON bytes that are uploaded.
//!
//! The JSON is `{"users":[…],"licenses":[…]}` as Torii documents it. Optional
//! fields with no value are left out, never written as `""` or `null`. The
//! license's user list is derived from the users while writing, so a
//! million-row file does not hold every email twice.
//!
//! The bytes are written directly, without a generic serialiser: this is
//! the hot end of the transform, and almost every value in it is copied
//! whole because the scanner already knows it needs no escaping. They can
//! be produced at once ([`ToriiFile::to_json`]) or in chunks
//! ([`ToriiFile::json_chunks`]), so a host can stream a million-user file
//! to disk without holding it.

use crate::fields::date::Date;
use crate::fields::status::{LicenseStatus, UserStatus};
use crate::json::{write_str, write_str_body, write_u64};
use crate::store::{Store, Text};

/// The one license of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseTerms {
    /// License name, non-empty.
    pub name: String,
    /// Price per user in cents.
    pub price_per_user_cents: u64,
    /// Unassigned licenses.
    pub unassigned_amount: u64,
}

/// A user's roles: most users hold one, so one is kept inline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Roles {
    #[default]
    None,
    One(Text),
    Many(Vec<Text>),
}

impl Roles {
    pub(crate) fn as_slice(&self) -> &[Text] {
        match self {
            Roles::None => &[],
            Roles::One(role) => std::slice::from_ref(role),
            Roles::Many(roles) => roles,
        }
    }

    pub(crate) fn push(&mut self, role: Text) {
        *self = match std::mem::take(self) {
            Roles::None => Roles::One(role),
            Roles::One(first) => Roles::Many(vec![first, role]),
            Roles::Many(mut roles) => {
                roles.push(role);
                Roles::Many(roles)
            }
        }
    }
}

/// One user, as the transform keeps it: handles into the [`Store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserRecord {
    pub email: Text,
    pub first_name: Text,
    pub last_name: Text,
    pub external_status: Text,
    pub roles: Roles,
    pub last_used: Option<Date>,
    pub license_status: LicenseStatus,
}

/// The whole file: its users and license, and the text they point into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToriiFile {
    pub(crate) store: Store,
    pub(crate) users: Vec<UserRecord>,
    pub(crate) license: Option<LicenseTerms>,
}

/// One user of the file.
#[derive(Debug, Clone, Copy)]
pub struct User<'f> {
    file: &'f ToriiFile,
    record: &'f UserRecord,
}

impl<'f> User<'f> {
    fn text(&self, text: Text) -> Option<&'f str> {
        (!text.is_empty()).then(|| self.file.store.get(text))
    }

    /// The email as exported: trimmed and lower-cased, the spelling the
    /// file used first.
    pub fn email(&self) -> &'f str {
        self.file.store.get(self.record.email)
    }

    /// First name(s).
    pub fn first_name(&self) -> Option<&'f str> {
        self.text(self.record.first_name)
    }

    /// Last name (with a suffix such as "Jr.").
    pub fn last_name(&self) -> Option<&'f str> {
        self.text(self.record.last_name)
    }

    /// `active` or `deleted`.
    pub fn status(&self) -> UserStatus {
        self.record.license_status.user_status()
    }

    /// The status as Stripe wrote it.
    pub fn external_status(&self) -> Option<&'f str> {
        self.text(self.record.external_status)
    }

    /// Role names, de-duplicated ignoring case, in first-seen order.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &'f str> + 'f {
        let store = &self.file.store;
        self.record
            .roles
            .as_slice()
            .iter()
            .map(move |&role| store.get(role))
    }

    /// Last login, as a UTC calendar date.
    pub fn last_used_date(&self) -> Option<Date> {
        self.record.last_used
    }

    /// This user's status on the license.
    pub fn license_status(&self) -> LicenseStatus {
        self.record.license_status
    }
}

/// Bytes per user beyond the text itself, to size the output once.
const BYTES_PER_USER: usize = 112;

impl ToriiFile {
    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// True when the file has no users (Torii refuses such a file).
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The users, in input order.
    pub fn users(&self) -> impl ExactSizeIterator<Item = User<'_>> {
        self.users.iter().map(|record| User { file: self, record })
    }

    /// User `index`, in input order.
    pub fn user(&self, index: usize) -> Option<User<'_>> {
        self.users
            .get(index)
            .map(|record| User { file: self, record })
    }

    /// The license, or `None` when turned off.
    pub fn license(&self) -> Option<&LicenseTerms> {
        self.license.as_ref()
    }

    /// The exact bytes to upload: compact JSON followed by one newline.
    ///
    /// The output is deterministic: the same file always gives the same
    /// bytes, escaped exactly as `serde_json` would.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_hint());
        let mut chunks = self.json_chunks();
        while chunks.write_next(&mut out, usize::MAX) {}
        out
    }

    /// An estimate of the JSON's size, to allocate once.
    pub fn size_hint(&self) -> usize {
        let text: usize = self.store.len().min(self.users.len() * 256);
        128 + text + self.users.len() * BYTES_PER_USER
    }

    /// A writer that produces the same bytes as [`ToriiFile::to_json`] a
    /// chunk at a time.
    pub fn json_chunks(&self) -> JsonChunks<'_> {
        self.json_chunks_at(JsonPosition::default())
    }

    /// A chunk writer that resumes where another stopped
    /// ([`JsonChunks::position`]), for hosts that pull chunks one call at a
    /// time.
    pub fn json_chunks_at(&self, position: JsonPosition) -> JsonChunks<'_> {
        JsonChunks {
            file: self,
            phase: position.0,
        }
    }

    /// Inlined: it runs for every value, and its common case is a copy.
    #[inline]
    fn write_text(&self, out: &mut Vec<u8>, text: Text) {
        let bytes = self.store.bytes(text);
        if text.needs_escape() {
            write_str_body(out, bytes);
        } else {
            debug_assert!(crate::json::needs_no_escape(bytes));
            out.extend_from_slice(bytes);
        }
    }

    fn write_user(&self, out: &mut Vec<u8>, user: &UserRecord) {
        // A string's closing quote goes out with the piece after it, so
        // that each constant is one copy.
        out.extend_from_slice(b"{\"email\":\"");
        self.write_text(out, user.email);
        if !user.first_name.is_empty() {
            out.extend_from_slice(b"\",\"firstName\":\"");
            self.write_text(out, user.first_name);
        }
        if !user.last_name.is_empty() {
            out.extend_from_slice(b"\",\"lastName\":\"");
            self.write_text(out, user.last_name);
        }
        // A constant per status: a copy of known length is a few moves, one
        // of a length chosen at run time is a call.
        match user.license_status.user_status() {
            UserStatus::Active => out.extend_from_slice(b"\",\"status\":\"active"),
            UserStatus::Deleted => out.extend_from_slice(b"\",\"status\":\"deleted"),
        }
        if !user.external_status.is_empty() {
            out.extend_from_slice(b"\",\"externalStatus\":\"");
            self.write_text(out, user.external_status);
        }
        if let Some((&first, rest)) = user.roles.as_slice().split_first() {
            out.extend_from_slice(b"\",\"roles\":[\"");
            self.write_text(out, first);
            for &role in rest {
                out.extend_from_slice(b"\",\"");
                self.write_text(out, role);
            }
            out.extend_from_slice(b"\"]");
        } else {
            out.push(b'"');
        }
        if let Some(date) = user.last_used {
            out.extend_from_slice(b",\"lastUsedDate\":\"");
            out.extend_from_slice(&date.iso());
            out.extend_from_slice(b"\"}");
        } else {
            out.push(b'}');
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Start,
    Users(usize),
    LicenseStart,
    LicenseUsers(usize),
    End,
    Done,
}

/// Where a [`JsonChunks`] writer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JsonPosition(Phase);

impl JsonPosition {
    /// True once the whole file has been written.
    pub fn is_done(self) -> bool {
        self.0 == Phase::Done
    }
}

/// Writes a [`ToriiFile`]'s JSON in chunks; see [`ToriiFile::json_chunks`].
///
/// ```
/// use stripe_torii_sync::{transform, TransformOptions};
///
/// let out = transform("Email\nada@example.com\nbob@example.com\n", &TransformOptions::default()).unwrap();
/// let mut chunks = out.file.json_chunks();
/// let mut joined = Vec::new();
/// let mut chunk = Vec::new();
/// while chunks.write_next(&mut chunk, 16) {
///     joined.append(&mut chunk);
/// }
/// joined.append(&mut chunk);
/// assert_eq!(joined, out.file.to_json());
/// ```
pub struct JsonChunks<'f> {
    file: &'f ToriiFile,
    phase: Phase,
}

impl JsonChunks<'_> {
    /// Where the writer is, to resume with [`ToriiFile::json_chunks_at`].
    pub fn position(&self) -> JsonPosition {
        JsonPosition(self.phase)
    }

    /// Appends at least `limit` bytes to `out` (whole users at a time), or
    /// the rest of the file. Returns whether more follows. Every call that
    /// returns true has appended something, whatever `limit` and whatever
    /// `out` already held, so a loop on it always ends.
    pub fn write_next(&mut self, out: &mut Vec<u8>, limit: usize) -> bool {
        let file = self.file;
        let users = &file.users;
        let start = out.len();
        loop {
            self.phase = match self.phase {
                Phase::Start => {
                    out.extend_from_slice(b"{\"users\":[");
                    Phase::Users(0)
                }
                Phase::Users(i) if i < users.len() => {
                    if i > 0 {
                        out.push(b',');
                    }
                    file.write_user(out, &users[i]);
                    Phase::Users(i + 1)
                }
                Phase::Users(_) => {
                    out.push(b']');
                    if file.license.is_some() {
                        Phase::LicenseStart
                    } else {
                        Phase::End
                    }
                }
                Phase::LicenseStart => {
                    if let Some(terms) = &file.license {
                        out.extend_from_slice(b",\"licenses\":[{\"name\":");
                        write_str(out, &terms.name);
                        out.extend_from_slice(b",\"pricePerUser\":");
                        write_u64(out, terms.price_per_user_cents);
                        out.extend_from_slice(b",\"unassignedAmount\":");
                        write_u64(out, terms.unassigned_amount);
                        out.extend_from_slice(b",\"users\":[");
                    }
                    Phase::LicenseUsers(0)
                }
                Phase::LicenseUsers(i) if i < users.len() => {
                    if i > 0 {
                        out.push(b',');
                    }
                    let user = &users[i];
                    out.extend_from_slice(b"{\"email\":\"");
                    file.write_text(out, user.email);
                    match user.license_status {
                        LicenseStatus::Active => {
                            out.extend_from_slice(b"\",\"licenseStatus\":\"active\"}")
                        }
                        LicenseStatus::Inactive => {
                            out.extend_from_slice(b"\",\"licenseStatus\":\"inactive\"}")
                        }
                        LicenseStatus::Deleted => {
                            out.extend_from_slice(b"\",\"licenseStatus\":\"deleted\"}")
                        }
                    }
                    Phase::LicenseUsers(i + 1)
                }
                Phase::LicenseUsers(_) => {
                    out.extend_from_slice(b"]}]");
                    Phase::End
                }
                Phase::End => {
                    out.extend_from_slice(b"}\n");
                    Phase::Done
                }
                Phase::Done => return false,
            };
            if out.len() - start >= limit {
                return self.phase != Phase::Done;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_call_makes_progress_whatever_the_limit_and_the_buffer() {
        let text = "Email,Name\nada@example.com,Ada Lovelace\nbob@example.com,Bob Ross\n";
        let out = crate::transform::transform(text, &crate::TransformOptions::default()).unwrap();
        let json = out.to_json();
        for limit in [0, 1, 40] {
            // The buffer is never drained, so it holds more than `limit`
            // from the second call on.
            let mut all = Vec::new();
            let mut chunks = out.file.json_chunks();
            let mut calls = 0;
            while chunks.write_next(&mut all, limit) {
                calls += 1;
                assert!(calls <= json.len(), "no progress at limit {limit}");
            }
            assert_eq!(all, json, "limit {limit}");
        }
    }

    fn file(users: Vec<UserRecord>, store: Store, license: Option<LicenseTerms>) -> ToriiFile {
        ToriiFile {
            store,
            users,
            license,
        }
    }

    fn record(email: Text) -> UserRecord {
        UserRecord {
            email,
            first_name: Text::EMPTY,
            last_name: Text::EMPTY,
            external_status: Text::EMPTY,
            roles: Roles::None,
            last_used: None,
            license_status: LicenseStatus::Inactive,
        }
    }

    #[test]
    fn empty_fields_are_left_out() {
        let store = Store::new("a@b.co".into(), String::new());
        let f = file(vec![record(Text::input(0..6, false))], store, None);
        assert_eq!(
            String::from_utf8(f.to_json()).unwrap(),
            "{\"users\":[{\"email\":\"a@b.co\",\"status\":\"active\"}]}\n"
        );
    }

    #[test]
    fn the_license_lists_every_user_with_their_status() {
        let mut arena = String::new();
        let owner = Text::push(&mut arena, "Own\"er", true);
        let store = Store::new("a@b.coAdaInvited".into(), arena);
        let mut user = record(Text::input(0..6, false));
        user.first_name = Text::input(6..9, false);
        user.external_status = Text::input(9..16, false);
        user.roles = Roles::One(owner);
        user.last_used = Date::from_ymd(2024, 12, 30);
        let f = file(
            vec![user],
            store,
            Some(LicenseTerms {
                name: "Stripe".into(),
                price_per_user_cents: 1500,
                unassigned_amount: 2,
            }),
        );
        assert_eq!(
            String::from_utf8(f.to_json()).unwrap(),
            concat!(
                r#"{"users":[{"email":"a@b.co","firstName":"Ada","status":"active","externalStatus":"Invited","roles":["Own\"er"],"lastUsedDate":"2024-12-30"}],"#,
                r#""licenses":[{"name":"Stripe","pricePerUser":1500,"unassignedAmount":2,"users":[{"email":"a@b.co","licenseStatus":"inactive"}]}]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn roles_grow_from_none_to_many() {
        let mut roles = Roles::None;
        roles.push(Text::EMPTY);
        assert_eq!(roles.as_slice().len(), 1);
        roles.push(Text::EMPTY);
        roles.push(Text::EMPTY);
        assert_eq!(roles.as_slice().len(), 3);
    }
}
