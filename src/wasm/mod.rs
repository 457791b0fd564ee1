//! The JavaScript face of the core, through wasm-bindgen.
//!
//! Everything here converts between JS values and the typed Rust API and
//! nothing more; the logic lives in the rest of the crate. The same `.wasm`
//! serves Node, the browser and Apps Script, so nothing here may import a
//! host-specific global at load time.

mod fetch;
mod sync;
mod transform;

pub use self::fetch::sync_with_fetch;
pub use self::sync::{check_sync_guard, SyncSessionJs};
pub use self::transform::{
    count_csv_records_js, transform_bytes_js, transform_js, transform_json_js, version,
};

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::{Error, ErrorKind};

/// Converts a core [`Error`] into a JS `Error` with a `code` property (and,
/// for a missing email column, `headersFound`).
pub(crate) fn js_error(err: &Error) -> JsValue {
    let js = js_sys::Error::new(err.message());
    set(&js, "code", &JsValue::from_str(err.code()));
    if let ErrorKind::MissingEmailColumn { headers_found } = err.kind() {
        let list: js_sys::Array = headers_found.iter().map(|h| JsValue::from_str(h)).collect();
        set(&js, "headersFound", &list);
    }
    if let ErrorKind::NoValidUsers { report } = err.kind() {
        if let Ok(report) = to_js(report) {
            set(&js, "report", &report);
        }
    }
    js.into()
}

fn set(target: &js_sys::Error, key: &str, value: &JsValue) {
    // Reflect::set only fails on frozen or proxy targets; a fresh Error is neither.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

/// Converts a value to a plain JS object by way of JSON.
///
/// JSON is the bridge in both directions instead of serde-wasm-bindgen: it
/// keeps the `.wasm` smaller, gives plain objects (never `Map`s), and lets
/// `deny_unknown_fields` catch misspelt options, which a field-by-field
/// reader never sees.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| js_error(&Error::new(ErrorKind::Protocol, e.to_string())))?;
    js_sys::JSON::parse(&json)
}

/// Reads options or config from JS; `undefined`/`null` give the default.
/// `what` names the argument in error messages.
pub(crate) fn from_js<T: DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let invalid = |detail: String| {
        Error::new(
            ErrorKind::InvalidOption {
                option: what.to_string(),
            },
            format!("invalid {what}: {detail}"),
        )
    };
    let json = js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| invalid("not a plain object".to_string()))?;
    serde_json::from_str(&json).map_err(|e| invalid(e.to_string()))
}
