//! The option table: every transform and sync option once, with the name
//! each host knows it by, its type, default, allowed values and help.
//!
//! The CLI builds its flags and usage text from this table, the web page
//! its form, and the Apps Script shim the keys of its Configuration sheet,
//! all at run time; a name or a default cannot drift between hosts. Values
//! that arrive as text (flags, sheet cells) are parsed here too, by
//! [`parse_text`], so "1e309" is refused in every host alike.
//!
//! ```
//! use stripe_torii_sync::options::catalog::{find, parse_text, Host, OptionValue};
//!
//! let price = find(Host::Sheet, "Price per user in cents").unwrap();
//! assert_eq!(price.js_name, "pricePerUserCents");
//! assert_eq!(parse_text(price, "1250").unwrap(), OptionValue::Number(1250.0));
//! assert_eq!(parse_text(price, "1e309").unwrap_err().code(), "invalid_option");
//! ```

use crate::columns::{ColumnRef, Field};
use crate::error::{Error, Result};
use crate::fields::date::DateOrder;
use crate::json::{self, Value};
use crate::options::{TransformOptions, DEFAULT_LICENSE_NAME};
use crate::sync::config::{
    SyncOptions, UploadMode, APPS_SCRIPT_RUN_MS, DEFAULT_BASE_URL, DEFAULT_FILE_NAME,
    RECORDS_RESERVE_MS, URL_FETCH_LONGEST_MS,
};
use crate::text::shorten;

/// The largest integer a JavaScript number holds exactly.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// What kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Non-empty text.
    Text,
    /// A whole number, 0 or more.
    Count,
    /// A number from 0 to 100 (decimals allowed).
    Percent,
    /// True or false.
    Flag,
    /// One of the allowed values.
    Choice,
    /// A list of non-empty texts, separated by commas in every host; a
    /// repeated flag adds to it.
    List,
    /// `TEXT=CLASS` pairs of status wording and class.
    StatusMap,
    /// `FIELD=HEADER` pairs of column mapping (a header name or a 1-based number).
    Columns,
}

impl Kind {
    /// The kind's name as hosts see it (`text`, `count`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Count => "count",
            Kind::Percent => "percent",
            Kind::Flag => "flag",
            Kind::Choice => "choice",
            Kind::List => "list",
            Kind::StatusMap => "statusMap",
            Kind::Columns => "columns",
        }
    }
}

/// Which part of the work an option configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The CSV → Torii transform.
    Transform,
    /// The upload and sync.
    Sync,
}

impl Scope {
    /// The command of this scope, and of the other one, for messages:
    /// `("transform", "sync")` for the transform.
    pub fn and_other(self) -> (&'static str, &'static str) {
        match self {
            Scope::Transform => ("transform", "sync"),
            Scope::Sync => ("sync", "transform"),
        }
    }
}

/// Where the Apps Script front end reads an option from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetPlace {
    /// The optional "Configuration" sheet, which every editor can change.
    Configuration,
    /// The Settings dialog, kept in the user's own properties: the options
    /// that decide where the API key is sent.
    Settings,
}

/// How the option is spelled on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliForm {
    /// `--flag VALUE`; repeat it for a list.
    Value,
    /// `--flag` alone turns a flag on.
    Switch,
    /// `--flag` alone turns a flag off (`--no-license`).
    SwitchOff,
    /// `--flag` alone picks this value of a choice (`--direct`).
    Picks(&'static str),
}

/// The hosts that read options as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// Command-line flags, by their name without the leading `--`.
    Cli,
    /// The Configuration sheet or Settings dialog, by label (any case and spacing).
    Sheet,
    /// The Configuration sheet only, by label: the options kept with the
    /// API key in the Settings dialog are refused there, since any editor
    /// can change the sheet.
    Configuration,
    /// JavaScript, by camelCase name.
    Js,
}

/// One option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The JavaScript name (`pricePerUserCents`), also the key in reports.
    pub js_name: &'static str,
    /// The command-line flag, with its dashes (`--price-per-user-cents`).
    pub cli_flag: &'static str,
    /// How the flag takes its value.
    pub cli_form: CliForm,
    /// The label in the Configuration sheet, the Settings dialog and the page.
    pub label: &'static str,
    /// Where Apps Script reads it.
    pub sheet: SheetPlace,
    /// The value's kind.
    pub kind: Kind,
    /// The default, as text for people (`Stripe`, `0`, `sniffed`).
    pub default: &'static str,
    /// The allowed values of a [`Kind::Choice`]; empty otherwise.
    pub allowed: &'static [&'static str],
    /// One line of help.
    pub help: &'static str,
    /// Transform or sync.
    pub scope: Scope,
}

const fn spec(
    js_name: &'static str,
    cli_flag: &'static str,
    label: &'static str,
    kind: Kind,
    default: &'static str,
    help: &'static str,
    scope: Scope,
) -> OptionSpec {
    OptionSpec {
        js_name,
        cli_flag,
        cli_form: CliForm::Value,
        label,
        sheet: SheetPlace::Configuration,
        kind,
        default,
        allowed: &[],
        help,
        scope,
    }
}

/// The defaults that name no value: nothing to filter by, nothing to
/// send, the columns found and the delimiter guessed from the file.
const NO_VALUE_DEFAULTS: &[&str] = &["none", "all", "detected", "sniffed"];
const DATE_ORDERS: &[&str] = &["mdy", "dmy"];
const DELIMITERS: &[&str] = &[",", ";", "tab"];
const UPLOAD_MODES: &[&str] = &["presigned", "direct"];

