//! `runWithFetch`: a session driven by the host's `fetch` (browsers, web
//! workers and Node 20), with waits and request timeouts on the host's
//! `setTimeout`.
//!
//! This is the only place the wasm reads a clock, and only to feed it to
//! the sans-IO session, which stays deterministic. Every request gets an
//! `AbortSignal` that fires at the session's timeout, so a server that
//! accepts and never answers, or stalls in the middle of a body, ends the
//! request as a timeout instead of holding it for minutes.
//!
//! `fetch` is called directly with the URL the core built, as a string:
//! wrappers that rebuild the URL (gloo-net appends a `&` and re-encodes the
//! query) would change a presigned upload URL's signed query.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::caller;
use super::sync::{outcome_json, progress_json, verdict_json, SyncSessionJs};
use super::{js_error, json, set, throw};
use crate::sync::{Action, Body, GuardVerdict, Progress, Request, Response, SyncSession};

/// The most of a response body the driver reads. Torii answers with a few
/// hundred bytes; a server sending gigabytes (a wrong API URL, a hostile
/// host) would otherwise fill the memory, and a body too long for a
/// string would pass for no answer at all.
const MAX_BODY_BYTES: usize = 1 << 20;

#[wasm_bindgen]
extern "C" {
    // Bound lazily by wasm-bindgen, so hosts without them (Apps Script) can
    // still load the module; they drive `SyncSession` themselves.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch(url: &str, init: &JsValue) -> Result<Promise, JsValue>;

    #[derive(Clone)]
    type AbortController;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<AbortController, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);
}

#[wasm_bindgen(js_class = SyncSession)]
impl SyncSessionJs {
    /// `runWithFetch({onProgress, onConfirm, signal}?)` → `Promise<outcome>`:
    /// runs the whole session with `fetch`, and uses the session up.
    ///
    /// `onProgress(progress)` is told of every request and wait (`progress`
    /// as in `poll`). `onConfirm(verdict)` answers a destructive sync with
    /// `true` or `false` (or a promise of it); without it, such a sync is
    /// refused with `destructive_sync`. `signal`, an `AbortSignal`, stops the
    /// sync: a request in flight is cut, a wait ends, and the sync rejects
    /// with `cancelled`, saying whether Torii may have started it. A
    /// callback that throws (or an `onConfirm` promise that rejects) stops
    /// the sync the same way, with `host_failed` and the callback's error.
    /// Rejects with an `Error` carrying the session's `code`
    /// (`unauthorized`, `timeout`, `network`, ...) and `syncSent`: whether a
    /// request to start the sync had gone out, so that Torii may have
    /// started it and the same users sent another way could sync twice.
    #[wasm_bindgen(js_name = runWithFetch)]
    pub async fn run_with_fetch(self, options: JsValue) -> Result<JsValue, JsValue> {
        let on_progress = throw(callback(&options, "onProgress"))?;
        let on_confirm = throw(callback(&options, "onConfirm"))?;
        let signal = throw(signal_of(&options))?;
        let mut session = self.into_inner();
        loop {
            if aborted(&signal) {
                session.cancel();
            }
            match session.poll(js_sys::Date::now()) {
                Action::Confirm(verdict) => {
                    let answer = match &on_confirm {
                        Some(ask) => match confirmed(ask, &verdict).await {
                            Ok(yes) => Some(yes),
                            Err(e) => {
                                session.abandon(&format!("onConfirm failed ({})", describe(&e)));
                                continue;
                            }
                        },
                        None => None,
                    };
                    throw(match answer {
                        Some(yes) => session.confirm(yes),
                        None => session.refuse(),
                    })?;
                }
                Action::Send {
                    request,
                    timeout_ms,
                    progress,
                } => {
                    if let Err(why) = notify(&on_progress, &progress) {
                        session.abandon_unsent(&why);
                        continue;
                    }
                    let response = send(&request, &session, timeout_ms, &signal).await;
                    // A whole answer that came as it was stopped still counts.
                    if aborted(&signal) && !matches!(response, Response::Http { .. }) {
                        session.cancel();
                        continue;
                    }
                    throw(session.handle_response(js_sys::Date::now(), response))?;
                }
                Action::Wait { ms, progress } => {
                    if let Err(why) = notify(&on_progress, &progress) {
                        session.abandon(&why);
                        continue;
                    }
                    sleep(ms, &signal).await?;
                }
                Action::Done(outcome) => return Ok(json(&outcome_json(&outcome))),
                Action::Failed(error) => {
                    let thrown = js_error(&error);
                    set(
                        &thrown,
                        "syncSent",
                        &JsValue::from_bool(session.sync_sent()),
                    );
                    return Err(thrown);
                }
            }
        }
    }
}

