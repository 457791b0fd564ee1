//! The sync configuration: what hosts set, its validation, and the
//! redaction of the API key.

use std::fmt;

use super::target::{Target, UrlSecurity};
use crate::changes::PreviousFile;
use crate::error::{Error, ErrorKind, Result};

/// Torii's public API.
pub const DEFAULT_BASE_URL: &str = "https://api.toriihq.com/v1.0";
/// The name the uploaded file gets in Torii.
pub const DEFAULT_FILE_NAME: &str = "stripe-users.json";
/// The fewest characters an API key may have: shorter ones are refused as a slip.
pub const MIN_API_KEY_CHARS: usize = 8;
/// The longest a whole sync may take, requests and waits included. It
/// keeps a sync well inside Apps Script's 6-minute execution limit.
pub const DEFAULT_TIME_BUDGET_MS: u64 = 60_000;
/// The longest one request may wait for its answer, body included.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// Apps Script stops a run after 6 minutes, whatever it is doing.
pub const APPS_SCRIPT_RUN_MS: u64 = 360_000;
/// `UrlFetchApp` waits up to about 60 s for a request, and cannot be told
/// less: the longest request of an Apps Script [`HostRun`].
pub const URL_FETCH_LONGEST_MS: u64 = 60_000;
/// What a host whose run ends ([`HostRun`]) keeps after the sync for
/// writing its records (the history row, the baseline, the last sync): a
/// run stopped before then leaves none of them.
pub const RECORDS_RESERVE_MS: u64 = 30_000;

/// A host whose run ends at a fixed time, whatever it is doing (Apps Script
/// stops a run after 6 minutes), and whose requests may outlast the request
/// timeout (`UrlFetchApp` waits up to about 60 s and cannot be told less).
/// The session then sends nothing unless the whole sync and the host's
/// records still fit in the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostRun {
    /// When the host's run ends, on the clock the host passes to
    /// [`crate::sync::SyncSession::poll`].
    pub ends_at_ms: f64,
    /// The longest one request can take in this host, whatever the request
    /// timeout; `None` when the host keeps to the timeout.
    pub longest_request_ms: Option<f64>,
}

/// How the file reaches Torii.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UploadMode {
    /// Torii's documented four steps: ask for a presigned URL, PUT the file
    /// there, register it, start the sync.
    #[default]
    Presigned,
    /// One multipart `POST /files/upload` (files up to 3 MB), then the sync.
    Direct,
}

