//! The sync configuration: what hosts send, its validation, and the
//! redaction of the API key.

use std::fmt;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};

/// Torii's public API.
pub const DEFAULT_BASE_URL: &str = "https://api.toriihq.com/v1.0";
/// The name the uploaded file gets in Torii.
pub const DEFAULT_FILE_NAME: &str = "stripe-users.json";
/// The total time a session may spend waiting between retries. It keeps a
/// whole sync well inside Apps Script's 6-minute execution limit.
pub const DEFAULT_WAIT_BUDGET_MS: f64 = 60_000.0;

/// How the file reaches Torii.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadMode {
    /// Torii's documented four steps: ask for a presigned URL, PUT the file
    /// there, register it, start the sync.
    #[default]
    Presigned,
    /// One multipart `POST /files/upload` (files up to 3 MB), then the sync.
    Direct,
}

/// The API key, kept out of every `Debug` print.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` (Torii or a transport
    /// layer might echo it back) so it can be shown safely.
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "[redacted]")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The sync configuration as hosts send it (camelCase from JavaScript).
///
/// `Debug` never shows the API key:
///
/// ```
/// use stripe_torii_sync::sync::SyncConfig;
///
/// let config: SyncConfig = serde_json::from_str(
///     r#"{"apiKey":"secret-123","appAccountId":"42"}"#,
/// ).unwrap();
/// assert!(!format!("{config:?}").contains("secret-123"));
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Torii API key, sent as `Authorization: Bearer <key>` to Torii only.
    pub api_key: ApiKey,
    /// The custom integration's App Account ID.
    pub app_account_id: String,
    /// API base URL (default [`DEFAULT_BASE_URL`]); https, or http on loopback.
    pub base_url: Option<String>,
    /// Name of the uploaded file (default [`DEFAULT_FILE_NAME`]).
    pub file_name: Option<String>,
    /// Value of an `X-API-Version` header, when set.
    pub api_version: Option<String>,
    /// Upload mode (default presigned).
    pub mode: UploadMode,
    /// Total retry wait allowed, in milliseconds (default 60 000).
    pub wait_budget_ms: Option<f64>,
    /// Users in the last successful sync of this account, for the guard.
    pub previous_user_count: Option<f64>,
    /// Largest drop allowed without confirmation, in percent (default 20).
    pub max_drop_percent: Option<f64>,
    /// The user confirmed a sync that drops more users than that.
    pub allow_drop: bool,
}

/// A checked configuration the session runs on.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub api_key: ApiKey,
    pub app_account_id: String,
    pub base_url: String,
    pub file_name: String,
    pub api_version: Option<String>,
    pub mode: UploadMode,
    pub wait_budget_ms: f64,
    /// Whether http (not https) is acceptable for the upload URL Torii
    /// returns: only when the API itself is on loopback (the emulator).
    pub loopback: bool,
}

impl SyncConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// `invalid_config` naming the field: an empty API key or app account ID,
    /// a header value with line breaks, a base URL that is not https (http is
    /// allowed on loopback only), an empty file name or a negative budget.
    pub(crate) fn validate(&self) -> Result<Settings> {
        let key = self.api_key.expose();
        if key.trim().is_empty() {
            return Err(invalid("apiKey", "the Torii API key is empty"));
        }
        if !is_header_safe(key) {
            return Err(invalid(
                "apiKey",
                "the Torii API key contains spaces or control characters; paste it again",
            ));
        }
        let app_account_id = self.app_account_id.trim();
        if app_account_id.is_empty() {
            return Err(invalid("appAccountId", "the App Account ID is empty"));
        }
        let base_url = self
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
            .to_string();
        let loopback = match url_security(&base_url) {
            Some(UrlSecurity::Https) => false,
            Some(UrlSecurity::LoopbackHttp) => true,
            None => {
                return Err(invalid(
                    "baseUrl",
                    &format!(
                        "the API base URL must start with https:// (http is allowed for \
                         localhost only), got {base_url:?}"
                    ),
                ))
            }
        };
        let file_name = self
            .file_name
            .as_deref()
            .unwrap_or(DEFAULT_FILE_NAME)
            .trim();
        if file_name.is_empty() {
            return Err(invalid("fileName", "the file name is empty"));
        }
        let api_version = self
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
        let wait_budget_ms = self.wait_budget_ms.unwrap_or(DEFAULT_WAIT_BUDGET_MS);
        if !(wait_budget_ms.is_finite() && wait_budget_ms >= 0.0) {
            return Err(invalid(
                "waitBudgetMs",
                "the wait budget must be a non-negative number of milliseconds",
            ));
        }
        Ok(Settings {
            api_key: self.api_key.clone(),
            app_account_id: app_account_id.to_string(),
            base_url,
            file_name: file_name.to_string(),
            api_version: api_version.map(str::to_string),
            mode: self.mode,
            wait_budget_ms,
            loopback,
        })
    }
}

fn invalid(field: &str, message: &str) -> Error {
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

/// How a URL may be used for requests that carry the key or the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlSecurity {
    Https,
    LoopbackHttp,
}

/// Classifies an absolute URL: https anywhere, http on loopback only
/// (`localhost`, `127.x.x.x`, `[::1]`); `None` for anything else.
pub(crate) fn url_security(url: &str) -> Option<UrlSecurity> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // user:password@ in a URL would be sent to whoever the host is.
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Some(UrlSecurity::Https),
        "http" if is_loopback(host) => Some(UrlSecurity::LoopbackHttp),
        _ => None,
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || (host.starts_with("127.")
            && host.split('.').count() == 4
            && host.split('.').all(|part| part.parse::<u8>().is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(key: &str, account: &str, base: Option<&str>) -> SyncConfig {
        SyncConfig {
            api_key: ApiKey::new(key),
            app_account_id: account.into(),
            base_url: base.map(str::to_string),
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
    fn defaults_apply() {
        let s = config("k", "1", None).validate().unwrap();
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert_eq!(s.file_name, DEFAULT_FILE_NAME);
        assert_eq!(s.wait_budget_ms, DEFAULT_WAIT_BUDGET_MS);
        assert!(!s.loopback);
    }

    #[test]
    fn empty_key_and_account_are_refused() {
        assert_eq!(
            field_of(config(" ", "1", None).validate().unwrap_err()),
            "apiKey"
        );
        assert_eq!(
            field_of(config("k\n", "1", None).validate().unwrap_err()),
            "apiKey"
        );
        assert_eq!(
            field_of(config("k", "", None).validate().unwrap_err()),
            "appAccountId"
        );
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        for ok in [
            "https://api.toriihq.com/v1.0/",
            "http://127.0.0.1:8080/v1.0",
            "http://localhost/v1.0",
            "http://[::1]:9/v1.0",
        ] {
            let s = config("k", "1", Some(ok)).validate().unwrap();
            assert!(!s.base_url.ends_with('/'));
        }
        for bad in [
            "http://torii.example.com/v1.0",
            "ftp://127.0.0.1",
            "api.toriihq.com",
            "https://user:pw@api.toriihq.com",
            "http://127.0.0.1.evil.com/",
            "https://",
        ] {
            let err = config("k", "1", Some(bad)).validate().unwrap_err();
            assert_eq!(field_of(err), "baseUrl", "{bad}");
        }
    }

    #[test]
    fn the_key_is_redacted_in_text() {
        let key = ApiKey::new("s3cr3t");
        assert_eq!(key.redact("bad key s3cr3t!"), "bad key [redacted]!");
        assert_eq!(format!("{key:?}"), "[redacted]");
    }
}