fn callback(options: &JsValue, name: &str) -> crate::Result<Option<Function>> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() {
        return Err(super::args::invalid(
            "runWithFetch(options)",
            "an object",
            options,
        ));
    }
    let field = format!("runWithFetch(options).{name}");
    let value = caller::get(options, &name.into(), &field)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|value| super::args::invalid(&field, "a function", &value))
}

/// `options.signal`, when given: an object with `aborted` and `addEventListener`.
fn signal_of(options: &JsValue) -> crate::Result<Option<JsValue>> {
    if !options.is_object() {
        return Ok(None); // `callback` has refused anything else
    }
    let field = "runWithFetch(options).signal";
    let value = caller::get(options, &"signal".into(), field)?;
    match value {
        v if v.is_undefined() || v.is_null() => Ok(None),
        v if v.is_object() => Ok(Some(v)),
        v => Err(super::args::invalid(field, "an AbortSignal", &v)),
    }
}

fn aborted(signal: &Option<JsValue>) -> bool {
    signal.as_ref().is_some_and(|signal| {
        Reflect::get(signal, &"aborted".into()).is_ok_and(|value| value.is_truthy())
    })
}

/// An `abort` listener on the host's signal, removed when dropped.
struct OnAbort {
    signal: JsValue,
    listener: Closure<dyn FnMut()>,
}

impl OnAbort {
    fn listen(signal: &Option<JsValue>, act: impl FnMut() + 'static) -> Option<OnAbort> {
        let signal = signal.clone()?;
        let listener = Closure::<dyn FnMut()>::new(act);
        call_method(&signal, "addEventListener", listener.as_ref());
        Some(OnAbort { signal, listener })
    }
}

impl Drop for OnAbort {
    fn drop(&mut self) {
        call_method(&self.signal, "removeEventListener", self.listener.as_ref());
    }
}

/// `target[name]("abort", listener)`; a signal without it is only polled.
fn call_method(target: &JsValue, name: &str, listener: &JsValue) {
    if let Ok(method) = Reflect::get(target, &name.into()).and_then(|m| m.dyn_into::<Function>()) {
        let _ = method.call2(target, &"abort".into(), listener);
    }
}

/// The host's answer to a destructive sync: `onConfirm(verdict)`, awaited.
async fn confirmed(ask: &Function, verdict: &GuardVerdict) -> Result<bool, JsValue> {
    let answer = ask.call1(&JsValue::NULL, &json(&verdict_json(verdict)))?;
    Ok(JsFuture::from(caller::resolve(&answer)?).await? == JsValue::TRUE)
}

/// Tells `onProgress` of `progress`. A callback that throws ends the
/// session there: the caller abandons it with the `Err`'s words
/// ([`SyncSession::abandon`], or [`SyncSession::abandon_unsent`] before a
/// request it was handed), and the next poll gives its error.
fn notify(on_progress: &Option<Function>, progress: &Progress) -> Result<(), String> {
    let Some(callback) = on_progress else {
        return Ok(());
    };
    match callback.call1(&JsValue::NULL, &json(&progress_json(progress))) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("onProgress failed ({})", describe(&e))),
    }
}

/// Sends one request with a timeout covering the whole answer, body
/// included. Any failure to get a complete answer becomes a transport
/// error or a timeout for the session to judge.
async fn send(
    request: &Request,
    session: &SyncSession,
    timeout_ms: u64,
    signal: &Option<JsValue>,
) -> Response {
    if aborted(signal) {
        return Response::Transport("stopped before it was sent".into());
    }
    let Ok(controller) = AbortController::new() else {
        return Response::Transport("this host has no AbortController".into());
    };
    let aborted = std::rc::Rc::new(std::cell::Cell::new(false));
    let abort = {
        let (controller, aborted) = (controller.clone(), aborted.clone());
        Closure::<dyn FnMut()>::new(move || {
            aborted.set(true);
            controller.abort();
        })
    };
    let timer = set_timeout(abort.as_ref(), timeout_ms as f64);
    let stop = OnAbort::listen(signal, {
        let controller = controller.clone();
        move || controller.abort()
    });
    let result = try_send(request, session, &controller.signal()).await;
    clear_timeout(&timer);
    drop((abort, stop));
    match result {
        Ok(response) => response,
        Err(_) if aborted.get() => Response::Timeout,
        Err(error) => Response::Transport(describe(&error)),
    }
}