/// Every option, in the order hosts list them.
pub const OPTIONS: &[OptionSpec] = &[
    spec(
        "licenseName",
        "--license-name",
        "License name",
        Kind::Text,
        DEFAULT_LICENSE_NAME,
        "name of the one license the file lists",
        Scope::Transform,
    ),
    spec(
        "pricePerUserCents",
        "--price-per-user-cents",
        "Price per user in cents",
        Kind::Count,
        "0",
        "license price per user, in whole cents of the organisation's currency",
        Scope::Transform,
    ),
    spec(
        "unassignedAmount",
        "--unassigned",
        "Unassigned licenses",
        Kind::Count,
        "0",
        "licenses bought but not assigned to anyone",
        Scope::Transform,
    ),
    OptionSpec {
        cli_form: CliForm::SwitchOff,
        ..spec(
            "includeLicense",
            "--no-license",
            "Include license",
            Kind::Flag,
            "true",
            "write the license that lists every user",
            Scope::Transform,
        )
    },
    OptionSpec {
        allowed: DATE_ORDERS,
        ..spec(
            "dateOrder",
            "--date-order",
            "Date order",
            Kind::Choice,
            "mdy",
            "how to read a slash date like 3/4/2025: month first (mdy) or day first (dmy)",
            Scope::Transform,
        )
    },
    spec(
        "excludeStatuses",
        "--exclude-status",
        "Exclude statuses",
        Kind::List,
        "none",
        "skip rows whose status wording (invited) or class (active, inactive, deleted) matches",
        Scope::Transform,
    ),
    spec(
        "excludeRoles",
        "--exclude-role",
        "Exclude roles",
        Kind::List,
        "none",
        "skip rows holding one of these roles",
        Scope::Transform,
    ),
    spec(
        "includeDomains",
        "--include-domain",
        "Include domains",
        Kind::List,
        "all",
        "keep only emails in these domains and their subdomains",
        Scope::Transform,
    ),
    spec(
        "excludeDomains",
        "--exclude-domain",
        "Exclude domains",
        Kind::List,
        "none",
        "skip emails in these domains and their subdomains",
        Scope::Transform,
    ),
    spec(
        "statusMap",
        "--status-map",
        "Status map",
        Kind::StatusMap,
        "none",
        "extra status wording, as TEXT=CLASS with CLASS active, inactive or deleted",
        Scope::Transform,
    ),
    spec(
        "columns",
        "--columns",
        "Columns",
        Kind::Columns,
        "detected",
        "map fields to headers or 1-based column numbers: email=Work email,lastUsed=6",
        Scope::Transform,
    ),
    OptionSpec {
        allowed: DELIMITERS,
        ..spec(
            "delimiter",
            "--delimiter",
            "Delimiter",
            Kind::Choice,
            "sniffed",
            "the field delimiter, instead of guessing it from the first line",
            Scope::Transform,
        )
    },
    OptionSpec {
        cli_form: CliForm::Switch,
        ..spec(
            "strict",
            "--strict",
            "Strict",
            Kind::Flag,
            "false",
            "fail (write no file, never sync) when any row was rejected or the columns are unclear",
            Scope::Transform,
        )
    },
    OptionSpec {
        sheet: SheetPlace::Settings,
        ..spec(
            "appAccountId",
            "--app-account",
            "App Account ID",
            Kind::Text,
            "none",
            "the custom integration's App Account ID, on its tile in Torii's Integrations page",
            Scope::Sync,
        )
    },
    OptionSpec {
        sheet: SheetPlace::Settings,
        ..spec(
            "baseUrl",
            "--api-url",
            "API URL",
            Kind::Text,
            DEFAULT_BASE_URL,
            "Torii's API base URL; https, or http on loopback only",
            Scope::Sync,
        )
    },
    spec(
        "apiVersion",
        "--api-version",
        "API version",
        Kind::Text,
        "none",
        "send this X-API-Version header",
        Scope::Sync,
    ),
    spec(
        "fileName",
        "--file-name",
        "File name",
        Kind::Text,
        DEFAULT_FILE_NAME,
        "name the uploaded file gets in Torii",
        Scope::Sync,
    ),
    OptionSpec {
        cli_form: CliForm::Picks("direct"),
        allowed: UPLOAD_MODES,
        ..spec(
            "mode",
            "--direct",
            "Upload mode",
            Kind::Choice,
            "presigned",
            "presigned: Torii's four steps; direct: one multipart upload, files up to 3 MB",
            Scope::Sync,
        )
    },
    spec(
        "timeBudgetMs",
        "--time-budget-ms",
        "Time budget in ms",
        Kind::Count,
        "60000",
        "the longest a whole sync may take, requests and retry waits included; it then ends \
         within this plus one request timeout",
        Scope::Sync,
    ),
    spec(
        "requestTimeoutMs",
        "--request-timeout-ms",
        "Request timeout in ms",
        Kind::Count,
        "30000",
        "the longest one request may wait for its answer, body included",
        Scope::Sync,
    ),
    spec(
        "maxDropPercent",
        "--max-drop-percent",
        "Max drop percent",
        Kind::Percent,
        "20",
        "ask for confirmation before a sync that removes more than this share of the users",
        Scope::Sync,
    ),
];

