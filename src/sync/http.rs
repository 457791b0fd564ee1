//! HTTP as plain data: the requests a session asks the host to send, the
//! responses the host hands back, and the steps of the sequence.

use std::fmt;

/// One step of the upload/sync sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `GET /files/url`: ask Torii for a presigned upload URL.
    UploadUrl,
    /// `PUT <presigned URL>`: upload the file to storage (no Torii key).
    Upload,
    /// `POST /files`: register the uploaded file, get its id.
    Register,
    /// `PUT /services/sync/custom`: start the sync of the app account.
    Sync,
    /// `POST /files/upload`: the direct mode's multipart upload.
    DirectUpload,
}

impl Step {
    /// The stable name hosts see (`upload_url`, `upload`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Step::UploadUrl => "upload_url",
            Step::Upload => "upload",
            Step::Register => "register",
            Step::Sync => "sync",
            Step::DirectUpload => "direct_upload",
        }
    }

    /// A short label for people ("upload URL", "start sync", ...).
    pub fn label(self) -> &'static str {
        match self {
            Step::UploadUrl => "upload URL",
            Step::Upload => "upload",
            Step::Register => "register file",
            Step::Sync => "start sync",
            Step::DirectUpload => "direct upload",
        }
    }

    /// Whether the request goes to Torii's API (and so carries the key).
    /// The upload goes to a third-party storage host and never does.
    pub fn is_torii(self) -> bool {
        self != Step::Upload
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An HTTP method the sequence uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// A request body. JSON bodies never hold the key, so `Debug` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A small JSON body, as text.
    Json(String),
    /// The session's upload body: the Torii file (presigned mode) or its
    /// multipart wrapping (direct mode); see
    /// [`crate::sync::SyncSession::upload_body`]. It is not copied into
    /// every request.
    Upload,
}

/// A request for the host to send, exactly as described.
///
/// `Debug` hides the `Authorization` value, so a logged request does not
/// leak the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// Which step this request belongs to.
    pub step: Step,
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Body>,
}

impl Request {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A header's value as it may be shown (in a log, a plan, a `Debug`): the
/// API key in `Authorization` is replaced, everything else is as sent.
pub(crate) fn shown_header_value<'v>(name: &str, value: &'v str) -> &'v str {
    if name.eq_ignore_ascii_case("authorization") {
        "Bearer [redacted]"
    } else {
        value
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), shown_header_value(n, v)))
            .collect();
        let body = match &self.body {
            None => "none".to_string(),
            Some(Body::Json(text)) => format!("{} bytes of JSON", text.len()),
            Some(Body::Upload) => "the upload".to_string(),
        };
        f.debug_struct("Request")
            .field("step", &self.step)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &body)
            .finish()
    }
}

/// What came back for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// An HTTP response (any status).
    Http {
        /// The status code.
        status: u16,
        /// Header names (any case) and values.
        headers: Vec<(String, String)>,
        /// The body as text.
        body: String,
    },
    /// The request never got a response: DNS, connection refused or reset,
    /// or a browser blocking it. The text says what the host saw.
    Transport(String),
    /// No answer (or no complete body) came within the request's timeout.
    Timeout,
    /// The host would not send the request, and will not for hours: a
    /// quota of its own (Apps Script's daily UrlFetchApp calls). The text
    /// says which. Never retried.
    HostLimit(String),
}

