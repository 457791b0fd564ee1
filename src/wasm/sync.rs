//! JS bindings of the sync: the `SyncSession` class (the sans-IO state
//! machine, for hosts that send requests themselves, like Apps Script's
//! `UrlFetchApp`), `targetKey`, and the JSON forms of actions, verdicts,
//! outcomes and plans.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::args::{self, invalid};
use super::caller;
use super::{json, set, throw};
use crate::changes::Changes;
use crate::error::Result;
use crate::json::ObjectWriter;
use crate::sync::config::{APPS_SCRIPT_RUN_MS, URL_FETCH_LONGEST_MS};
use crate::sync::{
    Action, Body, GuardVerdict, Outcome, Plan, Progress, Request, Response, SyncSession,
};

/// `targetKey({baseUrl?, appAccountId})`: the one key every host stores and
/// looks up the guard's baseline by. Throws `invalid_config`.
#[wasm_bindgen(js_name = targetKey)]
pub fn target_key(target: JsValue) -> Result<String, JsValue> {
    throw((|| {
        let config = args::sync_config(&target, "targetKey(target)")?;
        Ok(config.target()?.key())
    })())
}

/// `appsScriptLimits()` → `{runMs, longestRequestMs}`: Apps Script's limits
/// that its sync passes as the config's `runEndsAtMs` (its start plus
/// `runMs`) and `longestRequestMs`, kept here with the rules that use them.
#[wasm_bindgen(js_name = appsScriptLimits)]
pub fn apps_script_limits() -> JsValue {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.u64("runMs", APPS_SCRIPT_RUN_MS)
        .u64("longestRequestMs", URL_FETCH_LONGEST_MS);
    o.end();
    json(&out)
}

/// `unsavedRecordText(why)`: what a host says when a sync went through but
/// its record could not be stored, `why` being the store's error (see
/// [`unsaved_record`](crate::sync::guard::unsaved_record)). Throws
/// `invalid_argument` when `why` is not a string.
#[wasm_bindgen(js_name = unsavedRecordText)]
pub fn unsaved_record_text(why: JsValue) -> Result<String, JsValue> {
    let why = throw(args::string(&why, "unsavedRecordText(why)"))?;
    Ok(crate::sync::guard::unsaved_record(&why))
}

/// `describeBaseline(stored)`: what a stored record of the last sync (an
/// outcome's `baseline`, as text or as the object) says, for a person,
/// such as "9 users (7 active), file id 12, synced at …", or why the guard
/// cannot read it; `''` for none. See
/// [`describe_record`](crate::sync::guard::describe_record).
#[wasm_bindgen(js_name = describeBaseline)]
pub fn describe_baseline(stored: JsValue) -> Result<String, JsValue> {
    let stored = throw(args::stored_text(&stored, "describeBaseline(stored)"))?;
    Ok(stored.map_or_else(String::new, |text| {
        crate::sync::guard::describe_record(&text)
    }))
}

/// `connectionProbe(config)` → the request of the connection test (as in a
/// `send` action): one authenticated request that uploads nothing. Throws
/// `invalid_config`.
#[wasm_bindgen(js_name = connectionProbe)]
pub fn connection_probe(config: JsValue) -> Result<JsValue, JsValue> {
    throw((|| {
        let config = args::sync_config(&config, "connectionProbe(config)")?;
        let request = crate::sync::probe::probe_request(&config)?;
        Ok(json(&request_json(&request)))
    })())
}

/// `connectionResult(response, config)` → `{result, message}`: `result`
/// is `accepted`, `rejected`, `unreachable` or `unexpected`; `response` as
/// for `handleResponse`; `config` the one `connectionProbe` was given, whose
/// key is redacted from anything the server echoes.
#[wasm_bindgen(js_name = connectionResult)]
pub fn connection_result(response: JsValue, config: JsValue) -> Result<JsValue, JsValue> {
    throw((|| {
        let response = read_response(&response)?;
        const CONFIG: &str = "connectionResult(config)";
        // Required: without the key, an echo of it could not be redacted.
        if !config.is_object() {
            return Err(args::invalid(
                CONFIG,
                "the config given to connectionProbe",
                &config,
            ));
        }
        let config = args::sync_config(&config, CONFIG)?;
        let (result, message) = crate::sync::probe::probe_result(&response, &config.api_key);
        let mut out = Vec::new();
        let mut o = ObjectWriter::new(&mut out);
        o.str("result", result.as_str()).str("message", &message);
        o.end();
        Ok(json(&out))
    })())
}

