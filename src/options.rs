//! Transform options: what a host may set, their defaults, and validation.
//!
//! [`TransformOptions`] is the loosely typed shape hosts send (JS objects,
//! CLI flags, the Apps Script "Configuration" sheet). [`TransformOptions::resolve`]
//! turns it into [`Settings`], the validated form the transform runs on, or
//! into an [`ErrorKind::InvalidOption`] error that names the option. Bad values
//! are refused, never silently fixed.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::fields::date::DateOrder;
use crate::fields::status::{parse_class, LicenseStatus, StatusMapper};

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Options of [`crate::transform()`], as hosts provide them. Every field is
/// optional; `Default` gives Torii's sample behaviour.
///
/// From JavaScript the field names are camelCase (`licenseName`,
/// `pricePerUserCents`, ...). Unknown fields are an error, so a typo such as
/// `licenceName` is reported instead of ignored.
///
/// ```
/// use stripe_torii_sync::TransformOptions;
///
/// let options: TransformOptions =
///     serde_json::from_str(r#"{"licenseName":"Stripe Team","pricePerUserCents":1500}"#).unwrap();
/// assert!(options.resolve().is_ok());
///
/// let bad = TransformOptions { price_per_user_cents: Some(-1.0), ..Default::default() };
/// assert_eq!(bad.resolve().unwrap_err().code(), "invalid_option");
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TransformOptions {
    /// Name of the single license (default `"Stripe"`).
    pub license_name: Option<String>,
    /// Price per user in cents: a non-negative whole number (default 0).
    pub price_per_user_cents: Option<f64>,
    /// Licenses bought but not assigned: a non-negative whole number (default 0).
    pub unassigned_amount: Option<f64>,
    /// Whether to write the license at all (default `true`).
    pub include_license: Option<bool>,
    /// Order of slash dates such as `3/4/2025` (default month first).
    pub date_order: DateOrder,
    /// Rows whose Stripe status (e.g. `invited`) or status class (`active`,
    /// `inactive`, `deleted`) matches one of these are excluded.
    pub exclude_statuses: Vec<String>,
    /// Rows holding any of these roles are excluded (case-insensitive).
    pub exclude_roles: Vec<String>,
    /// When non-empty, only emails in these domains (or their subdomains) are kept.
    pub include_domains: Vec<String>,
    /// Emails in these domains (or their subdomains) are excluded.
    pub exclude_domains: Vec<String>,
    /// Explicit column mapping; wins over header detection.
    pub columns: ColumnOptions,
    /// Extra status wording: Stripe status text → `active` | `inactive` | `deleted`.
    /// Wins over the built-in table.
    pub status_map: BTreeMap<String, String>,
    /// Field delimiter: `","`, `";"` or `"\t"` (also `"tab"`). Sniffed when absent.
    pub delimiter: Option<String>,
}

/// An explicit column: a header name (matched like detected headers, ignoring
/// case and spaces) or a 1-based column number.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    /// 1-based column number, as a spreadsheet user counts.
    Position(usize),
    /// A header name.
    Header(String),
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnRef::Position(n) => write!(f, "column {n}"),
            ColumnRef::Header(h) => write!(f, "\"{h}\""),
        }
    }
}

/// Explicit columns for each field the transform reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ColumnOptions {
    /// The email column.
    pub email: Option<ColumnRef>,
    /// The full-name column.
    pub name: Option<ColumnRef>,
    /// The first-name column (with `last_name`, instead of `name`).
    pub first_name: Option<ColumnRef>,
    /// The last-name column.
    pub last_name: Option<ColumnRef>,
    /// The status column.
    pub status: Option<ColumnRef>,
    /// The role(s) column.
    pub roles: Option<ColumnRef>,
    /// The last-used (last login) column.
    pub last_used: Option<ColumnRef>,
}

/// The license to write, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseTerms {
    /// License name, non-empty.
    pub name: String,
    /// Price per user in cents.
    pub price_per_user_cents: u64,
    /// Unassigned licenses.
    pub unassigned_amount: u64,
}

