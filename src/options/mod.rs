//! Transform options: what a host may set, their defaults, and validation.
//!
//! [`TransformOptions`] is what hosts set, field by field or through the
//! option table ([`catalog`]) that every host builds its flags, form and
//! Configuration sheet from. [`TransformOptions::resolve`] checks it and
//! turns it into [`TransformSettings`], the validated form the transform
//! runs on, or into an [`ErrorKind::InvalidOption`](crate::ErrorKind) error
//! that names the option. Bad values are refused, never silently fixed.

pub mod catalog;
pub mod command_line;
pub mod configuration_sheet;

use crate::columns::ColumnMapping;
use crate::error::{Error, Result};
use crate::fields::date::DateOrder;
use crate::fields::email::host_name;
use crate::fields::roles::role_key;
use crate::fields::status::{parse_class, LicenseStatus, StatusMapper, CLASS_NAMES};
use crate::text::{collapse_fold, fold, shorten, FastSet};
use crate::torii::LicenseTerms;

/// The license name when none is set.
pub const DEFAULT_LICENSE_NAME: &str = "Stripe";

/// Options of [`crate::transform()`]. `Default` gives Torii's sample
/// behaviour.
///
/// ```
/// use stripe_torii_sync::TransformOptions;
///
/// let options = TransformOptions { price_per_user_cents: Some(1500), ..Default::default() };
/// assert!(options.resolve().is_ok());
///
/// let bad = TransformOptions { exclude_domains: vec![" ".into()], ..Default::default() };
/// assert_eq!(bad.resolve().unwrap_err().code(), "invalid_option");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformOptions {
    /// Name of the single license (default `"Stripe"`).
    pub license_name: Option<String>,
    /// Price per user in whole cents (default 0).
    pub price_per_user_cents: Option<u64>,
    /// Licenses bought but not assigned (default 0).
    pub unassigned_amount: Option<u64>,
    /// Whether to write the license at all (default `true`).
    pub include_license: Option<bool>,
    /// Order of slash dates such as `3/4/2025` (default month first).
    pub date_order: DateOrder,
    /// Rows whose Stripe status (e.g. `invited`) or status class (`active`,
    /// `inactive`, `deleted`) matches one of these are excluded.
    pub exclude_statuses: Vec<String>,
    /// Rows holding any of these roles are excluded (ignoring case and how
    /// the words are spaced).
    pub exclude_roles: Vec<String>,
    /// When non-empty, only emails in these domains (or their subdomains) are kept.
    pub include_domains: Vec<String>,
    /// Emails in these domains (or their subdomains) are excluded.
    pub exclude_domains: Vec<String>,
    /// Explicit column mapping; wins over header detection.
    pub columns: ColumnMapping,
    /// Extra status wording: Stripe status text → `active` | `inactive` |
    /// `deleted`. Wins over the built-in table.
    pub status_map: Vec<(String, String)>,
    /// Field delimiter: `b','`, `b';'` or `b'\t'`. Sniffed when absent.
    pub delimiter: Option<u8>,
    /// Strict mode: a rejected row makes the run fail (the CLI exits 1, a
    /// sync refuses to send).
    pub strict: bool,
}

/// Validated options, ready for the transform.
#[derive(Debug, Clone)]
pub struct TransformSettings {
    /// The license, or `None` when turned off.
    pub license: Option<LicenseTerms>,
    /// Order of slash dates.
    pub date_order: DateOrder,
    /// Explicit columns.
    pub columns: ColumnMapping,
    /// Status wording → class.
    pub status_mapper: StatusMapper,
    /// Forced delimiter, if any.
    pub delimiter: Option<u8>,
    /// Strict mode.
    pub strict: bool,
    exclude_wordings: FastSet<String>,
    exclude_classes: Vec<LicenseStatus>,
    exclude_roles: FastSet<String>,
    include_domains: FastSet<String>,
    exclude_domains: FastSet<String>,
}

/// Why a row is excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// Its status wording or class is in `excludeStatuses`.
    Status,
    /// It holds a role in `excludeRoles` (the role as the row spells it).
    Role(String),
    /// Its domain is not in `includeDomains`.
    NotIncludedDomain,
    /// Its domain is in `excludeDomains`.
    ExcludedDomain,
}

