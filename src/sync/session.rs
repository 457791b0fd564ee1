//! The session: the state machine that walks the request sequence, applies
//! the retry policy and the time budget, and produces the outcome.
//!
//! Requests are built in [`super::request`], answers judged in
//! [`super::verdict`]; this module owns only the transitions and the
//! bookkeeping. Each state holds the data of the step it is at, so no
//! step can be reached without what it needs.

use super::body::{self, FileId, UploadTarget};
use super::config::{ApiKey, SyncConfig, SyncSettings, UploadMode, RECORDS_RESERVE_MS};
use super::guard::{check, Baseline, GuardVerdict, Removal, UserCounts};
use super::http::{Request, Response, Step};
use super::policy::{self, Jitter};
use super::progress::{stop_consequence, Progress};
use super::request::{self, Next, PlannedRequest};
use super::target::{url_origin, url_security, UrlSecurity};
use super::verdict::{self, Delay, RetryCause, Verdict};
use crate::changes::{compare, removal_between, Changes, Snapshot};
use crate::error::{Error, ErrorKind, Result};
use crate::fields::date::iso_timestamp;
use crate::fields::status::UserStatus;
use crate::json::ObjectWriter;
use crate::text::{plural, tenths};
use crate::transform::Transformed;

/// The direct mode's documented size limit.
pub const DIRECT_UPLOAD_MAX_BYTES: usize = 3 * 1024 * 1024;
/// How many times an upload refused by storage (an expired presigned URL)
/// restarts the sequence from a fresh URL.
const UPLOAD_RESTARTS: u32 = 1;

/// What the host should do next. Returned by [`SyncSession::poll`].
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The guard wants a person to confirm this sync: ask, then call
    /// [`SyncSession::confirm`]. A host with nobody to ask (a schedule)
    /// answers no.
    Confirm(GuardVerdict),
    /// Send this request, then pass its response to
    /// [`SyncSession::handle_response`]. Give up on it (and pass
    /// [`Response::Timeout`]) after `timeout_ms`, body included.
    Send {
        /// The request.
        request: Request,
        /// How long the host waits for the whole answer.
        timeout_ms: u64,
        /// What to show.
        progress: Progress,
    },
    /// Wait this long, then poll again.
    Wait {
        /// Milliseconds still to wait.
        ms: u64,
        /// What to show.
        progress: Progress,
    },
    /// The sync was started; nothing more to send.
    Done(Outcome),
    /// The session gave up; the error says why.
    Failed(Error),
}

/// Time and attempts spent on one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// Requests sent for it (more than one after retries or a restart).
    pub attempts: u32,
    /// Milliseconds from its first request to its last response, waits included.
    pub ms: u64,
}

/// The result of a successful session. It holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Milliseconds from the first request to the end.
    pub total_ms: u64,
    /// The target's key, under which the host stores [`Outcome::baseline`].
    pub target: String,
    /// The record the host keeps for the next sync's guard (JSON):
    /// `userCount` (all the file's users), `activeUsers` (those not marked
    /// deleted, what the guard compares), `fileId` and `syncedAt`.
    pub baseline: String,
    /// The change summary against the last synced file, when it was known.
    pub changes: Option<String>,
    /// A line for people: `synced: file id 7, 9 users, 4 requests, …`.
    pub text: String,
}

/// A dry run: what a sync would send and what the guard says, with
/// nothing sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The requests, in order, built by the code that builds the real ones.
    pub requests: Vec<PlannedRequest>,
    /// The guard's verdict.
    pub verdict: GuardVerdict,
    /// The changes against the last synced file, when the host has it.
    pub changes: Option<Changes>,
    /// The target's key.
    pub target: String,
    /// Users in the file.
    pub user_count: u32,
    /// Bytes of the file.
    pub bytes: usize,
}

impl Plan {
    /// What a dry run prints: the target, each request, the guard's verdict
    /// and the changes.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "dry run: would sync {} ({} bytes) to {}; nothing was sent\n",
            plural(u64::from(self.user_count), "user", "users"),
            self.bytes,
            self.target
        );
        for r in &self.requests {
            out.push_str(&format!("  {}. {} {}", r.index, r.method.as_str(), r.url));
            if !r
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            {
                out.push_str(" (no Authorization header)");
            }
            if let Some(body) = &r.body {
                out.push_str(&format!("\n     body: {body}"));
            }
            out.push('\n');
        }
        out.push_str(&format!("guard: {}\n", self.verdict.message));
        if let Some(changes) = &self.changes {
            out.push_str(&changes.render_text(20));
        }
        out
    }
}