/// Finds an option by the name a host uses: a CLI flag (with or without
/// `--`), a sheet label (any case, spaces, `-`, `_`), or a JS name.
pub fn find(host: Host, name: &str) -> Option<&'static OptionSpec> {
    match host {
        Host::Cli => {
            // `---strict` is no flag: parseArgs would refuse it too.
            let flag = name.strip_prefix("--").unwrap_or(name);
            OPTIONS.iter().find(|o| &o.cli_flag[2..] == flag)
        }
        Host::Sheet | Host::Configuration => {
            let wanted = label_key(name);
            OPTIONS
                .iter()
                .filter(|o| host == Host::Sheet || o.sheet == SheetPlace::Configuration)
                .find(|o| label_key(o.label) == wanted || label_key(o.js_name) == wanted)
        }
        Host::Js => OPTIONS.iter().find(|o| o.js_name == name),
    }
}

fn label_key(label: &str) -> String {
    label
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A value for an option, in the type the option takes.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// Text, for [`Kind::Text`] and [`Kind::Choice`].
    Text(String),
    /// A number, for [`Kind::Count`] and [`Kind::Percent`].
    Number(f64),
    /// A flag.
    Flag(bool),
    /// The items of a [`Kind::List`].
    List(Vec<String>),
    /// The pairs of a [`Kind::StatusMap`] or [`Kind::Columns`].
    Pairs(Vec<(String, String)>),
}

impl OptionValue {
    /// The type's name, for messages about a value of the wrong type.
    pub fn type_name(&self) -> &'static str {
        match self {
            OptionValue::Text(_) => "text",
            OptionValue::Number(_) => "a number",
            OptionValue::Flag(_) => "true or false",
            OptionValue::List(_) => "a list",
            OptionValue::Pairs(_) => "pairs",
        }
    }
}

impl OptionValue {
    /// The value a JSON value stands for: a string is text, a number a
    /// number, `true`/`false` a flag, an array of strings a list, and an
    /// object of strings or numbers pairs. `None` for anything else (`null`,
    /// nested arrays...).
    pub fn from_json(value: &Value) -> Option<OptionValue> {
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        Some(match value {
            Value::String(s) => OptionValue::Text(s.to_string()),
            Value::Number(_) => OptionValue::Number(value.as_f64().unwrap_or(f64::INFINITY)),
            Value::Bool(b) => OptionValue::Flag(*b),
            Value::Array(items) => OptionValue::List(
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Object(fields) => OptionValue::Pairs(
                fields
                    .iter()
                    .map(|(k, v)| Some((k.to_string(), scalar(v)?)))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Null => return None,
        })
    }
}

/// Parses an option's value from text, as a flag or a sheet cell gives it.
///
/// Lists and pairs (`A=B`) are separated by commas, as in a sheet cell; a
/// repeated flag adds its values to the list.
///
/// # Errors
///
/// `invalid_option` naming the option, for a value of the wrong shape.
pub fn parse_text(spec: &OptionSpec, text: &str) -> Result<OptionValue> {
    let value = text.trim();
    let bad = |what: &str| {
        Error::option(
            spec.js_name,
            format!(
                "{} ({}) must be {what}, got \"{}\"",
                spec.label,
                spec.cli_flag,
                shorten(value)
            ),
        )
    };
    match spec.kind {
        Kind::Text => Ok(OptionValue::Text(value.to_string())),
        Kind::Choice => Ok(OptionValue::Text(value.to_string())),
        Kind::Count => {
            let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            match value.parse::<u64>() {
                Ok(n) if digits && n as f64 <= MAX_SAFE_INTEGER => {
                    Ok(OptionValue::Number(n as f64))
                }
                _ => Err(bad("a whole number, 0 or more, written in digits")),
            }
        }
        Kind::Percent => {
            // "20%" as a sheet shows a percent cell, or as a person types it.
            let value = value.strip_suffix('%').map_or(value, str::trim);
            // "12,5 %" as a comma-decimal locale writes it: a comma with no
            // dot is the decimal sign, as no percent up to 100 has a
            // thousands separator.
            let comma;
            let value = if value.contains(',') && !value.contains('.') {
                comma = value.replacen(',', ".", 1);
                &comma
            } else {
                value
            };
            // A decimal sign with no digit after it ("12,") is a number
            // cut short, not 12: it is asked for again.
            let decimal = !value.is_empty()
                && !value.ends_with('.')
                && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && value.bytes().filter(|&b| b == b'.').count() <= 1
                && value.bytes().any(|b| b.is_ascii_digit());
            match crate::json::decimal_to_f64(value) {
                Some(n) if decimal && (0.0..=100.0).contains(&n) => Ok(OptionValue::Number(n)),
                _ => Err(bad("a number from 0 to 100")),
            }
        }
        Kind::Flag => match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Ok(OptionValue::Flag(true)),
            "false" | "no" | "n" | "off" | "0" => Ok(OptionValue::Flag(false)),
            _ => Err(bad("true or false")),
        },
        Kind::List => Ok(OptionValue::List(
            value.split(',').map(|v| v.trim().to_string()).collect(),
        )),
        Kind::StatusMap | Kind::Columns => {
            let mut pairs = Vec::new();
            for part in value.split(',') {
                let split = if spec.kind == Kind::StatusMap {
                    part.rsplit_once('=')
                } else {
                    part.split_once('=')
                };
                match split {
                    Some((a, b)) if !a.trim().is_empty() => {
                        pairs.push((a.trim().to_string(), b.trim().to_string()))
                    }
                    _ => {
                        return Err(bad(if spec.kind == Kind::StatusMap {
                            "TEXT=CLASS pairs separated by commas"
                        } else {
                            "FIELD=HEADER pairs separated by commas"
                        }))
                    }
                }
            }
            Ok(OptionValue::Pairs(pairs))
        }
    }
}

/// The options a host sets, transform and sync together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// The transform's.
    pub transform: TransformOptions,
    /// The sync's.
    pub sync: SyncOptions,
}

