//! Torii's custom-integration file: the types and their exact JSON form.
//!
//! The JSON is `{"users":[…],"licenses":[…]}` as Torii documents it. Optional
//! fields with no value are left out, never written as `""` or `null`. The
//! license's user list is derived from the users while writing, so a
//! million-row file does not hold every email twice.
//!
//! The JSON is written directly into one pre-sized string rather than
//! through a generic serialiser: it is the hot end of the transform, and
//! almost every string in it needs no escaping.

use crate::fields::date::Date;
use crate::fields::status::{LicenseStatus, UserStatus};
use crate::options::LicenseTerms;

/// One user of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Normalised (trimmed, lower-case) email: the user's key.
    pub email: String,
    /// First name(s).
    pub first_name: Option<String>,
    /// Last name (with a suffix such as "Jr.").
    pub last_name: Option<String>,
    /// `active` or `deleted`.
    pub status: UserStatus,
    /// The status as Stripe wrote it.
    pub external_status: Option<String>,
    /// Role names, de-duplicated, in first-seen order.
    pub roles: Vec<String>,
    /// Last login, as a UTC calendar date.
    pub last_used_date: Option<Date>,
    /// This user's status on the license (written in the license, not here).
    pub license_status: LicenseStatus,
}

/// The whole file. Serialise it with [`ToriiFile::to_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToriiFile {
    /// Users, in input order.
    pub users: Vec<User>,
    /// The one license listing every user, or `None` when turned off.
    pub license: Option<LicenseTerms>,
}

/// Bytes per user in a typical file, to size the output once.
const BYTES_PER_USER: usize = 256;

impl ToriiFile {
    /// The exact bytes to upload: compact JSON followed by one newline.
    ///
    /// The output is deterministic: the same file always gives the same
    /// bytes, escaped exactly as `serde_json` would.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(64 + self.users.len() * BYTES_PER_USER);
        out.push_str("{\"users\":[");
        for (i, user) in self.users.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_user(&mut out, user);
        }
        out.push(']');
        if let Some(terms) = &self.license {
            out.push_str(",\"licenses\":[{\"name\":");
            write_str(&mut out, &terms.name);
            out.push_str(",\"pricePerUser\":");
            out.push_str(&terms.price_per_user_cents.to_string());
            out.push_str(",\"unassignedAmount\":");
            out.push_str(&terms.unassigned_amount.to_string());
            out.push_str(",\"users\":[");
            for (i, user) in self.users.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"email\":");
                write_str(&mut out, &user.email);
                out.push_str(",\"licenseStatus\":\"");
                out.push_str(user.license_status.as_str());
                out.push_str("\"}");
            }
            out.push_str("]}]");
        }
        out.push_str("}\n");
        out
    }
}

fn write_user(out: &mut String, user: &User) {
    out.push_str("{\"email\":");
    write_str(out, &user.email);
    if let Some(first) = &user.first_name {
        out.push_str(",\"firstName\":");
        write_str(out, first);
    }
    if let Some(last) = &user.last_name {
        out.push_str(",\"lastName\":");
        write_str(out, last);
    }
    out.push_str(",\"status\":\"");
    out.push_str(user.status.as_str());
    out.push('"');
    if let Some(external) = &user.external_status {
        out.push_str(",\"externalStatus\":");
        write_str(out, external);
    }
    if !user.roles.is_empty() {
        out.push_str(",\"roles\":[");
        for (i, role) in user.roles.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, role);
        }
        out.push(']');
    }
    if let Some(date) = user.last_used_date {
        out.push_str(",\"lastUsedDate\":\"");
        date.write_iso(out);
        out.push('"');
    }
    out.push('}');
}

/// Writes a JSON string literal. Most strings need no escaping, so they are
/// checked first and copied whole.
fn write_str(out: &mut String, value: &str) {
    out.push('"');
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(value);
    } else {
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{08}' => out.push_str("\\b"),
                '\u{0c}' => out.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let b = c as u8;
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xf)]));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str) -> User {
        User {
            email: email.into(),
            first_name: None,
            last_name: None,
            status: UserStatus::Active,
            external_status: None,
            roles: vec![],
            last_used_date: None,
            license_status: LicenseStatus::Inactive,
        }
    }

    #[test]
    fn empty_fields_are_left_out() {
        let file = ToriiFile {
            users: vec![user("a@b.co")],
            license: None,
        };
        assert_eq!(
            file.to_json(),
            "{\"users\":[{\"email\":\"a@b.co\",\"status\":\"active\"}]}\n"
        );
    }

    #[test]
    fn the_license_lists_every_user_with_their_status() {
        let mut full = user("a@b.co");
        full.first_name = Some("Ada".into());
        full.roles = vec!["Owner".into()];
        full.last_used_date = Date::from_ymd(2024, 12, 30);
        full.external_status = Some("Invited".into());
        let file = ToriiFile {
            users: vec![full],
            license: Some(LicenseTerms {
                name: "Stripe".into(),
                price_per_user_cents: 1500,
                unassigned_amount: 2,
            }),
        };
        assert_eq!(
            file.to_json(),
            concat!(
                r#"{"users":[{"email":"a@b.co","firstName":"Ada","status":"active","externalStatus":"Invited","roles":["Owner"],"lastUsedDate":"2024-12-30"}],"#,
                r#""licenses":[{"name":"Stripe","pricePerUser":1500,"unassignedAmount":2,"users":[{"email":"a@b.co","licenseStatus":"inactive"}]}]}"#,
                "\n"
            )
        );
    }
}
