//! JS-API checks shared by the Node and the browser wasm-bindgen test suites.
//! Each suite wraps these in `#[wasm_bindgen_test]` functions.

use js_sys::{Array, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

use stripe_torii_sync::wasm::{
    option_catalog, parse_options, read_configuration_sheet, sheet_safe_js, sheet_template,
    target_key, transform_js, SyncSessionJs,
};

const SAMPLE: &str = include_str!("../fixtures/stripe-sample.csv");

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn code(err: &JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error");
    get(err, "code").as_string().unwrap_or_default()
}

fn text(bytes: &Uint8Array) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn transform_returns_the_file_and_the_report() {
    let out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(out.user_count(), 9);
    let file: JsValue = JSON::parse(&text(&out.json())).unwrap();
    let users: Array = get(&file, "users").dyn_into().unwrap();
    assert_eq!(users.length(), 9);
    let report = out.report();
    assert_eq!(get(&report, "rowsRead").as_f64(), Some(12.0));
    assert_eq!(get(&report, "merged").as_f64(), Some(1.0));
    let first = Array::from(&get(&report, "diagnostics")).get(0);
    assert!(get(&first, "line").as_f64().is_some());
    assert!(get(&first, "code").as_string().is_some());
    assert!(get(&get(&report, "byRole"), "Developer").as_f64().is_some());
    assert!(out.report_text().contains("12 rows read"));
    assert!(out.refusal().is_null());
}

pub fn several_named_inputs_make_one_file() {
    let inputs = Array::new();
    let a = js(r#"{"name":"eu.csv"}"#);
    Reflect::set(
        &a,
        &"data".into(),
        &Uint8Array::from(&b"Email\nada@example.com\n"[..]),
    )
    .unwrap();
    let b = js(
        r#"{"name":"us.csv","data":"Email;Role\nADA@example.com;Owner\nbob@example.com;Dev\n"}"#,
    );
    inputs.push(&a);
    inputs.push(&b);
    let out = transform_js(inputs.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(out.user_count(), 2);
    let report = out.report();
    let files = Array::from(&get(&report, "files"));
    assert_eq!(files.length(), 2);
    assert_eq!(get(&files.get(1), "merged").as_f64(), Some(1.0));
    // Both headers lack a status column; the merge note comes after.
    let diagnostics = Array::from(&get(&report, "diagnostics"));
    let codes: Vec<String> = diagnostics
        .iter()
        .map(|d| get(&d, "code").as_string().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "missing_status_column",
            "missing_status_column",
            "duplicate_email"
        ]
    );
    let note = diagnostics.get(2);
    assert_eq!(get(&note, "file").as_string().as_deref(), Some("us.csv"));
    assert!(get(&note, "message")
        .as_string()
        .unwrap()
        .contains("eu.csv line 2"));
}

pub fn chunks_join_to_the_whole_file() {
    let mut out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    let mut joined = Vec::new();
    loop {
        let chunk = out.next_json_chunk(JsValue::from_f64(100.0)).unwrap();
        if chunk.is_undefined() {
            break;
        }
        joined.extend(chunk.unchecked_into::<Uint8Array>().to_vec());
    }
    assert_eq!(joined, out.json().to_vec());
}

pub fn errors_carry_a_code() {
    let err = transform_js("Name,Role\nAda,Owner\n".into(), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert_eq!(code(&err), "missing_email_column");
    assert_eq!(Array::from(&get(&err, "headersFound")).length(), 2);
    for options in [
        r#"{"pricePerUserCents":-1}"#,
        r#"{"licenceName":"typo"}"#,
        r#"{"excludeDomains":[""]}"#,
        r#"{"appAccountId":"1"}"#,
    ] {
        let err = transform_js(SAMPLE.into(), js(options)).err().unwrap();
        assert_eq!(code(&err), "invalid_option", "{options}");
    }
    let nan = js("{}");
    Reflect::set(
        &nan,
        &"unassignedAmount".into(),
        &JsValue::from_f64(f64::NAN),
    )
    .unwrap();
    let err = transform_js(SAMPLE.into(), nan).err().unwrap();
    assert!(get(&err, "message").as_string().unwrap().contains("NaN"));
    let err = transform_js("Email\nnope\n".into(), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert_eq!(code(&err), "no_valid_users");
    assert_eq!(get(&get(&err, "report"), "rejected").as_f64(), Some(1.0));
}

pub fn wrong_argument_types_are_coded_errors() {
    for bad in [
        JsValue::from_f64(123.0),
        JsValue::UNDEFINED,
        js("{}"),
        js("[]"),
        JsValue::TRUE,
    ] {
        let err = transform_js(bad, JsValue::UNDEFINED).err().unwrap();
        assert_eq!(code(&err), "invalid_argument");
        assert!(get(&err, "message")
            .as_string()
            .unwrap()
            .contains("transform(input"));
    }
    let err = transform_js(SAMPLE.into(), JsValue::from_f64(1.0))
        .err()
        .unwrap();
    assert_eq!(code(&err), "invalid_argument");
    let mut out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(
        code(&out.next_json_chunk("x".into()).err().unwrap()),
        "invalid_argument"
    );
    assert_eq!(
        code(
            &out.preview_page("0".into(), 1.into(), JsValue::UNDEFINED)
                .err()
                .unwrap()
        ),
        "invalid_argument"
    );
    assert_eq!(
        code(
            &out.compare(JsValue::from_f64(3.0), JsValue::UNDEFINED)
                .err()
                .unwrap()
        ),
        "invalid_argument"
    );
    assert_eq!(
        code(&sheet_safe_js(JsValue::from_f64(1.0)).err().unwrap()),
        "invalid_argument"
    );
    assert_eq!(
        code(&parse_options("ftp".into(), js("[]")).err().unwrap()),
        "invalid_argument"
    );
}

/// A value made by JS `source` (the body of a function that returns it).
fn made_by(source: &str) -> JsValue {
    js_sys::Function::new_no_args(source)
        .call0(&JsValue::NULL)
        .unwrap()
}

pub fn values_that_throw_when_read_are_coded_errors() {
    const BOOM: &str = "const boom = () => { throw new Error('boom'); };";
    let hostile = || {
        [
            "return Object.assign(['x'], { [Symbol.iterator]: boom });",
            "return new Proxy({}, { ownKeys: boom });",
            "return new Proxy({ a: 1 }, { get: boom });",
            "return new Proxy(['x'], { get: boom });",
            "const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy;",
            "return new Proxy(new Uint8Array(3), {});",
            "return { name: 'a', rows: [Object.assign([], { [Symbol.iterator]: boom })] };",
        ]
        .map(|body| made_by(&format!("{BOOM} {body}")))
    };
    let mut out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    // Hundreds of rounds: an exception unwinding past the wasm would leak
    // shadow stack until every call failed.
    for _ in 0..300 {
        for value in hostile() {
            let errors = [
                transform_js(value.clone(), JsValue::UNDEFINED).err(),
                transform_js(SAMPLE.into(), value.clone()).err(),
                out.compare(value.clone(), JsValue::UNDEFINED).err(),
                sheet_safe_js(value.clone()).err(),
                parse_options("cli".into(), value.clone()).err(),
                target_key(value.clone()).err(),
            ];
            for error in errors {
                // Some are read as options first: a Uint8Array's keys.
                let code = code(&error.expect("a hostile value was accepted"));
                assert!(["invalid_argument", "invalid_option"].contains(&code.as_str()));
            }
        }
    }
    let err = transform_js(hostile()[0].clone(), JsValue::UNDEFINED)
        .err()
        .unwrap();
    let message = get(&err, "message").as_string().unwrap();
    assert_eq!(message, "transform(input) could not be read: boom");
    // The object the calls were made on, and the instance, still work.
    assert_eq!(out.user_count(), 9);
    assert_eq!(
        transform_js(SAMPLE.into(), JsValue::UNDEFINED)
            .unwrap()
            .user_count(),
        9
    );
}

pub fn bytes_are_decoded_or_refused_with_the_likely_encoding() {
    let bytes = Uint8Array::from(&b"Email\nada@example.com\n\xe9t\xe9"[..]);
    let err = transform_js(bytes.into(), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert_eq!(code(&err), "not_text");
    let message = get(&err, "message").as_string().unwrap();
    assert!(
        message.contains("byte 22") && message.contains("Windows-1252"),
        "{message}"
    );
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "Email\tName\r\nada@example.com\tAda\r\n".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let out = transform_js(
        Uint8Array::from(utf16.as_slice()).into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(out.user_count(), 1);
}

pub fn preview_pages_carry_cells_safe_for_a_sheet() {
    let csv =
        "Email,Name,Last login\nada@example.com,=HYPERLINK(\"x\"),soon\nbob@example.com,Bob,\n";
    let mut out = transform_js(csv.into(), JsValue::UNDEFINED).unwrap();
    let page = out
        .preview_page(0.into(), 10.into(), js(r#"{"sheetSafe":true}"#))
        .unwrap();
    assert_eq!(get(&page, "total").as_f64(), Some(2.0));
    let row = Array::from(&get(&page, "rows")).get(0);
    assert_eq!(
        get(&row, "firstName").as_string().as_deref(),
        Some("=HYPERLINK(\"x\")")
    );
    let cells = Array::from(&get(&row, "cells"));
    assert_eq!(
        cells.get(1).as_string().as_deref(),
        Some("'=HYPERLINK(\"x\")")
    );
    assert_eq!(Array::from(&get(&row, "diagnostics")).length(), 1);
    let safe = sheet_safe_js(js(r#"[["+cmd","ok"],"-2+3"]"#)).unwrap();
    assert_eq!(
        JSON::stringify(&safe).unwrap().as_string().unwrap(),
        r#"[["'+cmd","ok"],"'-2+3"]"#
    );
    // A text longer than a sheet cell holds is cut to fit, counted in the
    // host's UTF-16 units.
    let long = Array::of1(&JsValue::from_str(&"😀".repeat(30_000)));
    let cut = Array::from(&sheet_safe_js(long.into()).unwrap())
        .get(0)
        .as_string()
        .unwrap();
    assert!(cut.encode_utf16().count() <= 50_000);
    assert!(cut.ends_with("… [10080 more characters cut: a sheet cell holds 50000]"));
    // The header's missing-status warning is a diagnostic row too, on no
    // user's row.
    let diagnostics = out.diagnostic_rows(js(r#"{"sheetSafe":true}"#)).unwrap();
    assert_eq!(Array::from(&get(&diagnostics, "rows")).length(), 2);
}

pub fn the_change_preview_reaches_the_report() {
    let before = transform_js(
        "Email\nada@example.com\nbob@example.com\n".into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let mut after = transform_js(
        "Email,Status\nada@example.com,Invited\ncat@example.com,\n".into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(after.changes_listing(1.into()).unwrap().is_undefined());
    let changes = after
        .compare(before.json().into(), "before.json".into())
        .unwrap();
    let listing = after.changes_listing(0.into()).unwrap();
    assert_eq!(
        JSON::stringify(&listing).unwrap().as_string().unwrap(),
        r#"{"counts":{"added":1,"removed":1,"changed":1,"unchanged":0},"added":[],"removed":[],"changed":[]}"#
    );
    assert_eq!(
        code(&after.changes_listing("ten".into()).err().unwrap()),
        "invalid_argument"
    );
    assert_eq!(
        JSON::stringify(&get(&changes, "added"))
            .unwrap()
            .as_string()
            .unwrap(),
        r#"["cat@example.com"]"#
    );
    assert_eq!(
        JSON::stringify(&get(&changes, "removed"))
            .unwrap()
            .as_string()
            .unwrap(),
        r#"["bob@example.com"]"#
    );
    assert_eq!(Array::from(&get(&changes, "changed")).length(), 1);
    assert_eq!(
        get(&get(&after.report(), "changes"), "unchanged").as_f64(),
        Some(0.0)
    );
    assert!(after
        .report_text()
        .contains("changes since before.json: 1 added, 1 removed, 1 changed, 0 unchanged"));
    let err = after
        .compare("not json".into(), JsValue::UNDEFINED)
        .err()
        .unwrap();
    assert_eq!(code(&err), "not_torii_file");
    let rows = before.snapshot_rows();
    let again = after.compare(rows.into(), JsValue::UNDEFINED).unwrap();
    assert_eq!(Array::from(&get(&again, "removed")).length(), 1);
}

const KEY: &str = "wasm-test-key-0042";

fn sync_config(extra: &str) -> JsValue {
    js(&format!(
        r#"{{"apiKey":"{KEY}","appAccountId":"5","baseUrl":"http://127.0.0.1:1/v1.0"{extra}}}"#
    ))
}

pub fn a_session_walks_the_sequence_from_js() {
    let out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    let mut session = out.start_sync(sync_config(""), 7.into()).unwrap();
    assert_eq!(session.user_count(), 9);
    assert_eq!(session.target(), "http://127.0.0.1:1/v1.0#5");
    let answers = [
        r#"{"status":200,"headers":{},"body":"{\"uploadFileParameters\":{\"url\":\"http://127.0.0.1:1/s3/x\",\"filePath\":\"p\"}}"}"#,
        r#"{"status":200,"body":""}"#,
        r#"{"status":429,"headers":{"retry-after":"2"},"body":""}"#,
        r#"{"timeout":true}"#,
        r#"{"status":200,"body":"{\"id\":31}"}"#,
        r#"{"status":200,"body":"{}"}"#,
    ];
    let mut now = 1_000_000.0;
    let mut steps = Vec::new();
    let mut answers = answers.iter();
    let outcome = loop {
        let action = session.poll(now.into()).unwrap();
        match get(&action, "type").as_string().unwrap().as_str() {
            "send" => {
                let request = get(&action, "request");
                let step = get(&request, "step").as_string().unwrap();
                let auth = get(&get(&request, "headers"), "Authorization");
                assert_eq!(auth.is_undefined(), step == "upload");
                if step == "upload" {
                    assert!(get(&request, "body").is_instance_of::<Uint8Array>());
                }
                assert_eq!(get(&action, "timeoutMs").as_f64(), Some(30_000.0));
                steps.push(get(&get(&action, "progress"), "text").as_string().unwrap());
                session
                    .handle_response(now.into(), js(answers.next().unwrap()))
                    .unwrap();
            }
            "wait" => now += get(&action, "ms").as_f64().unwrap(),
            "done" => break get(&action, "outcome"),
            other => panic!("unexpected action {other}: {:?}", JSON::stringify(&action)),
        }
    };
    assert_eq!(
        steps,
        [
            "[1/4] upload URL",
            "[2/4] upload",
            "[3/4] register file",
            "[3/4] register file (attempt 2)",
            "[3/4] register file (attempt 3)",
            "[4/4] start sync"
        ]
    );
    assert_eq!(get(&outcome, "fileId").as_f64(), Some(31.0));
    assert_eq!(get(&outcome, "retries").as_f64(), Some(2.0));
    assert_eq!(
        get(&get(&outcome, "baseline"), "userCount").as_f64(),
        Some(9.0)
    );
    let text = JSON::stringify(&outcome).unwrap().as_string().unwrap();
    assert!(!text.contains(KEY));
    assert!(session.outcome().is_object());
}

pub fn a_destructive_sync_waits_for_confirmation() {
    let out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    let mut session = out
        .start_sync(sync_config(r#","baseline":{"userCount":100}"#), 1.into())
        .unwrap();
    let action = session.poll(0.into()).unwrap();
    assert_eq!(get(&action, "type").as_string().as_deref(), Some("confirm"));
    let verdict = get(&action, "verdict");
    assert_eq!(get(&verdict, "removedUsers").as_f64(), Some(91.0));
    assert_eq!(
        get(&verdict, "reason").as_string().as_deref(),
        Some("too_many_removed")
    );
    session.refuse().unwrap();
    let failed = session.poll(0.into()).unwrap();
    assert_eq!(
        get(&get(&failed, "error"), "code").as_string().as_deref(),
        Some("destructive_sync")
    );

    let broken = transform_js(
        "Email,Name\nada@example.com,\"Ada\nbob@example.com,Bob\n".into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(
        code(&broken.start_sync(sync_config(""), 1.into()).err().unwrap()),
        "broken_file"
    );
    let plan = broken.plan(sync_config("")).err().unwrap();
    assert_eq!(code(&plan), "broken_file");
    let plan = out.plan(js(r#"{"appAccountId":"5"}"#)).unwrap();
    assert_eq!(Array::from(&get(&plan, "requests")).length(), 4);
    assert!(get(&plan, "text")
        .as_string()
        .unwrap()
        .starts_with("dry run"));
}

pub fn sessions_refuse_bad_input_with_codes() {
    let err = SyncSessionJs::new(
        js(r#"{"apiKey":"k","appAccountId":"1","baseUrl":"http://example.com"}"#),
        "{}".into(),
        1.into(),
    )
    .err()
    .unwrap();
    assert_eq!(code(&err), "invalid_config");
    let err = SyncSessionJs::new(sync_config(""), JsValue::from_f64(123.0), 1.into())
        .err()
        .unwrap();
    assert_eq!(code(&err), "invalid_argument");
    let file = r#"{"users":[{"email":"a@b.co","status":"active"}]}"#;
    let mut session = SyncSessionJs::new(sync_config(""), file.into(), 1.into()).unwrap();
    assert_eq!(
        code(&session.poll("now".into()).err().unwrap()),
        "invalid_argument"
    );
    assert_eq!(
        code(
            &session
                .handle_response(0.into(), js(r#"{"status":200}"#))
                .err()
                .unwrap()
        ),
        "protocol"
    );
    session.poll(0.into()).unwrap();
    assert_eq!(
        code(
            &session
                .handle_response(0.into(), js(r#"{"status":"200"}"#))
                .err()
                .unwrap()
        ),
        "invalid_argument"
    );
    assert_eq!(
        code(&session.confirm("yes".into()).err().unwrap()),
        "invalid_argument"
    );
}

pub fn hosts_share_the_target_key_and_the_option_table() {
    let a = target_key(js(
        r#"{"appAccountId":" 0777","baseUrl":"https://API.toriihq.com/v1.0/"}"#,
    ))
    .unwrap();
    let b = target_key(js(r#"{"appAccountId":"777"}"#)).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        code(
            &target_key(js(r#"{"appAccountId":"777","baseUrl":""}"#))
                .err()
                .unwrap()
        ),
        "invalid_config"
    );
    let catalog = Array::from(&option_catalog());
    assert!(catalog.length() >= 20);
    let first = catalog.get(0);
    for key in [
        "jsName", "cliFlag", "label", "kind", "default", "help", "scope", "sheet",
    ] {
        assert!(!get(&first, key).is_undefined(), "{key}");
    }
    let parsed = parse_options(
        "cli".into(),
        js(r#"[["--price-per-user-cents","1250"],["--exclude-domain","a.com"],["--direct",""]]"#),
    )
    .unwrap();
    assert_eq!(
        get(&get(&parsed, "transform"), "pricePerUserCents").as_f64(),
        Some(1250.0)
    );
    assert_eq!(
        get(&get(&parsed, "sync"), "mode").as_string().as_deref(),
        Some("direct")
    );
    let err = parse_options("cli".into(), js(r#"[["--price-per-user-cents","1e309"]]"#))
        .err()
        .unwrap();
    assert_eq!(code(&err), "invalid_option");
    let sheet = parse_options(
        "sheet".into(),
        js(r#"[["Price per user in cents", 1500], ["Include license", false]]"#),
    )
    .unwrap();
    assert_eq!(
        get(&get(&sheet, "transform"), "includeLicense").as_bool(),
        Some(false)
    );
}

/// The Configuration sheet as "Set up sheets" writes it reads back as no
/// setting; a value typed in it is read, and a mistake names its row.
pub fn the_configuration_sheet_reads_back_as_set_up() {
    let template = sheet_template("configuration".into()).unwrap();
    let rows: Array = Array::from(&template)
        .iter()
        .map(|row| {
            let row = Array::from(&row);
            JsValue::from(Array::of2(&row.get(0), &row.get(1)))
        })
        .collect();
    let options = read_configuration_sheet(rows.clone().into()).unwrap();
    assert_eq!(JSON::stringify(&get(&options, "transform")).unwrap(), "{}");
    rows.push(&js(r#"["Max drop percent", "5%", 0.05]"#));
    let options = read_configuration_sheet(rows.clone().into()).unwrap();
    assert_eq!(
        get(&get(&options, "sync"), "maxDropPercent").as_f64(),
        Some(5.0)
    );
    rows.push(&js(r#"["Max drop percent", "6"]"#));
    let err = read_configuration_sheet(rows.clone().into()).err().unwrap();
    assert_eq!(code(&err), "invalid_option");
    let message = get(&err, "message").as_string().unwrap();
    let row = rows.length();
    assert!(
        message.starts_with(&format!(
            "Configuration sheet, row {row} (\"Max drop percent\"): "
        )),
        "{message}"
    );
    let users = Array::from(&sheet_template("users".into()).unwrap());
    assert_eq!(
        Array::from(&users.get(0)).get(0).as_string().as_deref(),
        Some("Email")
    );
    assert_eq!(
        code(&sheet_template("history".into()).err().unwrap()),
        "invalid_argument"
    );
}

/// The fetch driver against a port nothing listens on: the transport error
/// reaches the session, whose 1 ms budget leaves no time for a retry.
pub async fn run_with_fetch_reports_an_unreachable_server() {
    let out = transform_js(SAMPLE.into(), JsValue::UNDEFINED).unwrap();
    let session = out
        // A request gets only the time left, and 200 ms is ample for a
        // refused connection on loopback; the first retry's wait (at least
        // 250 ms) cannot fit, so the run ends after that one attempt.
        .start_sync(sync_config(r#","timeBudgetMs":200"#), 1.into())
        .unwrap();
    let err = session
        .run_with_fetch(JsValue::UNDEFINED)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "budget_exceeded");
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
            transform_returns_the_file_and_the_report,
            several_named_inputs_make_one_file,
            chunks_join_to_the_whole_file,
            errors_carry_a_code,
            wrong_argument_types_are_coded_errors,
            values_that_throw_when_read_are_coded_errors,
            bytes_are_decoded_or_refused_with_the_likely_encoding,
            preview_pages_carry_cells_safe_for_a_sheet,
            the_configuration_sheet_reads_back_as_set_up,
            the_change_preview_reaches_the_report,
            a_session_walks_the_sequence_from_js,
            a_destructive_sync_waits_for_confirmation,
            sessions_refuse_bad_input_with_codes,
            hosts_share_the_target_key_and_the_option_table;
            async run_with_fetch_reports_an_unreachable_server,
        );
    };
}

pub(crate) use {all_checks, wasm_suite};
