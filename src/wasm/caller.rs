//! The catching JS calls the API makes on caller values.
//!
//! A value a caller hands the API can run code of its own when read: a
//! custom `Symbol.iterator`, a getter, a `Proxy` trap, a revoked `Proxy`.
//! Should that code throw inside a js-sys import that does not catch, the
//! exception unwinds through the wasm frames with no Rust cleanup: the
//! borrow flag of a `&self` object stays set (every later call on it fails)
//! and shadow-stack bytes leak (after a few hundred such calls, every call
//! into the instance fails). So every call the API makes on a caller value
//! goes through this module, whose imports catch: the JS error becomes an
//! `invalid_argument` error naming the argument ("transform(input) could
//! not be read: boom"), returned like any other.
//!
//! Calls that cannot run caller code need no catch: `typeof` tests
//! (`as_string`, `as_f64`, `is_object`, ...) and wasm-bindgen's `instanceof`
//! checks (`dyn_ref`, `is_instance_of`), which its glue already wraps in a
//! `try` that answers `false`. `InputBuffer`'s unwrap, the one `instanceof`
//! the glue does not wrap, is wrapped by `js/build/patch-glue.mjs`.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::args::type_name;
use crate::error::{Error, ErrorKind, Result};
use crate::input::check_input_size;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(value: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_from(value: &JsValue) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> std::result::Result<Array, JsValue>;
    /// `Promise.resolve(value)`, which reads a promise's `constructor`.
    #[wasm_bindgen(catch, js_namespace = Promise, js_name = resolve)]
    pub(super) fn resolve(value: &JsValue) -> std::result::Result<Promise, JsValue>;

    /// `Uint8Array`, with the two calls made on caller values catching.
    #[wasm_bindgen(js_name = Uint8Array)]
    type Bytes;
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    fn over(buffer: &JsValue) -> std::result::Result<Bytes, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn set(this: &Bytes, source: &JsValue) -> std::result::Result<(), JsValue>;
}

/// The `invalid_argument` error for an `argument` whose reading threw
/// `thrown`.
pub(super) fn unreadable(argument: &str, thrown: &JsValue) -> Error {
    // A thrown number is described, not printed: formatting an f64 would
    // pull Rust's float printer (about 20 KB) into the .wasm.
    let why = match thrown.as_string() {
        Some(text) => text,
        None => Some(thrown)
            .filter(|e| e.is_object())
            .and_then(|e| Reflect::get(e, &"message".into()).ok())
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("it threw {}", type_name(thrown))),
    };
    unreadable_because(argument, &why)
}

fn unreadable_because(argument: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument {
            argument: argument.to_string(),
        },
        format!(
            "{argument} could not be read: {}",
            crate::text::shorten(why)
        ),
    )
}

/// `Array.isArray(value)`, which throws for a revoked `Proxy`.
pub(super) fn is_array(value: &JsValue, argument: &str) -> Result<bool> {
    array_is_array(value).map_err(|e| unreadable(argument, &e))
}

/// [`is_array`] for a message: a value that cannot say is no array.
pub(super) fn looks_like_array(value: &JsValue) -> bool {
    array_is_array(value).unwrap_or(false)
}

/// `Array.from(value)`: a fresh array of the items, read once.
pub(super) fn items(value: &JsValue, argument: &str) -> Result<Array> {
    array_from(value).map_err(|e| unreadable(argument, &e))
}

/// The items of `value` when it is an array ([`is_array`], then
/// [`items`]); `None` when it is not.
pub(super) fn array(value: &JsValue, argument: &str) -> Result<Option<Array>> {
    if is_array(value, argument)? {
        items(value, argument).map(Some)
    } else {
        Ok(None)
    }
}

/// `Object.keys(value)`: a fresh array of the own enumerable keys.
pub(super) fn keys(value: &JsValue, argument: &str) -> Result<Array> {
    object_keys(value).map_err(|e| unreadable(argument, &e))
}

/// `Reflect.get(value, key)`, naming `argument` when a getter throws.
pub(super) fn get(value: &JsValue, key: &JsValue, argument: &str) -> Result<JsValue> {
    Reflect::get(value, key).map_err(|e| unreadable(argument, &e))
}

/// The bytes of `array` (a `Uint8Array`, or what passed for one), checked
/// against the input size limit before they are copied.
pub(super) fn uint8_bytes(array: &Uint8Array, argument: &str) -> Result<Vec<u8>> {
    let length = get(array, &"length".into(), argument)?;
    let length = match length.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => n,
        _ => return Err(unreadable_because(argument, "its length is not a size")),
    };
    check_input_size(length as u64)?;
    let mut out = vec![0; length as usize];
    // SAFETY: the view over `out` is used by this one call only; nothing in
    // Rust touches `out` until it returns. Should the caller's code grow
    // the memory meanwhile, the view is detached and writes nothing.
    let view = unsafe { Uint8Array::view_mut_raw(out.as_mut_ptr(), out.len()) };
    view.unchecked_ref::<Bytes>()
        .set(array)
        .map_err(|e| unreadable(argument, &e))?;
    Ok(out)
}

/// `new Uint8Array(buffer)`: a view over an `ArrayBuffer` (or a copy of
/// what passed for one).
pub(super) fn uint8_over(buffer: &JsValue, argument: &str) -> Result<Uint8Array> {
    Bytes::over(buffer)
        .map(JsCast::unchecked_into)
        .map_err(|e| unreadable(argument, &e))
}