/// The upload/sync state machine, for hosts that do their own HTTP.
///
/// ```js
/// const session = result.startSync(config, seed);
/// for (;;) {
///   const action = session.poll(Date.now());
///   if (action.type === 'confirm') ask(action.verdict) ? session.confirm(true) : session.confirm(false);
///   else if (action.type === 'send') session.handleResponse(Date.now(), send(action.request, action.timeoutMs));
///   else if (action.type === 'wait') sleep(action.ms);
///   else break; // 'done' (action.outcome) or 'failed' (action.error)
/// }
/// ```
#[wasm_bindgen(js_name = SyncSession)]
pub struct SyncSessionJs {
    inner: SyncSession,
}

impl SyncSessionJs {
    pub(crate) fn wrap(inner: SyncSession) -> Self {
        SyncSessionJs { inner }
    }

    pub(crate) fn into_inner(self) -> SyncSession {
        self.inner
    }
}

#[wasm_bindgen(js_class = SyncSession)]
impl SyncSessionJs {
    /// `new SyncSession(config, fileJson, seed)`: a session for a Torii file
    /// given as JSON (bytes or text). `seed` (any number) seeds the retry
    /// jitter. Throws `invalid_config` or `invalid_option`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: JsValue,
        file_json: JsValue,
        seed: JsValue,
    ) -> Result<SyncSessionJs, JsValue> {
        throw((|| {
            let config = args::sync_config(&config, "new SyncSession(config)")?;
            let file = args::bytes(&file_json, "new SyncSession(fileJson)")?;
            let seed = args::number(&seed, "new SyncSession(seed)")?;
            Ok(SyncSessionJs::wrap(SyncSession::from_json(
                &config,
                file,
                seed.abs() as u64,
            )?))
        })())
    }

    /// `poll(nowMs)` → `{type: 'confirm', verdict}`, `{type: 'send', request,
    /// timeoutMs, progress}`, `{type: 'wait', ms, progress}`, `{type: 'done',
    /// outcome}` or `{type: 'failed', error: {code, message, syncSent}}`
    /// (`syncSent`: whether a request to start the sync had gone out, so
    /// Torii may have started it).
    pub fn poll(&mut self, now_ms: JsValue) -> Result<JsValue, JsValue> {
        let now = throw(args::number(&now_ms, "poll(nowMs)"))?;
        let action = self.inner.poll(now);
        Ok(action_js(&self.inner, &action))
    }

    /// `handleResponse(nowMs, response)` with `{status, headers, body}`,
    /// `{transportError}`, `{timeout: true}` or `{hostLimit}` (the host's
    /// own quota refused to send it: the sync ends, never retried; so does
    /// a transport error that is Apps Script's refusal). Throws `protocol`
    /// when no request is in flight.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, now_ms: JsValue, response: JsValue) -> Result<(), JsValue> {
        throw((|| {
            let now = args::number(&now_ms, "handleResponse(nowMs)")?;
            let response = read_response(&response)?;
            self.inner.handle_response(now, response)
        })())
    }

    /// `confirm(yes)`: the person's answer to a `confirm` action.
    pub fn confirm(&mut self, yes: JsValue) -> Result<(), JsValue> {
        throw((|| {
            let yes = args::boolean(&yes, "confirm(yes)")?;
            self.inner.confirm(yes)
        })())
    }

    /// `refuse()`: a `confirm` action with nobody to ask (a schedule, a
    /// command line without `--allow-drop`); the session fails with
    /// `destructive_sync`.
    pub fn refuse(&mut self) -> Result<(), JsValue> {
        throw(self.inner.refuse())
    }

    /// The guard's verdict on this sync: `{allowed, reason?, previousUsers?,
    /// removedUsers, newUsers, dropPercent, message, question?}`, where
    /// `question` is the text a host that asks shows in its dialog.
    pub fn verdict(&self) -> JsValue {
        json(&verdict_json(self.inner.verdict()))
    }

    /// The changes against the last synced file, when the config had it.
    pub fn changes(&self) -> JsValue {
        match self.inner.changes() {
            Some(changes) => json(&changes.to_json()),
            None => JsValue::UNDEFINED,
        }
    }

    /// The target's key, under which the host keeps the outcome's baseline.
    #[wasm_bindgen(getter)]
    pub fn target(&self) -> String {
        self.inner.target()
    }

    /// How long, in ms from its first request, this sync and the host's
    /// records of it may take: how long a host's lock or lease on the
    /// target must hold.
    #[wasm_bindgen(getter, js_name = longestRunMs)]
    pub fn longest_run_ms(&self) -> f64 {
        self.inner.longest_run_ms()
    }

    /// Users in the file this session sends.
    #[wasm_bindgen(getter, js_name = userCount)]
    pub fn user_count(&self) -> u32 {
        self.inner.user_count()
    }

    /// The outcome once done, else `undefined`.
    pub fn outcome(&self) -> JsValue {
        match self.inner.outcome() {
            Some(outcome) => json(&outcome_json(outcome)),
            None => JsValue::UNDEFINED,
        }
    }
}