/// The API key, kept out of every `Debug` print.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, without the whitespace at its edges: a paste or a
    /// shell variable often brings a space or a line break along, which no
    /// key holds, and every host (CLI, page, Sheet) must treat it alike.
    /// Whitespace inside the key stays, for [`SyncConfig`]'s check to refuse.
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        let trimmed = key.trim();
        ApiKey(if trimmed.len() == key.len() {
            key
        } else {
            trimmed.to_string()
        })
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `text` holds the key, as it is or percent-encoded: a server
    /// that echoes it into a value the sync keeps (a file id, an upload URL)
    /// would put it in the outcome, the state file and the logs, so such an
    /// answer is refused.
    pub(crate) fn appears_in(&self, text: &str) -> bool {
        !self.0.trim().is_empty()
            && (0..text.len()).any(|at| key_match(text.as_bytes(), at, self.0.as_bytes()).is_some())
    }

    /// Replaces every occurrence of the key in `text`, as it is or
    /// percent-encoded (Torii, a proxy or a transport layer might echo it
    /// back, `%2F` for a `/` in it), so it can be shown safely.
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.trim().is_empty() {
            return text.to_string();
        }
        let (bytes, key) = (text.as_bytes(), self.0.as_bytes());
        let mut out = Vec::with_capacity(text.len());
        let mut at = 0;
        while at < bytes.len() {
            match key_match(bytes, at, key) {
                Some(end) => {
                    out.extend_from_slice(b"[redacted]");
                    at = end;
                }
                None => {
                    out.push(bytes[at]);
                    at += 1;
                }
            }
        }
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Where a spelling of `key` that starts at `at` of `text` ends: each byte
/// of the key as it is, as `%XX`, or JSON-escaped as `\/` or `\u00XX`
/// (either case of hex): a cut-off JSON body is shown as text, escapes
/// and all.
fn key_match(text: &[u8], at: usize, key: &[u8]) -> Option<usize> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let decoded = |h: u8, l: u8| Some(hex(h)? * 16 + hex(l)?);
    let mut i = at;
    for &k in key {
        match text.get(i..)? {
            [b'%', h, l, ..] if decoded(*h, *l) == Some(u32::from(k)) => i += 3,
            [b'\\', b'/', ..] if k == b'/' => i += 2,
            [b'\\', b'u', a, b, h, l, ..]
                if decoded(*a, *b) == Some(0) && decoded(*h, *l) == Some(u32::from(k)) =>
            {
                i += 6
            }
            [b, ..] if *b == k => i += 1,
            _ => return None,
        }
    }
    Some(i)
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The sync options of the option table ([`crate::options::catalog`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncOptions {
    /// The custom integration's App Account ID.
    pub app_account_id: Option<String>,
    /// API base URL (default [`DEFAULT_BASE_URL`]); https, or http on loopback.
    pub base_url: Option<String>,
    /// Value of an `X-API-Version` header, when set.
    pub api_version: Option<String>,
    /// Name of the uploaded file (default [`DEFAULT_FILE_NAME`]).
    pub file_name: Option<String>,
    /// Upload mode (default presigned).
    pub mode: UploadMode,
    /// The whole sync's time budget in milliseconds (default 60 000).
    pub time_budget_ms: Option<u64>,
    /// One request's timeout in milliseconds (default 30 000).
    pub request_timeout_ms: Option<u64>,
    /// Largest share of users a sync may remove without confirmation, in
    /// percent (default 20).
    pub max_drop_percent: Option<f64>,
}

/// Everything a sync needs besides the file: the options, the key, and
/// what the host remembers of the last sync of this target.
///
/// `Debug` never shows the API key:
///
/// ```
/// use stripe_torii_sync::sync::{ApiKey, SyncConfig};
///
/// let config = SyncConfig { api_key: ApiKey::new("secret-123"), ..Default::default() };
/// assert!(!format!("{config:?}").contains("secret-123"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncConfig {
    /// The options.
    pub options: SyncOptions,
    /// Torii API key, sent as `Authorization: Bearer <key>` to Torii only.
    pub api_key: ApiKey,
    /// The person already confirmed a sync that removes many users.
    pub allow_drop: bool,
    /// The host's record of the last successful sync of this target, as
    /// JSON text (what [`crate::sync::Outcome::baseline`] gave it), if any.
    pub baseline: Option<String>,
    /// The last file synced to this target, if the host kept it.
    pub previous_file: Option<PreviousFile>,
    /// The host's own run limit, if it has one.
    pub host_run: Option<HostRun>,
}

impl SyncOptions {
    /// The name the file is uploaded under: the one given, trimmed, or
    /// [`DEFAULT_FILE_NAME`]. The page names its download so too, so the
    /// saved file and the upload carry one name.
    pub fn file_name(&self) -> &str {
        self.file_name
            .as_deref()
            .unwrap_or(DEFAULT_FILE_NAME)
            .trim()
    }
}

/// A checked configuration the session runs on.
#[derive(Debug, Clone)]
pub(crate) struct SyncSettings {
    pub api_key: ApiKey,
    pub target: Target,
    pub file_name: String,
    pub api_version: Option<String>,
    pub mode: UploadMode,
    pub time_budget_ms: f64,
    pub request_timeout_ms: f64,
    pub max_drop_percent: f64,
    pub allow_drop: bool,
    /// The host's run limit, checked.
    pub host_run: Option<HostRun>,
    /// Whether http (not https) is acceptable for the upload URL Torii
    /// returns: only when the API itself is on loopback (the emulator).
    pub loopback: bool,
}

impl SyncConfig {
    /// Checks the configuration. With `need_key` false (a dry run) the key
    /// may be missing.
    ///
    /// # Errors
    ///
    /// `invalid_config` naming the field: an empty API key or app account
    /// ID, a header value with line breaks, a base URL that is not https
    /// (http is allowed on loopback only) or is empty, an empty file name,
    /// a zero request timeout, or a host run whose end or longest request
    /// is not a finite number (a negative longest request too).
    pub(crate) fn validate(&self, need_key: bool) -> Result<SyncSettings> {
        let key = self.api_key.expose();
        if need_key && key.trim().is_empty() {
            return Err(invalid("apiKey", "the Torii API key is empty"));
        }
        if !key.is_empty() && !is_header_safe(key) {
            return Err(invalid(
                "apiKey",
                "the Torii API key contains spaces or control characters; paste it again",
            ));
        }
        // A key this short is a slip (half a paste, a placeholder), and
        // redacting it would blank that text wherever a message has it.
        let key_chars = key.chars().count();
        if key_chars > 0 && key_chars < MIN_API_KEY_CHARS {
            return Err(invalid(
                "apiKey",
                &format!(
                    "the Torii API key is only {key_chars} characters long; a Torii key is \
                     longer: paste all of it"
                ),
            ));
        }
        let o = &self.options;
        let target = self.target()?;
        let loopback = target.security() == UrlSecurity::LoopbackHttp;
        let file_name = o.file_name();
        if file_name.is_empty() {
            return Err(invalid("fileName", "the file name is empty"));
        }
        let api_version = o
            .api_version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if api_version.is_some_and(|v| !is_header_safe(v)) {
            return Err(invalid(
                "apiVersion",
                "the API version has invalid characters",
            ));
        }
        // The target is sent in URLs and bodies and is the key every host
        // stores the baseline under, the file name goes in a URL's query
        // and the version in a header, and the plan shows them all: a key
        // pasted into one would be kept and shown everywhere. Hosts are
        // case-insensitive, so is this.
        let folded = ApiKey::new(key.to_ascii_lowercase());
        for (field, what, value) in [
            ("appAccountId", "App Account ID", target.app_account_id()),
            ("baseUrl", "API base URL", target.base_url()),
            ("fileName", "file name", file_name),
            ("apiVersion", "API version", api_version.unwrap_or_default()),
        ] {
            if folded.appears_in(&value.to_ascii_lowercase()) {
                return Err(invalid(
                    field,
                    &format!("the {what} holds the API key; the key has its own setting"),
                ));
            }
        }
        let request_timeout_ms = o.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
        if request_timeout_ms == 0 {
            return Err(invalid(
                "requestTimeoutMs",
                "the request timeout must be at least 1 ms",
            ));
        }
        if let Some(run) = self.host_run {
            if !run.ends_at_ms.is_finite() {
                return Err(invalid(
                    "runEndsAtMs",
                    "the end of the host's run must be a finite time in ms",
                ));
            }
            if run
                .longest_request_ms
                .is_some_and(|ms| !ms.is_finite() || ms < 0.0)
            {
                return Err(invalid(
                    "longestRequestMs",
                    "the longest request must be a finite, non-negative number of ms",
                ));
            }
        }
        Ok(SyncSettings {
            api_key: self.api_key.clone(),
            target,
            file_name: file_name.to_string(),
            api_version: api_version.map(str::to_string),
            mode: o.mode,
            time_budget_ms: o.time_budget_ms.unwrap_or(DEFAULT_TIME_BUDGET_MS) as f64,
            request_timeout_ms: request_timeout_ms as f64,
            max_drop_percent: o
                .max_drop_percent
                .unwrap_or(super::guard::DEFAULT_MAX_DROP_PERCENT),
            allow_drop: self.allow_drop,
            host_run: self.host_run,
            loopback,
        })
    }

    /// The sync target ([`Target::new`] of the base URL and account), its
    /// error with the API key redacted, should the URL hold it.
    ///
    /// # Errors
    ///
    /// `invalid_config` as [`Target::new`].
    pub(crate) fn target(&self) -> Result<Target> {
        let o = &self.options;
        Target::new(
            o.base_url.as_deref(),
            o.app_account_id.as_deref().unwrap_or(""),
        )
        .map_err(|e| Error::new(e.kind().clone(), self.api_key.redact(e.message())))
    }
}

pub(crate) fn invalid(field: &str, message: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfig {
            field: field.to_string(),
        },
        message.to_string(),
    )
}

