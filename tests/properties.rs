//! Property tests: no input makes the transform panic, and every row is
//! accounted for (exported + merged + excluded + rejected = data rows read).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::Value;
use stripe_torii_sync::{transform, transform_bytes, ErrorKind, TransformOptions};

/// Cells that exercise every parser: good and bad emails, names with
/// suffixes and commas, statuses, roles with separators, dates in every
/// accepted format and some that are not.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("ada@example.com".to_string()),
        Just("ADA@Example.com ".to_string()),
        Just("x@y".to_string()),
        Just("Martin Luther King Jr.".to_string()),
        Just("Lovelace, Ada".to_string()),
        Just("Invited".to_string()),
        Just("expired".to_string()),
        Just("Owner, Developer|Analyst".to_string()),
        Just("2024-12-31T23:30:00-05:00".to_string()),
        Just("Dec 29, 2025".to_string()),
        Just("13/13/2025".to_string()),
        Just("1735603200000".to_string()),
        Just("Never".to_string()),
        Just("\"quoted\"\nline".to_string()),
        "[a-z]{1,8}@[a-z]{1,6}\\.(com|org|io)",
        "\\PC{0,12}",
    ]
}

/// Quotes a cell the way a spreadsheet would when it needs quoting.
fn quote(cell: &str, delimiter: char) -> String {
    if cell.contains([delimiter, '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn check_output(json: &str) {
    let file: Value = serde_json::from_str(json).expect("output is JSON");
    let users = file["users"].as_array().expect("users array");
    assert!(!users.is_empty());
    fn no_empties(v: &Value) {
        match v {
            Value::Null => panic!("null in output"),
            Value::String(s) => assert!(!s.is_empty(), "empty string in output"),
            Value::Array(a) => a.iter().for_each(no_empties),
            Value::Object(o) => o.values().for_each(no_empties),
            _ => {}
        }
    }
    no_empties(&file);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(out) = transform_bytes(&bytes, &TransformOptions::default()) {
            prop_assert!(out.report.is_balanced());
            check_output(&out.to_json());
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        if let Ok(out) = transform(&text, &TransformOptions::default()) {
            prop_assert!(out.report.is_balanced());
            check_output(&out.to_json());
        }
    }

    #[test]
    fn every_generated_row_is_accounted_for(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..8), 1..40),
        delimiter in prop_oneof![Just(','), Just(';'), Just('\t')],
        crlf in any::<bool>(),
        exclude_invited in any::<bool>(),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let d = delimiter.to_string();
        let mut text = ["Email", "Name", "Status", "Role", "Two-step", "Last login"].join(&d);
        let mut data_rows = 0;
        for row in &rows {
            let line: Vec<String> = row.iter().map(|c| quote(c, delimiter)).collect();
            // Rows whose cells are all blank are skipped, not read.
            if row.iter().any(|c| !c.trim().is_empty()) {
                data_rows += 1;
            }
            text.push_str(newline);
            text.push_str(&line.join(&d));
        }
        let options: TransformOptions = if exclude_invited {
            serde_json::from_str(r#"{"excludeStatuses":["invited"],"excludeDomains":["example.com"]}"#).unwrap()
        } else {
            TransformOptions::default()
        };
        match transform(&text, &options) {
            Ok(out) => {
                let r = &out.report;
                prop_assert!(r.is_balanced(), "{:?}", r);
                prop_assert_eq!(r.rows_read, data_rows);
                prop_assert_eq!(r.users_exported as usize, out.file.users.len());
                check_output(&out.to_json());
            }
            Err(e) => match e.kind() {
                ErrorKind::NoValidUsers { report } => {
                    prop_assert!(report.is_balanced());
                    prop_assert_eq!(report.rows_read, data_rows);
                }
                other => prop_assert!(false, "unexpected error {:?}: {}", other, e),
            },
        }
    }
}