impl Options {
    /// Sets `spec` to `value`. A list or pairs value adds to what an earlier
    /// call set, so a repeated flag accumulates.
    ///
    /// # Errors
    ///
    /// `invalid_option` naming the option for a value of the wrong type or
    /// out of range: a number that is not finite, not whole or negative, a
    /// choice that is not allowed, an empty list item.
    pub fn set(&mut self, spec: &OptionSpec, value: OptionValue) -> Result<()> {
        let name = spec.js_name;
        let t = &mut self.transform;
        let s = &mut self.sync;
        match (name, value) {
            ("licenseName", OptionValue::Text(v)) => t.license_name = Some(v),
            ("pricePerUserCents", OptionValue::Number(n)) => {
                t.price_per_user_cents = Some(count(spec, n)?)
            }
            ("unassignedAmount", OptionValue::Number(n)) => {
                t.unassigned_amount = Some(count(spec, n)?)
            }
            ("includeLicense", OptionValue::Flag(b)) => t.include_license = Some(b),
            ("dateOrder", OptionValue::Text(v)) => {
                t.date_order = DateOrder::parse(&v).ok_or_else(|| not_allowed(spec, &v))?
            }
            ("excludeStatuses", OptionValue::List(v)) => t.exclude_statuses.extend(items(spec, v)?),
            ("excludeRoles", OptionValue::List(v)) => t.exclude_roles.extend(items(spec, v)?),
            ("includeDomains", OptionValue::List(v)) => t.include_domains.extend(items(spec, v)?),
            ("excludeDomains", OptionValue::List(v)) => t.exclude_domains.extend(items(spec, v)?),
            ("statusMap", OptionValue::Pairs(pairs)) => t.status_map.extend(pairs),
            ("columns", OptionValue::Pairs(pairs)) => {
                for (field, column) in pairs {
                    let found = Field::parse(&field).ok_or_else(|| {
                        Error::option(
                            name,
                            format!(
                                "columns maps an unknown field \"{}\"; the fields are {}",
                                shorten(&field),
                                Field::ALL.map(Field::name).join(", ")
                            ),
                        )
                    })?;
                    if column.trim().is_empty() {
                        return Err(Error::option(
                            name,
                            format!("columns maps {found} to nothing"),
                        ));
                    }
                    t.columns[found] = Some(ColumnRef::parse(&column));
                }
            }
            ("delimiter", OptionValue::Text(v)) => {
                // A JS caller's "\t" comes untrimmed; text hosts write "tab".
                t.delimiter = Some(match v.as_str() {
                    "\t" => b'\t',
                    _ => match v.trim().to_ascii_lowercase().as_str() {
                        "," => b',',
                        ";" => b';',
                        "tab" | "\\t" => b'\t',
                        _ => return Err(not_allowed(spec, &v)),
                    },
                })
            }
            ("strict", OptionValue::Flag(b)) => t.strict = b,
            ("appAccountId", OptionValue::Text(v)) => s.app_account_id = Some(v),
            ("baseUrl", OptionValue::Text(v)) => s.base_url = Some(v),
            ("apiVersion", OptionValue::Text(v)) => s.api_version = Some(v),
            ("fileName", OptionValue::Text(v)) => s.file_name = Some(v),
            ("mode", OptionValue::Text(v)) => {
                s.mode = match v.trim().to_ascii_lowercase().as_str() {
                    "presigned" => UploadMode::Presigned,
                    "direct" => UploadMode::Direct,
                    _ => return Err(not_allowed(spec, &v)),
                }
            }
            ("timeBudgetMs", OptionValue::Number(n)) => s.time_budget_ms = Some(timer_ms(spec, n)?),
            ("requestTimeoutMs", OptionValue::Number(n)) => {
                s.request_timeout_ms = Some(timer_ms(spec, n)?)
            }
            ("maxDropPercent", OptionValue::Number(n)) => {
                if !(0.0..=100.0).contains(&n) {
                    return Err(Error::option(
                        name,
                        format!("{name} must be a number from 0 to 100"),
                    ));
                }
                s.max_drop_percent = Some(n);
            }
            (_, value) => {
                return Err(Error::option(
                    name,
                    format!(
                        "{name} takes {}, not {}",
                        expected(spec.kind),
                        value.type_name()
                    ),
                ))
            }
        }
        Ok(())
    }

