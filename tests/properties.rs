//! Property tests (the project's fuzzing of everything that parses): no
//! input makes the transform panic, every row is accounted for, the
//! scanner reads well-formed CSV exactly as the `csv` crate does, a stray
//! quote never loses rows silently (a name with doubled quotes before the
//! email too), a filtered member is never exported from another row, every
//! encoding gives the same file, long files and sheets (past the builder's size sample) are read whole,
//! and the JSON reader agrees with `serde_json`.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::Value;
use stripe_torii_sync::input::scan::{Record, Scanner};
use stripe_torii_sync::options::catalog::Options;
use stripe_torii_sync::report::Code;
use stripe_torii_sync::torii::{JsonPosition, ToriiFile};
use stripe_torii_sync::transform::{transform_inputs, Input};
use stripe_torii_sync::{transform, transform_bytes, ErrorKind, TransformOptions};

/// Cells that exercise every parser: good and bad emails (decorated,
/// quoted, with a full-width ＠), names with suffixes and commas, statuses, roles with separators, dates in every
/// accepted format and some that are not.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("ada@example.com".to_string()),
        Just("ADA@Example.com ".to_string()),
        Just("ada@bücher.example".to_string()),
        Just("ada@xn--bcher-kva.example".to_string()),
        Just("x@y".to_string()),
        Just("Martin Luther King Jr.".to_string()),
        Just("Lovelace, Ada".to_string()),
        Just("Ada Lovelace, Countess of Lovelace".to_string()),
        Just("King, Jr., Martin Luther".to_string()),
        Just("Ada <Ada@example.com>".to_string()),
        Just("ada\u{ff20}example.com".to_string()),
        Just("\"ada@example.com\"".to_string()),
        Just("de la Cruz, Mary Ann".to_string()),
        Just("Bob \"B, the\" Jr".to_string()),
        Just("Owner".to_string()),
        Just("Invited".to_string()),
        Just("expired".to_string()),
        Just("Owner, Developer|Analyst".to_string()),
        Just("2024-12-31T23:30:00-05:00".to_string()),
        Just("Dec 29, 2025".to_string()),
        Just("13/13/2025".to_string()),
        Just("2024/12/30 23:15".to_string()),
        Just("2024/12/30T10:00Z".to_string()),
        Just("12/30/2024, 11:04:05\u{202f}PM".to_string()),
        Just("2024-12-31T24:00:00Z".to_string()),
        Just("2024/30/12".to_string()),
        Just("30.12.2024 23:15".to_string()),
        Just("1735603200000".to_string()),
        Just("Never".to_string()),
        Just("\"quoted\"\nline".to_string()),
        Just("=HYPERLINK(\"x\")".to_string()),
        "[a-z]{1,8}@[a-z]{1,6}\\.(com|org|io)",
        "\\PC{0,12}",
    ]
}

