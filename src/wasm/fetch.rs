//! `syncWithFetch`: the sync driven by the host's `fetch` (browsers through
//! gloo-net, and Node 20), with waits on the host's `setTimeout`.
//!
//! This is the only place the wasm reads a clock or draws a random number,
//! and only to feed them to the sans-IO session, which stays deterministic.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{from_js, js_error, to_js};
use crate::sync::{Action, Method, Request, Response, SyncConfig, SyncSession};

#[wasm_bindgen]
extern "C" {
    // Bound lazily by wasm-bindgen, so hosts without `setTimeout` (Apps
    // Script) can still load the module; they use `SyncSession` instead.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
}

/// `syncWithFetch(config, fileJson, { onProgress }?)` → `Promise<Outcome>`.
///
/// Runs a whole [`SyncSession`] with `fetch`. `onProgress` is called before
/// every request with `{ step, label, index, total, attempt }`, and before
/// every wait with `{ step: 'wait', ms, reason }`. Rejects with an `Error`
/// carrying the session's `code` (e.g. `unauthorized`, `network`).
#[wasm_bindgen(js_name = syncWithFetch)]
pub async fn sync_with_fetch(
    config: JsValue,
    file_json: String,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let config: SyncConfig = from_js(config, "sync config").map_err(|e| js_error(&e))?;
    let on_progress = progress_callback(&options)?;
    // The jitter only spreads retries of concurrent clients apart.
    let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let mut session = SyncSession::new(&config, file_json, seed).map_err(|e| js_error(&e))?;
    loop {
        match session.poll(js_sys::Date::now()) {
            Action::Send(request) => {
                if let Some(callback) = &on_progress {
                    let (index, total) = session.position(request.step);
                    let event = serde_json::json!({
                        "step": request.step.name(),
                        "label": request.step.label(),
                        "index": index,
                        "total": total,
                        "attempt": session.attempt(),
                    });
                    callback.call1(&JsValue::NULL, &to_js(&event)?)?;
                }
                let response = send(&request).await;
                session
                    .handle_response(js_sys::Date::now(), response)
                    .map_err(|e| js_error(&e))?;
            }
            Action::Wait { ms, reason } => {
                if let Some(callback) = &on_progress {
                    let event = serde_json::json!({ "step": "wait", "ms": ms, "reason": reason });
                    callback.call1(&JsValue::NULL, &to_js(&event)?)?;
                }
                sleep(ms).await?;
            }
            Action::Done(outcome) => return to_js(&outcome),
            Action::Failed(error) => return Err(js_error(&error)),
        }
    }
}

fn progress_callback(options: &JsValue) -> Result<Option<Function>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let value = Reflect::get(options, &JsValue::from_str("onProgress"))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.dyn_into::<Function>().map(Some).map_err(|_| {
        js_error(&crate::Error::new(
            crate::ErrorKind::InvalidOption {
                option: "onProgress".into(),
            },
            "onProgress must be a function",
        ))
    })
}

/// Sends one request; any failure to get a response becomes a transport
/// error for the session to judge.
async fn send(request: &Request) -> Response {
    match try_send(request).await {
        Ok(response) => response,
        Err(error) => Response::Transport(error.to_string()),
    }
}

async fn try_send(request: &Request) -> Result<Response, gloo_net::Error> {
    let method = match request.method {
        Method::Get => gloo_net::http::Method::GET,
        Method::Post => gloo_net::http::Method::POST,
        Method::Put => gloo_net::http::Method::PUT,
    };
    let mut builder = gloo_net::http::RequestBuilder::new(&request.url).method(method);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let built = match &request.body {
        Some(body) => builder.body(body.as_str())?,
        None => builder.build()?,
    };
    let response = built.send().await?;
    let status = response.status();
    let headers = response.headers().entries().collect();
    let body = response.text().await?;
    Ok(Response::Http {
        status,
        headers,
        body,
    })
}

async fn sleep(ms: u64) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, _reject| {
        set_timeout(&resolve, ms as f64);
    });
    JsFuture::from(promise).await.map(|_| ())
}
