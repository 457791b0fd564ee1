//! Scaling tests: every per-row and per-cell path of the transform (and of
//! the change preview) is amortised O(1), so 4× the rows costs about 4× the
//! time, never 16×. Each test times n and 4n rows (the best of five runs:
//! a busy machine stalls single runs, most often the longer ones) and fails
//! above a ratio of 10: linear work gives about 4, quadratic work 16 and
//! more. `./dev test` runs them in release mode.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use stripe_torii_sync::changes::{compare, Snapshot};
use stripe_torii_sync::options::catalog::Options;
use stripe_torii_sync::{transform, TransformOptions};

/// Rows of the smaller run; 4× that for the larger.
const N: usize = if cfg!(debug_assertions) {
    4_000
} else {
    25_000
};
const LIMIT: f64 = 10.0;

/// Held while a test times its runs: the test harness runs tests on
/// parallel threads, and a neighbour's work landing in the 4n run but not
/// the n run would skew the ratio.
static TIMING: Mutex<()> = Mutex::new(());

fn timing_alone() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the others still time alone.
    TIMING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn best_of_five(mut f: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Times `run(n)` against `run(4n)` and checks the ratio.
fn scales_linearly(what: &str, make: impl Fn(usize) -> (String, TransformOptions)) {
    let small = make(N);
    let large = make(4 * N);
    let time = |(text, options): &(String, TransformOptions)| {
        best_of_five(|| {
            let out = transform(text, options).unwrap_or_else(|e| panic!("{what}: {}", e.code()));
            assert!(out.report.is_balanced());
        })
    };
    let _alone = timing_alone();
    // Warm up allocator and caches.
    time(&small);
    let (t1, t4) = (time(&small), time(&large));
    let ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
    assert!(
        ratio < LIMIT,
        "{what}: {N} rows took {t1:?}, {} rows {t4:?} ({ratio:.1}×)",
        4 * N
    );
}

fn rows(n: usize, row: impl Fn(usize) -> String) -> String {
    let mut text = String::from("Email,Name,Status,Role,Last login\n");
    for i in 0..n {
        text.push_str(&row(i));
        text.push('\n');
    }
    text
}

#[test]
fn one_cell_with_many_roles() {
    scales_linearly("roles in one cell", |n| {
        let roles: Vec<String> = (0..n).map(|i| format!("Role {i}")).collect();
        let text = format!("Email,Role\nada@example.com,\"{}\"\n", roles.join(", "));
        (text, TransformOptions::default())
    });
}

#[test]
fn one_cell_with_many_repeated_roles() {
    scales_linearly("repeated roles in one cell", |n| {
        let roles: Vec<String> = (0..n).map(|i| format!("ROLE {} x", i % (n / 2))).collect();
        let text = format!("Email,Role\nada@example.com,\"{}\"\n", roles.join("|"));
        (text, TransformOptions::default())
    });
}

#[test]
fn every_row_naming_a_different_role() {
    scales_linearly("a different role per row", |n| {
        let text = rows(n, |i| {
            format!("u{i}@example.com,User {i},Active,Role {i},2025-01-02")
        });
        (text, TransformOptions::default())
    });
}

#[test]
fn one_user_repeated_with_a_new_role_each_time() {
    scales_linearly("a duplicate per row with a new role", |n| {
        let text = rows(n, |i| {
            format!("ada@example.com,Ada L,Active,Role {i},2025-01-02")
        });
        (text, TransformOptions::default())
    });
}

#[test]
fn every_row_with_a_different_unknown_status() {
    scales_linearly("a different status per row", |n| {
        let text = rows(n, |i| {
            format!("u{i}@example.com,User {i},Status {i},Owner,")
        });
        (text, TransformOptions::default())
    });
}

#[test]
fn many_status_overrides() {
    scales_linearly("statusMap entries", |n| {
        let text = rows(n, |i| {
            format!("u{i}@example.com,User {i},Frozen {i},Owner,")
        });
        let map: Vec<String> = (0..n)
            .map(|i| format!("\"Frozen {i}\":\"deleted\""))
            .collect();
        let options = Options::from_json(&format!(r#"{{"statusMap":{{{}}}}}"#, map.join(",")))
            .unwrap()
            .transform;
        (text, options)
    });
}

#[test]
fn many_excluded_values_and_domains() {
    scales_linearly("excluded values", |n| {
        let text = rows(n, |i| {
            format!("u{i}@d{i}.example.com,User {i},Status {i},Role {i},")
        });
        let list = |prefix: &str| {
            (0..n)
                .step_by(2)
                .map(|i| format!("\"{prefix}{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        };
        let json = format!(
            r#"{{"excludeStatuses":[{}],"excludeRoles":[{}],"excludeDomains":[{}],"includeDomains":["example.com"]}}"#,
            list("Status "),
            list("Role 1"),
            list("x")
        );
        (text, Options::from_json(&json).unwrap().transform)
    });
}

#[test]
fn every_row_with_a_different_domain() {
    scales_linearly("a different domain per row", |n| {
        let text = rows(n, |i| {
            format!("user@sub{i}.domain{i}.example,User,Active,Owner,")
        });
        let options = Options::from_json(r#"{"excludeDomains":["other.example"]}"#)
            .unwrap()
            .transform;
        (text, options)
    });
}

#[test]
fn many_diagnostics() {
    scales_linearly("a diagnostic per row", |n| {
        let text = rows(n, |i| {
            format!("not-an-email-{i},User,Active,Owner,yesterday")
        });
        let text = format!("{text}ok@example.com,Ok,Active,Owner,\n");
        (text, TransformOptions::default())
    });
}

#[test]
fn a_stray_quote_on_every_line() {
    scales_linearly("stray quotes", |n| {
        let text = rows(n, |i| {
            let quote = if i % 2 == 0 { "\"" } else { "" };
            format!("u{i}@example.com,{quote}User {i},Active,Owner,")
        });
        (text, TransformOptions::default())
    });
}

#[test]
fn a_quote_that_swallows_the_rest_of_the_file() {
    scales_linearly("one long broken quote", |n| {
        let mut text = String::from("Email,Name,Status\nfirst@example.com,\"Broken,Active\n");
        for i in 0..n {
            text.push_str(&format!("u{i}@example.com,User {i},Active\n"));
        }
        (text, TransformOptions::default())
    });
}

#[test]
fn many_internationalised_domains() {
    scales_linearly("IDN domains", |n| {
        let text = rows(n, |i| format!("u{i}@bücher{i}.example,User,Active,Owner,"));
        (text, TransformOptions::default())
    });
}

#[test]
fn the_change_preview() {
    let make = |n: usize| {
        let before = rows(n, |i| {
            format!("u{i}@example.com,User {i},Active,Role {},", i % 7)
        });
        let after = rows(n, |i| {
            format!(
                "u{}@example.com,User {i},Invited,Role {},",
                i + n / 10,
                i % 5
            )
        });
        let before = transform(&before, &TransformOptions::default()).unwrap();
        let after = transform(&after, &TransformOptions::default()).unwrap();
        (String::from_utf8(before.to_json()).unwrap(), after)
    };
    let time = |(previous, after): &(String, stripe_torii_sync::Transformed)| {
        best_of_five(|| {
            let snapshot = Snapshot::parse(previous).unwrap();
            let changes = compare(&after.file, &snapshot);
            assert!(!changes.removed.is_empty());
        })
    };
    let (small, large) = (make(N), make(4 * N));
    let _alone = timing_alone();
    time(&small);
    let (t1, t4) = (time(&small), time(&large));
    let ratio = t4.as_secs_f64() / t1.as_secs_f64().max(1e-6);
    assert!(
        ratio < LIMIT,
        "change preview: {t1:?} vs {t4:?} ({ratio:.1}×)"
    );
}