/// Quotes a cell the way a spreadsheet would when it needs quoting.
fn quote(cell: &str, delimiter: char) -> String {
    if cell.contains([delimiter, '"', '\n', '\r']) || cell.starts_with(' ') {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn check_output(json: &[u8]) {
    let file: Value = serde_json::from_slice(json).expect("output is JSON");
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
    // The writer escapes every string exactly as serde_json does.
    fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&file, &mut all);
    let text = String::from_utf8(json.to_vec()).unwrap();
    for s in all {
        let escaped = serde_json::to_string(s).unwrap();
        assert!(text.contains(&escaped), "{escaped} is written differently");
    }
    assert!(text.ends_with("}\n"));
}

/// The Torii JSON of `file`, built from its public accessors with
/// `serde_json` escaping: an independent check of the hand-written writer.
fn reference_json(file: &ToriiFile) -> Vec<u8> {
    let s = |text: &str| serde_json::to_string(text).unwrap();
    let mut out = String::from("{\"users\":[");
    for (i, user) in file.users().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out += &format!("{{\"email\":{}", s(user.email()));
        if let Some(first) = user.first_name() {
            out += &format!(",\"firstName\":{}", s(first));
        }
        if let Some(last) = user.last_name() {
            out += &format!(",\"lastName\":{}", s(last));
        }
        out += &format!(",\"status\":{}", s(user.status().as_str()));
        if let Some(external) = user.external_status() {
            out += &format!(",\"externalStatus\":{}", s(external));
        }
        if user.roles().len() > 0 {
            let roles: Vec<String> = user.roles().map(s).collect();
            out += &format!(",\"roles\":[{}]", roles.join(","));
        }
        if let Some(date) = user.last_used_date() {
            out += &format!(",\"lastUsedDate\":\"{date}\"");
        }
        out.push('}');
    }
    out.push(']');
    if let Some(terms) = file.license() {
        out += &format!(
            ",\"licenses\":[{{\"name\":{},\"pricePerUser\":{},\"unassignedAmount\":{},\"users\":[",
            s(&terms.name),
            terms.price_per_user_cents,
            terms.unassigned_amount
        );
        let users: Vec<String> = file
            .users()
            .map(|u| {
                format!(
                    "{{\"email\":{},\"licenseStatus\":{}}}",
                    s(u.email()),
                    s(u.license_status().as_str())
                )
            })
            .collect();
        out += &users.join(",");
        out += "]}]";
    }
    out += "}\n";
    out.into_bytes()
}

/// A file with a header and `rows`, joined with `delimiter` and `newline`.
fn file(rows: &[Vec<String>], delimiter: char, newline: &str) -> String {
    let d = delimiter.to_string();
    let mut text = ["Email", "Name", "Status", "Role", "Two-step", "Last login"].join(&d);
    for row in rows {
        let line: Vec<String> = row.iter().map(|c| quote(c, delimiter)).collect();
        text.push_str(newline);
        text.push_str(&line.join(&d));
    }
    text
}

