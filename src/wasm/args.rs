//! Reading JavaScript arguments: every exported function checks what it is
//! given and refuses the wrong type with an `invalid_argument` error that
//! names the argument and what it got, instead of trapping in the wasm.
//! Options objects are read field by field through the option table, so a
//! misspelt option or a `NaN` is refused by name. Every read of a caller
//! value that can run the caller's code goes through `caller`, so a value
//! that throws when read is refused by name too.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};

use super::buffer::InputBuffer;
use super::caller;

use crate::changes::PreviousFile;
use crate::error::{Error, ErrorKind, Result};
use crate::input::check_input_size;
use crate::options::catalog::{find, Host, OptionValue, Options, Scope};
use crate::sync::{ApiKey, HostRun, SyncConfig};

/// What a JS value is, for messages: "a number", "undefined", ...
pub(crate) fn type_name(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.is_string() {
        "a string"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_function() {
        "a function"
    } else if caller::looks_like_array(value) {
        "an array"
    } else if value.is_instance_of::<Uint8Array>() {
        "a Uint8Array"
    } else if value.is_object() {
        "an object"
    } else {
        "an unknown value"
    }
}

/// An `invalid_argument` error: `function(argument)` must be `expected`.
pub(crate) fn invalid(argument: &str, expected: &str, got: &JsValue) -> Error {
    invalid_got(argument, expected, type_name(got))
}

/// [`invalid`] for a value described by `got` ("an object") rather than given.
pub(crate) fn invalid_got(argument: &str, expected: &str, got: &str) -> Error {
    Error::new(
        ErrorKind::InvalidArgument {
            argument: argument.to_string(),
        },
        format!("{argument} must be {expected}, got {got}"),
    )
}

/// Bytes from an `InputBuffer` (taken, not copied), a `Uint8Array`, an
/// `ArrayBuffer` or a string (as UTF-8), checked against the input size
/// limit before they are copied.
pub(crate) fn bytes(value: &JsValue, argument: &str) -> Result<Vec<u8>> {
    if let Some(buffer) = InputBuffer::try_from_js_value_ref(value) {
        return Ok(buffer.into_bytes());
    }
    if let Some(text) = value.as_string() {
        check_input_size(text.len() as u64)?;
        return Ok(text.into_bytes());
    }
    let array = if let Some(array) = value.dyn_ref::<Uint8Array>() {
        array.clone()
    } else if value.is_instance_of::<ArrayBuffer>() {
        caller::uint8_over(value, argument)?
    } else {
        return Err(invalid(
            argument,
            "an InputBuffer, a Uint8Array, an ArrayBuffer or a string",
            value,
        ));
    };
    caller::uint8_bytes(&array, argument)
}

/// A previous Torii file: its JSON text or bytes, or the rows
/// `snapshotRows()` gave (an array of strings).
pub(crate) fn previous_file(value: &JsValue, argument: &str) -> Result<PreviousFile> {
    if let Some(rows) = caller::array(value, argument)? {
        return rows
            .iter()
            .map(|row| row.as_string())
            .collect::<Option<Vec<_>>>()
            .map(PreviousFile::rows)
            .ok_or_else(|| invalid(argument, "JSON text, bytes or rows of text", value));
    }
    let text = String::from_utf8(bytes(value, argument)?).map_err(|_| {
        Error::new(
            ErrorKind::NotToriiFile,
            "the previous file is not a Torii file: it is not UTF-8 text",
        )
    })?;
    Ok(PreviousFile::Json(text))
}

/// A string.
pub(crate) fn string(value: &JsValue, argument: &str) -> Result<String> {
    value
        .as_string()
        .ok_or_else(|| invalid(argument, "a string", value))
}

/// A finite number.
pub(crate) fn number(value: &JsValue, argument: &str) -> Result<f64> {
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(invalid(argument, "a finite number", value)),
    }
}

/// An array of strings (a command line's arguments).
pub(crate) fn strings(value: &JsValue, argument: &str) -> Result<Vec<String>> {
    let Some(items) = caller::array(value, argument)? else {
        return Err(invalid(argument, "an array of strings", value));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| string(&item, &format!("{argument}[{i}]")))
        .collect()
}

/// A boolean.
pub(crate) fn boolean(value: &JsValue, argument: &str) -> Result<bool> {
    value
        .as_bool()
        .ok_or_else(|| invalid(argument, "true or false", value))
}

/// A JS value as an option's value, by its type; `field` names it as an
/// argument should reading it throw.
fn option_value(value: &JsValue, name: &str, field: &str) -> Result<Option<OptionValue>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(OptionValue::Text(text)));
    }
    if let Some(n) = value.as_f64() {
        return Ok(Some(OptionValue::Number(n)));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Some(OptionValue::Flag(b)));
    }
    if let Some(items) = caller::array(value, field)? {
        let items = items
            .iter()
            .map(|item| item.as_string())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::option(name, format!("{name} must be a list of texts")))?;
        return Ok(Some(OptionValue::List(items)));
    }
    if value.is_object() && !value.is_function() {
        let mut pairs = Vec::new();
        for key in caller::keys(value, field)?.iter() {
            let key_text = key.as_string().unwrap_or_default();
            let item = caller::get(value, &key, &format!("{field}.{key_text}"))?;
            let item = match (item.as_string(), item.as_f64()) {
                (Some(text), _) => text,
                (None, Some(n)) if n.is_finite() && n.fract() == 0.0 && n >= 0.0 => {
                    (n as u64).to_string()
                }
                _ => {
                    return Err(Error::option(
                        name,
                        format!("{name}.{key_text} must be text or a column number"),
                    ))
                }
            };
            pairs.push((key_text, item));
        }
        return Ok(Some(OptionValue::Pairs(pairs)));
    }
    Err(Error::option(
        name,
        format!("{name} cannot be {}", type_name(value)),
    ))
}

