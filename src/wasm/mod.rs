//! The JavaScript face of the core, through wasm-bindgen.
//!
//! Everything here converts between JS values and the typed Rust API and
//! nothing more; the logic lives in the rest of the crate. The same `.wasm`
//! serves Node, the browser and Apps Script, so nothing here may import a
//! host-specific global at load time.
//!
//! Values cross as JSON text the core writes (parsed with the host's
//! `JSON.parse`), bytes cross as `Uint8Array`s, and arguments are read
//! field by field (`args`), every read that can run the caller's code
//! through the catching imports of `caller`. Every error is a JS `Error`
//! with a `code`.
//!
//! | export | what |
//! |---|---|
//! | `version()` | the core's version |
//! | `optionCatalog()` | every option, for flags, forms and the Configuration sheet |
//! | `parseOptions(host, entries)` | options from `[name, text]` pairs of the CLI or the sheet |
//! | `readConfigurationSheet(rows)` | the Apps Script Configuration sheet's options |
//! | `sheetTemplate(sheet)` | the rows "Set up sheets" writes in a new Users or Configuration sheet |
//! | `parseCommandLine(command, args, hostFlags)` | a command's arguments: files, the host's flags and the options |
//! | `targetKey({baseUrl, appAccountId})` | the key a host stores the guard's baseline under |
//! | `unsavedRecordText(why)` | what a host says when a sync went through but its record could not be kept |
//! | `appsScriptLimits()` | Apps Script's run limit and longest request, for a sync's `runEndsAtMs` and `longestRequestMs` |
//! | `sheetSafe(values)` | text a spreadsheet shows as text, never runs as a formula |
//! | `checkInputSize(bytes)` | refuses an input too large for the core, before it is read |
//! | `InputBuffer` | a file read straight into the core's memory, taken by `transform` without a copy |
//! | `transform(input, options)` | a `TransformResult` |
//! | `SyncSession` | the sans-IO upload/sync state machine |
//! | `connectionProbe(config)`, `connectionResult(response, config)` | the connection test |

mod args;
mod buffer;
mod caller;
mod fetch;
mod rows;
mod sync;
mod transform;

pub use self::buffer::InputBuffer;
pub use self::sync::{
    apps_script_limits, connection_probe, connection_result, target_key, unsaved_record_text,
    SyncSessionJs,
};
pub use self::transform::{
    check_input_size_js, option_catalog, parse_options, read_configuration_sheet, sheet_safe_js,
    sheet_template, transform_js, version, TransformResult,
};

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::{Error, ErrorKind};

/// Converts a core [`Error`] into a JS `Error` with a `code` property,
/// `usage: true` when a person fixes it by changing how the tool is called
/// ([`ErrorKind::is_usage`], what a CLI exits 2 for), and, for a missing
/// email column, `headersFound`; for no valid users, the `report` and its text, `reportText`.
pub(crate) fn js_error(err: &Error) -> JsValue {
    let js = js_sys::Error::new(err.message());
    set(&js, "code", &JsValue::from_str(err.code()));
    if err.kind().is_usage() {
        set(&js, "usage", &JsValue::TRUE);
    }
    match err.kind() {
        ErrorKind::MissingEmailColumn { headers_found } => {
            let list: js_sys::Array = headers_found.iter().map(|h| JsValue::from_str(h)).collect();
            set(&js, "headersFound", &list);
        }
        ErrorKind::NoValidUsers { report } => {
            set(&js, "report", &json(&report.to_json()));
            set(&js, "reportText", &JsValue::from_str(&report.render_text()));
        }
        ErrorKind::InvalidOption { option } => set(&js, "option", &JsValue::from_str(option)),
        ErrorKind::InvalidConfig { field } => set(&js, "field", &JsValue::from_str(field)),
        _ => {}
    }
    js.into()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Reflect::set only fails on frozen or proxy targets; ours are fresh.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// JSON text the core wrote, as a plain JS value.
pub(crate) fn json(text: &[u8]) -> JsValue {
    let text = std::str::from_utf8(text).unwrap_or("null");
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// Maps a core result to what wasm-bindgen throws.
pub(crate) fn throw<T>(result: crate::Result<T>) -> Result<T, JsValue> {
    result.map_err(|e| js_error(&e))
}
