//! Request and response bodies: reading what Torii answers (tolerating the
//! shapes its docs leave open), counting the users of the file to send, and
//! writing the direct mode's multipart body.

use std::fmt;

use super::config::ApiKey;
use super::guard::UserCounts;
use crate::changes::is_deleted_status;
use crate::json::{self, parse, write_str, Reader, Value};

/// The id Torii gave an uploaded file: a number in Torii's examples, but
/// the shape is undocumented, so a string is kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileId {
    /// A numeric id, kept as written and sent back as a JSON number.
    Number(String),
    /// A string id, sent back as a JSON string.
    Text(String),
}

impl FileId {
    /// Appends the id as a JSON value, the way Torii sent it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            FileId::Number(n) => out.extend_from_slice(n.as_bytes()),
            FileId::Text(s) => write_str(out, s),
        }
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileId::Number(n) | FileId::Text(n) => f.write_str(n),
        }
    }
}

/// Where step 2 uploads and what step 3 registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// The presigned URL.
    pub url: String,
    /// The storage path Torii wants back in `POST /files`.
    pub file_path: String,
}

/// Reads `GET /files/url`'s answer: `{"uploadFileParameters": {url,
/// filePath}}`, or the two fields at the top level. The error says what was
/// missing.
pub fn parse_upload_target(body: &str) -> Result<UploadTarget, String> {
    let value = parse_object(body)?;
    let params = value
        .get("uploadFileParameters")
        .filter(|p| p.is_object())
        .unwrap_or(&value);
    let field = |name: &str| {
        params
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("the response has no uploadFileParameters.{name}"))
    };
    Ok(UploadTarget {
        url: field("url")?,
        file_path: field("filePath")?,
    })
}

/// Reads the file id from `POST /files` or `POST /files/upload`: `{"id": …}`
/// or `{"file": {"id": …}}`. An id of more than 256 bytes or with control
/// characters is refused.
pub fn parse_file_id(body: &str) -> Result<FileId, String> {
    let value = parse_object(body)?;
    let id = value
        .get("id")
        .or_else(|| value.get("file").and_then(|f| f.get("id")))
        .ok_or("the response has no id (looked for \"id\" and \"file.id\")")?;
    let id = match id {
        Value::Number(n) => FileId::Number(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => FileId::Text(s.trim().to_string()),
        _ => return Err("the file id in the response is neither a number nor a string".into()),
    };
    // The id goes into the outcome, the state file and log lines: a huge
    // one would overflow a host's store, a line break forge a log line.
    let text = id.to_string();
    if text.chars().any(char::is_control) {
        return Err("the file id has control characters".into());
    }
    if text.len() > MAX_FILE_ID_BYTES {
        return Err(format!("the file id is {} bytes long", text.len()));
    }
    Ok(id)
}

/// The longest file id taken: ids are numbers or short tokens.
const MAX_FILE_ID_BYTES: usize = 256;

/// The status of an error in Torii's shape (`{"statusCode": 409, …}`)
/// that came with a 2xx status, as a gateway or proxy in front of Torii
/// may send it: the answer is judged by this status instead.
pub fn embedded_error_status(body: &str) -> Option<u16> {
    let n = parse(body).ok()?.get("statusCode")?.as_f64()?;
    (n.fract() == 0.0 && (400.0..600.0).contains(&n)).then_some(n as u16)
}

/// Checks the 2xx answer to the sync request. Its success body is
/// undocumented, so an empty one or any JSON passes, but a page that is not
/// JSON (a login portal, a proxy's page) or an explicit `"success": false`
/// does not prove the sync started, and the baseline must not be saved.
pub fn check_sync_answer(body: &str, key: &ApiKey) -> Result<(), String> {
    if body.trim().is_empty() {
        return Ok(());
    }
    match parse(body) {
        Err(_) => Err("the answer is not JSON, so the sync may not have started".into()),
        Ok(value) if matches!(value.get("success"), Some(Value::Bool(false))) => {
            Err(match error_message(body, key) {
                Some(message) => format!("the answer says the sync failed: {message}"),
                None => "the answer says the sync failed".into(),
            })
        }
        Ok(_) => Ok(()),
    }
}

fn parse_object(body: &str) -> Result<Value<'_>, String> {
    match parse(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("the response is JSON but not an object".into()),
        Err(_) if body.trim().is_empty() => Err("the response body is empty".into()),
        Err(_) => Err("the response is not JSON".into()),
    }
}

