//! The identity of a sync target: which Torii API, which app account.
//!
//! The destructive-sync guard compares a sync with the last one *of the
//! same target*, so the target must have one spelling. `--app-account
//! ' 777'`, `0777` and `777` send the same `idAppAccount`, and
//! `https://API.toriihq.com:443/v1.0/` is the same API as the default; each
//! such set shares one [`Target::key`]. Every host stores and looks up its
//! baseline by that key, and the session sends to exactly the URL the key
//! was made from.

use super::config::{invalid, DEFAULT_BASE_URL};
use crate::error::Result;

/// A normalised API base URL and app account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    base_url: String,
    app_account_id: String,
}

impl Target {
    /// Validates and normalises a target. `base_url` `None` is Torii's
    /// public API.
    ///
    /// ```
    /// use stripe_torii_sync::sync::Target;
    ///
    /// let a = Target::new(Some("https://API.toriihq.com:443/v1.0/"), " 0777").unwrap();
    /// let b = Target::new(None, "777").unwrap();
    /// assert_eq!(a.key(), b.key());
    /// assert_eq!(a.key(), "https://api.toriihq.com/v1.0#777");
    /// assert_eq!(Target::new(Some(""), "777").unwrap_err().code(), "invalid_config");
    /// ```
    ///
    /// # Errors
    ///
    /// `invalid_config` for an empty account, an empty base URL, or one that
    /// is not https (http is allowed on loopback only), has credentials, a
    /// query or a fragment.
    pub fn new(base_url: Option<&str>, app_account_id: &str) -> Result<Target> {
        let account = app_account_id.trim();
        if account.is_empty() {
            return Err(invalid("appAccountId", "the App Account ID is empty"));
        }
        if !account.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "appAccountId",
                "the App Account ID has spaces or control characters",
            ));
        }
        // Digits go to Torii as a number, so 0777 and 777 are one account.
        let app_account_id = match account.parse::<u64>() {
            Ok(n) if account.bytes().all(|b| b.is_ascii_digit()) && n < (1 << 53) => n.to_string(),
            _ => account.to_string(),
        };
        let base_url = match base_url {
            None => DEFAULT_BASE_URL.to_string(),
            Some(url) => normalize_url(url)?,
        };
        Ok(Target {
            base_url,
            app_account_id,
        })
    }

    /// The key hosts store the baseline under: `{base URL}#{account}`.
    pub fn key(&self) -> String {
        format!("{}#{}", self.base_url, self.app_account_id)
    }

    /// The normalised base URL requests are built on.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The normalised App Account ID.
    pub fn app_account_id(&self) -> &str {
        &self.app_account_id
    }

    /// Whether the account goes to Torii as a JSON number: all digits, and
    /// small enough for JavaScript to hold exactly.
    pub fn account_is_number(&self) -> bool {
        self.app_account_id.bytes().all(|b| b.is_ascii_digit())
            && self
                .app_account_id
                .parse::<u64>()
                .is_ok_and(|n| n < (1 << 53))
    }
}

/// Lower-cases the scheme and host, drops a default port and trailing
/// slashes, and checks the URL may carry the key.
fn normalize_url(url: &str) -> Result<String> {
    let url = url.trim();
    let refuse = |why: &str| {
        Err(invalid(
            "baseUrl",
            &format!(
                "the API base URL {why}, got \"{}\"",
                crate::text::shorten(url)
            ),
        ))
    };
    if url.is_empty() {
        return Err(invalid(
            "baseUrl",
            "the API base URL is empty; leave it out for Torii's own API",
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return refuse("must start with https://");
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    if path.contains(['?', '#']) || authority.contains(['?', '#']) {
        return refuse("must not have a query or fragment");
    }
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    if authority.ends_with(default_port) {
        authority.truncate(authority.len() - default_port.len());
    }
    let normalized = format!("{scheme}://{authority}{}", path.trim_end_matches('/'));
    match url_security(&normalized) {
        Some(_) => Ok(normalized),
        None => refuse("must start with https:// (http is allowed for localhost only)"),
    }
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

    fn key(base: Option<&str>, account: &str) -> String {
        Target::new(base, account).unwrap().key()
    }

    #[test]
    fn spellings_of_one_target_share_a_key() {
        let default = key(None, "777");
        for (base, account) in [
            (Some("https://api.toriihq.com/v1.0"), "777"),
            (Some("https://api.toriihq.com/v1.0/"), " 777"),
            (Some(" HTTPS://API.ToriiHQ.com:443/v1.0//"), "777 "),
            (None, "0777"),
        ] {
            assert_eq!(key(base, account), default, "{base:?} {account:?}");
        }
        assert_ne!(key(None, "778"), default);
        assert_ne!(key(Some("https://api.toriihq.com/v1.1"), "777"), default);
        assert_eq!(key(None, "acct-7"), "https://api.toriihq.com/v1.0#acct-7");
    }

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        for ok in [
            "https://api.toriihq.com/v1.0/",
            "http://127.0.0.1:8080/v1.0",
            "http://localhost/v1.0",
            "http://[::1]:9/v1.0",
        ] {
            let t = Target::new(Some(ok), "1").unwrap();
            assert!(!t.base_url().ends_with('/'));
        }
        for bad in [
            "",
            "  ",
            "http://torii.example.com/v1.0",
            "ftp://127.0.0.1",
            "api.toriihq.com",
            "https://user:pw@api.toriihq.com",
            "http://127.0.0.1.evil.com/",
            "https://",
            "https://api.toriihq.com/v1.0?x=1",
            "https://api.toriihq.com/v1.0#frag",
        ] {
            let err = Target::new(Some(bad), "1").unwrap_err();
            assert_eq!(err.code(), "invalid_config", "{bad}");
        }
    }

    #[test]
    fn accounts_are_trimmed_and_checked() {
        assert!(Target::new(None, "").is_err());
        assert!(Target::new(None, "7 7").is_err());
        assert!(Target::new(None, "12345").unwrap().account_is_number());
        assert!(!Target::new(None, "abc").unwrap().account_is_number());
        assert!(!Target::new(None, "99999999999999999999")
            .unwrap()
            .account_is_number());
    }
}