impl TransformOptions {
    /// Validates the options. The error names the option and the bad value.
    pub fn resolve(&self) -> Result<TransformSettings> {
        let license = if self.include_license.unwrap_or(true) {
            let name = self
                .license_name
                .as_deref()
                .unwrap_or(DEFAULT_LICENSE_NAME)
                .trim();
            if name.is_empty() {
                return Err(Error::option(
                    "licenseName",
                    "licenseName must not be empty (leave it out for \"Stripe\")",
                ));
            }
            Some(LicenseTerms {
                name: name.to_string(),
                price_per_user_cents: self.price_per_user_cents.unwrap_or(0),
                unassigned_amount: self.unassigned_amount.unwrap_or(0),
            })
        } else {
            None
        };
        let mut overrides = Vec::with_capacity(self.status_map.len());
        for (wording, class) in &self.status_map {
            if wording.trim().is_empty() {
                return Err(Error::option(
                    "statusMap",
                    "statusMap has an empty status wording",
                ));
            }
            let class = parse_class(class).ok_or_else(|| {
                Error::option(
                    "statusMap",
                    format!(
                        "statusMap maps \"{}\" to \"{}\"; use {}",
                        shorten(wording),
                        shorten(class),
                        CLASS_NAMES.join(", ")
                    ),
                )
            })?;
            overrides.push((wording.clone(), class));
        }
        let mut exclude_wordings = FastSet::default();
        let mut exclude_classes = Vec::new();
        for status in non_empty("excludeStatuses", &self.exclude_statuses)? {
            let wording = collapse_fold(status);
            if let Some(class) = parse_class(&wording) {
                exclude_classes.push(class);
            }
            exclude_wordings.insert(wording);
        }
        let exclude_roles = non_empty("excludeRoles", &self.exclude_roles)?
            .map(|role| role_key(role).into_owned())
            .collect();
        Ok(TransformSettings {
            license,
            date_order: self.date_order,
            columns: self.columns.clone(),
            status_mapper: StatusMapper::new(overrides),
            delimiter: self.delimiter,
            strict: self.strict,
            exclude_wordings,
            exclude_classes,
            exclude_roles,
            include_domains: domains("includeDomains", &self.include_domains)?,
            exclude_domains: domains("excludeDomains", &self.exclude_domains)?,
        })
    }
}

/// The values of a list option, refusing empty ones: an empty value would
/// silently filter nothing.
fn non_empty<'v>(option: &str, values: &'v [String]) -> Result<impl Iterator<Item = &'v str>> {
    if values.iter().any(|v| v.trim().is_empty()) {
        return Err(Error::option(
            option,
            format!("{option} has an empty value; remove it or give a value"),
        ));
    }
    Ok(values.iter().map(String::as_str))
}

/// Domain filters in the form emails are compared in (lower case, ASCII).
/// A value that is not a host name, as an email's domain must be
/// (`*.example.com`, a URL), is refused: it would filter nothing.
fn domains(option: &str, values: &[String]) -> Result<FastSet<String>> {
    let mut set = FastSet::default();
    for value in non_empty(option, values)? {
        let domain = fold(value.trim().trim_start_matches('@'));
        let ascii = (!domain.is_empty())
            .then(|| host_name(&domain))
            .flatten()
            .ok_or_else(|| {
                Error::option(
                    option,
                    format!(
                        "{option} has \"{}\", which is not a domain (give one such as \
                         example.com, which covers its subdomains too)",
                        shorten(value)
                    ),
                )
            })?;
        set.insert(ascii.into_owned());
    }
    Ok(set)
}

impl TransformSettings {
    /// True when some filter is set, so a row can be excluded at all.
    pub fn filters_rows(&self) -> bool {
        !(self.exclude_wordings.is_empty()
            && self.exclude_roles.is_empty()
            && self.include_domains.is_empty()
            && self.exclude_domains.is_empty())
    }

    /// Why a row with this status, class, roles and email domain (ASCII
    /// form) is excluded, or `None` when it is kept. Each check is a hash
    /// lookup, however many values the filters hold.
    pub fn exclusion<'r>(
        &self,
        status_wording: &str,
        class: LicenseStatus,
        roles: impl Iterator<Item = &'r str>,
        ascii_domain: &str,
    ) -> Option<Exclusion> {
        if !self.exclude_wordings.is_empty()
            && (self.exclude_classes.contains(&class)
                || self
                    .exclude_wordings
                    .contains(&collapse_fold(status_wording)))
        {
            return Some(Exclusion::Status);
        }
        if !self.exclude_roles.is_empty() {
            for role in roles {
                if self.exclude_roles.contains(role_key(role).as_ref()) {
                    return Some(Exclusion::Role(role.to_string()));
                }
            }
        }
        if !self.include_domains.is_empty() && !in_domains(&self.include_domains, ascii_domain) {
            return Some(Exclusion::NotIncludedDomain);
        }
        if in_domains(&self.exclude_domains, ascii_domain) {
            return Some(Exclusion::ExcludedDomain);
        }
        None
    }
}