/// The own enumerable keys and values of a plain object; `undefined` and
/// `null` are an empty object.
pub(crate) fn entries(value: &JsValue, argument: &str) -> Result<Vec<(String, JsValue)>> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !value.is_object() || caller::is_array(value, argument)? || value.is_function() {
        return Err(invalid(argument, "an object", value));
    }
    let mut out = Vec::new();
    for key in caller::keys(value, argument)?.iter() {
        let name = key.as_string().unwrap_or_default();
        let item = caller::get(value, &key, &format!("{argument}.{name}"))?;
        out.push((name, item));
    }
    Ok(out)
}

/// Sets one option from a JS value (given as `argument.name`), refusing
/// options of the other scope.
fn set_option(
    options: &mut Options,
    name: &str,
    value: &JsValue,
    scope: Scope,
    argument: &str,
) -> Result<()> {
    let spec = find(Host::Js, name).ok_or_else(|| {
        let names: Vec<&str> = crate::options::catalog::OPTIONS
            .iter()
            .filter(|o| o.scope == scope)
            .map(|o| o.js_name)
            .collect();
        Error::option(
            name,
            format!(
                "unknown option \"{}\"; the options are: {}",
                crate::text::shorten(name),
                names.join(", ")
            ),
        )
    })?;
    if spec.scope != scope {
        let (this, other) = scope.and_other();
        return Err(Error::option(
            name,
            format!("{name} is a {other} option, not a {this} option"),
        ));
    }
    if let Some(value) = option_value(value, name, &format!("{argument}.{name}"))? {
        options.set(spec, value)?;
    }
    Ok(())
}

/// Transform options from a plain object keyed by JS names.
pub(crate) fn transform_options(value: &JsValue, argument: &str) -> Result<Options> {
    let mut options = Options::default();
    for (name, item) in entries(value, argument)? {
        set_option(&mut options, &name, &item, Scope::Transform, argument)?;
    }
    Ok(options)
}

/// A sync configuration: the sync options plus the host's own fields,
/// `apiKey`, `allowDrop`, `baseline` (what an earlier outcome gave, as an
/// object or its JSON text), `previousFile` (the last synced file, see
/// [`previous_file`]), and for a host whose run ends at a fixed time
/// ([`HostRun`]) `runEndsAtMs` and `longestRequestMs`.
pub(crate) fn sync_config(value: &JsValue, argument: &str) -> Result<SyncConfig> {
    let mut options = Options::default();
    let mut config = SyncConfig::default();
    let (mut run_ends_at, mut longest_request) = (None, None);
    for (name, item) in entries(value, argument)? {
        let field = format!("{argument}.{name}");
        match name.as_str() {
            "apiKey" => {
                if let Some(key) = given(&item, |v| string(v, &field))? {
                    config.api_key = ApiKey::new(key);
                }
            }
            "allowDrop" => {
                if let Some(allow) = given(&item, |v| boolean(v, &field))? {
                    config.allow_drop = allow;
                }
            }
            "baseline" => config.baseline = stored_text(&item, &field)?,
            "previousFile" => config.previous_file = given(&item, |v| previous_file(v, &field))?,
            "runEndsAtMs" => run_ends_at = given(&item, |v| number(v, &field))?,
            "longestRequestMs" => longest_request = given(&item, |v| number(v, &field))?,
            _ => set_option(&mut options, &name, &item, Scope::Sync, argument)?,
        }
    }
    config.options = options.sync;
    config.host_run = match (run_ends_at, longest_request) {
        (Some(ends_at_ms), longest_request_ms) => Some(HostRun {
            ends_at_ms,
            longest_request_ms,
        }),
        (None, Some(_)) => {
            return Err(Error::new(
                ErrorKind::InvalidArgument {
                    argument: format!("{argument}.runEndsAtMs"),
                },
                format!(
                    "{argument}.longestRequestMs is given without {argument}.runEndsAtMs, \
                     when the host's run ends"
                ),
            ))
        }
        (None, None) => None,
    };
    Ok(config)
}

/// `read` of a field that is neither `undefined` nor `null`.
fn given<T>(value: &JsValue, read: impl FnOnce(&JsValue) -> Result<T>) -> Result<Option<T>> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        read(value).map(Some)
    }
}

/// What a host stored, as text: a string as it is, anything else as its
/// JSON (so `NaN` arrives as `null` and is found unreadable, not zero).
pub(super) fn stored_text(value: &JsValue, argument: &str) -> Result<Option<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return Ok(Some(text));
    }
    let json = js_sys::JSON::stringify(value).map_err(|e| caller::unreadable(argument, &e))?;
    Ok(Some(json.as_string().unwrap_or_default()))
}
