//! The limits of one transform, at their real size: millions of rows, so
//! `./dev test` runs them in release mode, and a debug build skips them.
#![cfg(not(target_arch = "wasm32"))]

use stripe_torii_sync::transform::MAX_DIAGNOSTICS;
use stripe_torii_sync::{transform, ErrorKind, TransformOptions};

#[test]
#[cfg_attr(debug_assertions, ignore = "millions of rows: run in release mode")]
fn a_file_with_more_diagnostics_than_the_report_holds_is_refused_with_an_error() {
    // Every row is rejected (no email): one diagnostic each, two bytes a row.
    let mut text = String::from("Email,Name\n");
    text.push_str(&"x\n".repeat(MAX_DIAGNOSTICS + 5));
    let err = transform(&text, &TransformOptions::default()).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::TooManyDiagnostics {
            limit: MAX_DIAGNOSTICS
        }
    );
    assert_eq!(err.code(), "too_many_diagnostics");
    // It stops at the row past the limit (the header's own note counts too).
    let line = MAX_DIAGNOSTICS + 1;
    let expected = format!(
        "line {line}: more than {MAX_DIAGNOSTICS} rows were rejected, excluded or warned about"
    );
    assert!(err.message().starts_with(&expected), "{err}");
}