impl Response {
    /// An HTTP response with no headers.
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Response::Http {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header to an HTTP response (no effect on the other kinds).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Response::Http { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }
}

/// What to tell the person when a host's transport error is its own
/// refusal, which no retry gets past: Apps Script's daily quota of
/// UrlFetchApp calls, or a URL its manifest's `urlFetchWhitelist` does not
/// list. `None` for any other error.
pub(crate) fn host_refusal(detail: &str) -> Option<String> {
    let text = detail.strip_prefix("Exception: ").unwrap_or(detail);
    let lower = text.to_ascii_lowercase();
    if lower.contains("too many times for one day") {
        return Some(format!(
            "Apps Script's daily quota of UrlFetchApp calls is used up ({text}); it refills \
             within 24 hours, so try again tomorrow"
        ));
    }
    if !lower.contains("whitelisted") && !lower.contains("allowlisted") {
        return None;
    }
    // The allow-list takes an origin with a path, such as https://api.toriihq.com/.
    let prefix = text
        .find("https://")
        .map_or("the URL's https:// prefix".into(), |at| {
            let url = &text[at..];
            let end = url[8..]
                .find(|c: char| c == '/' || c == '?' || c.is_whitespace())
                .map_or(url.len(), |e| e + 8);
            format!("{}/", &url[..end])
        });
    Some(format!(
        "the script's manifest does not allow this URL ({text}); add {prefix} to \
         urlFetchWhitelist in appsscript.json, then push or paste the script again"
    ))
}

/// Whether a host's transport error says that its own deadline passed:
/// UrlFetchApp's "Exception: Timeout: https://…", or "timed out" or
/// `ETIMEDOUT` as other transports word it. The request may have reached
/// the server, as with a timeout of the session's own.
pub(crate) fn is_timeout(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    // A URL in the text may name anything: only the words around it count.
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|token| !token.contains("://"))
        .flat_map(|token| token.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .any(|w| matches!(*w, "timeout" | "timedout" | "etimedout"))
        || words
            .windows(2)
            .any(|pair| pair[1] == "out" && matches!(pair[0], "time" | "timed" | "times"))
}

/// The value of a header, by case-insensitive name.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_error_that_says_its_deadline_passed_is_a_timeout() {
        for text in [
            "Exception: Timeout: https://api.toriihq.com/v1.0/files/url",
            "the request timed out",
            "connect ETIMEDOUT 10.0.0.1:443",
            "Request Time-out",
        ] {
            assert!(is_timeout(text), "{text:?}");
        }
        for text in [
            "Exception: DNS error: api.toriihq.com",
            "connection reset by peer",
            "Exception: Address unavailable: https://timeouts.example.com/",
            "Exception: Request failed for https://example.com/timeout-test returned code 500",
        ] {
            assert!(!is_timeout(text), "{text:?}");
        }
    }

    #[test]
    fn debug_hides_authorization() {
        let request = Request {
            step: Step::UploadUrl,
            method: Method::Get,
            url: "https://x/files/url".into(),
            headers: vec![("Authorization".into(), "Bearer s3cr3t".into())],
            body: Some(Body::Json("{}".into())),
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("s3cr3t") && shown.contains("Bearer [redacted]"));
        assert_eq!(request.header("authorization"), Some("Bearer s3cr3t"));
    }

    #[test]
    fn apps_script_refusals_are_told_apart_from_transport_errors() {
        let listed = host_refusal(
            "Exception: Request to https://eu.toriihq.com/v1.0/files/url? failed because the URL \
             has not been whitelisted in the script manifest.",
        )
        .unwrap_or_default();
        assert!(listed.starts_with("the script's manifest does not allow this URL (Request to"));
        assert!(
            listed.contains("add https://eu.toriihq.com/ to urlFetchWhitelist in appsscript.json")
        );
        let unnamed = host_refusal("not been allowlisted").unwrap_or_default();
        assert!(unnamed.contains("add the URL's https:// prefix"));
        let quota =
            host_refusal("Exception: Service invoked too many times for one day: urlfetch.");
        assert!(quota
            .unwrap_or_default()
            .starts_with("Apps Script's daily quota"));
        for other in [
            "Exception: Service invoked too many times in a short time: urlfetch.",
            "Exception: Address unavailable: https://x/",
            "https://",
            "",
        ] {
            assert_eq!(host_refusal(other), None, "{other}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_query_value("stripe users.json"),
            "stripe%20users.json"
        );
        assert_eq!(encode_query_value("a&b=é"), "a%26b%3D%C3%A9");
    }
}
