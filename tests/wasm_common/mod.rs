//! JS-API checks shared by the Node and the browser wasm-bindgen test suites.
//! Each suite wraps these in `#[wasm_bindgen_test]` functions.

use js_sys::{Array, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

use stripe_torii_sync::wasm::{
    check_sync_guard, count_csv_records_js, sync_with_fetch, transform_bytes_js, transform_js,
    transform_json_js, SyncSessionJs,
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

const KEY: &str = "wasm-test-key-0042";

fn sync_config(extra: &str) -> JsValue {
    options(&format!(
        r#"{{"apiKey":"{KEY}","appAccountId":"5","baseUrl":"http://127.0.0.1:1/v1.0"{extra}}}"#
    ))
}

fn sample_json() -> String {
    get(
        &transform_json_js(SAMPLE, JsValue::UNDEFINED).unwrap(),
        "json",
    )
    .as_string()
    .unwrap()
}

pub fn sync_session_walks_the_sequence_from_js() {
    let mut session = SyncSessionJs::new(sync_config(""), sample_json(), 7.0).unwrap();
    assert_eq!(session.user_count(), 9);
    let answers = [
        r#"{"status":200,"headers":{},"body":"{\"uploadFileParameters\":{\"url\":\"http://127.0.0.1:1/s3/x\",\"filePath\":\"p\"}}"}"#,
        r#"{"status":200,"body":""}"#,
        r#"{"status":429,"headers":{"retry-after":"2"},"body":""}"#,
        r#"{"status":200,"body":"{\"id\":31}"}"#,
        r#"{"status":200,"body":"{}"}"#,
    ];
    let mut now = 0.0;
    let mut steps = Vec::new();
    let mut answers = answers.iter();
    let outcome = loop {
        let action = session.poll(now).unwrap();
        match get(&action, "type").as_string().unwrap().as_str() {
            "send" => {
                let request = get(&action, "request");
                let step = get(&request, "step").as_string().unwrap();
                let auth = get(&get(&request, "headers"), "Authorization");
                assert_eq!(auth.is_undefined(), step == "upload");
                assert!(get(&action, "label").as_string().is_some());
                steps.push(format!(
                    "{}/{} {step} #{}",
                    get(&action, "index").as_f64().unwrap(),
                    get(&action, "total").as_f64().unwrap(),
                    get(&action, "attempt").as_f64().unwrap()
                ));
                let answer = options(answers.next().unwrap());
                session.handle_response(now, answer).unwrap();
            }
            "wait" => now += get(&action, "ms").as_f64().unwrap(),
            "done" => break get(&action, "outcome"),
            other => panic!("unexpected action {other}: {:?}", JSON::stringify(&action)),
        }
    };
    assert_eq!(
        steps,
        [
            "1/4 upload_url #1",
            "2/4 upload #1",
            "3/4 register #1",
            "3/4 register #2",
            "4/4 sync #1"
        ]
    );
    assert_eq!(get(&outcome, "fileId").as_f64(), Some(31.0));
    assert_eq!(get(&outcome, "retries").as_f64(), Some(1.0));
    let text = JSON::stringify(&outcome).unwrap().as_string().unwrap();
    assert!(!text.contains(KEY));
    assert!(session.outcome().unwrap().is_object());
}

pub fn sync_session_reports_failures_and_bad_input() {
    let mut session = SyncSessionJs::new(sync_config(""), sample_json(), 1.0).unwrap();
    session.poll(0.0).unwrap();
    let unauthorized = options(r#"{"status":401,"body":"{\"message\":\"bad key\"}"}"#);
    session.handle_response(1.0, unauthorized).unwrap();
    let failed = session.poll(2.0).unwrap();
    assert_eq!(get(&failed, "type").as_string().as_deref(), Some("failed"));
    let error = get(&failed, "error");
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some("unauthorized")
    );
    assert!(get(&error, "message")
        .as_string()
        .unwrap()
        .starts_with("Torii rejected the API key"));

    let err = session
        .handle_response(3.0, options(r#"{"status":200}"#))
        .unwrap_err();
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("protocol"));

    let err = SyncSessionJs::new(
        options(r#"{"apiKey":"k","appAccountId":"1","baseUrl":"http://example.com"}"#),
        sample_json(),
        1.0,
    )
    .err()
    .unwrap();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid_config")
    );
    let err = SyncSessionJs::new(
        sync_config(r#","previousUserCount":100"#),
        sample_json(),
        1.0,
    )
    .err()
    .unwrap();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("destructive_sync")
    );
}

pub fn the_guard_is_exposed() {
    let verdict = check_sync_guard(options(r#"{"previousUserCount":100,"userCount":70}"#)).unwrap();
    assert_eq!(get(&verdict, "allowed").as_bool(), Some(false));
    assert_eq!(get(&verdict, "dropPercent").as_f64(), Some(30.0));
    let verdict = check_sync_guard(options(
        r#"{"previousUserCount":100,"userCount":70,"allowDrop":true}"#,
    ))
    .unwrap();
    assert_eq!(get(&verdict, "allowed").as_bool(), Some(true));
    let err = check_sync_guard(options(r#"{"userCount":-1}"#)).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid_option")
    );
}

/// The fetch driver against a port nothing listens on: the transport error
/// reaches the session, whose zero wait budget ends the run at once.
pub async fn sync_with_fetch_reports_an_unreachable_server() {
    let err = sync_with_fetch(
        sync_config(r#","waitBudgetMs":0"#),
        sample_json(),
        JsValue::UNDEFINED,
    )
    .await
    .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("wait_budget_exceeded")
    );
    let message = get(&err, "message").as_string().unwrap();
    assert!(message.contains("no response"), "{message}");
    assert!(!message.contains(KEY));
}

/// Declares one `#[wasm_bindgen_test]` per shared check, so the Node and the
/// browser suites run exactly the same list. `async` checks are awaited.
macro_rules! wasm_suite {
    ($($name:ident),* ; async $($async_name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            fn $name() {
                wasm_common::$name();
            }
        )*
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $async_name() {
                wasm_common::$async_name().await;
            }
        )*
    };
}

/// The whole list of shared checks, so the Node and browser suites cannot
/// drift apart.
macro_rules! all_checks {
    () => {
        wasm_common::wasm_suite!(
            transform_returns_file_and_report,
            transform_json_is_the_same_file_as_text,
            errors_carry_a_code_and_the_headers_found,
            bytes_that_are_not_utf8_name_the_offset,
            count_records_counts_csv_records,
            sync_session_walks_the_sequence_from_js,
            sync_session_reports_failures_and_bad_input,
            the_guard_is_exposed;
            async sync_with_fetch_reports_an_unreachable_server,
        );
    };
}

pub(crate) use {all_checks, wasm_suite};