    /// Parses `(name, text)` pairs as a host gives them (flags or sheet
    /// labels) into options. A flag given again adds to a list or replaces
    /// a value; the Configuration sheet takes each setting once.
    ///
    /// ```
    /// use stripe_torii_sync::options::catalog::{Host, Options};
    ///
    /// let o = Options::from_text(Host::Cli, [("--exclude-domain", "a.com"), ("--exclude-domain", "b.com")]).unwrap();
    /// assert_eq!(o.transform.exclude_domains, ["a.com", "b.com"]);
    /// let err = Options::from_text(Host::Sheet, [("Pricepeeruserincents", "5")]).unwrap_err();
    /// assert!(err.message().contains("unknown setting"));
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_option` for an unknown name or a bad value.
    pub fn from_text<'a>(
        host: Host,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Options> {
        Options::from_cells(
            host,
            entries.into_iter().map(|(name, text)| (name, text, None)),
        )
    }

    /// As [`Options::from_text`], for cells that may hold a number as well
    /// as the text they show: `(name, text, number)`. A count is read from
    /// the number, as the text may be grouped ("1,500") or show decimals in
    /// the sheet's locale; every other kind from the text it shows ("20%" of
    /// a percent cell that holds 0.2, "1.0" of a version that holds 1).
    ///
    /// ```
    /// use stripe_torii_sync::options::catalog::{Host, Options};
    ///
    /// let cells = [("Unassigned licenses", "1,500", Some(1500.0)), ("Max drop percent", "5%", Some(0.05))];
    /// let o = Options::from_cells(Host::Configuration, cells).unwrap();
    /// assert_eq!(o.transform.unassigned_amount, Some(1500));
    /// assert_eq!(o.sync.max_drop_percent, Some(5.0));
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_option` for an unknown name or a bad value.
    pub fn from_cells<'a>(
        host: Host,
        entries: impl IntoIterator<Item = (&'a str, &'a str, Option<f64>)>,
    ) -> Result<Options> {
        let mut options = Options::default();
        let mut seen = Vec::new();
        for (name, text, number) in entries {
            options.set_cell(host, &mut seen, name, text, number)?;
        }
        Ok(options)
    }

    /// One entry of [`Options::from_cells`]; `seen` holds the options set
    /// so far, for the Configuration sheet's one row per setting.
    pub(crate) fn set_cell(
        &mut self,
        host: Host,
        seen: &mut Vec<&'static str>,
        name: &str,
        text: &str,
        number: Option<f64>,
    ) -> Result<()> {
        let spec = find(host, name).ok_or_else(|| unknown(host, name))?;
        // One row per setting: of two, the sheet would use the lower
        // one, which whoever reads the upper one does not see.
        if host == Host::Configuration {
            if seen.contains(&spec.js_name) {
                return Err(Error::option(
                    spec.js_name,
                    format!(
                        "{} is given twice in the Configuration sheet; keep one row for it",
                        spec.label
                    ),
                ));
            }
            seen.push(spec.js_name);
        }
        // A default that names no value, as the template and the page show
        // it, typed in as the value, is the default: "all" or "none" would
        // otherwise be read as a domain or a status to filter by, "none" as
        // an API version. A default that is a value ("Stripe") is read as
        // typed, in the case it is typed in.
        if matches!(host, Host::Sheet | Host::Configuration)
            && NO_VALUE_DEFAULTS.contains(&spec.default)
            && text.trim().eq_ignore_ascii_case(spec.default)
        {
            return Ok(());
        }
        let value = match (spec.cli_form, host) {
            (CliForm::Switch, Host::Cli) => OptionValue::Flag(true),
            (CliForm::SwitchOff, Host::Cli) => OptionValue::Flag(false),
            (CliForm::Picks(choice), Host::Cli) => OptionValue::Text(choice.to_string()),
            _ => match (spec.kind, number) {
                (Kind::Count, Some(n)) => OptionValue::Number(n),
                _ => parse_text(spec, text)?,
            },
        };
        if host == Host::Configuration {
            only_stricter_in_configuration(spec, &value)?;
            within_an_apps_script_run(spec, &value)?;
        }
        self.set(spec, value)
    }
}

/// The Configuration sheet may make the destructive-sync guard stricter,
/// never looser: any editor of the spreadsheet can change that sheet, and a
/// scheduled sync runs with its owner's key without asking anyone. (A larger
/// removal is still possible: Sync now asks, and its owner confirms.)
fn only_stricter_in_configuration(spec: &OptionSpec, value: &OptionValue) -> Result<()> {
    if spec.js_name != "maxDropPercent" {
        return Ok(());
    }
    // The limit is compared with the constant and shown as the table writes
    // it: parsing or printing an f64 would cost the .wasm about 30 KB.
    match value {
        OptionValue::Number(n) if *n > crate::sync::guard::DEFAULT_MAX_DROP_PERCENT => {
            Err(Error::option(
                spec.js_name,
                format!(
                    "{} in the Configuration sheet can only lower the limit (at most {}): any \
                 editor of the sheet could otherwise let your scheduled syncs remove users \
                 without asking; confirm a larger removal when Sync now asks",
                    spec.label, spec.default
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// What a run keeps for reading the sheets and writing the preview.
const SHEETS_RESERVE_MS: u64 = 30_000;

/// The longest time budget the Configuration sheet may set: a sync there
/// takes its budget plus one `UrlFetchApp` call, and the run must still
/// read the sheets and write the history row, the baseline and the last
/// sync ([`RECORDS_RESERVE_MS`]), which a stopped run never writes. 4
/// minutes.
const MAX_CONFIGURATION_TIME_BUDGET_MS: u64 =
    APPS_SCRIPT_RUN_MS - URL_FETCH_LONGEST_MS - RECORDS_RESERVE_MS - SHEETS_RESERVE_MS;

/// The Configuration sheet's time budget fits in one Apps Script run.
fn within_an_apps_script_run(spec: &OptionSpec, value: &OptionValue) -> Result<()> {
    match value {
        OptionValue::Number(n)
            if spec.js_name == "timeBudgetMs" && *n > MAX_CONFIGURATION_TIME_BUDGET_MS as f64 =>
        {
            Err(Error::option(
                spec.js_name,
                format!(
                    "Time budget in ms in the Configuration sheet can be at most \
                     {MAX_CONFIGURATION_TIME_BUDGET_MS} ms: Apps Script stops a run after 6 \
                     minutes, and a sync takes its budget plus one request (about 60 s), \
                     with 30 s for reading the sheets and 30 s for writing its records"
                ),
            ))
        }
        _ => Ok(()),
    }
}

impl Options {
    /// Reads options from a JSON object keyed by JavaScript names, such as
    /// `{"licenseName":"Stripe Team","excludeDomains":["a.com"]}`.
    ///
    /// ```
    /// use stripe_torii_sync::options::catalog::Options;
    ///
    /// let o = Options::from_json(r#"{"pricePerUserCents":1250,"columns":{"roles":4}}"#).unwrap();
    /// assert_eq!(o.transform.price_per_user_cents, Some(1250));
    /// assert!(Options::from_json(r#"{"licenceName":"x"}"#).unwrap_err().message().contains("licenseName"));
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_option` for text that is not a JSON object, an unknown
    /// name or a bad value.
    pub fn from_json(text: &str) -> Result<Options> {
        let value = json::parse(text)
            .map_err(|e| Error::option("options", format!("the options are not JSON ({e})")))?;
        let Value::Object(fields) = &value else {
            return Err(Error::option("options", "the options must be an object"));
        };
        let mut options = Options::default();
        for (name, value) in fields {
            let spec = find(Host::Js, name).ok_or_else(|| unknown(Host::Js, name))?;
            let value = OptionValue::from_json(value).ok_or_else(|| {
                Error::option(
                    spec.js_name,
                    format!("{} takes {}", spec.js_name, expected(spec.kind)),
                )
            })?;
            options.set(spec, value)?;
        }
        Ok(options)
    }
}

fn unknown(host: Host, name: &str) -> Error {
    if host == Host::Configuration {
        if let Some(spec) = find(Host::Sheet, name) {
            return Error::option(
                spec.js_name,
                format!(
                    "{} is not a Configuration sheet setting: it decides where the API key is \
                     sent, so it is kept with the key in Torii → Settings…",
                    spec.label
                ),
            );
        }
    }
    let (what, known): (&str, Vec<&str>) = match host {
        Host::Cli => ("flag", OPTIONS.iter().map(|o| o.cli_flag).collect()),
        Host::Sheet => ("setting", OPTIONS.iter().map(|o| o.label).collect()),
        Host::Configuration => (
            "setting",
            OPTIONS
                .iter()
                .filter(|o| o.sheet == SheetPlace::Configuration)
                .map(|o| o.label)
                .collect(),
        ),
        Host::Js => ("option", OPTIONS.iter().map(|o| o.js_name).collect()),
    };
    Error::option(
        name,
        format!(
            "unknown {what} \"{}\"; the {what}s are: {}",
            shorten(name),
            known.join(", ")
        ),
    )
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Choice => "text",
        Kind::Count | Kind::Percent => "a number",
        Kind::Flag => "true or false",
        Kind::List => "a list of texts",
        Kind::StatusMap => "an object of status wording to class",
        Kind::Columns => "an object of field to header or column number",
    }
}

fn not_allowed(spec: &OptionSpec, value: &str) -> Error {
    Error::option(
        spec.js_name,
        format!(
            "{} must be one of {}, got \"{}\"",
            spec.js_name,
            spec.allowed.join(", "),
            shorten(value)
        ),
    )
}

/// A JS number that must be a whole count: finite, whole, 0 or more, and
/// exactly representable.
/// The longest a host's timer can wait: `setTimeout` in Node and browsers
/// runs anything longer after 1 ms, which would end every request at once.
const MAX_TIMER_MS: u64 = 2_147_483_647;

/// A [`count`] of milliseconds that a host's timer can wait.
fn timer_ms(spec: &OptionSpec, n: f64) -> Result<u64> {
    let ms = count(spec, n)?;
    if ms > MAX_TIMER_MS {
        return Err(Error::option(
            spec.js_name,
            format!(
                "{} must be at most {MAX_TIMER_MS} ms (about 24 days)",
                spec.js_name
            ),
        ));
    }
    Ok(ms)
}

fn count(spec: &OptionSpec, n: f64) -> Result<u64> {
    // The message describes the value instead of printing it: formatting
    // floats would pull Rust's float printer into the .wasm.
    let problem = if n.is_nan() {
        Some("NaN")
    } else if n.is_infinite() || n > MAX_SAFE_INTEGER {
        Some("a number that is infinite or too large")
    } else if n < 0.0 {
        Some("a negative number")
    } else if n.fract() != 0.0 {
        Some("a number with a fraction")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::option(
            spec.js_name,
            format!(
                "{} must be a whole number, 0 or more, got {problem}",
                spec.js_name
            ),
        )),
        // Exact: a whole number within the safe-integer range.
        None => Ok(n as u64),
    }
}

/// List items, refusing empty ones (they would silently filter nothing).
fn items(spec: &OptionSpec, values: Vec<String>) -> Result<Vec<String>> {
    if values.iter().any(|v| v.trim().is_empty()) {
        return Err(Error::option(
            spec.js_name,
            format!(
                "{} ({}) has an empty value; remove it or give a value",
                spec.js_name, spec.cli_flag
            ),
        ));
    }
    Ok(values)
}

/// The defaults in the table, checked against the constants the code uses.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::status::CLASS_NAMES;
    use crate::sync::config::{DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TIME_BUDGET_MS};
    use crate::sync::guard::DEFAULT_MAX_DROP_PERCENT;

    #[test]
    fn choices_read_in_any_case_as_the_date_order_does() {
        for (text, delimiter) in [
            ("Tab", b'\t'),
            (" TAB ", b'\t'),
            ("\\T", b'\t'),
            (" ; ", b';'),
        ] {
            let o = Options::from_text(Host::Cli, [("--delimiter", text)]).unwrap();
            assert_eq!(o.transform.delimiter, Some(delimiter), "{text:?}");
        }
        let o = Options::from_text(Host::Sheet, [("Upload mode", "Direct")]).unwrap();
        assert_eq!(o.sync.mode, UploadMode::Direct);
        let o = Options::from_text(Host::Sheet, [("Date order", "DMY")]).unwrap();
        assert_eq!(o.transform.date_order, DateOrder::Dmy);
        assert!(Options::from_text(Host::Cli, [("--delimiter", "|")]).is_err());
        let mut o = Options::default();
        let tab = OptionValue::Text("\t".into());
        o.set(find(Host::Js, "delimiter").unwrap(), tab).unwrap();
        assert_eq!(o.transform.delimiter, Some(b'\t'), "a JS caller's tab");
    }

    #[test]
    fn the_configuration_sheet_takes_a_setting_once() {
        let twice = [("Max drop percent", "5"), ("max drop  percent", "15")];
        let err = Options::from_text(Host::Configuration, twice).unwrap_err();
        assert!(
            err.message().contains("Max drop percent is given twice"),
            "{}",
            err.message()
        );
        let o = Options::from_text(
            Host::Cli,
            [("--max-drop-percent", "5"), ("--max-drop-percent", "15")],
        )
        .unwrap();
        assert_eq!(o.sync.max_drop_percent, Some(15.0));
    }

    #[test]
    fn defaults_match_the_code() {
        let default = |name| find(Host::Js, name).unwrap().default;
        assert_eq!(default("timeBudgetMs"), DEFAULT_TIME_BUDGET_MS.to_string());
        assert_eq!(
            default("requestTimeoutMs"),
            DEFAULT_REQUEST_TIMEOUT_MS.to_string()
        );
        assert_eq!(
            default("maxDropPercent").parse::<f64>().unwrap(),
            DEFAULT_MAX_DROP_PERCENT
        );
        assert_eq!(default("baseUrl"), DEFAULT_BASE_URL);
        assert_eq!(default("fileName"), DEFAULT_FILE_NAME);
        assert_eq!(default("dateOrder"), DateOrder::default().as_str());
        assert_eq!(CLASS_NAMES.len(), 3);
    }

    #[test]
    fn timeouts_are_no_longer_than_a_host_timer_can_wait() {
        for name in ["timeBudgetMs", "requestTimeoutMs"] {
            let at = |ms: u64| Options::from_json(&format!(r#"{{"{name}":{ms}}}"#));
            assert!(at(MAX_TIMER_MS).is_ok(), "{name}");
            let err = at(MAX_TIMER_MS + 1).unwrap_err();
            assert_eq!(err.code(), "invalid_option");
            assert!(err.message().contains("at most 2147483647 ms"), "{err}");
        }
    }

    #[test]
    fn a_list_reads_the_same_from_a_flag_a_sheet_cell_and_a_repeated_flag() {
        let cli = Options::from_text(Host::Cli, [("--exclude-domain", "a.com, b.com")]).unwrap();
        let repeated = Options::from_text(
            Host::Cli,
            [("--exclude-domain", "a.com"), ("--exclude-domain", "b.com")],
        )
        .unwrap();
        let sheet = Options::from_text(Host::Sheet, [("Exclude domains", "a.com, b.com")]).unwrap();
        for options in [&cli, &repeated] {
            assert_eq!(
                options.transform.exclude_domains,
                sheet.transform.exclude_domains
            );
        }
        assert_eq!(sheet.transform.exclude_domains, ["a.com", "b.com"]);
    }

    #[test]
    fn names_are_unique_in_every_host() {
        for (i, a) in OPTIONS.iter().enumerate() {
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.js_name, b.js_name);
                assert_ne!(a.cli_flag, b.cli_flag);
                assert_ne!(label_key(a.label), label_key(b.label));
            }
        }
    }

    /// Every option in the table is applied by `Options::set`: a sample
    /// value of its kind changes the options.
    #[test]
    fn every_option_is_applied() {
        for spec in OPTIONS {
            let sample = match spec.kind {
                Kind::Text => "x",
                Kind::Count => "7",
                Kind::Percent => "12.5",
                Kind::Flag => "false",
                Kind::Choice => spec.allowed[spec.allowed.len() - 1],
                Kind::List => "a, b",
                Kind::StatusMap => "Frozen=deleted",
                Kind::Columns => "email=Work email",
            };
            let mut options = Options::default();
            let value = parse_text(spec, sample).unwrap();
            options.set(spec, value).unwrap();
            if spec.js_name == "strict" {
                options.set(spec, OptionValue::Flag(true)).unwrap();
            }
            assert_ne!(options, Options::default(), "{}", spec.js_name);
        }
    }

    #[test]
    fn text_values_are_checked_like_js_values() {
        let price = find(Host::Cli, "--price-per-user-cents").unwrap();
        for bad in [
            "1e309",
            "Infinity",
            "NaN",
            "-1",
            "1.5",
            "",
            " ",
            "0x10",
            "9007199254740993",
        ] {
            assert_eq!(
                parse_text(price, bad).unwrap_err().code(),
                "invalid_option",
                "{bad}"
            );
        }
        let drop = find(Host::Sheet, "max drop percent").unwrap();
        assert_eq!(parse_text(drop, "12.5").unwrap(), OptionValue::Number(12.5));
        for bad in ["101", "-1", "1e2", "x", "1.2.3", "."] {
            assert!(parse_text(drop, bad).is_err(), "{bad}");
        }
        let mut options = Options::default();
        for bad in [f64::NAN, f64::INFINITY, -1.0, 0.5, 1e300] {
            assert!(options.set(price, OptionValue::Number(bad)).is_err());
        }
        let domains = find(Host::Js, "excludeDomains").unwrap();
        assert!(options
            .set(domains, OptionValue::List(vec![String::new()]))
            .is_err());
        assert!(options
            .set(domains, OptionValue::Text("a.com".into()))
            .unwrap_err()
            .message()
            .contains("list"));
    }

    #[test]
    fn cli_switches_and_sheet_labels() {
        let o = Options::from_text(
            Host::Cli,
            [("--no-license", ""), ("--direct", ""), ("--strict", "")],
        )
        .unwrap();
        assert_eq!(o.transform.include_license, Some(false));
        assert_eq!(o.sync.mode, UploadMode::Direct);
        assert!(o.transform.strict);
        let o = Options::from_text(
            Host::Sheet,
            [
                ("price per user in cents", "1250"),
                ("EXCLUDE DOMAINS", "a.com, b.com"),
                ("Status map", "Frozen=deleted, On hold=inactive"),
                ("columns", "email=Work email, lastUsed=6"),
            ],
        )
        .unwrap();
        assert_eq!(o.transform.price_per_user_cents, Some(1250));
        assert_eq!(o.transform.exclude_domains, ["a.com", "b.com"]);
        assert_eq!(o.transform.status_map.len(), 2);
        assert_eq!(
            o.transform.columns[Field::LastUsed],
            Some(ColumnRef::Position(6))
        );
        let err = Options::from_text(Host::Sheet, [("Columns", "salary=3")]).unwrap_err();
        assert!(err.message().contains("unknown field"));
        let err = Options::from_text(Host::Configuration, [("API URL", "https://x")]).unwrap_err();
        assert!(err.message().contains("kept with the key"));
        assert!(Options::from_text(Host::Configuration, [("License name", "x")]).is_ok());
    }

    #[test]
    fn the_configuration_sheet_can_only_make_the_guard_stricter() {
        let set = |host, text| Options::from_text(host, [("Max drop percent", text)]);
        assert_eq!(
            set(Host::Configuration, "5").unwrap().sync.max_drop_percent,
            Some(5.0)
        );
        assert!(set(Host::Configuration, "20").is_ok());
        assert_eq!(
            set(Host::Configuration, "12.5 %")
                .unwrap()
                .sync
                .max_drop_percent,
            Some(12.5)
        );
        // A comma-decimal locale (German, French Sheets), with its no-break
        // space before the sign.
        for text in ["12,5 %", "12,5%", "12,5", "12,5\u{202f}%", ",5"] {
            let percent = set(Host::Configuration, text)
                .unwrap()
                .sync
                .max_drop_percent;
            assert_eq!(
                percent,
                Some(if text == ",5" { 0.5 } else { 12.5 }),
                "{text:?}"
            );
        }
        for text in [
            "%", "5%%", "1,2.5", "1.2,5", "1,2,5", ",", "12,5,", "12,", "12.", "12, %",
        ] {
            assert!(set(Host::Configuration, text).is_err(), "{text:?}");
        }
        assert!(set(Host::Configuration, "25%").is_err());
        let err = set(Host::Configuration, "100").unwrap_err();
        assert_eq!(err.code(), "invalid_option");
        assert!(err
            .message()
            .contains("can only lower the limit (at most 20)"));
        // The person syncing may loosen it where nobody else can: a flag, a
        // form of their own.
        assert!(set(Host::Sheet, "100").is_ok());
        assert!(Options::from_text(Host::Cli, [("--max-drop-percent", "100")]).is_ok());
    }

    #[test]
    fn a_number_cell_gives_a_count_its_number_and_every_other_kind_its_text() {
        let cells =
            |name, text, n| Options::from_cells(Host::Configuration, [(name, text, Some(n))]);
        let o = cells("Time budget in ms", "60,000", 60_000.0).unwrap();
        assert_eq!(o.sync.time_budget_ms, Some(60_000));
        // What the READMEs state: 6 minutes less a request, the sheets and the records.
        assert_eq!(MAX_CONFIGURATION_TIME_BUDGET_MS, 240_000);
        let o = cells("API version", "1.0", 1.0).unwrap();
        assert_eq!(o.sync.api_version.as_deref(), Some("1.0"));
        let err = cells("Unassigned licenses", "2.5", 2.5).unwrap_err();
        assert_eq!(err.code(), "invalid_option");
        assert!(err.message().contains("whole number"), "{err}");
        // The Configuration sheet's limits hold for a number as for text.
        assert!(cells("Time budget in ms", "999,999", 999_999.0).is_err());
    }

    #[test]
    fn the_configuration_sheet_keeps_a_sync_within_one_apps_script_run() {
        let set = |host, text: &str| Options::from_text(host, [("Time budget in ms", text)]);
        let most = MAX_CONFIGURATION_TIME_BUDGET_MS;
        assert_eq!(
            set(Host::Configuration, &most.to_string())
                .unwrap()
                .sync
                .time_budget_ms,
            Some(most)
        );
        let err = set(Host::Configuration, &(most + 1).to_string()).unwrap_err();
        assert_eq!(err.code(), "invalid_option");
        assert!(err.message().contains(&format!("at most {most} ms")));
        assert!(set(Host::Sheet, "600000").is_ok());
        assert!(Options::from_text(Host::Cli, [("--time-budget-ms", "600000")]).is_ok());
    }
}
