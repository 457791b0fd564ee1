//! JS-API checks shared by the Node and the browser wasm-bindgen test suites.
//! Each suite wraps these in `#[wasm_bindgen_test]` functions.

use js_sys::{Array, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

use stripe_torii_sync::wasm::{
    count_csv_records_js, transform_bytes_js, transform_js, transform_json_js,
};

const SAMPLE: &str = include_str!("../fixtures/stripe-sample.csv");

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn options(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

pub fn transform_returns_file_and_report() {
    let out = transform_js(SAMPLE, JsValue::UNDEFINED).unwrap();
    let users: Array = get(&get(&out, "file"), "users").dyn_into().unwrap();
    assert_eq!(users.length(), 9);
    let report = get(&out, "report");
    assert_eq!(get(&report, "rowsRead").as_f64(), Some(12.0));
    assert_eq!(get(&report, "merged").as_f64(), Some(1.0));
    let diagnostics: Array = get(&report, "diagnostics").dyn_into().unwrap();
    let first = diagnostics.get(0);
    assert!(get(&first, "line").as_f64().is_some());
    assert!(get(&first, "code").as_string().is_some());
    // byRole is a plain object, not a Map.
    assert!(get(&report, "byRole").is_object());
    assert!(get(&get(&report, "byRole"), "Developer").as_f64().is_some());
    assert!(get(&out, "reportText")
        .as_string()
        .unwrap()
        .contains("12 rows read"));
}

pub fn transform_json_is_the_same_file_as_text() {
    let out = transform_json_js(SAMPLE, options(r#"{"licenseName":"Stripe Team"}"#)).unwrap();
    let json = get(&out, "json").as_string().unwrap();
    assert!(json.ends_with("]}\n"));
    let parsed = transform_js(SAMPLE, options(r#"{"licenseName":"Stripe Team"}"#)).unwrap();
    let again = JSON::stringify(&get(&parsed, "file"))
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(format!("{again}\n"), json);
}

pub fn errors_carry_a_code_and_the_headers_found() {
    let err = transform_js("Name,Role\nAda,Owner\n", JsValue::UNDEFINED).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("missing_email_column")
    );
    let found: Array = get(&err, "headersFound").dyn_into().unwrap();
    assert_eq!(found.length(), 2);
    let message = get(&err, "message").as_string().unwrap();
    assert!(message.contains("Name, Role"));

    let err = transform_js(SAMPLE, options(r#"{"pricePerUserCents":-1}"#)).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid_option")
    );
    let err = transform_js(SAMPLE, options(r#"{"licenceName":"typo"}"#)).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid_option")
    );

    let err = transform_js("Email\nnope\n", JsValue::UNDEFINED).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("no_valid_users")
    );
    assert_eq!(get(&get(&err, "report"), "rejected").as_f64(), Some(1.0));
}

pub fn bytes_that_are_not_utf8_name_the_offset() {
    let bytes = Uint8Array::from(&b"Email\nada@example.com\n\xff"[..]);
    let err = transform_bytes_js(&bytes, JsValue::UNDEFINED).unwrap_err();
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("not_text"));
    assert!(get(&err, "message")
        .as_string()
        .unwrap()
        .contains("byte 22"));
    let ok = transform_bytes_js(&Uint8Array::from(SAMPLE.as_bytes()), JsValue::NULL).unwrap();
    assert!(get(&ok, "json")
        .as_string()
        .unwrap()
        .starts_with("{\"users\":["));
}

pub fn count_records_counts_csv_records() {
    assert_eq!(count_csv_records_js("a,b\n\"x\ny\",z\n\n1,2\n"), 3.0);
}

/// Declares one `#[wasm_bindgen_test]` per shared check, so the Node and the
/// browser suites run exactly the same list.
macro_rules! wasm_suite {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            fn $name() {
                wasm_common::$name();
            }
        )*
    };
}

pub(crate) use wasm_suite;
