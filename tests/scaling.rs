//! Scaling tests: every per-row and per-cell path of the transform (and of
//! the change preview) is amortised O(1), so 8× the rows costs about 8× the
//! time, never 64×. Each test times n and 8n rows, the best of five runs
//! each, and fails above a ratio of 32. Linear work gives about 8 in
//! instructions, but up to 3× that in time: the 8n run spills out of the CPU
//! caches that hold the n run. Quadratic work gives 64 and more. A ratio over
//! the limit is measured again, twice, before it fails the test, so one slow
//! phase of a shared machine cannot fail it; quadratic work fails all three.
//! `./dev test` runs them in release mode.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use stripe_torii_sync::changes::{compare, Snapshot};
use stripe_torii_sync::input::sheet_dates::SheetDates;
use stripe_torii_sync::options::catalog::Options;
use stripe_torii_sync::{transform, TransformOptions};

/// Rows of the smaller run.
const N: usize = if cfg!(debug_assertions) {
    2_000
} else {
    12_500
};
/// How many times the rows of the smaller run the larger run has.
const SCALE: usize = 8;
/// The ratio of the two times above which work is not linear.
const LIMIT: f64 = 32.0;
/// Measurements of a ratio over the limit before the test fails.
const ATTEMPTS: usize = 3;

/// Held while a test times its runs: the test harness runs tests on
/// parallel threads, and a neighbour's work landing in the 8n run but not
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

/// Times the work on `small` (n rows) against the work on `large` (8n rows)
/// and fails when every attempt's ratio is over the limit.
fn assert_scales<T>(what: &str, small: &T, large: &T, time: impl Fn(&T) -> Duration) {
    let _alone = timing_alone();
    // Warm up allocator and caches.
    time(small);
    let mut over = Vec::new();
    for _ in 0..ATTEMPTS {
        let (t1, t8) = (time(small), time(large));
        let ratio = t8.as_secs_f64() / t1.as_secs_f64().max(1e-6);
        if ratio < LIMIT {
            return;
        }
        over.push(format!("{t1:?} against {t8:?} ({ratio:.1}×)"));
    }
    panic!(
        "{what}: {N} rows against {} rows took {}",
        SCALE * N,
        over.join(", then ")
    );
}

/// Checks that the transform of `make(8n)` takes about 8× `make(n)`.
fn scales_linearly(what: &str, make: impl Fn(usize) -> (String, TransformOptions)) {
    let time = |(text, options): &(String, TransformOptions)| {
        best_of_five(|| {
            let out = transform(text, options).unwrap_or_else(|e| panic!("{what}: {}", e.code()));
            assert!(out.report.is_balanced());
        })
    };
    assert_scales(what, &make(N), &make(SCALE * N), time);
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
    assert_scales("change preview", &make(N), &make(SCALE * N), time);
}

#[test]
fn sheet_date_cells_from_the_right() {
    // Columns arriving right to left: each one lands before all the others.
    let time = |n: &usize| {
        best_of_five(|| {
            let mut dates = SheetDates::default();
            for column in (0..*n).rev() {
                dates.date_cell(column);
                dates.text_cell(column, 2, "13/4/2025");
            }
            assert!(dates.mixed_in(0).is_some());
        })
    };
    assert_scales("sheet date cells from the right", &N, &(SCALE * N), time);
}
