//! The JavaScript face of the core, through wasm-bindgen.
//!
//! Everything here converts between JS values and the typed Rust API and
//! nothing more; the logic lives in the rest of the crate. The same `.wasm`
//! serves Node, the browser and Apps Script, so nothing here may import a
//! host-specific global at load time.

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
    js.into()
}

fn set(target: &js_sys::Error, key: &str, value: &JsValue) {
    // Reflect::set only fails on frozen or proxy targets; a fresh Error is neither.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

/// Serialises a value to a plain JS object (maps become objects, not `Map`s).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| js_error(&Error::new(ErrorKind::Protocol, e.to_string())))
}

/// Deserialises options or config from JS; `undefined`/`null` give the default.
pub(crate) fn from_js<T: DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOption {
                option: what.to_string(),
            },
            format!("invalid {what}: {e}"),
        )
    })
}