/// The records the `csv` crate reads from `text`.
fn csv_records(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn our_records(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut scanner = Scanner::new(text, delimiter);
    let mut out = Vec::new();
    while let Some(record) = scanner.next_record() {
        assert!(
            matches!(record, Record::Row { .. }),
            "a well-formed file broke"
        );
        out.push(
            (0..scanner.len())
                .map(|i| scanner.cell(i).to_string())
                .collect(),
        );
    }
    out
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
    fn text_full_of_quotes_and_delimiters_never_panics(text in "[a@.,;\"\t\r\n x]{0,200}") {
        let text = format!("Email,Name\n{text}");
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
        filter in 0..3,
    ) {
        let text = file(&rows, delimiter, if crlf { "\r\n" } else { "\n" });
        // Rows whose cells are all blank are skipped, not read.
        let data_rows = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count() as u64;
        let options = match filter {
            0 => TransformOptions::default(),
            1 => Options::from_json(r#"{"excludeStatuses":["invited"],"excludeDomains":["example.com"]}"#).unwrap().transform,
            _ => Options::from_json(r#"{"excludeRoles":["owner"]}"#).unwrap().transform,
        };
        // With the role filter, no member with an Owner row is exported,
        // whichever of their rows it is on.
        let key = |email: &str| email.trim().to_lowercase().replace("bücher", "xn--bcher-kva");
        let owners: Vec<String> = rows
            .iter()
            .filter(|r| r.get(3).is_some_and(|roles| {
                roles.split([',', ';', '|', '\n', '\r']).any(|role| role.trim().eq_ignore_ascii_case("owner"))
            }))
            .map(|r| key(&r[0]))
            .collect();
        match transform(&text, &options) {
            Ok(out) => {
                let r = &out.report;
                prop_assert!(r.is_balanced(), "{:?}", r);
                prop_assert_eq!(r.totals.rows_read, data_rows);
                prop_assert_eq!(r.totals.users_exported as usize, out.file.len());
                prop_assert_eq!(r.count_code(Code::UnterminatedQuote), 0);
                if filter == 2 {
                    for user in out.file.users() {
                        prop_assert!(!owners.contains(&key(user.email())), "{} holds Owner", user.email());
                    }
                }
                check_output(&out.to_json());
            }
            Err(e) => match e.kind() {
                ErrorKind::NoValidUsers { report } => {
                    prop_assert!(report.is_balanced());
                    prop_assert_eq!(report.totals.rows_read, data_rows);
                }
                other => prop_assert!(false, "unexpected error {:?}: {}", other, e),
            },
        }
    }

    /// Well-formed CSV reads exactly as the `csv` crate reads it.
    #[test]
    fn the_scanner_reads_what_the_csv_crate_reads(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..8), 1..30),
        delimiter in prop_oneof![Just(','), Just(';'), Just('\t')],
        crlf in any::<bool>(),
    ) {
        let text = file(&rows, delimiter, if crlf { "\r\n" } else { "\n" });
        prop_assert_eq!(our_records(&text, delimiter as u8), csv_records(&text, delimiter as u8));
    }

    /// A stray quote in any row is an `unterminated_quote` error on that
    /// row's line, and every other row is still read: nothing is lost.
    #[test]
    fn a_stray_quote_never_loses_rows_silently(
        count in 2usize..30,
        broken in 0usize..30,
        crlf in any::<bool>(),
        column in 1usize..4,
        name_first in any::<bool>(),
    ) {
        let broken = broken % count;
        let newline = if crlf { "\r\n" } else { "\n" };
        // The name before the email, quoted with doubled quotes and a
        // comma, is what the scanner judges a swallowed line by.
        let mut text = if name_first {
            format!("Name,Email,Status,Role{newline}")
        } else {
            format!("Email,Name,Status,Role{newline}")
        };
        for i in 0..count {
            let email = format!("u{i}@example.com");
            let name = if name_first && i != broken {
                format!("\"User \"\"{i}\"\", the first\"")
            } else {
                format!("User {i}")
            };
            let mut cells: [String; 4] = if name_first {
                [name, email, "Active".into(), "Owner".into()]
            } else {
                [email, name, "Active".into(), "Owner".into()]
            };
            if i == broken {
                cells[column].insert(0, '"');
            }
            text.push_str(&cells.join(","));
            text.push_str(newline);
        }
        let out = transform(&text, &TransformOptions::default()).unwrap();
        let r = &out.report;
        prop_assert!(r.is_balanced());
        prop_assert_eq!(r.totals.rows_read, count as u64);
        let broken_rows: Vec<u64> = r.diagnostics.iter().filter(|d| d.code == Code::UnterminatedQuote).map(|d| d.line).collect();
        prop_assert_eq!(broken_rows, vec![broken as u64 + 2]);
        prop_assert_eq!(r.totals.users_exported, count as u64 - 1);
        prop_assert!(out.refusal(false, true).is_some(), "a broken file is never synced");
    }

    /// UTF-16 with a byte-order mark (Excel's "Unicode Text") gives the same
    /// file as UTF-8.
    #[test]
    fn utf16_gives_the_same_file_as_utf8(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..8), 1..20),
        big_endian in any::<bool>(),
    ) {
        let text = file(&rows, '\t', "\r\n");
        let mut utf16 = if big_endian { vec![0xfe, 0xff] } else { vec![0xff, 0xfe] };
        for unit in text.encode_utf16() {
            utf16.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        let a = transform_bytes(text.as_bytes(), &TransformOptions::default()).map(|o| o.to_json());
        let b = transform_bytes(&utf16, &TransformOptions::default()).map(|o| o.to_json());
        match (a, b) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.code(), b.code()),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.err(), b.err()),
        }
    }

    /// The writer gives what a `serde_json` writer gives from the public
    /// accessors, and the chunked writer the same bytes for every limit,
    /// resumed from its position each call as the wasm host does.
    #[test]
    fn the_json_is_written_alike_whole_and_in_chunks(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..8), 1..12),
        include_license in any::<bool>(),
    ) {
        let text = file(&rows, ',', "\n");
        let options = TransformOptions { include_license: Some(include_license), ..TransformOptions::default() };
        let Ok(out) = transform(&text, &options) else { return Ok(()) };
        let json = out.to_json();
        let reference = reference_json(&out.file);
        prop_assert_eq!(String::from_utf8_lossy(&json), String::from_utf8_lossy(&reference));
        for limit in 1..=json.len() + 1 {
            let mut position = JsonPosition::default();
            let mut joined = Vec::new();
            let mut chunk = Vec::new();
            let mut calls = 0;
            loop {
                let mut chunks = out.file.json_chunks_at(position);
                let more = chunks.write_next(&mut chunk, limit);
                position = chunks.position();
                joined.append(&mut chunk);
                calls += 1;
                prop_assert!(calls <= json.len() + 2, "no progress at limit {}", limit);
                if !more {
                    break;
                }
            }
            prop_assert!(position.is_done());
            prop_assert!(joined == json, "limit {}", limit);
        }
    }

    /// The JSON reader accepts what serde_json accepts, with the same strings.
    #[test]
    fn the_json_reader_agrees_with_serde_json(text in "[\\[\\]{}\",:0-9a-z\\\\ntu.eE+-]{0,60}") {
        let ours = stripe_torii_sync::json::parse(&text);
        let theirs = serde_json::from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", text);
    }

    #[test]
    fn strings_round_trip_through_the_writer_and_reader(s in "\\PC{0,40}|[\"\\\\\u{0}-\u{1f}]{0,10}") {
        let mut out = Vec::new();
        stripe_torii_sync::json::write_str(&mut out, &s);
        prop_assert_eq!(&out, &serde_json::to_vec(&s).unwrap());
        let text = String::from_utf8(out).unwrap();
        let back = stripe_torii_sync::json::parse(&text).unwrap();
        prop_assert_eq!(back.as_str(), Some(s.as_str()));
    }
}