/// The human part of an error response: Torii's JSON `message`, then its
/// `error` (what Torii's own CLI reads); S3's XML `<Message>`; or the start
/// of the body. Any echo of `key` is redacted before the text is cut to one
/// short line, so no fragment of the key can survive the cut.
pub fn error_message(body: &str, key: &ApiKey) -> Option<String> {
    let shown = |text: &str| one_line(&key.redact(text));
    if let Ok(value @ Value::Object(_)) = parse(body) {
        for name in ["message", "error"] {
            if let Some(text) = value.get(name).and_then(Value::as_str) {
                if !text.trim().is_empty() {
                    return Some(shown(text.trim()));
                }
            }
        }
    }
    if let Some(message) = xml_element(body, "Message").or_else(|| xml_element(body, "Code")) {
        return Some(shown(message));
    }
    let text = body.trim();
    (!text.is_empty() && !text.starts_with('<')).then(|| shown(text))
}

fn xml_element<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let len = body[start..].find("</")?;
    Some(body[start..start + len].trim()).filter(|s| !s.is_empty())
}

/// Keeps messages readable: one line, at most 300 characters.
fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Counts the users of a Torii file, and its active users, checking that it
/// is a JSON object with one `users` array, without building the users in
/// memory. A second `users` list is refused: Torii would read the last one
/// and the comparison with the last synced file both, so the guard would
/// judge users that are not sent.
pub fn count_users(file_json: &str) -> Result<UserCounts, String> {
    let mut reader = Reader::new(file_json);
    let mut counts: Option<UserCounts> = None;
    let mut lists = 0u32;
    let mut walk = |reader: &mut Reader| -> Result<(), json::SyntaxError> {
        reader.object(|r, key| {
            if key != "users" {
                return r.skip();
            }
            lists += 1;
            let mut n = UserCounts {
                users: 0,
                active: 0,
            };
            r.array(|r| {
                n.users = n.users.saturating_add(1);
                if r.peek() != Some(b'{') {
                    return r.skip();
                }
                let mut active = true;
                r.object(|r, key| match (key.as_ref(), r.peek()) {
                    ("status", Some(b'"')) => r.string().map(|s| {
                        active = !is_deleted_status(&s);
                    }),
                    _ => r.skip(),
                })?;
                n.active = n.active.saturating_add(u32::from(active));
                Ok(())
            })?;
            counts = Some(n);
            Ok(())
        })?;
        reader.finish()
    };
    if reader.peek() != Some(b'{') {
        return Err("the file is not a JSON object".into());
    }
    walk(&mut reader).map_err(|e| format!("the file is not valid Torii JSON ({e})"))?;
    if lists > 1 {
        return Err("the file has more than one \"users\" list".into());
    }
    counts.ok_or_else(|| "the file has no \"users\" list".to_string())
}