/// Visible ASCII only: anything else could split or corrupt a header.
fn is_header_safe(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(key: &str, account: &str, base: Option<&str>) -> SyncConfig {
        SyncConfig {
            api_key: ApiKey::new(key),
            options: SyncOptions {
                app_account_id: Some(account.into()),
                base_url: base.map(str::to_string),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn field_of(err: Error) -> String {
        match err.kind() {
            ErrorKind::InvalidConfig { field } => field.clone(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn the_target_is_normalised_and_its_errors_never_show_the_key() {
        let s = config("key-0123", "777", Some("http://127.0.0.1:018787/./v1.0/"))
            .validate(true)
            .unwrap();
        assert_eq!(s.target.base_url(), "http://127.0.0.1:18787/v1.0");
        assert!(s.loopback);
        let secret = "tk_s3cr3t-key";
        for base in [
            format!("https://{secret}@api.toriihq.com/v1.0"),
            format!("https://api.toriihq.com/{secret}//v1.0"),
            format!("http://torii.example.com/{secret}"),
            format!("https://api.toriihq.com\\{secret}"),
        ] {
            let err = config(secret, "777", Some(&base))
                .validate(true)
                .unwrap_err();
            assert!(!err.message().contains(secret), "{}", err.message());
            assert_eq!(field_of(err), "baseUrl");
        }
    }

    #[test]
    fn defaults_apply() {
        let s = config("key-0123", "1", None).validate(true).unwrap();
        assert_eq!(s.target.base_url(), DEFAULT_BASE_URL);
        assert_eq!(s.file_name, DEFAULT_FILE_NAME);
        assert_eq!(s.time_budget_ms, 60_000.0);
        assert_eq!(s.request_timeout_ms, 30_000.0);
        assert!(!s.loopback);
    }

    #[test]
    fn empty_key_and_account_are_refused() {
        assert_eq!(
            field_of(config(" ", "1", None).validate(true).unwrap_err()),
            "apiKey"
        );
        assert!(config("", "1", None).validate(false).is_ok());
        assert_eq!(
            field_of(config("key-\n0123", "1", None).validate(true).unwrap_err()),
            "apiKey"
        );
        assert_eq!(
            field_of(config("key-0123", " ", None).validate(true).unwrap_err()),
            "appAccountId"
        );
        assert_eq!(
            field_of(
                config("key-0123", "1", Some(""))
                    .validate(true)
                    .unwrap_err()
            ),
            "baseUrl"
        );
    }

    #[test]
    fn a_key_too_short_to_be_one_is_refused_without_being_shown() {
        let error = config("abc1234", "1", None).validate(true).unwrap_err();
        assert_eq!(field_of(error.clone()), "apiKey");
        assert!(error.message().contains("only 7 characters"));
        assert!(!error.message().contains("abc1234"));
        assert!(config("abc12345", "1", None).validate(true).is_ok());
        assert!(
            config("", "1", None).validate(false).is_ok(),
            "a dry run needs no key"
        );
    }

    #[test]
    fn a_key_pasted_with_whitespace_at_its_edges_is_the_key() {
        for pasted in ["abc12345 ", "abc12345\n", "\tabc12345\r\n"] {
            let settings = config(pasted, "1", None).validate(true).unwrap();
            assert_eq!(settings.api_key.expose(), "abc12345", "{pasted:?}");
        }
        let error = config("abc 12345", "1", None).validate(true).unwrap_err();
        assert!(error.message().contains("spaces or control characters"));
    }

    #[test]
    fn the_key_is_redacted_in_text() {
        let key = ApiKey::new("s3cr3t");
        assert_eq!(key.redact("bad key s3cr3t!"), "bad key [redacted]!");
        assert_eq!(format!("{key:?}"), "[redacted]");
    }
}