proptest! {
    // Long files are slow to generate; fewer cases, each past the row count
    // after which the builder sizes its tables from the rows read.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Long inputs, as CSV and as a sheet's cells, never panic and account
    /// for every row.
    #[test]
    fn long_files_and_sheets_account_for_every_row(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..7), 250..420),
    ) {
        let data_rows = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count() as u64;
        let csv = Input::new("export.csv", file(&rows, ',', "\n"));
        let header = ["Email", "Name", "Status", "Role", "Two-step", "Last login"].map(String::from);
        let sheet = Input::rows("Users", std::iter::once(header.to_vec()).chain(rows).collect());
        for input in [csv, sheet] {
            let report = match transform_inputs(vec![input], &TransformOptions::default()) {
                Ok(out) => {
                    prop_assert_eq!(out.report.totals.users_exported as usize, out.file.len());
                    check_output(&out.to_json());
                    out.report
                }
                Err(e) => match e.kind() {
                    ErrorKind::NoValidUsers { report } => (**report).clone(),
                    other => return Err(TestCaseError::fail(format!("unexpected error {other:?}: {e}"))),
                },
            };
            prop_assert!(report.is_balanced(), "{:?}", report.totals);
            prop_assert_eq!(report.totals.rows_read, data_rows);
        }
    }
}

/// A message that carries no control character, line separator or
/// direction override as it is (the rule `text::printable` enforces).
fn clean(message: &str) -> bool {
    !message.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// Text a hostile file or command line could carry.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\u{1b}]0;title\u{7}".to_string()),
        Just("a\u{202e}b".to_string()),
        Just("a\u{2028}b".to_string()),
        Just("\n".to_string()),
        Just("é😀".to_string()),
        "\\PC{0,8}",
        "[\u{0}-\u{1f}\u{7f}\u{202a}-\u{202e}]{1,3}",
    ]
}