/// Validated options, ready for the transform.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The license, or `None` when turned off.
    pub license: Option<LicenseTerms>,
    /// Order of slash dates.
    pub date_order: DateOrder,
    /// Lower-cased, whitespace-collapsed statuses to exclude.
    pub exclude_statuses: Vec<String>,
    /// Lower-cased roles to exclude.
    pub exclude_roles: Vec<String>,
    /// Lower-cased domains to keep (empty: keep all).
    pub include_domains: Vec<String>,
    /// Lower-cased domains to exclude.
    pub exclude_domains: Vec<String>,
    /// Explicit columns.
    pub columns: ColumnOptions,
    /// Status wording → class.
    pub status_mapper: StatusMapper,
    /// Forced delimiter, if any.
    pub delimiter: Option<u8>,
}

impl TransformOptions {
    /// Validates the options. The error names the option and the bad value.
    pub fn resolve(&self) -> Result<Settings> {
        let license = if self.include_license.unwrap_or(true) {
            let name = self.license_name.as_deref().unwrap_or("Stripe").trim();
            if name.is_empty() {
                return Err(invalid(
                    "licenseName",
                    "licenseName must not be empty".into(),
                ));
            }
            Some(LicenseTerms {
                name: name.to_string(),
                price_per_user_cents: whole_number("pricePerUserCents", self.price_per_user_cents)?,
                unassigned_amount: whole_number("unassignedAmount", self.unassigned_amount)?,
            })
        } else {
            None
        };
        let mut overrides = Vec::with_capacity(self.status_map.len());
        for (wording, class) in &self.status_map {
            let class = parse_class(class).ok_or_else(|| {
                invalid(
                    "statusMap",
                    format!(
                        "statusMap maps \"{wording}\" to \"{class}\"; use active, inactive or deleted"
                    ),
                )
            })?;
            overrides.push((wording.clone(), class));
        }
        Ok(Settings {
            license,
            date_order: self.date_order,
            exclude_statuses: lowered(&self.exclude_statuses, false),
            exclude_roles: lowered(&self.exclude_roles, false),
            include_domains: lowered(&self.include_domains, true),
            exclude_domains: lowered(&self.exclude_domains, true),
            columns: self.columns.clone(),
            status_mapper: StatusMapper::new(overrides),
            delimiter: self.delimiter.as_deref().map(delimiter_byte).transpose()?,
        })
    }
}

impl Settings {
    /// True when a status cell or its class is excluded.
    pub fn excludes_status(&self, cell: &str, class: LicenseStatus) -> bool {
        if self.exclude_statuses.is_empty() {
            return false;
        }
        let wording = collapse_lower(cell);
        let class_name = match class {
            LicenseStatus::Active => "active",
            LicenseStatus::Inactive => "inactive",
            LicenseStatus::Deleted => "deleted",
        };
        self.exclude_statuses
            .iter()
            .any(|s| *s == wording || s == class_name)
    }

    /// The first excluded role among `roles`, if any.
    pub fn excluded_role<'r>(&self, roles: &'r [String]) -> Option<&'r str> {
        if self.exclude_roles.is_empty() {
            return None;
        }
        roles
            .iter()
            .find(|r| {
                let role = collapse_lower(r);
                self.exclude_roles.contains(&role)
            })
            .map(String::as_str)
    }

    /// Why a domain is filtered out, or `None` when it is kept.
    pub fn domain_filter(&self, domain: &str) -> Option<&'static str> {
        if !self.include_domains.is_empty()
            && !self
                .include_domains
                .iter()
                .any(|d| domain_matches(domain, d))
        {
            return Some("its domain is not in includeDomains");
        }
        if self
            .exclude_domains
            .iter()
            .any(|d| domain_matches(domain, d))
        {
            return Some("its domain is in excludeDomains");
        }
        None
    }
}

/// `domain` equals `pattern` or is a subdomain of it.
fn domain_matches(domain: &str, pattern: &str) -> bool {
    domain == pattern
        || (domain.len() > pattern.len()
            && domain.ends_with(pattern)
            && domain.as_bytes()[domain.len() - pattern.len() - 1] == b'.')
}

