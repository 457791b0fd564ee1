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
//! out [`Action`]s (confirm this, send this [`Request`], wait, done, failed)
//! and takes [`Response`]s. The host passes the time and a jitter seed, so
//! every path (retries, waits, timeouts, the budget) is deterministic
//! under test.
//!
//! Submodules: [`config`] (what hosts set, validated, key redacted),
//! [`target`] (one identity per API and account), [`guard`] (the
//! destructive-sync guard), [`http`] (requests and responses as data),
//! [`policy`] (retry rules), [`body`] (reading and writing bodies),
//! `request` (building requests and dry-run plans), `verdict` (judging
//! answers), [`progress`] (what hosts show), [`probe`] (the connection
//! test), and the session itself.

pub mod body;
pub mod config;
pub mod guard;
pub mod http;
pub mod policy;
pub mod probe;
pub mod progress;
mod request;
mod session;
pub mod target;
mod verdict;

pub use body::FileId;
pub use config::{ApiKey, HostRun, SyncConfig, SyncOptions, UploadMode};
pub use guard::{Baseline, DropReason, GuardVerdict};
pub use http::{Body, Method, Request, Response, Step};
pub use progress::Progress;
pub use request::{
    PlannedRequest, FILE_ID_PLACEHOLDER, FILE_PATH_PLACEHOLDER, UPLOAD_URL_PLACEHOLDER,
};
pub use session::{Action, Outcome, Plan, StepReport, SyncSession, DIRECT_UPLOAD_MAX_BYTES};
pub use target::Target;
