//! The session: the state machine that walks the request sequence, applies
//! the retry policy and produces the outcome.

use serde::Serialize;
use serde_json::json;

use super::body::{self, FileId, UploadTarget};
use super::config::{url_security, Settings, SyncConfig, UploadMode, UrlSecurity};
use super::http::{encode_query_value, header, Method, Request, Response, Step};
use super::policy::{self, Jitter};
use crate::error::{Error, ErrorKind, Result};
use crate::guard::{check_sync, tenths, GuardInput};

/// Torii's upload type for custom-integration files.
const FILE_TYPE: &str = "customIntegrationData";
/// The direct mode's documented size limit.
pub const DIRECT_UPLOAD_MAX_BYTES: usize = 3 * 1024 * 1024;
/// How many times an upload refused by storage (an expired presigned URL)
/// restarts the sequence from a fresh URL.
const UPLOAD_RESTARTS: u32 = 1;

/// What the host should do next. Returned by [`SyncSession::poll`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this request, then pass its response to
    /// [`SyncSession::handle_response`].
    Send(Request),
    /// Wait this long, then poll again.
    Wait {
        /// Milliseconds still to wait.
        ms: u64,
        /// Why, for progress displays (e.g. "HTTP 503 at step 1/4").
        reason: String,
    },
    /// The sync was started; nothing more to send.
    Done(Outcome),
    /// The session gave up; the error says why.
    Failed(Error),
}

/// Time and attempts spent on one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// Requests sent for it (more than one after retries or a restart).
    pub attempts: u32,
    /// Milliseconds from its first request to its last response, waits included.
    pub ms: u64,
}

/// The result of a successful session. It holds no secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The id Torii gave the uploaded file.
    pub file_id: FileId,
    /// Users in the file that was synced.
    pub user_count: u32,
    /// HTTP requests sent in total.
    pub requests: u32,
    /// Requests that repeated an earlier one (retries and the restart).
    pub retries: u32,
    /// Per step, in the order first reached.
    pub steps: Vec<StepReport>,
    /// Milliseconds from the first poll to the end.
    pub total_ms: u64,
}

#[derive(Debug, Clone)]
enum State {
    Ready(Step),
    InFlight(Step),
    Waiting {
        step: Step,
        until_ms: f64,
        after: String,
    },
    Done(Outcome),
    Failed(Error),
}

/// Why a step is being retried, which decides the error once retries run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryCause {
    Status(u16),
    Transport,
    Conflict,
}

/// How one response moves the session.
enum Verdict {
    Advance(String),
    Retry {
        delay_ms: f64,
        why: String,
        cause: RetryCause,
    },
    RestartFromUploadUrl(String),
    Fail(Error),
}

#[derive(Debug, Clone)]
struct StepClock {
    step: Step,
    attempts: u32,
    first_sent_ms: f64,
    last_seen_ms: f64,
}

/// The upload/sync sequence as a sans-IO state machine.
///
/// The session never performs I/O, reads a clock or draws random numbers:
/// the host passes the current time (milliseconds since the Unix epoch) to
/// every call and a seed for the retry jitter at construction. Drive it
/// like this:
///
/// ```
/// use stripe_torii_sync::sync::{Action, Response, SyncConfig, SyncSession};
///
/// let config: SyncConfig = serde_json::from_str(
///     r#"{"apiKey":"k","appAccountId":"42","baseUrl":"http://127.0.0.1:9/v1.0"}"#,
/// ).unwrap();
/// let file = r#"{"users":[{"email":"ada@example.com","status":"active"}]}"#;
/// let mut session = SyncSession::new(&config, file, 1).unwrap();
/// let answers = [
///     r#"{"uploadFileParameters":{"url":"http://127.0.0.1:9/s3/a","filePath":"up/a"}}"#,
///     "",
///     r#"{"id":7}"#,
///     r#"{"success":true}"#,
/// ];
/// let mut now = 0.0;
/// let mut answers = answers.iter();
/// let outcome = loop {
///     match session.poll(now) {
///         Action::Send(request) => {
///             let body = answers.next().unwrap();
///             session.handle_response(now, Response::status(200, *body)).unwrap();
///         }
///         Action::Wait { ms, .. } => now += ms as f64,
///         Action::Done(outcome) => break outcome,
///         Action::Failed(error) => panic!("{error}"),
///     }
/// };
/// assert_eq!(outcome.file_id.to_string(), "7");
/// assert_eq!(outcome.requests, 4);
/// ```
#[derive(Debug, Clone)]
pub struct SyncSession {
    settings: Settings,
    file_json: String,
    user_count: u32,
    seed: u64,
    jitter: Jitter,
    state: State,
    upload: Option<UploadTarget>,
    file_id: Option<FileId>,
    restarts_left: u32,
    attempts: u32,
    clocks: Vec<StepClock>,
    requests: u32,
    retries: u32,
    waited_ms: f64,
    started_ms: Option<f64>,
}