/// `domain` or one of its parent domains is in `set`.
fn in_domains(set: &FastSet<String>, domain: &str) -> bool {
    if set.is_empty() {
        return false;
    }
    let mut rest = domain;
    loop {
        if set.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => return false,
        }
    }
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
    fn license_can_be_turned_off() {
        let o = TransformOptions {
            include_license: Some(false),
            license_name: Some(" ".into()),
            ..Default::default()
        };
        assert!(o.resolve().unwrap().license.is_none());
    }

    #[test]
    fn empty_values_are_refused_not_ignored() {
        let cases = [
            TransformOptions {
                exclude_domains: vec![String::new()],
                ..Default::default()
            },
            TransformOptions {
                include_domains: vec![" ".into()],
                ..Default::default()
            },
            TransformOptions {
                include_domains: vec!["@".into()],
                ..Default::default()
            },
            TransformOptions {
                exclude_statuses: vec![String::new()],
                ..Default::default()
            },
            TransformOptions {
                exclude_roles: vec!["\t".into()],
                ..Default::default()
            },
            TransformOptions {
                license_name: Some(String::new()),
                ..Default::default()
            },
            TransformOptions {
                status_map: vec![(" ".into(), "active".into())],
                ..Default::default()
            },
        ];
        for options in cases {
            let err = options.resolve().unwrap_err();
            assert_eq!(err.code(), "invalid_option", "{options:?}");
        }
    }

    #[test]
    fn bad_status_classes_are_refused() {
        let o = TransformOptions {
            status_map: vec![("Frozen".into(), "gone".into())],
            ..Default::default()
        };
        assert!(o.resolve().unwrap_err().message().contains("Frozen"));
    }

    #[test]
    fn any_filter_can_exclude_rows_and_none_cannot() {
        assert!(!TransformOptions::default()
            .resolve()
            .unwrap()
            .filters_rows());
        let one = |set: fn(&mut TransformOptions)| {
            let mut o = TransformOptions::default();
            set(&mut o);
            o.resolve().unwrap().filters_rows()
        };
        assert!(one(|o| o.exclude_statuses = vec!["invited".into()]));
        assert!(one(|o| o.exclude_statuses = vec!["Frozen".into()]));
        assert!(one(|o| o.exclude_roles = vec!["Owner".into()]));
        assert!(one(|o| o.include_domains = vec!["x.com".into()]));
        assert!(one(|o| o.exclude_domains = vec!["x.com".into()]));
    }

    #[test]
    fn domains_match_exactly_or_as_subdomains() {
        let o = TransformOptions {
            include_domains: vec!["@Example.com".into()],
            exclude_domains: vec!["bücher.example".into()],
            ..Default::default()
        };
        let s = o.resolve().unwrap();
        let check = |domain: &str| s.exclusion("", LicenseStatus::Active, [].into_iter(), domain);
        assert_eq!(check("example.com"), None);
        assert_eq!(check("eu.example.com"), None);
        assert_eq!(check("badexample.com"), Some(Exclusion::NotIncludedDomain));
        let o = TransformOptions {
            exclude_domains: vec!["bücher.example".into()],
            ..Default::default()
        };
        let s = o.resolve().unwrap();
        assert_eq!(
            s.exclusion(
                "",
                LicenseStatus::Active,
                [].into_iter(),
                "xn--bcher-kva.example"
            ),
            Some(Exclusion::ExcludedDomain)
        );
    }

    /// A value no email's domain can equal would filter nothing without a
    /// word: `*.example.com` is meant as the subdomains, which the plain
    /// domain already covers.
    #[test]
    fn a_domain_no_email_can_have_is_refused() {
        for value in [
            "*.example.com",
            "https://example.com",
            "example.com/",
            "exa mple.com",
            "ada@example.com",
            "example_corp.com",
        ] {
            for include in [false, true] {
                let mut o = TransformOptions::default();
                if include {
                    o.include_domains = vec![value.into()];
                } else {
                    o.exclude_domains = vec![value.into()];
                }
                let err = o.resolve().unwrap_err();
                assert_eq!(err.code(), "invalid_option", "{value}");
                assert!(err.message().contains("not a domain"), "{value}");
            }
        }
    }

    /// A role spelt with a double space or a no-break space (a copy and
    /// paste through a spreadsheet) is the role the filter names.
    #[test]
    fn roles_are_excluded_ignoring_case_and_spacing() {
        let o = TransformOptions {
            exclude_roles: vec!["View  Only".into()],
            ..Default::default()
        };
        let s = o.resolve().unwrap();
        for role in ["view only", "View\u{a0}only", "VIEW \t ONLY"] {
            assert_eq!(
                s.exclusion("", LicenseStatus::Active, [role].into_iter(), "x.com"),
                Some(Exclusion::Role(role.to_string())),
                "{role:?}"
            );
        }
        assert_eq!(
            s.exclusion("", LicenseStatus::Active, ["Viewonly"].into_iter(), "x.com"),
            None
        );
    }

    #[test]
    fn statuses_exclude_by_wording_or_class() {
        let o = TransformOptions {
            exclude_statuses: vec!["Invite  Sent".into(), "deleted".into()],
            ..Default::default()
        };
        let s = o.resolve().unwrap();
        let none = || [].into_iter();
        assert_eq!(
            s.exclusion("invite sent", LicenseStatus::Inactive, none(), "x.com"),
            Some(Exclusion::Status)
        );
        assert_eq!(
            s.exclusion("Removed", LicenseStatus::Deleted, none(), "x.com"),
            Some(Exclusion::Status)
        );
        assert_eq!(
            s.exclusion("Invited", LicenseStatus::Inactive, none(), "x.com"),
            None
        );
    }
}
