//! JS bindings of the transform: `transform`, `transformJson`,
//! `transformBytes` and `countCsvRecords`.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::{from_js, js_error, to_js};
use crate::options::TransformOptions;
use crate::transform::{transform, transform_bytes, Transformed};

/// `transform(csvText, options?)` → `{ file, report, reportText }`.
///
/// `file` is the Torii file as a plain object, parsed from the exact JSON
/// text `transformJson` returns, so both always agree. Throws an `Error`
/// with a `code` on a fatal problem.
#[wasm_bindgen(js_name = transform)]
pub fn transform_js(csv_text: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let out = run(|o| transform(csv_text, o), options)?;
    let file = js_sys::JSON::parse(&out.to_json())?;
    result(&out, "file", &file)
}

/// `transformJson(csvText, options?)` → `{ json, report, reportText }`.
///
/// `json` is the exact file body to upload or download.
#[wasm_bindgen(js_name = transformJson)]
pub fn transform_json_js(csv_text: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let out = run(|o| transform(csv_text, o), options)?;
    result(&out, "json", &JsValue::from_str(&out.to_json()))
}

/// `transformBytes(bytes, options?)` → `{ json, report, reportText }`.
///
/// For hosts that read files as bytes: the core checks the encoding and
/// names the offset of the first byte that is not UTF-8.
#[wasm_bindgen(js_name = transformBytes)]
pub fn transform_bytes_js(bytes: &Uint8Array, options: JsValue) -> Result<JsValue, JsValue> {
    let bytes = bytes.to_vec();
    let out = run(|o| transform_bytes(&bytes, o), options)?;
    result(&out, "json", &JsValue::from_str(&out.to_json()))
}

/// `countCsvRecords(csvText)`: records in the text, counted by the `csv`
/// crate alone. A quick row count, and the benchmark's raw-parse baseline.
#[wasm_bindgen(js_name = countCsvRecords)]
pub fn count_csv_records_js(csv_text: &str) -> f64 {
    // Record counts are far below 2^53, so the conversion is exact.
    crate::input::count_records(csv_text) as f64
}

/// `version()`: the core's version, for hosts to show and log.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn run(
    f: impl FnOnce(&TransformOptions) -> crate::Result<Transformed>,
    options: JsValue,
) -> Result<Transformed, JsValue> {
    let options: TransformOptions = from_js(options, "options").map_err(|e| js_error(&e))?;
    f(&options).map_err(|e| js_error(&e))
}

fn result(out: &Transformed, key: &str, value: &JsValue) -> Result<JsValue, JsValue> {
    let obj = Object::new();
    Reflect::set(&obj, &key.into(), value)?;
    Reflect::set(&obj, &"report".into(), &to_js(&out.report)?)?;
    Reflect::set(
        &obj,
        &"reportText".into(),
        &JsValue::from_str(&out.report.render_text()),
    )?;
    Ok(obj.into())
}