/// The direct mode's `multipart/form-data` body: a `type` field and the
/// file. Returns the content type (with the boundary) and the body.
///
/// The boundary is derived from the host's seed; it only has to be absent
/// from the file, which is checked.
pub fn multipart(file_name: &str, file_json: &[u8], seed: u64) -> (String, Vec<u8>) {
    let mut n = seed;
    let boundary = loop {
        let candidate = format!("----stripe-torii-sync-{n:016x}");
        if !contains(file_json, candidate.as_bytes()) {
            break candidate;
        }
        n = n.wrapping_add(1);
    };
    // Quotes and line breaks would end the header parameter early.
    let safe_name: String = file_name
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    let head = format!(
        "--{boundary}\r\n\
         Content-Disposition: form-data; name=\"type\"\r\n\r\n\
         customIntegrationData\r\n\
         --{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\n\
         Content-Type: application/json\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = Vec::with_capacity(head.len() + file_json.len() + tail.len());
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(file_json);
    body.extend_from_slice(tail.as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_target_in_both_shapes() {
        let nested = r#"{"uploadFileParameters":{"url":"https://s3/x","filePath":"p/x"}}"#;
        let flat = r#"{"url":"https://s3/x","filePath":"p/x"}"#;
        for body in [nested, flat] {
            let t = parse_upload_target(body).unwrap();
            assert_eq!(
                (t.url.as_str(), t.file_path.as_str()),
                ("https://s3/x", "p/x")
            );
        }
        let missing = parse_upload_target(r#"{"uploadFileParameters":{"url":"https://s3/x"}}"#);
        assert!(missing.unwrap_err().contains("filePath"));
        assert!(parse_upload_target("").unwrap_err().contains("empty"));
        assert!(parse_upload_target("<html>")
            .unwrap_err()
            .contains("not JSON"));
        assert!(parse_upload_target("[1]")
            .unwrap_err()
            .contains("not an object"));
    }

    #[test]
    fn file_id_in_both_shapes() {
        assert_eq!(parse_file_id(r#"{"id":12}"#).unwrap().to_string(), "12");
        assert_eq!(
            parse_file_id(r#"{"file":{"id":"f-9"}}"#)
                .unwrap()
                .to_string(),
            "f-9"
        );
        assert!(parse_file_id(r#"{"ok":true}"#)
            .unwrap_err()
            .contains("no id"));
        assert!(parse_file_id(r#"{"id":null}"#).is_err());
    }

    #[test]
    fn error_messages_from_torii_s3_and_text() {
        let key = ApiKey::new("k");
        let message = |body: &str| error_message(body, &key);
        let torii =
            r#"{"statusCode":400,"error":"Bad Request","message":"users[0].email is required"}"#;
        assert_eq!(message(torii).unwrap(), "users[0].email is required");
        assert_eq!(message(r#"{"error":"Conflict"}"#).unwrap(), "Conflict");
        let s3 = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(message(s3).unwrap(), "Request has expired");
        assert_eq!(message("  Bad\n gateway ").unwrap(), "Bad gateway");
        assert_eq!(message("<html><body>oops</body></html>"), None);
        assert_eq!(message(&"x".repeat(500)).unwrap().chars().count(), 301);
    }

    #[test]
    fn an_echoed_key_is_redacted_before_the_message_is_cut() {
        let key = ApiKey::new("SUPERSECRETKEY0123456789");
        // The echo starts before the cut at 300 characters and ends after it,
        // so cutting first would keep the key's first characters.
        let echo = format!(
            "{} got header Bearer SUPERSECRETKEY0123456789",
            "x".repeat(270)
        );
        for body in [
            format!(r#"{{"message":"{echo}"}}"#),
            format!("<Error><Message>{echo}</Message></Error>"),
            echo.clone(),
        ] {
            let shown = error_message(&body, &key).unwrap();
            assert!(!shown.contains("SUPERSECRET"), "{shown}");
            assert!(shown.contains("Bearer [redacted]"), "{shown}");
        }
    }

    #[test]
    fn users_are_counted_without_parsing_them() {
        assert_eq!(
            count_users(r#"{"users":[{"email":"a@b.co"},{}],"licenses":[]}"#),
            Ok(UserCounts {
                users: 2,
                active: 2
            })
        );
        let marked = r#"{"users":[{"email":"a@b.co","status":"deleted"},
            {"status":" DELETED ","email":"b@b.co"},{"email":"c@b.co","status":"active"},7]}"#;
        assert_eq!(
            count_users(marked),
            Ok(UserCounts {
                users: 4,
                active: 1
            })
        );
        assert!(count_users(r#"{"licenses":[]}"#)
            .unwrap_err()
            .contains("no \"users\""));
        assert!(count_users("nope").is_err());
        assert!(count_users(r#"{"users":3}"#).is_err());
    }

    #[test]
    fn multipart_body_has_both_fields() {
        let (content_type, body) = multipart("a\"b.json", br#"{"users":[]}"#, 1);
        let body = String::from_utf8(body).unwrap();
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\n")));
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
        assert!(body.contains("name=\"type\"\r\n\r\ncustomIntegrationData\r\n"));
        assert!(body.contains("filename=\"a_b.json\""));
        let (_, avoid) = multipart("f", b"----stripe-torii-sync-0000000000000001", 1);
        let avoid = String::from_utf8(avoid).unwrap();
        assert!(avoid.starts_with("--") && avoid.contains("0000000000000002"));
    }
}