#[derive(Debug, Clone)]
enum State {
    Confirm,
    Ready(Next),
    InFlight(Next),
    Waiting {
        next: Next,
        until_ms: f64,
        after: String,
    },
    Done(Outcome),
    Failed(Error),
}

#[derive(Debug, Clone)]
struct StepClock {
    step: Step,
    attempts: u32,
    first_sent_ms: f64,
    last_seen_ms: f64,
}

/// The config's previous file, when it is a Torii file; one that is not is
/// left out (see [`SyncSession::new`]).
fn last_file(config: &SyncConfig) -> Option<Snapshot<'_>> {
    config.previous_file.as_ref()?.snapshot().ok()
}

/// Everything a session or a plan is built from: checked settings, the
/// bytes to upload, and the guard's verdict.
struct Prepared {
    settings: SyncSettings,
    file: Vec<u8>,
    user_count: u32,
    active_users: u32,
    verdict: GuardVerdict,
    changes: Option<Changes>,
}

impl Prepared {
    fn from_transform(
        config: &SyncConfig,
        transformed: &Transformed,
        need_key: bool,
    ) -> Result<Prepared> {
        let settings = config.validate(need_key)?;
        if let Some(refusal) = transformed.refusal(transformed.strict, true) {
            return Err(refusal);
        }
        let file = transformed.to_json();
        let changes = last_file(config).map(|previous| compare(&transformed.file, &previous));
        let count = |n: usize| n.min(u32::MAX as usize) as u32;
        let users = transformed.file.users();
        let counts = UserCounts {
            users: count(users.len()),
            active: count(users.filter(|u| u.status() == UserStatus::Active).count()),
        };
        let removal = changes.as_ref().map(Changes::removal);
        Prepared::finish(config, settings, file, counts, removal, changes)
    }

    fn from_json(config: &SyncConfig, file: Vec<u8>, need_key: bool) -> Result<Prepared> {
        let settings = config.validate(need_key)?;
        let invalid_file = |message: String| Error::option("file", message);
        let text = std::str::from_utf8(&file)
            .map_err(|_| invalid_file("the file is not UTF-8 text".into()))?;
        let counts = body::count_users(text).map_err(invalid_file)?;
        let removal = match last_file(config) {
            Some(previous) => Some(removal_between(&previous, &Snapshot::parse_sent(text)?)),
            None => None,
        };
        Prepared::finish(config, settings, file, counts, removal, None)
    }

    /// Checks the file's size and count, and asks the guard about it: the
    /// baseline in `config`, and `removal` when the last file is known.
    fn finish(
        config: &SyncConfig,
        settings: SyncSettings,
        file: Vec<u8>,
        counts: UserCounts,
        removal: Option<Removal>,
        changes: Option<Changes>,
    ) -> Result<Prepared> {
        if counts.users == 0 {
            return Err(Error::option(
                "file",
                "the file has no users; Torii needs at least one",
            ));
        }
        if settings.mode == UploadMode::Direct && file.len() > DIRECT_UPLOAD_MAX_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidConfig {
                    field: "mode".into(),
                },
                format!(
                    "the direct upload takes files up to 3 MB and this one is {} MB; use the \
                     default (presigned) mode",
                    tenths((file.len() as u64 * 10).div_ceil(1_048_576))
                ),
            ));
        }
        // Hosts keep the record and the file together: a file without its
        // record is a state half written or cut down, not a first sync.
        let baseline = match Baseline::read(config.baseline.as_deref()) {
            Baseline::None if config.previous_file.is_some() => Baseline::Unreadable {
                why: "it is missing, though the last sync's file is kept",
            },
            baseline => baseline,
        };
        let verdict = check(
            &baseline,
            removal,
            counts,
            settings.max_drop_percent,
            settings.allow_drop,
        );
        Ok(Prepared {
            settings,
            file,
            user_count: counts.users,
            active_users: counts.active,
            verdict,
            changes,
        })
    }

    fn plan(self, seed: u64) -> Plan {
        let (direct_content_type, _) = self.direct_body(seed);
        let summary = match self.settings.mode {
            UploadMode::Presigned => format!(
                "the Torii file: {}, {} bytes",
                plural(u64::from(self.user_count), "user", "users"),
                self.file.len()
            ),
            UploadMode::Direct => format!(
                "multipart: type=customIntegrationData and the Torii file ({}, {} bytes)",
                plural(u64::from(self.user_count), "user", "users"),
                self.file.len()
            ),
        };
        Plan {
            requests: request::plan(&self.settings, &direct_content_type, &summary),
            verdict: self.verdict,
            changes: self.changes,
            target: self.settings.target.key(),
            user_count: self.user_count,
            bytes: self.file.len(),
        }
    }

    /// The direct mode's content type and body (empty in presigned mode).
    fn direct_body(&self, seed: u64) -> (String, Vec<u8>) {
        match self.settings.mode {
            UploadMode::Direct => body::multipart(&self.settings.file_name, &self.file, seed),
            UploadMode::Presigned => (String::new(), Vec::new()),
        }
    }
}