/// A response as hosts describe it.
fn read_response(value: &JsValue) -> Result<Response> {
    const WHAT: &str = "handleResponse(response)";
    if !value.is_object() {
        return Err(invalid(WHAT, "an object", value));
    }
    let get = |key: &str| caller::get(value, &key.into(), &format!("{WHAT}.{key}"));
    let timeout = get("timeout")?;
    if timeout.as_bool() == Some(true) {
        return Ok(Response::Timeout);
    }
    let limit = get("hostLimit")?;
    if let Some(detail) = limit.as_string() {
        return Ok(Response::HostLimit(detail));
    }
    let transport = get("transportError")?;
    if !transport.is_undefined() && !transport.is_null() {
        let detail = transport
            .as_string()
            .unwrap_or_else(|| "the host reported a transport error".into());
        return Ok(Response::Transport(detail));
    }
    let status = get("status")?;
    let status = match status.as_f64() {
        Some(n) if n.fract() == 0.0 && (100.0..=599.0).contains(&n) => n as u16,
        _ => {
            return Err(invalid(
                &format!("{WHAT}.status"),
                "an HTTP status from 100 to 599",
                &status,
            ))
        }
    };
    let body = get("body")?;
    let body = if body.is_undefined() || body.is_null() {
        String::new()
    } else {
        args::string(&body, &format!("{WHAT}.body"))?
    };
    let mut headers = Vec::new();
    let given = get("headers")?;
    if !given.is_undefined() && !given.is_null() {
        let field = format!("{WHAT}.headers");
        if !given.is_object() {
            return Err(invalid(&field, "an object", &given));
        }
        for key in caller::keys(&given, &field)?.iter() {
            let name = key.as_string().unwrap_or_default();
            let value = caller::get(&given, &key, &format!("{field}.{name}"))?;
            if let Some(value) = value.as_string() {
                headers.push((name, value));
            }
        }
    }
    Ok(Response::Http {
        status,
        headers,
        body,
    })
}

/// An action as the object JS receives; the upload body is a `Uint8Array`.
pub(crate) fn action_js(session: &SyncSession, action: &Action) -> JsValue {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    let mut upload = false;
    match action {
        Action::Confirm(verdict) => {
            o.str("type", "confirm")
                .raw("verdict", &verdict_json(verdict));
        }
        Action::Send {
            request,
            timeout_ms,
            progress,
        } => {
            upload = request.body == Some(Body::Upload);
            o.str("type", "send")
                .raw("request", &request_json(request))
                .u64("timeoutMs", *timeout_ms)
                .raw("progress", &progress_json(progress));
        }
        Action::Wait { ms, progress } => {
            o.str("type", "wait")
                .u64("ms", *ms)
                .raw("progress", &progress_json(progress));
        }
        Action::Done(outcome) => {
            o.str("type", "done").raw("outcome", &outcome_json(outcome));
        }
        Action::Failed(error) => {
            o.str("type", "failed").object("error", |w| {
                w.str("code", error.code())
                    .str("message", error.message())
                    .bool("syncSent", session.sync_sent());
            });
        }
    }
    o.end();
    let value = json(&out);
    if upload {
        let request = Reflect::get(&value, &"request".into()).unwrap_or(JsValue::UNDEFINED);
        set(&request, "body", &Uint8Array::from(session.upload_body()));
    }
    value
}

