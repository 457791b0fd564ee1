//! The upload/sync request sequence as a sans-IO state machine.
//!
//! [`SyncSession`] owns the sequence Torii documents (and its Google Sheet
//! sample uses):
//!
//! 1. `GET {base}/files/url?name=…&type=customIntegrationData` → a presigned
//!    upload URL and a file path;
//! 2. `PUT {url}` with the file, `Content-Type: customIntegrationData` and
//!    no `Authorization` (the URL is a third party's, and S3 refuses a
//!    second auth mechanism);
//! 3. `POST {base}/files` `{"path", "type"}` → the file id;
//! 4. `PUT {base}/services/sync/custom` `{"idFile", "idAppAccount"}`.
//!
//! or, in direct mode, one multipart `POST {base}/files/upload` and step 4.
//!
//! Like `ureq-proto` and `quinn-proto`, the session does no I/O: it hands
//! out [`Action`]s (send this [`Request`], wait, done, failed) and takes
//! [`Response`]s. The host passes the time and a jitter seed, so every path
//! (retries, waits, budgets) is deterministic under test.
//!
//! Submodules: [`config`] (what hosts set, validated, key redacted),
//! [`http`] (requests and responses as data), [`policy`] (retry rules),
//! [`body`] (reading and writing bodies), and the session itself.

pub mod body;
pub mod config;
pub mod http;
pub mod policy;
mod session;

pub use body::FileId;
pub use config::{ApiKey, SyncConfig, UploadMode};
pub use http::{Method, Request, Response, Step};
pub use session::{Action, Outcome, StepReport, SyncSession, DIRECT_UPLOAD_MAX_BYTES};
