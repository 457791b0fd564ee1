//! The connection test: one cheap authenticated request that tells "key
//! accepted" from "key rejected" from "Torii unreachable", without
//! uploading anything.
//!
//! It asks for an upload URL (step 1 of a sync), which Torii answers only
//! for a valid key and which creates nothing: the URL is never used and
//! expires by itself.

use super::config::{ApiKey, SyncConfig};
use super::http::{Response, Step};
use super::request::{self, Next};
use crate::error::Result;

/// Name of the file the probe asks an upload URL for.
const PROBE_FILE_NAME: &str = "stripe-torii-sync-connection-test.json";

/// What a connection test found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    /// Torii answered and accepted the key.
    Accepted,
    /// Torii answered and refused the key (401 or 403).
    Rejected,
    /// No answer: DNS, refused, timed out, or blocked by a browser.
    Unreachable,
    /// Torii answered something else (its status is in the message).
    Unexpected,
}

impl ProbeResult {
    /// `accepted`, `rejected`, `unreachable` or `unexpected`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeResult::Accepted => "accepted",
            ProbeResult::Rejected => "rejected",
            ProbeResult::Unreachable => "unreachable",
            ProbeResult::Unexpected => "unexpected",
        }
    }
}

/// The probe request for `config`'s target and key.
///
/// # Errors
///
/// `invalid_config` as for a sync (an empty key, a non-https URL, ...).
pub fn probe_request(config: &SyncConfig) -> Result<super::Request> {
    let mut settings = config.validate(true)?;
    settings.file_name = PROBE_FILE_NAME.to_string();
    Ok(request::build(&settings, &Next::UploadUrl, ""))
}

/// Reads the probe's answer: the result and a sentence for the person, in
/// which any echo of `key` from the server is redacted.
///
/// ```
/// use stripe_torii_sync::sync::probe::{probe_result, ProbeResult};
/// use stripe_torii_sync::sync::{ApiKey, Response};
///
/// let key = ApiKey::new("s3cr3t");
/// let upload = r#"{"uploadFileParameters":{"url":"https://s3/x","filePath":"p"}}"#;
/// assert_eq!(probe_result(&Response::status(200, upload), &key).0, ProbeResult::Accepted);
/// assert_eq!(probe_result(&Response::status(200, "<html>"), &key).0, ProbeResult::Unexpected);
/// assert_eq!(probe_result(&Response::status(401, ""), &key).0, ProbeResult::Rejected);
/// assert_eq!(probe_result(&Response::Timeout, &key).0, ProbeResult::Unreachable);
/// let (_, message) = probe_result(&Response::status(500, "no such key s3cr3t"), &key);
/// assert_eq!(message, "Torii answered HTTP 500: no such key [redacted]; check the API URL.");
/// ```
pub fn probe_result(response: &Response, key: &ApiKey) -> (ProbeResult, String) {
    if let Some(refusal) = match response {
        Response::Transport(detail) => super::http::host_refusal(detail),
        _ => None,
    } {
        return (
            ProbeResult::Unreachable,
            format!("The connection could not be tested: {refusal}."),
        );
    }
    // A 2xx proves nothing by itself: a wrong API URL on a web app answers
    // its page with 200, and a proxy may wrap Torii's error in one. Only
    // upload parameters show Torii took the key.
    let status = match response {
        Response::Http { status, body, .. } if (200..300).contains(status) => {
            match (
                super::body::embedded_error_status(body),
                super::body::parse_upload_target(body),
            ) {
                (None, Ok(_)) => {
                    return (
                        ProbeResult::Accepted,
                        "Connected: Torii accepted the API key.".to_string(),
                    )
                }
                (Some(embedded), _) => embedded,
                (None, Err(what)) => {
                    return (
                        ProbeResult::Unexpected,
                        format!(
                            "The server answered HTTP {status}, but not as Torii does ({}); \
                             check the API URL.",
                            key.redact(&what)
                        ),
                    )
                }
            }
        }
        Response::Http { status, .. } => *status,
        Response::HostLimit(_) | Response::Transport(_) | Response::Timeout => 0,
    };
    match response {
        Response::Http { .. } if matches!(status, 401 | 403) => (
            ProbeResult::Rejected,
            "Torii rejected the API key. Check it under Settings → API Access in Torii; keys can \
             expire."
                .to_string(),
        ),
        Response::Http { body, .. } => {
            let detail = super::body::error_message(body, key)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            (
                ProbeResult::Unexpected,
                format!("Torii answered HTTP {status}{detail}; check the API URL."),
            )
        }
        Response::HostLimit(detail) => (
            ProbeResult::Unreachable,
            format!("The connection could not be tested: {detail}."),
        ),
        Response::Transport(_) | Response::Timeout => (
            ProbeResult::Unreachable,
            format!(
                "Torii could not be reached ({} got no answer); check the network and the API \
                 URL.",
                Step::UploadUrl.label()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{ApiKey, SyncOptions};

    #[test]
    fn the_probe_asks_for_an_upload_url_with_the_key() {
        let config = SyncConfig {
            api_key: ApiKey::new("key-0123"),
            options: SyncOptions {
                app_account_id: Some("1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let request = probe_request(&config).unwrap();
        assert!(request.url.ends_with(
            "/files/url?name=stripe-torii-sync-connection-test.json&type=customIntegrationData"
        ));
        assert_eq!(request.header("authorization"), Some("Bearer key-0123"));
        let (result, message) = probe_result(
            &Response::status(500, r#"{"message":"down"}"#),
            &config.api_key,
        );
        assert_eq!(result, ProbeResult::Unexpected);
        assert!(message.contains("HTTP 500: down"));
    }

    #[test]
    fn a_200_that_is_not_toriis_answer_is_not_a_connection() {
        let key = ApiKey::new("k");
        // A web app's page at a wrong API URL, and a JSON answer without
        // upload parameters.
        for body in ["<!doctype html><title>Torii</title>", r#"{"ok":true}"#] {
            let (result, message) = probe_result(&Response::status(200, body), &key);
            assert_eq!(result, ProbeResult::Unexpected, "{body}");
            assert!(message.contains("check the API URL"), "{message}");
        }
        let wrapped = r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#;
        let (result, _) = probe_result(&Response::status(200, wrapped), &key);
        assert_eq!(result, ProbeResult::Rejected);
        let upload = r#"{"uploadFileParameters":{"url":"https://s3/x","filePath":"p"}}"#;
        let (result, _) = probe_result(&Response::status(200, upload), &key);
        assert_eq!(result, ProbeResult::Accepted);
    }
}