/// The request's fields; the body is JSON text, or `null` for the upload,
/// whose bytes the caller adds.
fn request_json(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.str("step", request.step.name())
        .str("method", request.method.as_str())
        .str("url", &request.url);
    o.object("headers", |h| write_headers(h, &request.headers));
    match &request.body {
        Some(Body::Json(text)) => {
            o.str("body", text);
        }
        _ => {
            o.raw("body", b"null");
        }
    }
    o.end();
    out
}

/// A request's headers as the fields of an object, in their order.
fn write_headers(h: &mut ObjectWriter, headers: &[(String, String)]) {
    for (name, value) in headers {
        h.str(name, value);
    }
}

pub(crate) fn progress_json(progress: &Progress) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.str("step", progress.step.name())
        .str("label", progress.step.label())
        .u64("index", u64::from(progress.index))
        .u64("total", u64::from(progress.total))
        .u64("attempt", u64::from(progress.attempt));
    if let Some(ms) = progress.wait_ms {
        o.u64("waitMs", ms);
    }
    o.str("text", &progress.text)
        .bool("syncSent", progress.sync_sent)
        .str("ifStopped", progress.if_stopped());
    o.end();
    out
}

/// A [`GuardVerdict`] as the hosts read it, with its `question` when refused.
pub(crate) fn verdict_json(v: &GuardVerdict) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.bool("allowed", v.allowed)
        .opt_str("reason", v.reason.map(|r| r.as_str()));
    if let Some(previous) = v.previous_users {
        o.u64("previousUsers", u64::from(previous));
    }
    o.u64("removedUsers", u64::from(v.removed_users))
        .u64("newUsers", u64::from(v.new_users));
    o.tenths("dropPercent", crate::text::to_tenths(v.drop_percent))
        .str("message", &v.message)
        .opt_str("question", v.question().as_deref());
    o.end();
    out
}

pub(crate) fn outcome_json(outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    {
        let key = o.key("fileId");
        outcome.file_id.write_json(key);
    }
    o.u64("userCount", u64::from(outcome.user_count))
        .u64("requests", u64::from(outcome.requests))
        .u64("retries", u64::from(outcome.retries));
    o.array("steps", &outcome.steps, |list, step| {
        let mut w = ObjectWriter::new(list);
        w.str("step", step.step.name())
            .u64("attempts", u64::from(step.attempts))
            .u64("ms", step.ms);
        w.end();
    });
    o.u64("totalMs", outcome.total_ms)
        .str("target", &outcome.target)
        .raw("baseline", outcome.baseline.as_bytes())
        .opt_str("changes", outcome.changes.as_deref())
        .str("text", &outcome.text);
    o.end();
    out
}

fn changes_or_null(changes: Option<&Changes>) -> Vec<u8> {
    match changes {
        Some(changes) => changes.to_json(),
        None => b"null".to_vec(),
    }
}

pub(crate) fn plan_json(plan: &Plan) -> Vec<u8> {
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.array("requests", &plan.requests, |list, r| {
        let mut w = ObjectWriter::new(list);
        w.str("step", r.step.name())
            .u64("index", u64::from(r.index))
            .u64("total", u64::from(r.total))
            .str("method", r.method.as_str())
            .str("url", &r.url);
        w.object("headers", |h| write_headers(h, &r.headers));
        w.opt_str("body", r.body.as_deref());
        w.end();
    });
    o.raw("verdict", &verdict_json(&plan.verdict))
        .raw("changes", &changes_or_null(plan.changes.as_ref()))
        .str("target", &plan.target)
        .u64("userCount", u64::from(plan.user_count))
        .u64("bytes", plan.bytes as u64)
        .str("text", &plan.render_text());
    o.end();
    out
}