fn command_line_word() -> impl Strategy<Value = String> {
    use stripe_torii_sync::options::catalog::OPTIONS;
    let flags: Vec<String> = OPTIONS
        .iter()
        .map(|o| o.cli_flag.to_string())
        .chain(["--output", "--quiet", "--", "-", "-h", "--help", "--="].map(String::from))
        .collect();
    prop_oneof![
        proptest::sample::select(flags.clone()),
        (proptest::sample::select(flags), hostile_text()).prop_map(|(f, v)| format!("{f}={v}")),
        hostile_text().prop_map(|v| format!("--{v}")),
        hostile_text(),
        "[0-9]{1,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Any command line is read or refused with a message that cannot
    /// send a terminal escape or reorder the line; never a panic.
    #[test]
    fn any_command_line_is_read_or_refused_cleanly(words in proptest::collection::vec(command_line_word(), 0..8)) {
        use stripe_torii_sync::options::catalog::Scope;
        use stripe_torii_sync::options::command_line::{CommandLine, HostFlag};
        let host = [HostFlag::value("output"), HostFlag::switch("quiet")];
        for scope in [Scope::Transform, Scope::Sync] {
            if let Err(e) = CommandLine::parse(&words, scope, &host) {
                prop_assert_eq!(e.code(), "invalid_option");
                prop_assert!(clean(e.message()), "{:?} -> {:?}", words, e.message());
            }
        }
    }

    /// Headers and column mappings from a hostile file are echoed
    /// escaped, in errors and diagnostics alike.
    #[test]
    fn headers_and_mappings_are_echoed_escaped(
        header in proptest::collection::vec(prop_oneof![hostile_text(), Just("Email".to_string()), Just("Status".to_string())], 1..5),
        mapping in proptest::option::of(hostile_text()),
    ) {
        use stripe_torii_sync::columns::{ColumnRef, Field};
        let mut options = TransformOptions::default();
        if let Some(m) = &mapping {
            options.columns[Field::Status] = Some(ColumnRef::Header(format!("x{m}")));
        }
        let rows = vec![header.clone(), vec!["ada@example.com".to_string(); header.len()]];
        match transform_inputs(vec![Input::rows("Users", rows)], &options) {
            Ok(out) => for d in &out.report.diagnostics {
                prop_assert!(clean(&d.message), "{:?}", d.message);
            },
            Err(e) => prop_assert!(clean(e.message()), "{:?}", e.message()),
        }
    }
}

/// Each setting's default as the Configuration sheet's template shows it,
/// typed in as the value, reads as an empty value does: "all" is no
/// domain to keep, "none" no status to leave out nor an API version. A
/// default that is a value keeps the case it is typed in.
#[test]
fn every_default_typed_in_is_the_default() {
    use stripe_torii_sync::options::configuration_sheet::{read_rows, template, ConfigurationRow};
    let empty = read_rows(&[]).unwrap();
    let rows = template();
    assert!(rows.len() > 5);
    let upper = read_rows(&[ConfigurationRow::text("License name", "STRIPE")]).unwrap();
    assert_eq!(upper.transform.license_name.as_deref(), Some("STRIPE"));
    for row in rows.iter().skip(1) {
        let read = read_rows(&[ConfigurationRow::text(&row[0], &row[2])]);
        assert!(read.is_ok(), "{row:?}: {read:?}");
        if !["none", "all", "detected", "sniffed"].contains(&row[2].as_str()) {
            continue; // a value: read as typed, which for these is the default anyway
        }
        for typed in [
            row[2].clone(),
            row[2].to_uppercase(),
            format!(" {} ", row[2]),
        ] {
            let read = read_rows(&[ConfigurationRow::text(&row[0], &typed)]);
            assert_eq!(
                read.as_ref().ok(),
                Some(&empty),
                "{row:?} typed as {typed:?}: {read:?}"
            );
        }
    }
}
