//! Torii's custom-integration file: the types and their exact JSON form.
//!
//! The JSON is `{"users":[…],"licenses":[…]}` as Torii documents it. Optional
//! fields with no value are left out, never written as `""` or `null`. The
//! license's user list is derived from the users when serialising, so a
//! million-row file does not hold every email twice.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde::Serialize;

use crate::fields::date::Date;
use crate::fields::status::{LicenseStatus, UserStatus};
use crate::options::LicenseTerms;

/// One user of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Normalised (trimmed, lower-case) email: the user's key.
    pub email: String,
    /// First name(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (with a suffix such as "Jr.").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `active` or `deleted`.
    pub status: UserStatus,
    /// The status as Stripe wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_status: Option<String>,
    /// Role names, de-duplicated, in first-seen order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Last login, as a UTC calendar date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<Date>,
    /// This user's status on the license (written in the license, not here).
    #[serde(skip)]
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

impl ToriiFile {
    /// The exact bytes to upload: compact JSON followed by one newline.
    ///
    /// The output is deterministic: the same file always gives the same bytes.
    pub fn to_json(&self) -> String {
        // Serialising plain structs and strings to memory cannot fail.
        let mut json = serde_json::to_string(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

impl Serialize for ToriiFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(if self.license.is_some() { 2 } else { 1 }))?;
        map.serialize_entry("users", &self.users)?;
        if let Some(terms) = &self.license {
            map.serialize_entry(
                "licenses",
                &[License {
                    terms,
                    users: &self.users,
                }],
            )?;
        }
        map.end()
    }
}

/// The license view used only for serialisation.
struct License<'a> {
    terms: &'a LicenseTerms,
    users: &'a [User],
}

impl Serialize for License<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("License", 4)?;
        st.serialize_field("name", &self.terms.name)?;
        st.serialize_field("pricePerUser", &self.terms.price_per_user_cents)?;
        st.serialize_field("unassignedAmount", &self.terms.unassigned_amount)?;
        st.serialize_field("users", &LicenseUsers(self.users))?;
        st.end()
    }
}

struct LicenseUsers<'a>(&'a [User]);

impl Serialize for LicenseUsers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for user in self.0 {
            seq.serialize_element(&LicenseUser {
                email: &user.email,
                license_status: user.license_status,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LicenseUser<'a> {
    email: &'a str,
    license_status: LicenseStatus,
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
