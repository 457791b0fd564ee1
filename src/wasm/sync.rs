//! JS bindings of the sync: the `SyncSession` class (the sans-IO state
//! machine, for hosts that send requests themselves, like Apps Script's
//! `UrlFetchApp`) and `checkSyncGuard`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::{from_js, js_error, to_js};
use crate::guard::{check_sync, GuardInput};
use crate::sync::{Action, Request, Response, SyncConfig, SyncSession};
use crate::Error;

/// A response as hosts describe it: `{ status, headers, body }` for an HTTP
/// answer, or `{ transportError }` when there was none.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct HostResponse {
    status: Option<u16>,
    headers: BTreeMap<String, String>,
    body: String,
    transport_error: Option<String>,
}

impl From<HostResponse> for Response {
    fn from(r: HostResponse) -> Response {
        match (r.transport_error, r.status) {
            (Some(detail), _) => Response::Transport(detail),
            (None, Some(status)) => Response::Http {
                status,
                headers: r.headers.into_iter().collect(),
                body: r.body,
            },
            (None, None) => Response::Transport("the host passed a response with no status".into()),
        }
    }
}

/// An [`Action`] as the plain object JS receives.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum JsAction<'a> {
    Send {
        request: &'a Request,
        label: &'static str,
        index: u32,
        total: u32,
        attempt: u32,
    },
    Wait {
        ms: u64,
        reason: &'a str,
    },
    Done {
        outcome: &'a crate::sync::Outcome,
    },
    Failed {
        error: JsError<'a>,
    },
}

#[derive(Serialize)]
struct JsError<'a> {
    code: &'a str,
    message: &'a str,
}

impl<'a> From<&'a Error> for JsError<'a> {
    fn from(e: &'a Error) -> Self {
        JsError {
            code: e.code(),
            message: e.message(),
        }
    }
}

/// The upload/sync state machine, for hosts that do their own HTTP.
///
/// ```js
/// const session = new SyncSession(config, json, seed);
/// for (;;) {
///   const action = session.poll(Date.now());
///   if (action.type === 'send') session.handleResponse(Date.now(), send(action.request));
///   else if (action.type === 'wait') sleep(action.ms);
///   else break; // 'done' (action.outcome) or 'failed' (action.error)
/// }
/// ```
#[wasm_bindgen(js_name = SyncSession)]
pub struct SyncSessionJs {
    inner: SyncSession,
}

#[wasm_bindgen(js_class = SyncSession)]
impl SyncSessionJs {
    /// `new SyncSession(config, fileJson, seed)`. `seed` (any number) seeds
    /// the retry jitter. Throws `invalid_config`, `invalid_option` or
    /// `destructive_sync`.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, file_json: String, seed: f64) -> Result<SyncSessionJs, JsValue> {
        let config: SyncConfig = from_js(config, "sync config").map_err(|e| js_error(&e))?;
        // Any JS number is a fine seed; saturating conversion keeps it total.
        let inner = SyncSession::new(&config, file_json, seed as u64).map_err(|e| js_error(&e))?;
        Ok(SyncSessionJs { inner })
    }

    /// `poll(nowMs)` → `{type: 'send', request, label, index, total, attempt}`,
    /// `{type: 'wait', ms, reason}`, `{type: 'done', outcome}` or
    /// `{type: 'failed', error: {code, message}}`.
    pub fn poll(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        let action = self.inner.poll(now_ms);
        to_js(&describe(&self.inner, &action))
    }

    /// `handleResponse(nowMs, response)` with `{status, headers, body}` or
    /// `{transportError}`. Throws `protocol` when no request is in flight.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, now_ms: f64, response: JsValue) -> Result<(), JsValue> {
        let response: HostResponse = from_js(response, "response").map_err(|e| js_error(&e))?;
        self.inner
            .handle_response(now_ms, response.into())
            .map_err(|e| js_error(&e))
    }

    /// The outcome once done, else `undefined`.
    pub fn outcome(&self) -> Result<JsValue, JsValue> {
        match self.inner.outcome() {
            Some(outcome) => to_js(outcome),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Users in the file this session sends.
    #[wasm_bindgen(getter, js_name = userCount)]
    pub fn user_count(&self) -> u32 {
        self.inner.user_count()
    }
}

/// An action with the position of its step, as JS receives it.
fn describe<'a>(session: &SyncSession, action: &'a Action) -> JsAction<'a> {
    match action {
        Action::Send(request) => {
            let (index, total) = session.position(request.step);
            JsAction::Send {
                request,
                label: request.step.label(),
                index,
                total,
                attempt: session.attempt(),
            }
        }
        Action::Wait { ms, reason } => JsAction::Wait { ms: *ms, reason },
        Action::Done(outcome) => JsAction::Done { outcome },
        Action::Failed(error) => JsAction::Failed {
            error: error.into(),
        },
    }
}

/// `checkSyncGuard({ previousUserCount?, userCount, maxDropPercent?, allowDrop? })`
/// → `{ allowed, dropPercent, message }`: whether a sync may go ahead.
#[wasm_bindgen(js_name = checkSyncGuard)]
pub fn check_sync_guard(input: JsValue) -> Result<JsValue, JsValue> {
    let input: GuardInput = from_js(input, "guard input").map_err(|e| js_error(&e))?;
    let verdict = check_sync(&input).map_err(|e| js_error(&e))?;
    to_js(&verdict)
}
