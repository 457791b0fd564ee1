//! Building requests: the one place that knows each step's method, URL,
//! headers and body. The session sends what it builds, and a dry run's
//! plan is built by the same code with placeholders for what Torii has not
//! answered yet, so a plan can never show a URL that is not the one sent.

use super::body::{FileId, UploadTarget};
use super::config::{SyncSettings, UploadMode};
use super::http::{encode_query_value, shown_header_value, Body, Method, Request, Step};
use crate::json::{write_str, ObjectWriter};

/// Torii's upload type for custom-integration files.
pub(crate) const FILE_TYPE: &str = "customIntegrationData";

/// The next request of a session, with the data it needs: each step's
/// data lives in its variant, so a request cannot be built without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Ask for a presigned upload URL.
    UploadUrl,
    /// Upload the file to the URL step 1 returned.
    Upload(UploadTarget),
    /// Register the uploaded file by the path step 1 returned.
    Register {
        /// The storage path.
        file_path: String,
    },
    /// Start the sync of the registered file.
    Sync(FileId),
    /// The direct mode's multipart upload.
    DirectUpload,
}

impl Next {
    pub(crate) fn step(&self) -> Step {
        match self {
            Next::UploadUrl => Step::UploadUrl,
            Next::Upload(_) => Step::Upload,
            Next::Register { .. } => Step::Register,
            Next::Sync(_) => Step::Sync,
            Next::DirectUpload => Step::DirectUpload,
        }
    }

    /// The first request of a session in `mode`.
    pub(crate) fn first(mode: UploadMode) -> Next {
        match mode {
            UploadMode::Presigned => Next::UploadUrl,
            UploadMode::Direct => Next::DirectUpload,
        }
    }
}

/// Where `step` sits in a sequence of `mode`, as (1-based index, steps).
pub(crate) fn position(mode: UploadMode, step: Step) -> (u32, u32) {
    match (mode, step) {
        (UploadMode::Direct, Step::Sync) => (2, 2),
        (UploadMode::Direct, _) => (1, 2),
        (_, Step::UploadUrl) => (1, 4),
        (_, Step::Upload) => (2, 4),
        (_, Step::Register) => (3, 4),
        (_, Step::Sync | Step::DirectUpload) => (4, 4),
    }
}

/// The request for `next`. `direct_content_type` is the multipart content
/// type (with its boundary) of the direct mode's upload body.
pub(crate) fn build(settings: &SyncSettings, next: &Next, direct_content_type: &str) -> Request {
    let base = settings.target.base_url();
    let (method, url, content_type, body) = match next {
        Next::UploadUrl => (
            Method::Get,
            format!(
                "{base}/files/url?name={}&type={FILE_TYPE}",
                encode_query_value(&settings.file_name)
            ),
            None,
            None,
        ),
        Next::Upload(target) => (
            Method::Put,
            target.url.clone(),
            Some(FILE_TYPE.to_string()),
            Some(Body::Upload),
        ),
        Next::Register { file_path } => {
            let mut json = Vec::new();
            let mut o = ObjectWriter::new(&mut json);
            o.str("path", file_path).str("type", FILE_TYPE);
            o.end();
            (
                Method::Post,
                format!("{base}/files"),
                Some("application/json".to_string()),
                Some(Body::Json(String::from_utf8(json).unwrap_or_default())),
            )
        }
        Next::Sync(file_id) => {
            let mut json = Vec::new();
            json.extend_from_slice(b"{\"idFile\":");
            file_id.write_json(&mut json);
            json.extend_from_slice(b",\"idAppAccount\":");
            let account = settings.target.app_account_id();
            if settings.target.account_is_number() {
                // Torii's examples send the app account as a number.
                json.extend_from_slice(account.as_bytes());
            } else {
                write_str(&mut json, account);
            }
            json.push(b'}');
            (
                Method::Put,
                format!("{base}/services/sync/custom"),
                Some("application/json".to_string()),
                Some(Body::Json(String::from_utf8(json).unwrap_or_default())),
            )
        }
        Next::DirectUpload => (
            Method::Post,
            format!("{base}/files/upload"),
            Some(direct_content_type.to_string()),
            Some(Body::Upload),
        ),
    };
    let step = next.step();
    let mut headers = Vec::new();
    if step.is_torii() {
        headers.push((
            "Authorization".to_string(),
            format!("Bearer {}", settings.api_key.expose()),
        ));
        headers.push(("Accept".to_string(), "application/json".to_string()));
        if let Some(version) = &settings.api_version {
            headers.push(("X-API-Version".to_string(), version.clone()));
        }
    }
    if let Some(content_type) = content_type {
        headers.push(("Content-Type".to_string(), content_type));
    }
    Request {
        step,
        method,
        url,
        headers,
        body,
    }
}

/// Placeholders a dry run's plan shows for what Torii answers during the sync.
pub const UPLOAD_URL_PLACEHOLDER: &str = "<upload URL from step 1>";
/// The storage path step 1 returns.
pub const FILE_PATH_PLACEHOLDER: &str = "<filePath from step 1>";
/// The file id the upload's registration returns.
pub const FILE_ID_PLACEHOLDER: &str = "<file id>";

/// One request of a dry run's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRequest {
    /// The step.
    pub step: Step,
    /// Its 1-based position.
    pub index: u32,
    /// Steps in the sequence.
    pub total: u32,
    /// The method.
    pub method: Method,
    /// The URL; the upload's is a placeholder.
    pub url: String,
    /// Headers, with the API key shown as `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body: JSON as sent (with placeholders), or a description of
    /// the upload.
    pub body: Option<String>,
}

/// The requests a sync of `upload_summary` would send, in order.
pub(crate) fn plan(
    settings: &SyncSettings,
    direct_content_type: &str,
    upload_summary: &str,
) -> Vec<PlannedRequest> {
    let steps = match settings.mode {
        UploadMode::Presigned => vec![
            Next::UploadUrl,
            Next::Upload(UploadTarget {
                url: UPLOAD_URL_PLACEHOLDER.to_string(),
                file_path: FILE_PATH_PLACEHOLDER.to_string(),
            }),
            Next::Register {
                file_path: FILE_PATH_PLACEHOLDER.to_string(),
            },
            Next::Sync(FileId::Text(FILE_ID_PLACEHOLDER.to_string())),
        ],
        UploadMode::Direct => vec![
            Next::DirectUpload,
            Next::Sync(FileId::Text(FILE_ID_PLACEHOLDER.to_string())),
        ],
    };
    steps
        .iter()
        .map(|next| {
            let request = build(settings, next, direct_content_type);
            let (index, total) = position(settings.mode, request.step);
            let headers = request
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), shown_header_value(name, value).to_string()))
                .collect();
            PlannedRequest {
                step: request.step,
                index,
                total,
                method: request.method,
                url: request.url,
                headers,
                body: match request.body {
                    None => None,
                    Some(Body::Json(text)) => Some(text),
                    Some(Body::Upload) => Some(upload_summary.to_string()),
                },
            }
        })
        .collect()
}