/// The upload/sync sequence as a sans-IO state machine.
///
/// The session never performs I/O, reads a clock or draws random numbers:
/// the host passes the current time (milliseconds since the Unix epoch) to
/// every call and a seed for the retry jitter at construction. Drive it
/// like this:
///
/// ```
/// use stripe_torii_sync::sync::{Action, ApiKey, Response, SyncConfig, SyncOptions, SyncSession};
/// use stripe_torii_sync::{transform, TransformOptions};
///
/// let out = transform("Email\nada@example.com\n", &TransformOptions::default()).unwrap();
/// let config = SyncConfig {
///     api_key: ApiKey::new("key-0123"),
///     options: SyncOptions {
///         app_account_id: Some("42".into()),
///         base_url: Some("http://127.0.0.1:9/v1.0".into()),
///         ..Default::default()
///     },
///     ..Default::default()
/// };
/// let mut session = SyncSession::new(&config, &out, 1).unwrap();
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
///         Action::Send { .. } => {
///             let body = answers.next().unwrap();
///             session.handle_response(now, Response::status(200, *body)).unwrap();
///         }
///         Action::Wait { ms, .. } => now += ms as f64,
///         Action::Confirm(verdict) => panic!("{}", verdict.message),
///         Action::Done(outcome) => break outcome,
///         Action::Failed(error) => panic!("{error}"),
///     }
/// };
/// assert_eq!(outcome.file_id.to_string(), "7");
/// assert_eq!(outcome.requests, 4);
/// ```
#[derive(Debug, Clone)]
pub struct SyncSession {
    settings: SyncSettings,
    upload_body: Vec<u8>,
    direct_content_type: String,
    user_count: u32,
    active_users: u32,
    verdict: GuardVerdict,
    changes: Option<Changes>,
    jitter: Jitter,
    state: State,
    restarts_left: u32,
    /// Why the sequence was restarted, until the restarted step 1 is sent.
    restarted: Option<String>,
    attempts: u32,
    clocks: Vec<StepClock>,
    requests: u32,
    retries: u32,
    started_ms: Option<f64>,
    /// The timeout of the request last sent: the request timeout, or the
    /// time left in the budget when that is shorter.
    timeout_ms: f64,
    /// The latest time the host gave, and how far its clock was set back
    /// in all: see [`SyncSession::monotonic`].
    latest_ms: Option<f64>,
    set_back_ms: f64,
    last_problem: Option<String>,
    /// A request to start the sync got no answer (a timeout, a transport
    /// error, a gateway's 502 or 504): it may have reached Torii, and
    /// Torii may have started the sync.
    sync_unanswered: bool,
    /// The person answered [`Action::Confirm`] yes: a run that is then out
    /// of time spent it on the question, unless it was already short when
    /// the question was asked (`short_at_question`).
    confirmed: bool,
    short_at_question: bool,
}

impl SyncSession {
    /// Starts a session that uploads and syncs a transform's file, guarded
    /// against the baseline and previous file in `config`.
    ///
    /// # Errors
    ///
    /// - `invalid_config`: see [`SyncConfig`]; also a direct-mode file over 3 MB.
    /// - `broken_file`: the transform found a broken quote; `rows_rejected`:
    ///   it rejected rows in strict mode. Such a file is never uploaded.
    ///
    /// A previous file that is not a Torii file (a state file cut short, a
    /// record an older version wrote) is left out, in every host alike: the
    /// guard then judges by the baseline, as with no file, and the next sync
    /// replaces it. Refusing would leave the target unsyncable until someone
    /// found and deleted the record. The host's `compare` says why.
    pub fn new(config: &SyncConfig, transformed: &Transformed, seed: u64) -> Result<Self> {
        let prepared = Prepared::from_transform(config, transformed, true)?;
        Ok(SyncSession::start(prepared, seed))
    }

    /// Starts a session that uploads and syncs a Torii file given as JSON.
    ///
    /// # Errors
    ///
    /// As [`SyncSession::new`]; `invalid_option` when the file is not a
    /// Torii file with at least one user.
    pub fn from_json(config: &SyncConfig, file_json: Vec<u8>, seed: u64) -> Result<Self> {
        let prepared = Prepared::from_json(config, file_json, true)?;
        Ok(SyncSession::start(prepared, seed))
    }