async fn try_send(
    request: &Request,
    session: &SyncSession,
    signal: &JsValue,
) -> Result<Response, JsValue> {
    let init = Object::new();
    set(&init, "method", &request.method.as_str().into());
    let headers = Object::new();
    for (name, value) in &request.headers {
        set(&headers, name, &value.as_str().into());
    }
    set(&init, "headers", &headers);
    match &request.body {
        Some(Body::Json(text)) => set(&init, "body", &text.as_str().into()),
        Some(Body::Upload) => set(&init, "body", &Uint8Array::from(session.upload_body())),
        None => {}
    }
    set(&init, "signal", signal);
    // Never follow a redirect: a redirected upload would leave the signed URL.
    set(&init, "redirect", &"manual".into());
    // Through Promise.resolve: `then` on what a stand-in fetch returned
    // could throw past the wasm.
    let response = JsFuture::from(caller::resolve(&fetch(&request.url, &init)?.into())?).await?;
    let status = Reflect::get(&response, &"status".into())?
        .as_f64()
        .unwrap_or(0.0) as u16;
    let mut headers = Vec::new();
    let given = Reflect::get(&response, &"headers".into())?;
    if given.is_object() {
        // Array.from, not an iterator read in Rust: every read catches.
        let unreadable = |e: crate::Error| js_error(&e);
        for entry in caller::items(&given, "the response's headers").map_err(unreadable)? {
            let pair = caller::items(&entry, "a response header").map_err(unreadable)?;
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((name, value));
            }
        }
    }
    Ok(Response::Http {
        status,
        headers,
        body: read_body(&response).await?,
    })
}

/// Reads at most [`MAX_BODY_BYTES`] of the body from its stream, and
/// cancels the rest; a response with no stream (a stand-in `fetch`) is
/// read with its `text()`.
async fn read_body(response: &JsValue) -> Result<String, JsValue> {
    let stream = Reflect::get(response, &"body".into())?;
    let get_reader = match stream.is_object() {
        true => Reflect::get(&stream, &"getReader".into())?.dyn_into::<Function>(),
        false => Err(stream.clone()),
    };
    let Ok(get_reader) = get_reader else {
        let text = Reflect::get(response, &"text".into())?.dyn_into::<Function>()?;
        let body = JsFuture::from(caller::resolve(&text.call0(response)?)?).await?;
        return Ok(body.as_string().unwrap_or_default());
    };
    let reader = get_reader.call0(&stream)?;
    let call = |name: &str| -> Result<Promise, JsValue> {
        let method = Reflect::get(&reader, &name.into())?.dyn_into::<Function>()?;
        caller::resolve(&method.call0(&reader)?)
    };
    let mut bytes = Vec::new();
    while bytes.len() < MAX_BODY_BYTES {
        let chunk = JsFuture::from(call("read")?).await?;
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(decode(&bytes));
        }
        let value = Reflect::get(&chunk, &"value".into())?.dyn_into::<Uint8Array>()?;
        let mut part =
            caller::uint8_bytes(&value, "the response's body").map_err(|e| js_error(&e))?;
        part.truncate(MAX_BODY_BYTES - bytes.len());
        bytes.extend_from_slice(&part);
    }
    // Whether the cancel succeeds changes nothing: the body read is enough.
    let _ = JsFuture::from(call("cancel")?).await;
    Ok(decode(&bytes))
}

/// The body as `text()` reads it: UTF-8, a byte-order mark dropped, bad
/// bytes (a multi-byte character cut at the limit) replaced.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// A transport error as the host described it (`TypeError: fetch failed`).
fn describe(error: &JsValue) -> String {
    let text = |key: &str| {
        Reflect::get(error, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    match (text("name"), text("message")) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (None, Some(message)) => message,
        _ => error
            .as_string()
            .unwrap_or_else(|| "the request failed".into()),
    }
}

/// Waits `ms`, or until the host's signal stops the sync.
async fn sleep(ms: u64, signal: &Option<JsValue>) -> Result<(), JsValue> {
    if aborted(signal) {
        return Ok(()); // stopped by the progress callback itself
    }
    let mut timer = JsValue::UNDEFINED;
    let mut stop = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        timer = set_timeout(&resolve, ms as f64);
        stop = OnAbort::listen(signal, move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
    });
    let waited = JsFuture::from(promise).await.map(|_| ());
    clear_timeout(&timer);
    drop(stop);
    waited
}