fn invalid(option: &str, message: String) -> Error {
    Error::new(
        ErrorKind::InvalidOption {
            option: option.to_string(),
        },
        message,
    )
}

fn whole_number(option: &str, value: Option<f64>) -> Result<u64> {
    let Some(v) = value else { return Ok(0) };
    // The message describes the value instead of printing it: formatting
    // floats would pull Rust's float printer into the .wasm.
    let problem = if !v.is_finite() || v > MAX_SAFE_INTEGER {
        Some("a number that is not finite or too large")
    } else if v < 0.0 {
        Some("a negative number")
    } else if v.fract() != 0.0 {
        Some("a number with a fraction")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(invalid(
            option,
            format!("{option} must be a non-negative whole number, got {problem}"),
        ));
    }
    // Exact: v is a whole number within the safe-integer range.
    Ok(v as u64)
}

fn delimiter_byte(value: &str) -> Result<u8> {
    match value {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        other => Err(invalid(
            "delimiter",
            format!("delimiter must be \",\", \";\" or a tab, got \"{other}\""),
        )),
    }
}

/// Trims, lower-cases and collapses inner whitespace runs to one space.
pub(crate) fn collapse_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

fn lowered(values: &[String], domains: bool) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            let v = collapse_lower(v);
            if domains {
                v.trim_start_matches('@').to_string()
            } else {
                v
            }
        })
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_a_stripe_license_at_zero_cents() {
        let s = TransformOptions::default().resolve().unwrap();
        let license = s.license.unwrap();
        assert_eq!(license.name, "Stripe");
        assert_eq!(license.price_per_user_cents, 0);
        assert_eq!(license.unassigned_amount, 0);
    }

    #[test]
    fn negative_and_fractional_amounts_are_refused() {
        for (price, unassigned) in [(Some(-1.0), None), (Some(1.5), None), (None, Some(-3.0))] {
            let o = TransformOptions {
                price_per_user_cents: price,
                unassigned_amount: unassigned,
                ..Default::default()
            };
            let err = o.resolve().unwrap_err();
            assert_eq!(err.code(), "invalid_option");
            assert!(err.message().contains("non-negative whole number"));
        }
    }

    #[test]
    fn license_can_be_turned_off() {
        let o = TransformOptions {
            include_license: Some(false),
            price_per_user_cents: Some(-5.0),
            ..Default::default()
        };
        assert!(o.resolve().unwrap().license.is_none());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_reported() {
        let err = serde_json::from_str::<TransformOptions>(r#"{"licenceName":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("licenceName"));
        let o: TransformOptions =
            serde_json::from_str(r#"{"statusMap":{"Frozen":"gone"}}"#).unwrap();
        assert!(o.resolve().unwrap_err().message().contains("Frozen"));
        let o: TransformOptions = serde_json::from_str(r#"{"delimiter":"|"}"#).unwrap();
        assert_eq!(o.resolve().unwrap_err().code(), "invalid_option");
    }

    #[test]
    fn columns_accept_names_and_positions() {
        let o: TransformOptions =
            serde_json::from_str(r#"{"columns":{"email":"Work Email","lastUsed":6}}"#).unwrap();
        assert_eq!(
            o.columns.email,
            Some(ColumnRef::Header("Work Email".into()))
        );
        assert_eq!(o.columns.last_used, Some(ColumnRef::Position(6)));
    }

    #[test]
    fn domains_match_exactly_or_as_subdomains() {
        assert!(domain_matches("example.com", "example.com"));
        assert!(domain_matches("eu.example.com", "example.com"));
        assert!(!domain_matches("badexample.com", "example.com"));
        let o = TransformOptions {
            include_domains: vec!["@Example.com".into()],
            ..Default::default()
        };
        let s = o.resolve().unwrap();
        assert_eq!(s.domain_filter("example.com"), None);
        assert!(s.domain_filter("other.org").is_some());
    }
}