    /// What a sync of `transformed` would send, and what the guard says,
    /// without an API key and without sending anything.
    ///
    /// # Errors
    ///
    /// As [`SyncSession::new`], except that the key may be missing.
    pub fn plan(config: &SyncConfig, transformed: &Transformed, seed: u64) -> Result<Plan> {
        Ok(Prepared::from_transform(config, transformed, false)?.plan(seed))
    }

    fn start(prepared: Prepared, seed: u64) -> SyncSession {
        let (direct_content_type, direct) = prepared.direct_body(seed);
        let upload_body = match prepared.settings.mode {
            UploadMode::Presigned => prepared.file,
            UploadMode::Direct => direct,
        };
        let timeout_ms = prepared.settings.request_timeout_ms;
        let state = if prepared.verdict.allowed {
            State::Ready(Next::first(prepared.settings.mode))
        } else {
            State::Confirm
        };
        SyncSession {
            settings: prepared.settings,
            upload_body,
            direct_content_type,
            user_count: prepared.user_count,
            active_users: prepared.active_users,
            verdict: prepared.verdict,
            changes: prepared.changes,
            jitter: Jitter::new(seed),
            state,
            restarts_left: UPLOAD_RESTARTS,
            restarted: None,
            attempts: 0,
            clocks: Vec::new(),
            requests: 0,
            retries: 0,
            started_ms: None,
            timeout_ms,
            latest_ms: None,
            set_back_ms: 0.0,
            last_problem: None,
            sync_unanswered: false,
            confirmed: false,
            short_at_question: false,
        }
    }

    /// Users in the file this session sends.
    pub fn user_count(&self) -> u32 {
        self.user_count
    }

    /// The guard's verdict on this sync.
    pub fn verdict(&self) -> &GuardVerdict {
        &self.verdict
    }

    /// The changes against the last synced file, when the host gave it.
    pub fn changes(&self) -> Option<&Changes> {
        self.changes.as_ref()
    }

    /// The target's key, under which hosts keep the baseline.
    pub fn target(&self) -> String {
        self.settings.target.key()
    }