impl SyncSession {
    /// Starts a session that will upload `file_json` (a Torii file, as
    /// produced by [`crate::Transformed::to_json`]) and sync it.
    ///
    /// # Errors
    ///
    /// - `invalid_config`: see [`SyncConfig`]; also a direct-mode file over 3 MB.
    /// - `invalid_option`: the file is not a Torii file with at least one
    ///   user, or a guard setting is invalid.
    /// - `destructive_sync`: the file drops more users than allowed since
    ///   the last sync, and `allowDrop` is not set.
    pub fn new(config: &SyncConfig, file_json: impl Into<String>, seed: u64) -> Result<Self> {
        let settings = config.validate()?;
        let file_json = file_json.into();
        let invalid_file = |message: String| {
            Error::new(
                ErrorKind::InvalidOption {
                    option: "file".into(),
                },
                message,
            )
        };
        let user_count = body::count_users(&file_json).map_err(invalid_file)?;
        if user_count == 0 {
            return Err(invalid_file(
                "the file has no users; Torii needs at least one".into(),
            ));
        }
        if settings.mode == UploadMode::Direct && file_json.len() > DIRECT_UPLOAD_MAX_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidConfig {
                    field: "mode".into(),
                },
                format!(
                    "the direct upload takes files up to 3 MB and this one is {} MB; \
                     use the default (presigned) mode",
                    tenths((file_json.len() as u64 * 10).div_ceil(1_048_576))
                ),
            ));
        }
        let verdict = check_sync(&GuardInput {
            previous_user_count: config.previous_user_count,
            user_count: f64::from(user_count),
            max_drop_percent: config.max_drop_percent,
            allow_drop: config.allow_drop,
        })?;
        if !verdict.allowed {
            return Err(Error::new(
                ErrorKind::DestructiveSync {
                    previous_users: config.previous_user_count.unwrap_or(0.0) as u32,
                    new_users: user_count,
                },
                verdict.message,
            ));
        }
        let first = match settings.mode {
            UploadMode::Presigned => Step::UploadUrl,
            UploadMode::Direct => Step::DirectUpload,
        };
        Ok(SyncSession {
            settings,
            file_json,
            user_count,
            seed,
            jitter: Jitter::new(seed),
            state: State::Ready(first),
            upload: None,
            file_id: None,
            restarts_left: UPLOAD_RESTARTS,
            attempts: 0,
            clocks: Vec::new(),
            requests: 0,
            retries: 0,
            waited_ms: 0.0,
            started_ms: None,
        })
    }

    /// Users in the file this session sends.
    pub fn user_count(&self) -> u32 {
        self.user_count
    }

    /// Where `step` sits in this session's sequence, as (1-based index,
    /// number of steps): `(2, 4)` for the upload in presigned mode.
    pub fn position(&self, step: Step) -> (u32, u32) {
        match (self.settings.mode, step) {
            (UploadMode::Direct, Step::Sync) => (2, 2),
            (UploadMode::Direct, _) => (1, 2),
            (_, Step::UploadUrl) => (1, 4),
            (_, Step::Upload) => (2, 4),
            (_, Step::Register) => (3, 4),
            (_, Step::Sync | Step::DirectUpload) => (4, 4),
        }
    }

    /// The attempt number of the request last handed out for its step (1 for
    /// the first try).
    pub fn attempt(&self) -> u32 {
        self.attempts
    }

    /// The outcome, once the session is done.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.state {
            State::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// What to do next, at time `now_ms`.
    ///
    /// After [`Action::Send`], the next call must be
    /// [`SyncSession::handle_response`]; polling again first fails the
    /// session with a `protocol` error. [`Action::Done`] and
    /// [`Action::Failed`] repeat on every later poll.
    pub fn poll(&mut self, now_ms: f64) -> Action {
        self.started_ms.get_or_insert(now_ms);
        match self.state.clone() {
            State::Ready(step) => self.send(step, now_ms),
            State::Waiting { step, until_ms, .. } if now_ms >= until_ms => self.send(step, now_ms),
            State::Waiting {
                step,
                until_ms,
                after,
            } => Action::Wait {
                ms: (until_ms - now_ms).ceil() as u64,
                reason: format!("retrying {} after {after}", self.where_(step)),
            },
            State::InFlight(step) => self.fail(Error::new(
                ErrorKind::Protocol,
                format!(
                    "poll was called while the {step} request was in flight; \
                     pass its response to handle_response first"
                ),
            )),
            State::Done(outcome) => Action::Done(outcome),
            State::Failed(error) => Action::Failed(error),
        }
    }

    /// Takes the response (or transport error) for the request last sent.
    ///
    /// # Errors
    ///
    /// A `protocol` error, leaving the session unchanged, when no request is
    /// in flight. Failures of the sync itself are not errors here: the next
    /// [`SyncSession::poll`] returns [`Action::Failed`].
    pub fn handle_response(&mut self, now_ms: f64, response: Response) -> Result<()> {
        let State::InFlight(step) = self.state else {
            return Err(Error::new(
                ErrorKind::Protocol,
                "handle_response was called with no request in flight",
            ));
        };
        if let Some(clock) = self.clocks.iter_mut().find(|c| c.step == step) {
            clock.last_seen_ms = now_ms;
        }
        match self.judge(step, &response, now_ms) {
            Verdict::Advance(body) => self.advance(step, &body, now_ms),
            Verdict::Retry {
                delay_ms,
                why,
                cause,
            } => self.retry(step, delay_ms, &why, cause, now_ms),
            Verdict::RestartFromUploadUrl(why) => self.restart(&why, response),
            Verdict::Fail(error) => self.fail_quietly(error),
        }
        Ok(())
    }

    fn send(&mut self, step: Step, now_ms: f64) -> Action {
        let request = self.request(step);
        self.attempts += 1;
        self.requests += 1;
        match self.clocks.iter_mut().find(|c| c.step == step) {
            Some(clock) => clock.attempts += 1,
            None => self.clocks.push(StepClock {
                step,
                attempts: 1,
                first_sent_ms: now_ms,
                last_seen_ms: now_ms,
            }),
        }
        self.state = State::InFlight(step);
        Action::Send(request)
    }

    fn request(&self, step: Step) -> Request {
        let s = &self.settings;
        let base = &s.base_url;
        let (method, url, content_type, body) = match step {
            Step::UploadUrl => (
                Method::Get,
                format!(
                    "{base}/files/url?name={}&type={FILE_TYPE}",
                    encode_query_value(&s.file_name)
                ),
                None,
                None,
            ),
            Step::Upload => (
                Method::Put,
                self.upload
                    .as_ref()
                    .map(|u| u.url.clone())
                    .unwrap_or_default(),
                Some(FILE_TYPE.to_string()),
                Some(self.file_json.clone()),
            ),
            Step::Register => {
                let path = self.upload.as_ref().map(|u| u.file_path.as_str());
                let body = json!({ "path": path, "type": FILE_TYPE });
                (
                    Method::Post,
                    format!("{base}/files"),
                    Some("application/json".into()),
                    Some(body.to_string()),
                )
            }
            Step::Sync => {
                let id = self.file_id.as_ref().map(FileId::to_value);
                let body = json!({ "idFile": id, "idAppAccount": self.app_account_value() });
                (
                    Method::Put,
                    format!("{base}/services/sync/custom"),
                    Some("application/json".into()),
                    Some(body.to_string()),
                )
            }
            Step::DirectUpload => {
                let (content_type, body) =
                    body::multipart(&s.file_name, &self.file_json, self.seed);
                (
                    Method::Post,
                    format!("{base}/files/upload"),
                    Some(content_type),
                    Some(body),
                )
            }
        };
        let mut headers = Vec::new();
        if step.is_torii() {
            headers.push((
                "Authorization".to_string(),
                format!("Bearer {}", s.api_key.expose()),
            ));
            headers.push(("Accept".to_string(), "application/json".to_string()));
            if let Some(version) = &s.api_version {
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

    /// Torii's examples send the app account as a number; an ID that is
    /// not all digits goes as the string it is.
    fn app_account_value(&self) -> serde_json::Value {
        let id = &self.settings.app_account_id;
        match id.parse::<u64>() {
            Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) && n < (1 << 53) => json!(n),
            _ => json!(id),
        }
    }

    fn judge(&mut self, step: Step, response: &Response, now_ms: f64) -> Verdict {
        let (status, headers, body) = match response {
            Response::Http {
                status,
                headers,
                body,
            } => (*status, headers, body),
            Response::Transport(detail) => {
                let why = format!("no response ({})", self.redact(detail));
                return Verdict::Retry {
                    delay_ms: self.backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                    why,
                    cause: RetryCause::Transport,
                };
            }
        };
        if (200..300).contains(&status) {
            return Verdict::Advance(body.clone());
        }
        let detail = body::error_message(body).map(|m| self.redact(&m));
        let described = match &detail {
            Some(message) => format!("HTTP {status}: {message}"),
            None => format!("HTTP {status}"),
        };
        let at = self.where_(step);
        match (step, status) {
            (_, 500 | 502 | 503 | 504) => Verdict::Retry {
                delay_ms: self.backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                why: described,
                cause: RetryCause::Status(status),
            },
            (_, 429) => Verdict::Retry {
                delay_ms: header(headers, "retry-after")
                    .and_then(|v| policy::retry_after_ms(v, now_ms))
                    .unwrap_or(policy::DEFAULT_RETRY_AFTER_MS),
                why: described,
                cause: RetryCause::Status(status),
            },
            (Step::Upload, 400 | 403) => Verdict::RestartFromUploadUrl(described),
            (Step::Sync, 409) => Verdict::Retry {
                delay_ms: self.backoff(policy::CONFLICT_BASE_DELAY_MS),
                why: described,
                cause: RetryCause::Conflict,
            },
            (_, 401 | 403) if step.is_torii() => Verdict::Fail(Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "Torii rejected the API key ({described}) at {at}. Check the key under \
                     Settings → API Access in Torii; keys can expire"
                ),
            )),
            (_, 400 | 422) if step.is_torii() => Verdict::Fail(Error::new(
                ErrorKind::Rejected { status },
                format!(
                    "Torii refused {at}: {}",
                    detail.unwrap_or_else(|| format!("HTTP {status} with no message"))
                ),
            )),
            _ => {
                let hint = if step == Step::Sync && status == 404 {
                    "; check the App Account ID"
                } else {
                    ""
                };
                Verdict::Fail(Error::new(
                    ErrorKind::UnexpectedStatus {
                        step: step.name().into(),
                        status,
                    },
                    format!("unexpected answer at {at}: {described}{hint}"),
                ))
            }
        }
    }

    fn advance(&mut self, step: Step, body: &str, now_ms: f64) {
        let next = match step {
            Step::UploadUrl => match self.upload_target(body) {
                Ok(target) => {
                    self.upload = Some(target);
                    Step::Upload
                }
                Err(what) => return self.malformed(step, &what),
            },
            Step::Upload => Step::Register,
            Step::Register | Step::DirectUpload => match body::parse_file_id(body) {
                Ok(id) => {
                    self.file_id = Some(id);
                    Step::Sync
                }
                Err(what) => return self.malformed(step, &what),
            },
            Step::Sync => {
                // The sync step is only reached with a file id.
                if let Some(file_id) = self.file_id.clone() {
                    self.state = State::Done(self.outcome_at(now_ms, file_id));
                }
                return;
            }
        };
        self.attempts = 0;
        self.state = State::Ready(next);
    }

    fn upload_target(&self, body: &str) -> std::result::Result<UploadTarget, String> {
        let target = body::parse_upload_target(body)?;
        match url_security(&target.url) {
            Some(UrlSecurity::Https) => Ok(target),
            Some(UrlSecurity::LoopbackHttp) if self.settings.loopback => Ok(target),
            _ => Err("the upload URL is not an https URL".into()),
        }
    }

    fn retry(&mut self, step: Step, delay_ms: f64, why: &str, cause: RetryCause, now_ms: f64) {
        let at = self.where_(step);
        let attempts = self.attempts;
        if attempts >= policy::MAX_ATTEMPTS_PER_STEP {
            let error = match cause {
                RetryCause::Conflict => Error::new(
                    ErrorKind::SyncConflict,
                    format!(
                        "another sync is already running for this app account (Torii answered \
                         409 {attempts} times); try again when it has finished"
                    ),
                ),
                RetryCause::Status(status) => Error::new(
                    ErrorKind::RetriesExhausted {
                        step: step.name().into(),
                        last_status: status,
                    },
                    format!("{at} failed {attempts} times; the last answer: {why}"),
                ),
                // In a browser this is also what a blocked cross-origin
                // request looks like, so say so.
                RetryCause::Transport => Error::new(
                    ErrorKind::Network {
                        step: step.name().into(),
                    },
                    format!(
                        "could not reach the server at {at} after {attempts} attempts: {why}. \
                         Check the network and the API URL; in a web page, the browser may \
                         have blocked a cross-origin request"
                    ),
                ),
            };
            return self.fail_quietly(error);
        }
        let budget = self.settings.wait_budget_ms;
        if self.waited_ms + delay_ms > budget {
            return self.fail_quietly(Error::new(
                ErrorKind::WaitBudgetExceeded,
                format!(
                    "gave up at {at}: the next retry would wait {} s, beyond the {} s \
                     retry budget; the last answer: {why}",
                    tenths((delay_ms / 100.0).ceil() as u64),
                    tenths((budget / 100.0).round() as u64)
                ),
            ));
        }
        self.waited_ms += delay_ms;
        self.retries += 1;
        self.state = State::Waiting {
            step,
            until_ms: now_ms + delay_ms,
            after: why.to_string(),
        };
    }

    fn restart(&mut self, why: &str, response: Response) {
        if self.restarts_left == 0 {
            let status = match response {
                Response::Http { status, .. } => status,
                Response::Transport(_) => 0,
            };
            return self.fail_quietly(Error::new(
                ErrorKind::Rejected { status },
                format!(
                    "the storage service refused the upload again after a fresh upload URL \
                     ({why})"
                ),
            ));
        }
        // A refused presigned URL has usually expired (it lives 5 minutes):
        // a fresh one from step 1 fixes that.
        self.restarts_left -= 1;
        self.retries += 1;
        self.upload = None;
        self.attempts = 0;
        self.state = State::Ready(Step::UploadUrl);
    }

    fn malformed(&mut self, step: Step, what: &str) {
        let at = self.where_(step);
        self.fail_quietly(Error::new(
            ErrorKind::MalformedResponse {
                step: step.name().into(),
            },
            format!("unexpected response at {at}: {}", self.redact(what)),
        ));
    }

    fn fail(&mut self, error: Error) -> Action {
        self.state = State::Failed(error.clone());
        Action::Failed(error)
    }

    fn fail_quietly(&mut self, error: Error) {
        self.state = State::Failed(error);
    }

    fn backoff(&mut self, base_ms: f64) -> f64 {
        policy::backoff_ms(base_ms, self.attempts, self.jitter.next_unit())
    }

    fn where_(&self, step: Step) -> String {
        let (index, total) = self.position(step);
        format!("step {index}/{total} ({step})")
    }

    fn redact(&self, text: &str) -> String {
        self.settings.api_key.redact(text)
    }

    fn outcome_at(&self, now_ms: f64, file_id: FileId) -> Outcome {
        let millis = |from: f64, to: f64| (to - from).max(0.0).round() as u64;
        Outcome {
            file_id,
            user_count: self.user_count,
            requests: self.requests,
            retries: self.retries,
            steps: self
                .clocks
                .iter()
                .map(|c| StepReport {
                    step: c.step,
                    attempts: c.attempts,
                    ms: millis(c.first_sent_ms, c.last_seen_ms),
                })
                .collect(),
            total_ms: millis(self.started_ms.unwrap_or(now_ms), now_ms),
        }
    }
}