    /// The bytes of [`crate::sync::Body::Upload`]: the Torii file, or its
    /// multipart wrapping in direct mode.
    pub fn upload_body(&self) -> &[u8] {
        &self.upload_body
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
    /// session with a `protocol` error. After [`Action::Confirm`], it must
    /// be [`SyncSession::confirm`]. [`Action::Done`] and [`Action::Failed`]
    /// repeat on every later poll.
    pub fn poll(&mut self, now_ms: f64) -> Action {
        let now_ms = self.monotonic(now_ms);
        match std::mem::replace(&mut self.state, State::Confirm) {
            State::Confirm => {
                // Still asked when the run is already short: a host with
                // nobody to ask refuses, which says more than the time does.
                self.short_at_question |= self.too_late_for_the_host_run(now_ms).is_some();
                self.state = State::Confirm;
                Action::Confirm(self.verdict.clone())
            }
            State::Ready(next) => self.send(next, now_ms),
            State::Waiting { next, until_ms, .. } if now_ms >= until_ms => self.send(next, now_ms),
            State::Waiting {
                next,
                until_ms,
                after,
            } => {
                let ms = (until_ms - now_ms).ceil() as u64;
                let step = next.step();
                let progress = Progress::waiting(
                    step,
                    self.position(step),
                    self.attempts + 1,
                    ms,
                    &after,
                    self.sync_sent(),
                );
                self.state = State::Waiting {
                    next,
                    until_ms,
                    after,
                };
                Action::Wait { ms, progress }
            }
            State::InFlight(next) => self.fail(Error::new(
                ErrorKind::Protocol,
                format!(
                    "poll was called while the {} request was in flight; pass its response \
                     to handle_response first",
                    next.step()
                ),
            )),
            State::Done(outcome) => {
                self.state = State::Done(outcome.clone());
                Action::Done(outcome)
            }
            State::Failed(error) => {
                self.state = State::Failed(error.clone());
                Action::Failed(error)
            }
        }
    }

    /// The person's answer to [`Action::Confirm`]: yes sends the sync, no
    /// ends the session with a `cancelled` error.
    ///
    /// # Errors
    ///
    /// A `protocol` error, leaving the session unchanged, when nothing is
    /// waiting for confirmation.
    pub fn confirm(&mut self, yes: bool) -> Result<()> {
        if !matches!(self.state, State::Confirm) {
            return Err(Error::new(
                ErrorKind::Protocol,
                "confirm was called with nothing to confirm",
            ));
        }
        self.confirmed = yes;
        self.state = if yes {
            self.verdict.allowed = true;
            State::Ready(Next::first(self.settings.mode))
        } else {
            State::Failed(Error::new(
                ErrorKind::Cancelled,
                "nothing was sent: the sync was not confirmed",
            ))
        };
        Ok(())
    }

    /// The person stopped the sync: the session ends with a `cancelled`
    /// error saying at which step, and whether Torii may have started the
    /// sync (its request was sent). The host stops any request in flight.
    /// A session that has ended stays as it ended.
    pub fn cancel(&mut self) {
        if let Some(outcome) = self.stopped_outcome() {
            self.state = State::Failed(Error::new(ErrorKind::Cancelled, outcome));
        }
    }

    /// Ends the session because its host failed (`why`, such as a callback
    /// that threw): `host_failed`, saying as [`SyncSession::cancel`] does
    /// whether Torii may have started the sync. Does nothing once the
    /// session has ended.
    pub fn abandon(&mut self, why: &str) {
        self.abandon_with(why, true);
    }

    /// As [`SyncSession::abandon`], for a host that failed after
    /// [`Action::Send`] handed it a request and before it sent it (its
    /// `onProgress` threw): that attempt never left the host, so only an
    /// earlier attempt to start the sync can have started it.
    pub fn abandon_unsent(&mut self, why: &str) {
        self.abandon_with(why, false);
    }

    fn abandon_with(&mut self, why: &str, request_sent: bool) {
        if let (State::InFlight(next), false) = (&self.state, request_sent) {
            self.forget_unsent_attempt(next.step());
        }
        if let Some(outcome) = self.stopped_outcome() {
            self.state = State::Failed(Error::new(
                ErrorKind::HostFailed,
                format!("{}; {outcome}", self.settings.api_key.redact(why)),
            ));
        }
    }

    /// What stopping the session now means for the app, or `None` once it
    /// has ended.
    fn stopped_outcome(&self) -> Option<String> {
        let step = match &self.state {
            State::Done(_) | State::Failed(_) => return None,
            State::Confirm => return Some("nothing was sent: the sync was stopped".to_owned()),
            State::Ready(next) | State::InFlight(next) | State::Waiting { next, .. } => next.step(),
        };
        Some(format!(
            "stopped at {}: {}",
            self.at(step),
            stop_consequence(self.sync_sent())
        ))
    }

    /// The latest attempt at `step` never left the host (its transport
    /// refused it, or the host failed before sending it): it is not counted,
    /// so [`SyncSession::sync_sent`] and the attempt counts say what went out.
    fn forget_unsent_attempt(&mut self, step: Step) {
        if let Some(at) = self.clocks.iter().position(|c| c.step == step) {
            self.clocks[at].attempts -= 1;
            if self.clocks[at].attempts == 0 {
                self.clocks.remove(at);
            }
            self.requests -= 1;
        }
    }

    /// Whether a request to start the sync has gone out, so that Torii may
    /// have started it: after a failure, sending the same users another way
    /// could sync them twice.
    pub fn sync_sent(&self) -> bool {
        self.clocks.iter().any(|c| c.step == Step::Sync)
    }

    /// Declines [`Action::Confirm`] for a host with nobody to ask (a
    /// scheduled run, a command line without `--allow-drop`): the session
    /// ends with a `destructive_sync` error carrying the verdict's numbers.
    ///
    /// # Errors
    ///
    /// A `protocol` error when nothing is waiting for confirmation.
    pub fn refuse(&mut self) -> Result<()> {
        if !matches!(self.state, State::Confirm) {
            return Err(Error::new(
                ErrorKind::Protocol,
                "refuse was called with nothing to confirm",
            ));
        }
        let v = &self.verdict;
        self.state = State::Failed(Error::new(
            ErrorKind::DestructiveSync {
                previous_users: v.previous_users.unwrap_or(0),
                removed_users: v.removed_users,
                new_users: v.new_users,
            },
            format!("refused, as nobody confirmed it: {}", v.message),
        ));
        Ok(())
    }

    /// Takes the response (or transport error, or timeout) for the request
    /// last sent.
    ///
    /// # Errors
    ///
    /// A `protocol` error, leaving the session unchanged, when no request is
    /// in flight. Failures of the sync itself are not errors here: the next
    /// [`SyncSession::poll`] returns [`Action::Failed`].
    pub fn handle_response(&mut self, now_ms: f64, response: Response) -> Result<()> {
        let State::InFlight(next) = &self.state else {
            return Err(Error::new(
                ErrorKind::Protocol,
                "handle_response was called with no request in flight",
            ));
        };
        let next = next.clone();
        let response = match (&next, response) {
            // The presigned URL's query is a credential for the upload, and
            // a transport error may name the URL (UrlFetchApp's does).
            (Next::Upload(target), Response::Transport(detail)) => {
                match target.url.split_once('?') {
                    Some((_, query)) => Response::Transport(ApiKey::new(query).redact(&detail)),
                    _ => Response::Transport(detail),
                }
            }
            (_, response) => response,
        };
        let response = match response {
            Response::Transport(detail) => match super::http::host_refusal(&detail) {
                Some(refusal) => Response::HostLimit(refusal),
                None => Response::Transport(detail),
            },
            response => response,
        };
        // A server's HTTP date is wall-clock time, so it is read against
        // the host's clock as given; the session runs on its monotonic one.
        let wall_ms = now_ms;
        let now_ms = self.monotonic(now_ms);
        let step = next.step();
        if matches!(response, Response::HostLimit(_)) {
            self.forget_unsent_attempt(step);
        }
        if let Some(clock) = self.clocks.iter_mut().find(|c| c.step == step) {
            clock.last_seen_ms = now_ms;
        }
        let at = self.at(step);
        if step == Step::Sync {
            self.sync_unanswered |= matches!(
                response,
                Response::Timeout
                    | Response::Transport(_)
                    | Response::Http {
                        status: 502 | 504,
                        ..
                    }
            );
        }
        let key = &self.settings.api_key;
        match verdict::judge(step, response, &at, key, self.timeout_ms, wall_ms) {
            Verdict::Advance(body) => self.advance(next, &body, now_ms),
            Verdict::Retry { delay, why, cause } => self.retry(next, delay, why, cause, now_ms),
            Verdict::RestartFromUploadUrl { status, why } => self.restart(status, &why),
            Verdict::Fail(error) => self.state = State::Failed(error),
        }
        if let State::Failed(error) = &self.state {
            let error = match error.kind() {
                ErrorKind::HostLimit => self.host_limit_noted(error),
                _ => self.noted(step, error),
            };
            self.state = State::Failed(error);
        }
        Ok(())
    }

    /// A host limit's `error`, with what it means for the app: the refused
    /// attempt never left the host (it is not counted), so only an earlier
    /// attempt to start the sync may have started it.
    fn host_limit_noted(&self, error: &Error) -> Error {
        let outcome = stop_consequence(self.sync_sent());
        Error::new(
            ErrorKind::HostLimit,
            format!("{}; {outcome}", error.message()),
        )
    }

    /// The host's time made monotonic: hosts pass the wall clock, which an
    /// NTP step can set back. Time set back is added again from then on, so
    /// waits, timeouts and the budget go on from the latest time seen
    /// instead of stretching by the step.
    fn monotonic(&mut self, now_ms: f64) -> f64 {
        let now = now_ms + self.set_back_ms;
        match self.latest_ms {
            Some(latest) if now < latest => {
                self.set_back_ms += latest - now;
                latest
            }
            _ => {
                self.latest_ms = Some(now);
                now
            }
        }
    }

    fn send(&mut self, next: Next, now_ms: f64) -> Action {
        if self.started_ms.is_none() {
            if let Some(error) = self.too_late_for_the_host_run(now_ms) {
                return self.fail(error);
            }
        }
        let started = *self.started_ms.get_or_insert(now_ms);
        let step = next.step();
        if now_ms - started >= self.settings.time_budget_ms {
            let error = verdict::out_of_time(
                step,
                &self.at(step),
                self.settings.time_budget_ms,
                None,
                self.last_problem.as_deref(),
            );
            return self.fail(self.noted(step, &error));
        }
        let request = request::build(&self.settings, &next, &self.direct_content_type);
        // A request gets only the time left, so the sync ends within the budget.
        let left = self.settings.time_budget_ms - (now_ms - started);
        self.timeout_ms = self.settings.request_timeout_ms.min(left).ceil();
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
        let progress = match self.restarted.take() {
            Some(why) => Progress::restarting(step, self.position(step), &why, self.sync_sent()),
            None => Progress::sending(step, self.position(step), self.attempts, self.sync_sent()),
        };
        self.state = State::InFlight(next);
        Action::Send {
            request,
            timeout_ms: self.timeout_ms as u64,
            progress,
        }
    }

    /// The longest this sync and the host's records of it may take, in ms,
    /// counted from its first request: its time budget, one request more
    /// (a transport may overrun the time left), and the records'
    /// reserve. A host that keeps others from syncing the same target
    /// meanwhile (a lock, a lease) holds it at least this long from the
    /// first request; no sync of this session runs after that.
    ///
    /// ```
    /// use stripe_torii_sync::sync::{ApiKey, SyncConfig, SyncOptions, SyncSession};
    /// use stripe_torii_sync::{transform, TransformOptions};
    ///
    /// let out = transform("Email\nada@example.com\n", &TransformOptions::default()).unwrap();
    /// let config = SyncConfig {
    ///     api_key: ApiKey::new("key-0123"),
    ///     options: SyncOptions {
    ///         app_account_id: Some("42".into()),
    ///         ..Default::default()
    ///     },
    ///     ..Default::default()
    /// };
    /// let session = SyncSession::new(&config, &out, 1).unwrap();
    /// // 60 s of budget, a request of up to 30 s, and 30 s for the records.
    /// assert_eq!(session.longest_run_ms(), 120_000.0);
    /// ```
    pub fn longest_run_ms(&self) -> f64 {
        self.settings.time_budget_ms + self.longest_request_ms() + RECORDS_RESERVE_MS as f64
    }

    /// The longest one request may take: the host's transport's own
    /// deadline when it has one, whatever the timeout asks (UrlFetchApp
    /// stops at 60 s either way), else the request timeout.
    fn longest_request_ms(&self) -> f64 {
        self.settings
            .host_run
            .and_then(|run| run.longest_request_ms)
            .unwrap_or(self.settings.request_timeout_ms)
    }

    /// Before the first request, whether what is left of the host's run is
    /// too short for the sync (its budget plus one request, which may take
    /// the host's longest) and the host's records: a run stopped midway
    /// leaves no record of what it sent, so nothing is sent.
    fn too_late_for_the_host_run(&self, now_ms: f64) -> Option<Error> {
        let run = self.settings.host_run?;
        let budget = self.settings.time_budget_ms;
        let request = self.longest_request_ms();
        let records = RECORDS_RESERVE_MS as f64;
        let need = self.longest_run_ms();
        let left = run.ends_at_ms - now_ms;
        if left >= need {
            return None;
        }
        let seconds = |ms: f64| tenths((ms.max(0.0) / 100.0).ceil() as u64);
        // Time spent on the question can be saved; time spent before it, a
        // smaller budget leaves more of.
        let again = if self.confirmed && !self.short_at_question {
            "start the sync again, and answer its question sooner"
        } else {
            "start the sync again, with a smaller time budget if this happens again"
        };
        Some(Error::new(
            ErrorKind::HostLimit,
            format!(
                "nothing was sent: {} s are left of this run before the host stops it, too \
                 few for a sync that may take {} s (its time budget of {} s, one request of \
                 up to {} s, and {} s for the records); {again}",
                tenths((left.max(0.0) / 100.0).floor() as u64),
                seconds(need),
                seconds(budget),
                seconds(request),
                seconds(records),
            ),
        ))
    }

    fn advance(&mut self, next: Next, body: &str, now_ms: f64) {
        let step = next.step();
        let following = match next {
            Next::UploadUrl => match self.upload_target(body) {
                Ok(target) => Next::Upload(target),
                Err(what) => return self.malformed(step, &what),
            },
            Next::Upload(target) => Next::Register {
                file_path: target.file_path,
            },
            Next::Register { .. } | Next::DirectUpload => match body::parse_file_id(body) {
                Ok(id) if self.settings.api_key.appears_in(&id.to_string()) => {
                    return self.malformed(step, "the file id holds the API key")
                }
                Ok(id) => Next::Sync(id),
                Err(what) => return self.malformed(step, &what),
            },
            Next::Sync(file_id) => {
                if let Err(what) = body::check_sync_answer(body, &self.settings.api_key) {
                    return self.malformed(step, &what);
                }
                self.state = State::Done(self.outcome_at(now_ms, file_id));
                return;
            }
        };
        self.attempts = 0;
        self.last_problem = None;
        self.state = State::Ready(following);
    }

    fn upload_target(&self, body: &str) -> std::result::Result<UploadTarget, String> {
        let target = body::parse_upload_target(body)?;
        let key = &self.settings.api_key;
        if key.appears_in(&target.url) || key.appears_in(&target.file_path) {
            return Err("the upload parameters hold the API key".into());
        }
        match url_security(&target.url) {
            Some(UrlSecurity::Https) => Ok(target),
            Some(UrlSecurity::LoopbackHttp) if self.settings.loopback => Ok(target),
            _ => Err("the upload URL is not an https URL".into()),
        }
    }

    fn retry(&mut self, next: Next, delay: Delay, why: String, cause: RetryCause, now_ms: f64) {
        let step = next.step();
        let at = self.at(step);
        if self.attempts >= policy::MAX_ATTEMPTS_PER_STEP {
            let storage = match &next {
                Next::Upload(target) => url_origin(&target.url),
                _ => None,
            };
            self.state = State::Failed(verdict::exhausted(
                step,
                &at,
                self.attempts,
                cause,
                &why,
                storage.as_deref(),
            ));
            return;
        }
        let delay_ms = match delay {
            Delay::Backoff(base) => {
                policy::backoff_ms(base, self.attempts, self.jitter.next_unit())
            }
            Delay::Exact(ms) => ms,
        };
        let started = self.started_ms.unwrap_or(now_ms);
        if now_ms + delay_ms - started > self.settings.time_budget_ms {
            self.state = State::Failed(verdict::out_of_time(
                step,
                &at,
                self.settings.time_budget_ms,
                Some(delay_ms),
                Some(&why),
            ));
            return;
        }
        self.retries += 1;
        self.last_problem = Some(why.clone());
        self.state = State::Waiting {
            next,
            until_ms: now_ms + delay_ms,
            after: why,
        };
    }

    fn restart(&mut self, status: u16, why: &str) {
        if self.restarts_left == 0 {
            self.state = State::Failed(Error::new(
                ErrorKind::Rejected { status },
                format!(
                    "the storage service refused the upload again after a fresh upload URL \
                     ({why})"
                ),
            ));
            return;
        }
        // A refused presigned URL has usually expired (it lives 5 minutes):
        // a fresh one from step 1 fixes that.
        self.restarts_left -= 1;
        self.restarted = Some(why.to_owned());
        self.retries += 1;
        self.attempts = 0;
        self.state = State::Ready(Next::UploadUrl);
    }

    fn malformed(&mut self, step: Step, what: &str) {
        let at = self.at(step);
        self.state = State::Failed(Error::new(
            ErrorKind::MalformedResponse { step },
            format!(
                "unexpected response at {at}: {}",
                self.settings.api_key.redact(what)
            ),
        ));
    }

    /// `error` at `step`, saying so when an unanswered request to start
    /// the sync may have started it: a person would otherwise read a 409
    /// as someone else's sync, or a timeout as nothing done.
    fn noted(&self, step: Step, error: &Error) -> Error {
        if step != Step::Sync || !self.sync_unanswered {
            return error.clone();
        }
        let note = match error.kind() {
            ErrorKind::SyncConflict => {
                "an earlier request to start it got no answer, so the sync running may be this \
                 one"
            }
            _ => "a request to start it got no answer, so Torii may have started the sync",
        };
        Error::new(
            error.kind().clone(),
            format!(
                "{}. Also, {note}: check the integration in Torii before syncing again",
                error.message()
            ),
        )
    }

    fn fail(&mut self, error: Error) -> Action {
        self.state = State::Failed(error.clone());
        Action::Failed(error)
    }

    fn position(&self, step: Step) -> (u32, u32) {
        request::position(self.settings.mode, step)
    }

    fn at(&self, step: Step) -> String {
        let (index, total) = self.position(step);
        format!("step {index}/{total} ({step})")
    }

    fn outcome_at(&self, now_ms: f64, file_id: FileId) -> Outcome {
        let millis = |from: f64, to: f64| (to - from).max(0.0).round() as u64;
        let total_ms = millis(self.started_ms.unwrap_or(now_ms), now_ms);
        let mut baseline = Vec::new();
        let mut o = ObjectWriter::new(&mut baseline);
        o.u64("userCount", u64::from(self.user_count))
            .u64("activeUsers", u64::from(self.active_users));
        {
            let out = o.key("fileId");
            file_id.write_json(out);
        }
        o.opt_str("syncedAt", iso_timestamp(now_ms).as_deref());
        o.end();
        let changes = self.changes.as_ref().map(Changes::summary);
        let mut text = format!(
            "synced: file id {file_id}, {}, {}, {}, {total_ms} ms",
            plural(u64::from(self.user_count), "user", "users"),
            plural(u64::from(self.requests), "request", "requests"),
            plural(u64::from(self.retries), "retry", "retries")
        );
        if let Some(changes) = &changes {
            text.push('\n');
            text.push_str(changes);
        }
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
            total_ms,
            target: self.settings.target.key(),
            baseline: String::from_utf8(baseline).unwrap_or_default(),
            changes,
            text,
        }
    }
}
