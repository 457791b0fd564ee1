//! One test per transform rule, each reading its own fixture under
//! `tests/fixtures/rules/`.

use serde_json::Value;
use stripe_torii_sync::columns::{Field, Layout};
use stripe_torii_sync::input::scan::SplitRows;
use stripe_torii_sync::options::catalog::Options;
use stripe_torii_sync::report::Code;
use stripe_torii_sync::transform::{transform_inputs, Input};
use stripe_torii_sync::{
    transform, transform_bytes, ErrorKind, Level, TransformOptions, Transformed,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/rules/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(name: &str) -> Transformed {
    run_with(name, TransformOptions::default())
}

fn run_with(name: &str, options: TransformOptions) -> Transformed {
    let out = transform(&fixture(name), &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        out.report.is_balanced(),
        "{name}: unbalanced report {:?}",
        out.report
    );
    out
}

fn options(json: &str) -> TransformOptions {
    Options::from_json(json).unwrap().transform
}

/// The file as parsed JSON, and a lookup of one user by email.
fn json(out: &Transformed) -> Value {
    serde_json::from_slice(&out.to_json()).unwrap()
}

/// The users' emails, in file order.
fn emails(out: &Transformed) -> Vec<String> {
    out.file.users().map(|u| u.email().to_string()).collect()
}

/// The report's users per role, as `(role, users)`.
fn by_role(out: &Transformed) -> Vec<(&str, u64)> {
    out.report
        .by_role
        .iter()
        .map(|(role, n)| (role.as_str(), *n))
        .collect()
}

fn user(out: &Transformed, email: &str) -> Value {
    json(out)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("no user {email}"))
        .clone()
}

/// Each diagnostic as `(line, code, column, level)`.
fn located(out: &Transformed) -> Vec<(u64, &'static str, Option<&str>, Level)> {
    out.report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.code.as_str(), d.column.as_deref(), d.level))
        .collect()
}

fn codes_at(out: &Transformed, line: u64) -> Vec<&'static str> {
    out.report
        .diagnostics
        .iter()
        .filter(|d| d.line == line)
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn input_shape_bom_crlf_quotes_multiline_and_blank_lines() {
    let out = run("input_shape.csv");
    let r = &out.report;
    // Empty lines are not records; the `,,,,` row is counted as blank.
    assert_eq!(
        (
            r.totals.rows_read,
            r.totals.users_exported,
            r.totals.blank_rows_skipped
        ),
        (3, 3, 1)
    );
    assert_eq!(r.files[0].header_line, Some(1));
    let ada = user(&out, "quoted@example.com");
    assert_eq!(ada["firstName"], "Ada \"The Countess\"");
    assert_eq!(ada["roles"], serde_json::json!(["Owner", "Developer"]));
    // A quoted newline inside a name collapses to a space.
    assert_eq!(user(&out, "multi@example.com")["firstName"], "Grace");
    assert_eq!(user(&out, "multi@example.com")["lastName"], "Hopper");
    // The last record has no trailing newline and starts on physical line 8.
    let text = fixture("input_shape.csv");
    assert!(!text.ends_with('\n'));
    assert_eq!(out.file.user(2).unwrap().email(), "last@example.com");
}

#[test]
fn semicolon_files_are_sniffed() {
    let out = run_with("semicolon.csv", options(r#"{"dateOrder":"dmy"}"#));
    assert_eq!(out.report.files[0].delimiter, Some(';'));
    let ada = user(&out, "lovelace@example.com");
    assert_eq!(
        (ada["firstName"].as_str(), ada["lastName"].as_str()),
        (Some("Ada"), Some("Lovelace"))
    );
    assert_eq!(ada["lastUsedDate"], "2024-12-30");
    assert_eq!(
        user(&out, "turing@example.com")["roles"],
        serde_json::json!(["Developer", "Analyst"])
    );
}

#[test]
fn tab_files_and_header_aliases() {
    let out = run("tab.tsv");
    assert_eq!(out.report.files[0].delimiter, Some('\t'));
    let c = &out.report.files[0].columns;
    assert_eq!(c[Field::Email].as_deref(), Some("Email address"));
    assert_eq!(c[Field::Name].as_deref(), Some("User"));
    assert_eq!(c[Field::Roles].as_deref(), Some("Type"));
    assert_eq!(c[Field::LastUsed].as_deref(), Some("Last Seen"));
    assert_eq!(user(&out, "ada@example.com")["lastUsedDate"], "2025-01-02");
}

#[test]
fn headers_match_ignoring_case_spaces_and_notes() {
    let out = run("aliases.csv");
    let c = &out.report.files[0].columns;
    assert_eq!(c[Field::Email].as_deref(), Some("EMAIL"));
    assert_eq!(c[Field::LastUsed].as_deref(), Some("last sign-in (UTC)"));
    assert_eq!(
        user(&out, "ada@example.com")["roles"],
        serde_json::json!(["Owner"])
    );
}

#[test]
fn separate_first_and_last_name_columns() {
    let out = run("first_last.csv");
    let ada = user(&out, "ada@example.com");
    assert_eq!(
        (ada["firstName"].as_str(), ada["lastName"].as_str()),
        (Some("Ada"), Some("Lovelace"))
    );
    let grace = user(&out, "grace@example.com");
    assert_eq!(grace["firstName"], "Grace");
    assert!(grace.get("lastName").is_none());
}

#[test]
fn a_file_without_header_uses_the_sample_positions() {
    let out = run("positional.csv");
    assert_eq!(out.report.files[0].layout, Layout::Positional);
    assert_eq!(out.report.files[0].header_line, None);
    assert_eq!(out.report.totals.rows_read, 2);
    let ada = user(&out, "ada@example.com");
    assert_eq!(ada["lastName"], "Lovelace");
    assert_eq!(ada["roles"], serde_json::json!(["Owner"]));
    assert_eq!(ada["lastUsedDate"], "2024-12-30");
    let alan = user(&out, "alan@example.com");
    assert_eq!(alan["externalStatus"], "Invited");
    assert!(alan.get("lastUsedDate").is_none());
}

/// A first row with an email in any cell is data, never a header: read as a
/// header ("ada@email.com" contains "email"), Ada's row would be lost
/// without a word.
#[test]
fn a_first_row_holding_an_email_anywhere_is_data_not_a_header() {
    let err = transform(
        &fixture("positional_email_elsewhere.csv"),
        &TransformOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "no_valid_users");
    let out = run_with(
        "positional_email_elsewhere.csv",
        options(r#"{"columns": {"email": 2, "name": 1, "status": 3}}"#),
    );
    assert_eq!(out.report.files[0].layout, Layout::Positional);
    assert_eq!(out.report.totals.rows_read, 2);
    assert_eq!(emails(&out), ["ada@email.com", "bob@email.com"]);
    assert_eq!(user(&out, "bob@email.com")["externalStatus"], "Invited");
}

/// A column number past the last column would read nothing without a word:
/// `status=7` on a six-column export would make every member active.
#[test]
fn a_column_number_past_the_last_column_is_refused() {
    let text = "Email,Name,Status\nada@example.com,Ada,Removed\n";
    let err = transform(text, &options(r#"{"columns":{"status":4}}"#)).unwrap_err();
    assert_eq!(err.code(), "unknown_column");
    assert!(err.message().contains("column 4"), "{}", err.message());
    assert!(err.message().contains("3 columns"), "{}", err.message());
    let headerless = "ada@example.com,Ada,Removed\n";
    let err = transform(headerless, &options(r#"{"columns":{"lastUsed":6}}"#)).unwrap_err();
    assert_eq!(err.code(), "unknown_column");
    let out = transform(text, &options(r#"{"columns":{"status":3}}"#)).unwrap();
    assert_eq!(user(&out, "ada@example.com")["status"], "deleted");
}

/// `cat a.csv b.csv` of two exports with a byte-order mark leaves one at
/// the start of the second header; a header cell can carry other invisible
/// characters from a copy and paste. They are not part of the name.
#[test]
fn invisible_characters_in_header_cells_are_ignored() {
    let text = "Email,Name,Status\nada@example.com,Ada,Active\n\u{feff}Email,Name,Status\nbob@example.com,Bob,Removed\n";
    let out = transform(text, &TransformOptions::default()).unwrap();
    assert_eq!(codes_at(&out, 3), ["repeated_header"]);
    assert_eq!(user(&out, "bob@example.com")["status"], "deleted");
    let out = transform(
        "\u{feff}Status,\u{200b}Email\nRemoved,ada@example.com\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert_eq!(user(&out, "ada@example.com")["status"], "deleted");
    assert!(
        out.report.diagnostics.is_empty(),
        "{:?}",
        out.report.diagnostics
    );
}

#[test]
fn a_missing_email_column_is_fatal_and_names_what_was_found() {
    let err = transform(
        &fixture("no_email_column.csv"),
        &TransformOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "missing_email_column");
    match err.kind() {
        ErrorKind::MissingEmailColumn { headers_found } => {
            assert_eq!(headers_found, &["Name", "Status", "Role"])
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.message().contains("Name, Status, Role"));
    assert!(err.message().contains("Email, E-mail, Email address"));
}

#[test]
fn explicit_columns_map_unrecognised_headers() {
    let opts = options(
        r#"{"columns":{"email":"login","name":"Who","status":"STATE","roles":4,"lastUsed":"When"}}"#,
    );
    let out = run_with("explicit_columns.csv", opts);
    let ada = user(&out, "ada@example.com");
    assert_eq!(ada["lastName"], "Lovelace");
    assert_eq!(ada["roles"], serde_json::json!(["Owner"]));
    assert_eq!(ada["lastUsedDate"], "2025-01-02");
    let err = transform(
        &fixture("explicit_columns.csv"),
        &options(r#"{"columns":{"email":"Mail"}}"#),
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_column");
}

/// The diagnostics about the header: (code, column, level), in report order.
fn header_notes(out: &Transformed) -> Vec<(&'static str, Option<&str>, Level)> {
    out.report
        .diagnostics
        .iter()
        .filter(|d| d.code.about_header())
        .map(|d| (d.code.as_str(), d.column.as_deref(), d.level))
        .collect()
}

/// Asserts that the header's only note is a duplicate_column warning on
/// `header`, whose message says `says`.
fn assert_one_duplicate(out: &Transformed, header: &str, says: &str) {
    assert_eq!(
        header_notes(out),
        [("duplicate_column", Some(header), Level::Warning)]
    );
    assert!(
        out.report.diagnostics[0].message.contains(says),
        "{:?} does not say {says:?}",
        out.report.diagnostics[0].message
    );
}

#[test]
fn a_header_without_a_status_column_is_a_warning_naming_the_unrecognised_headers() {
    let out = run("unrecognised_headers.csv");
    assert_eq!(
        header_notes(&out),
        [
            ("missing_status_column", None, Level::Warning),
            ("unused_column", Some("Nom"), Level::Info),
            ("unused_column", Some("Statut"), Level::Info),
            ("unused_column", Some("Rôle"), Level::Info),
            ("unused_column", Some("Dernière connexion"), Level::Info),
        ]
    );
    let r = &out.report;
    let missing = &r.diagnostics[0];
    assert_eq!(
        (missing.file, missing.line, missing.email.as_deref()),
        (0, 1, None)
    );
    for header in [
        "\"Nom\"",
        "\"Statut\"",
        "\"Rôle\"",
        "\"Dernière connexion\"",
    ] {
        assert!(missing.message.contains(header), "{}", missing.message);
    }
    assert!(missing.message.contains("every user is exported as active"));
    assert!(missing.message.contains("columns option (status=HEADER"));
    // Header notes are not rows: the one row is exported, and counted once.
    assert_eq!((r.totals.rows_read, r.totals.users_exported), (1, 1));
    assert_eq!(
        (
            r.count(Level::Warning),
            r.count(Level::Info),
            r.count(Level::Error)
        ),
        (1, 4, 0)
    );
    let text = r.render_text();
    assert!(text.contains("0 errors, 1 warning, 4 notes"), "{text}");
    assert!(
        text.contains("line 1: warning missing_status_column: no status column"),
        "{text}"
    );
    assert!(text.contains("line 1: info unused_column [Statut]: \"Statut\" matches no field"));
    // Only strict refuses it.
    assert!(out.refusal(false, false).is_none());
    assert!(out.refusal(false, true).is_none());
    let err = out.refusal(true, true).unwrap();
    assert_eq!(err.code(), "unclear_columns");
    assert!(matches!(
        err.kind(),
        ErrorKind::UnclearColumns { warnings: 1 }
    ));
    assert!(err
        .message()
        .contains("line 1 first: missing_status_column"));
}

#[test]
fn mapping_the_unrecognised_headers_clears_the_warnings() {
    let opts = options(
        r#"{"columns":{"name":"Nom","status":"Statut","roles":"Rôle","lastUsed":"Dernière connexion"},
            "statusMap":{"Supprimé":"deleted"}}"#,
    );
    let out = run_with("unrecognised_headers.csv", opts);
    assert!(header_notes(&out).is_empty());
    assert!(out.report.diagnostics.is_empty());
    assert!(out.refusal(true, true).is_none());
    let ada = user(&out, "ada@example.com");
    assert_eq!(ada["status"], "deleted");
    assert_eq!(ada["lastName"], "Lovelace");
    assert_eq!(ada["roles"], serde_json::json!(["Propriétaire"]));
    assert_eq!(ada["lastUsedDate"], "2024-12-30");
}

#[test]
fn an_english_export_with_an_unknown_status_header_is_warned_too() {
    let out = run("no_status_column.csv");
    assert_eq!(
        header_notes(&out),
        [
            ("missing_status_column", None, Level::Warning),
            ("unused_column", Some("State"), Level::Info),
        ]
    );
    assert!(out.report.diagnostics[0].message.contains("\"State\""));
    // The other columns are read.
    let ada = user(&out, "ada@example.com");
    assert_eq!(ada["roles"], serde_json::json!(["Owner"]));
    assert_eq!(ada["firstName"], "Ada");
    let fixed = run_with(
        "no_status_column.csv",
        options(r#"{"columns":{"status":"State"}}"#),
    );
    assert!(header_notes(&fixed).is_empty());
    assert_eq!(user(&fixed, "ada@example.com")["status"], "deleted");
}

#[test]
fn a_header_of_email_alone_says_every_user_is_active() {
    let out = transform("Email\nada@example.com\n", &TransformOptions::default()).unwrap();
    assert_eq!(
        header_notes(&out),
        [("missing_status_column", None, Level::Warning)]
    );
    assert!(out.report.diagnostics[0]
        .message
        .contains("the header names no other column"));
}

#[test]
fn a_repeated_header_reads_the_first_column_and_warns_about_the_second() {
    let out = run("duplicate_headers.csv");
    assert_eq!(
        header_notes(&out),
        [
            ("duplicate_column", Some("Email"), Level::Warning),
            ("duplicate_column", Some("Status"), Level::Warning),
        ]
    );
    let email = &out.report.diagnostics[0];
    assert_eq!(email.line, 1);
    assert!(
        email
            .message
            .contains("column 2 names the email field again")
            && email
                .message
                .contains("email is read from column 1 (\"Email\")")
            && email.message.contains("column 2 is ignored")
            && email.message.contains("(email=2)"),
        "{}",
        email.message
    );
    assert_eq!(emails(&out), ["ada@example.com"]);
    assert_eq!(user(&out, "ada@example.com")["status"], "active");
    assert_eq!(out.report.totals.rows_read, 1);
    let err = out.refusal(true, false).unwrap();
    assert!(matches!(
        err.kind(),
        ErrorKind::UnclearColumns { warnings: 2 }
    ));
    // Mapping the field is the answer: the other column is then a note.
    let out = run_with(
        "duplicate_headers.csv",
        options(r#"{"columns":{"email":2,"status":5}}"#),
    );
    assert_eq!(emails(&out), ["bob@example.com"]);
    assert_eq!(user(&out, "bob@example.com")["status"], "deleted");
    assert_eq!(
        header_notes(&out),
        [
            ("unused_column", Some("Email"), Level::Info),
            ("unused_column", Some("Status"), Level::Info),
        ]
    );
    assert!(out.report.diagnostics[0]
        .message
        .contains("the columns option maps email to column 2"));
    assert!(out.refusal(true, true).is_none());
}

#[test]
fn a_header_the_columns_option_names_twice_warns_as_a_duplicate() {
    let text = "Login,Status,Login\nada@example.com,Active,bob@example.com\n";
    let out = transform(text, &options(r#"{"columns":{"email":"Login"}}"#)).unwrap();
    assert_eq!(emails(&out), ["ada@example.com"]);
    assert_one_duplicate(
        &out,
        "Login",
        "column 3 names the email field again: email is read from column 1",
    );
    assert!(
        out.refusal(true, false).is_some(),
        "strict mode asks which one"
    );
    // The same when the repeated header is also another field's alias.
    let out = transform(
        "User,Full name,Status,User\nada@example.com,Ada L,Active,bob@example.com\n",
        &options(r#"{"columns":{"email":"User","name":"Full name"}}"#),
    )
    .unwrap();
    assert_one_duplicate(
        &out,
        "User",
        "column 4 names the email field again: email is read from column 1",
    );
    // By number the option says which: the other column is then a note.
    let out = transform(text, &options(r#"{"columns":{"email":3}}"#)).unwrap();
    assert_eq!(emails(&out), ["bob@example.com"]);
    assert_eq!(
        header_notes(&out),
        [("unused_column", Some("Login"), Level::Info)]
    );
    assert!(out.refusal(true, false).is_none());
}

#[test]
fn two_aliases_of_one_field_and_a_header_repeated_by_the_email_fallback_warn() {
    let out = transform(
        "Email,E-mail,Status\nada@example.com,bob@example.com,Active\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert_eq!(
        header_notes(&out),
        [("duplicate_column", Some("E-mail"), Level::Warning)]
    );
    let out = transform(
        "Work email,Status,Work email\nada@example.com,Active,bob@example.com\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert_one_duplicate(&out, "Work email", "column 3 names the email field again");
}

#[test]
fn a_full_name_beside_first_and_last_names_is_a_note() {
    let out = transform(
        "Email,Name,First name,Last name,Status\nada@example.com,Ada L,Ada,Lovelace,Active\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert_eq!(
        header_notes(&out),
        [("unused_column", Some("Name"), Level::Info)]
    );
    assert!(out.report.diagnostics[0]
        .message
        .contains("names come from the first and last name columns"));
}

/// A column without a header is read by no field: when it holds data, the
/// report says so once, at the header, with how many rows and the first.
#[test]
fn data_under_an_empty_header_is_reported_once_per_column() {
    let text = "Email,Name,,Status,\n\
                ada@example.com,Ada,,Active,\n\
                bob@example.com,Bob,Owner,Active,\n\
                cy@example.com,Cy, ,Active,\n\
                dee@example.com,Dee,Admin,Active,\n\
                not-an-email,Eve,,Active,\n";
    let out = transform(text, &TransformOptions::default()).unwrap();
    let notes = located(&out);
    // Column 5 is empty on every row (the trailing comma): no news. The
    // note comes with the header's line, before the rows' diagnostics.
    assert_eq!(
        notes,
        [
            (1, "unused_column", Some("column 3"), Level::Info),
            (6, "invalid_email", Some("Email"), Level::Error),
        ]
    );
    let message = &out.report.diagnostics[0].message;
    assert!(
        message
            .starts_with("column 3 has no header but holds data on 2 rows (the first on line 3)"),
        "{message}"
    );
    assert!(message.contains("(FIELD=3)"), "{message}");
    assert!(out.report.is_balanced());
    assert_eq!(out.report.totals.users_exported, 4);
    // Mapped to a field, the column is read and the note goes.
    let mapped = transform(text, &options(r#"{"columns":{"roles":3}}"#)).unwrap();
    assert_eq!(codes_at(&mapped, 1), Vec::<&str>::new());
    assert_eq!(
        user(&mapped, "bob@example.com")["roles"],
        serde_json::json!(["Owner"])
    );
}

/// A sheet's rows, each cell a text or (`Err`) a date cell's wall-clock
/// milliseconds, as the Apps Script host passes them.
fn sheet(rows: &[&[Result<&str, i64>]]) -> Input {
    let mut text = String::new();
    let mut split = SplitRows::default();
    for row in rows {
        for cell in *row {
            match cell {
                Ok(cell) => split.push_cell(&mut text, cell),
                Err(ms) => split.push_date_cell(&mut text, *ms),
            }
        }
        split.end_row();
    }
    Input::split_rows("Users", text, split)
}

/// Sheets makes a date cell of each pasted date its locale reads, and
/// leaves as text one it cannot: a column with both was pasted into a
/// locale whose day order is not the export's, and the report says so.
#[test]
fn a_sheet_column_of_date_cells_and_dates_left_as_text_is_a_warning() {
    const DEC_30: i64 = 1_735_516_800_000;
    let rows: &[&[Result<&str, i64>]] = &[
        &[Ok("Email"), Ok("Status"), Ok("Last login")],
        &[Ok("ada@example.com"), Ok("Active"), Err(DEC_30 + 3_600_000)],
        &[Ok("not-an-email"), Ok("Active"), Ok("")],
        &[Ok("bob@example.com"), Ok("Active"), Ok(" 13/4/2025 10:00")],
        &[Ok("cy@example.com"), Ok("Active"), Ok("14/4/2025")],
    ];
    let out = transform_inputs(vec![sheet(rows)], &TransformOptions::default()).unwrap();
    let notes = located(&out);
    assert_eq!(
        notes,
        [
            (1, "mixed_date_cells", Some("Last login"), Level::Warning),
            (3, "invalid_email", Some("Email"), Level::Error),
            (4, "unparseable_date", Some("Last login"), Level::Warning),
            (5, "unparseable_date", Some("Last login"), Level::Warning),
        ]
    );
    assert_eq!(
        out.report.diagnostics[0].message,
        "column 3 (\"Last login\") holds date cells and dates Sheets left as text, such as \
         \"13/4/2025\" on row 4: the spreadsheet's locale reads dates in another order than the \
         export, so a date cell such as 3/4/2025 may already be another day; set File → Settings \
         → Locale to the export's, or format the column as plain text, and paste the export again"
    );
    assert!(out.report.is_balanced());
    assert_eq!(user(&out, "ada@example.com")["lastUsedDate"], "2024-12-30");
    // A warning about the columns: strict mode refuses the result.
    let valid: Vec<_> = rows
        .iter()
        .copied()
        .filter(|row| row[0] != Ok("not-an-email"))
        .collect();
    let out = transform_inputs(vec![sheet(&valid)], &TransformOptions::default()).unwrap();
    let refusal = out.refusal(true, false).unwrap();
    assert_eq!(refusal.code(), "unclear_columns");
    assert!(refusal.message().contains("mixed_date_cells"), "{refusal}");
    assert!(
        refusal
            .message()
            .contains("set the spreadsheet's locale to the export's"),
        "{refusal}"
    );

    // The same sheet without date cells, or without such texts, is quiet.
    let texts: &[&[Result<&str, i64>]] = &[&[Ok("a@example.com"), Ok("13/4/2025")]];
    let dates: &[&[Result<&str, i64>]] = &[
        &[Ok("a@example.com"), Err(DEC_30)],
        &[Ok("b@example.com"), Ok("3/4/2025")],
    ];
    // Nor is a column that is not read for the last-used date, or a text
    // that no day order reads as a date (a typo, not the locale).
    let unread: &[&[Result<&str, i64>]] = &[
        &[Ok("Email"), Ok("Created"), Ok("Last login")],
        &[Ok("a@example.com"), Err(DEC_30), Ok("2025-04-13")],
        &[Ok("b@example.com"), Ok("13/4/2025"), Ok("")],
    ];
    let typo: &[&[Result<&str, i64>]] = &[
        &[Ok("Email"), Ok("Last login")],
        &[Ok("a@example.com"), Err(DEC_30)],
        &[Ok("b@example.com"), Ok("2/30/2025")],
    ];
    for rows in [texts, dates, unread, typo] {
        let out = transform_inputs(vec![sheet(rows)], &TransformOptions::default()).unwrap();
        assert!(
            out.report
                .diagnostics
                .iter()
                .all(|d| d.code != Code::MixedDateCells),
            "{rows:?}"
        );
    }

    // Without a header row, the note is on the text's row.
    let positional: &[&[Result<&str, i64>]] = &[
        &[
            Ok("a@example.com"),
            Ok("Ada"),
            Ok("Active"),
            Ok("Admin"),
            Ok("On"),
            Err(DEC_30),
        ],
        &[
            Ok("b@example.com"),
            Ok("Bo"),
            Ok("Active"),
            Ok("Admin"),
            Ok("On"),
            Ok("30/12/2024"),
        ],
    ];
    let out = transform_inputs(vec![sheet(positional)], &TransformOptions::default()).unwrap();
    let note = out
        .report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::MixedDateCells)
        .unwrap();
    assert_eq!(note.line, 2);
    assert!(
        note.message.starts_with("column 6 holds date cells"),
        "{}",
        note.message
    );
}

#[test]
fn header_notes_carry_the_header_line_and_skip_empty_headers() {
    // A blank first line: the header is line 2. The empty third header and
    // the padding cell under it are not columns of their own.
    let out = transform(
        "\nEmail,Status,,Team\nada@example.com,Active,,Core\n",
        &TransformOptions::default(),
    )
    .unwrap();
    let notes: Vec<_> = out
        .report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.code.as_str(), d.column.as_deref()))
        .collect();
    assert_eq!(notes, [(2, "unused_column", Some("Team"))]);
    assert!(out.report.is_balanced());
}

#[test]
fn files_without_a_header_row_get_no_header_notes() {
    let out = run("positional.csv");
    assert_eq!(out.report.files[0].layout, Layout::Positional);
    assert!(header_notes(&out).is_empty());
    let out = transform(
        "ada@example.com\nbob@example.com\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert!(out.report.diagnostics.is_empty());
}

#[test]
fn emails_are_normalised_and_bad_ones_rejected_with_their_line() {
    let out = run("emails.csv");
    // "Name <address>" is the address, and a full-width ＠ is an @; two
    // addresses in one cell are refused. Quotes around an address are none
    // of it.
    assert_eq!(
        emails(&out),
        [
            "ada@example.com",
            "ok@sub.example.co.uk",
            "grace@example.com",
            "kat@example.com",
            "quoted@example.com"
        ]
    );
    assert_eq!(out.report.totals.rejected, 5);
    assert_eq!(codes_at(&out, 3), ["missing_email"]);
    for line in [4, 5, 6, 10] {
        assert_eq!(codes_at(&out, line), ["invalid_email"], "line {line}");
    }
    let d = out.report.diagnostics.iter().find(|d| d.line == 4).unwrap();
    assert_eq!(d.level, Level::Error);
    assert_eq!(d.column.as_deref(), Some("Email"));
    assert!(d.message.contains("not-an-email"));
}

#[test]
fn duplicates_merge_roles_dates_and_status() {
    let out = run("duplicates.csv");
    assert_eq!(
        (out.report.totals.users_exported, out.report.totals.merged),
        (2, 2)
    );
    let ada = user(&out, "ada@example.com");
    assert_eq!(
        ada["roles"],
        serde_json::json!(["Owner", "Developer", "Analyst"])
    );
    assert_eq!(ada["lastUsedDate"], "2025-03-01");
    assert_eq!(ada["status"], "active");
    assert_eq!(ada["externalStatus"], "Active");
    assert_eq!(ada["firstName"], "Ada");
    assert_eq!(
        json(&out)["licenses"][0]["users"][0]["licenseStatus"],
        "active"
    );
    // Output order is input order: Ada first, where she first appeared.
    assert_eq!(out.file.user(0).unwrap().email(), "ada@example.com");
    let merge = out.report.diagnostics.iter().find(|d| d.line == 4).unwrap();
    assert_eq!(merge.code, Code::DuplicateEmail);
    assert_eq!(merge.level, Level::Info);
    assert!(merge.message.contains("line 2"));
}

#[test]
fn names_split_with_suffixes_commas_and_single_words() {
    let out = run("names.csv");
    let name = |email: &str| {
        let u = user(&out, email);
        (
            u.get("firstName")
                .and_then(Value::as_str)
                .map(str::to_string),
            u.get("lastName")
                .and_then(Value::as_str)
                .map(str::to_string),
        )
    };
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        name("a@example.com"),
        (some("Martin Luther"), some("King Jr."))
    );
    assert_eq!(name("b@example.com"), (some("Ada"), some("Lovelace")));
    assert_eq!(name("c@example.com"), (some("Cher"), None));
    assert_eq!(name("d@example.com"), (None, None));
    assert_eq!(
        name("e@example.com"),
        (some("Grace Brewster"), some("Hopper"))
    );
    assert_eq!(name("f@example.com"), (None, None));
    assert_eq!(
        name("g@example.com"),
        (some("Martin Luther"), some("King Jr."))
    );
    assert_eq!(name("h@example.com"), (some("Henry"), some("Ford II")));
}

#[test]
fn roles_split_on_every_separator_and_deduplicate() {
    let out = run("roles.csv");
    let roles = |email: &str| user(&out, email).get("roles").cloned();
    assert_eq!(
        roles("a@example.com"),
        Some(serde_json::json!([
            "Owner",
            "Developer",
            "Analyst",
            "View only"
        ]))
    );
    assert_eq!(
        roles("b@example.com"),
        Some(serde_json::json!(["Developer", "Analyst"]))
    );
    assert_eq!(
        roles("c@example.com"),
        Some(serde_json::json!(["Developer"]))
    );
    assert_eq!(roles("d@example.com"), None);
    assert_eq!(
        by_role(&out),
        [
            ("Owner", 1),
            ("Developer", 3),
            ("Analyst", 2),
            ("View only", 1)
        ]
    );
}

/// A role typed with a double space, a tab or a no-break space is the same
/// role, as the `excludeRoles` filter already took it: one role for the
/// user and one line in the report, in the first spelling seen.
#[test]
fn roles_differing_only_in_whitespace_are_one_role() {
    let text = "Email,Name,Status,Role\n\
        a@example.com,Ada,Active,\"View only, View  only, view\tonly\"\n\
        b@example.com,Bob,Active,View  only\n\
        c@example.com,Cy,Active,View\u{a0}Only\n";
    let out = transform(text, &TransformOptions::default()).unwrap();
    assert_eq!(
        user(&out, "a@example.com")["roles"],
        serde_json::json!(["View only"])
    );
    assert_eq!(
        user(&out, "b@example.com")["roles"],
        serde_json::json!(["View  only"])
    );
    assert_eq!(by_role(&out), [("View only", 3)]);
}

/// Past eight roles a user's roles are kept in a hash set: duplicates in
/// another case are still found on both sides of that switch.
#[test]
fn a_long_role_list_still_deduplicates_ignoring_case() {
    let first: Vec<String> = (1..=10).map(|i| format!("Role {i}")).collect();
    let text = format!(
        "Email,Name,Status,Role\nada@example.com,Ada,Active,\"{}\"\nada@example.com,Ada,Active,\"role 3, ROLE 10, Role 11, role 11\"\n",
        first.join(", ")
    );
    let out = transform(&text, &TransformOptions::default()).unwrap();
    let mut expected = first.clone();
    expected.push("Role 11".to_string());
    assert_eq!(
        user(&out, "ada@example.com")["roles"],
        serde_json::json!(expected)
    );
}

#[test]
fn statuses_follow_the_table() {
    let out = run("statuses.csv");
    let file = json(&out);
    let license_users = file["licenses"][0]["users"].as_array().unwrap().clone();
    let status = |email: &str| {
        let u = user(&out, email);
        let l = license_users.iter().find(|l| l["email"] == email).unwrap();
        (
            u["status"].as_str().unwrap().to_string(),
            l["licenseStatus"].as_str().unwrap().to_string(),
        )
    };
    for e in "abcd".chars() {
        assert_eq!(
            status(&format!("{e}@example.com")),
            ("active".into(), "active".into()),
            "{e}"
        );
    }
    for e in "efghij".chars() {
        assert_eq!(
            status(&format!("{e}@example.com")),
            ("active".into(), "inactive".into()),
            "{e}"
        );
    }
    for e in "klmnopqr".chars() {
        assert_eq!(
            status(&format!("{e}@example.com")),
            ("deleted".into(), "deleted".into()),
            "{e}"
        );
    }
    // Unknown: active with a warning; externalStatus keeps the original text.
    assert_eq!(status("s@example.com"), ("active".into(), "active".into()));
    assert_eq!(user(&out, "s@example.com")["externalStatus"], "Frozen");
    assert!(user(&out, "d@example.com").get("externalStatus").is_none());
    assert_eq!(codes_at(&out, 20), ["unknown_status"]);
    assert_eq!(out.report.by_license_status.inactive, 6);

    let overridden = run_with(
        "statuses.csv",
        options(r#"{"statusMap":{"frozen":"deleted","Invited":"active"}}"#),
    );
    assert!(codes_at(&overridden, 20).is_empty());
    assert_eq!(user(&overridden, "s@example.com")["status"], "deleted");
    assert_eq!(user(&overridden, "e@example.com")["status"], "active");
}

#[test]
fn dates_normalise_to_utc_calendar_dates() {
    let out = run("dates.csv");
    let date = |email: &str| {
        user(&out, email)
            .get("lastUsedDate")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let expected = [
        ("a", Some("2024-12-30")), // the week-year trap: stays in 2024
        ("b", Some("2025-01-01")),
        ("c", Some("2024-12-31")),
        ("d", Some("2025-03-14")),
        ("e", Some("2025-03-14")),
        ("f", Some("2025-12-29")),
        ("g", Some("2025-12-29")),
        ("h", Some("2024-12-30")),
        ("i", Some("2024-12-31")),
        ("j", Some("2024-12-31")),
        ("k", None),
        ("l", None),
        ("m", None),
        ("n", None),
        ("o", None),
        ("p", None),
        ("q", None),
        ("r", Some("2024-02-29")),
    ];
    for (e, want) in expected {
        assert_eq!(date(&format!("{e}@example.com")).as_deref(), want, "{e}");
    }
    // Garbage and impossible dates warn with their line; the rows are kept.
    assert_eq!(codes_at(&out, 17), ["unparseable_date"]);
    assert_eq!(codes_at(&out, 18), ["unparseable_date"]);
    assert_eq!(out.report.totals.users_exported, 18);
    assert!(!String::from_utf8(out.to_json())
        .unwrap()
        .contains("Invalid Date"));
}

#[test]
fn day_first_dates_are_an_option() {
    let out = run_with("dates_dmy.csv", options(r#"{"dateOrder":"dmy"}"#));
    assert_eq!(user(&out, "a@example.com")["lastUsedDate"], "2024-12-30");
    assert_eq!(user(&out, "b@example.com")["lastUsedDate"], "2025-04-03");
    assert_eq!(codes_at(&out, 4), ["unparseable_date"]);
    let default = run("dates_dmy.csv");
    assert_eq!(
        user(&default, "b@example.com")["lastUsedDate"],
        "2025-03-04"
    );
    assert_eq!(codes_at(&default, 2), ["unparseable_date"]);
}

#[test]
fn license_options_and_turning_the_license_off() {
    let out = run_with(
        "duplicates.csv",
        options(
            r#"{"licenseName":"Stripe Dashboard","pricePerUserCents":1500,"unassignedAmount":3}"#,
        ),
    );
    let license = &json(&out)["licenses"][0];
    assert_eq!(license["name"], "Stripe Dashboard");
    assert_eq!(license["pricePerUser"], 1500);
    assert_eq!(license["unassignedAmount"], 3);
    assert_eq!(license["users"].as_array().unwrap().len(), 2);

    let off = run_with("duplicates.csv", options(r#"{"includeLicense":false}"#));
    assert!(json(&off).get("licenses").is_none());

    for bad in [
        r#"{"pricePerUserCents":-1}"#,
        r#"{"pricePerUserCents":9.99}"#,
        r#"{"unassignedAmount":-2}"#,
    ] {
        let err = Options::from_json(bad).unwrap_err();
        assert_eq!(err.code(), "invalid_option", "{bad}");
    }
}

#[test]
fn filters_exclude_and_report_rows() {
    let by_status = run_with(
        "filters.csv",
        options(r#"{"excludeStatuses":["invited","deleted"]}"#),
    );
    assert_eq!(by_status.report.totals.excluded, 2);
    assert_eq!(codes_at(&by_status, 3), ["excluded"]);
    assert_eq!(codes_at(&by_status, 6), ["excluded"]);

    let by_role = run_with("filters.csv", options(r#"{"excludeRoles":["VIEW ONLY"]}"#));
    assert_eq!(by_role.report.totals.excluded, 1);
    assert!(by_role.report.diagnostics[0].message.contains("View only"));

    let include = run_with(
        "filters.csv",
        options(r#"{"includeDomains":["example.com"]}"#),
    );
    assert_eq!(
        emails(&include),
        [
            "a@corp.example.com",
            "b@example.com",
            "d@example.com",
            "e@example.com"
        ]
    );

    let exclude = run_with(
        "filters.csv",
        options(r#"{"excludeDomains":["@contractor.example.org"]}"#),
    );
    assert_eq!(exclude.report.totals.excluded, 1);
    assert_eq!(exclude.report.diagnostics[0].level, Level::Info);
}

#[test]
fn ragged_rows_warn_but_still_export() {
    let out = run("ragged.csv");
    assert_eq!(out.report.totals.users_exported, 4);
    assert_eq!(codes_at(&out, 3), ["ragged_row"]);
    assert_eq!(codes_at(&out, 4), ["ragged_row"]);
    // Trailing empty cells are spreadsheet padding, not raggedness.
    assert!(codes_at(&out, 5).is_empty());
    // In the header too: rows that stop where its names stop are whole.
    let padded = "Email,Name,Status,,\na@example.com,Ada,Active\nb@example.com,Bob\nc@example.com,Cy,Active,,,\n";
    let out = transform(padded, &TransformOptions::default()).unwrap();
    assert!(codes_at(&out, 2).is_empty(), "{:?}", out.report.diagnostics);
    assert_eq!(codes_at(&out, 3), ["ragged_row"]);
    assert!(codes_at(&out, 4).is_empty());
}

#[test]
fn a_repeated_header_is_skipped_and_reported() {
    let out = run("repeated_header.csv");
    assert_eq!(out.report.totals.users_exported, 2);
    assert_eq!(out.report.totals.rejected, 1);
    assert_eq!(codes_at(&out, 3), ["repeated_header"]);
}

#[test]
fn no_valid_users_is_fatal_but_keeps_the_report() {
    let err = transform(&fixture("all_rejected.csv"), &TransformOptions::default()).unwrap_err();
    assert_eq!(err.code(), "no_valid_users");
    match err.kind() {
        ErrorKind::NoValidUsers { report } => {
            assert_eq!((report.totals.rows_read, report.totals.rejected), (2, 2));
            let rows = report.diagnostics.iter().filter(|d| !d.code.about_header());
            assert_eq!(rows.count(), 2);
            assert_eq!(report.count_code(Code::MissingStatusColumn), 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.message().contains("line 2"));
}

#[test]
fn empty_and_non_text_input_are_fatal() {
    let err = transform(&fixture("blank.csv"), &TransformOptions::default()).unwrap_err();
    assert_eq!(err.code(), "empty_input");
    assert_eq!(
        transform("", &TransformOptions::default())
            .unwrap_err()
            .code(),
        "empty_input"
    );

    let err =
        transform_bytes(b"Email\na@b.co\n\xc3\x28", &TransformOptions::default()).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::NotText {
            byte_offset: 13,
            line: 3
        }
    );
    assert!(
        err.message().contains("line 3, byte 13"),
        "{}",
        err.message()
    );
    assert!(err.message().contains("Windows-1252"));
    // CRLF and a lone CR are one break each; the line is the offending
    // byte's own, also in UTF-16 (counted in characters read).
    let err =
        transform_bytes(b"Email\r\na@b.co\rx\n\xe9\n", &TransformOptions::default()).unwrap_err();
    assert!(
        err.message().contains("line 4, byte 16"),
        "{}",
        err.message()
    );
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "Email\r\nada@b.co\n".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    utf16.extend([0x00, 0xd8, b'a', 0]);
    let err = transform_bytes(&utf16, &TransformOptions::default()).unwrap_err();
    assert!(err.message().contains("line 3,"), "{}", err.message());
    let err = transform_bytes(b"PK\x03\x04\x00\x00", &TransformOptions::default()).unwrap_err();
    assert_eq!(err.code(), "not_text");
}

#[test]
fn output_is_deterministic_and_in_input_order() {
    let text = fixture("statuses.csv");
    let a = transform(&text, &TransformOptions::default())
        .unwrap()
        .to_json();
    let b = transform(&text, &TransformOptions::default())
        .unwrap()
        .to_json();
    assert_eq!(a, b);
    let out = run("statuses.csv");
    let initials: String = emails(&out)
        .iter()
        .map(|e| e.chars().next().unwrap())
        .collect();
    assert_eq!(initials, "abcdefghijklmnopqrs");
}

#[test]
fn the_bundled_sample_accounts_for_every_row() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/stripe-sample.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let out = transform(&text, &TransformOptions::default()).unwrap();
    let r = &out.report;
    assert!(r.is_balanced());
    let t = &r.totals;
    assert_eq!(
        (t.rows_read, t.users_exported, t.merged, t.rejected),
        (12, 9, 1, 2)
    );
    // No header note: its two-step column is Stripe's, with no Torii field.
    assert_eq!(header_notes(&out), []);
    let json = String::from_utf8(out.to_json()).unwrap();
    for forbidden in ["\"\"", "null", "Invalid Date"] {
        assert!(!json.contains(forbidden), "{forbidden} in {json}");
    }
}

#[test]
fn an_excel_sep_line_sets_the_delimiter_and_is_not_the_header() {
    // Excel writes (and reads) a first line `sep=;` naming the delimiter.
    for (csv, delimiter) in [
        (
            "sep=;\r\nEmail;Name;Status\r\nada@example.com;Ada, Countess;Active\r\n",
            ';',
        ),
        (
            "SEP=,\nEmail,Name,Status\nada@example.com,Ada,Invited\n",
            ',',
        ),
        ("\"sep=\t\"\nEmail\tStatus\nada@example.com\tActive\n", '\t'),
    ] {
        let out =
            transform(csv, &TransformOptions::default()).unwrap_or_else(|e| panic!("{csv:?}: {e}"));
        assert!(out.report.is_balanced());
        assert_eq!(out.report.files[0].delimiter, Some(delimiter), "{csv:?}");
        assert_eq!(out.report.files[0].header_line, Some(2), "{csv:?}");
        assert_eq!(out.file.len(), 1);
        assert!(
            out.report.diagnostics.is_empty(),
            "{csv:?}: {:?}",
            out.report.diagnostics
        );
    }
    // A forced delimiter wins, and the line is still not the header.
    let forced = TransformOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    let out = transform("sep=;\nEmail,Name\nada@example.com,Ada\n", &forced).unwrap();
    assert_eq!(out.file.user(0).unwrap().first_name(), Some("Ada"));
}

#[test]
fn control_characters_quoted_from_cells_cannot_break_or_colour_the_report() {
    // A cell with a line break and a terminal escape, quoted in a message,
    // would forge a report line ("error: …") or recolour the terminal.
    let csv = "Email,Status,Role\n\
               \"x\u{1b}[2K\r\nline 9: ok\",Active,Owner\n\
               ada@example.com,\"Gone\u{1b}]0;pwned\u{7}\",\"Dev\u{1b}[31m\"\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    for d in &out.report.diagnostics {
        assert!(!d.message.chars().any(char::is_control), "{:?}", d.message);
    }
    let text = out.report.render_text();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    let invalid = &out.report.diagnostics[0];
    assert_eq!(invalid.code, Code::InvalidEmail);
    assert!(
        invalid.message.contains(r"x\u{1b}[2K\r\nline 9: ok"),
        "{}",
        invalid.message
    );
    // The file keeps the text as it was.
    assert_eq!(
        out.file.user(0).unwrap().roles().next(),
        Some("Dev\u{1b}[31m")
    );
}

#[test]
fn invisible_characters_do_not_hide_a_status() {
    // Copied from a web page, a status can carry a zero-width space or a
    // direction mark; "Removed" must not become an unknown status read as
    // active.
    let csv = "Email,Status\n\
               ada@example.com,Removed\u{200b}\n\
               bob@example.com,\u{200e}Invited\n\
               cat@example.com,Invite\u{2060} sent\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    let statuses: Vec<&str> = out
        .file
        .users()
        .map(|u| u.license_status().as_str())
        .collect();
    assert_eq!(statuses, ["deleted", "inactive", "inactive"]);
    assert_eq!(out.report.count_code(Code::UnknownStatus), 0);
    let out = transform(csv, &options(r#"{"excludeStatuses":["removed"]}"#)).unwrap();
    assert_eq!(out.report.totals.excluded, 1);
}

#[test]
fn a_multi_line_name_before_the_email_column_is_no_broken_quote() {
    // The name's second line holds its closing quote, then the row's email:
    // the rest of the row, not a row of its own.
    let csv =
        "Name,Email,Status\n\"Ada\nLovelace\",ada@example.com,Active\nBob,bob@example.com,Active\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    assert_eq!(out.report.count_code(Code::UnterminatedQuote), 0);
    let ada = out.file.user(0).unwrap();
    assert_eq!(
        (ada.first_name(), ada.last_name()),
        (Some("Ada"), Some("Lovelace"))
    );
    assert_eq!(out.file.user(1).unwrap().email(), "bob@example.com");
    assert_eq!(out.report.totals.rows_read, 2);
    // A stray quote still breaks where the swallowed line is a row.
    let csv = "Name,Email,Status\n\"Ada,ada@example.com,Active\nBob,bob@example.com,Active\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    assert_eq!(out.report.count_code(Code::UnterminatedQuote), 1);
    assert_eq!(out.file.user(0).unwrap().email(), "bob@example.com");
}

#[test]
fn a_member_excluded_on_one_row_is_excluded_from_all_their_rows() {
    // The excluded row comes after the kept one, and before another.
    let csv = "Email,Status,Role\n\
               ada@example.com,Active,Developer\n\
               bob@example.com,Active,Developer\n\
               ADA@example.com,Active,Owner\n\
               ada@example.com,Active,Analyst\n";
    let out = transform(csv, &options(r#"{"excludeRoles":["owner"]}"#)).unwrap();
    assert!(out.report.is_balanced(), "{:?}", out.report);
    assert_eq!(emails(&out), ["bob@example.com"]);
    let t = &out.report.totals;
    assert_eq!((t.users_exported, t.merged, t.excluded), (1, 0, 3));
    assert_eq!(codes_at(&out, 2), ["excluded"]);
    assert_eq!(codes_at(&out, 4), ["excluded"]);
    assert_eq!(codes_at(&out, 5), ["excluded"]);
    let at = |line| {
        let d = out
            .report
            .diagnostics
            .iter()
            .find(|d| d.line == line)
            .unwrap();
        (d.message.clone(), d.email.clone())
    };
    assert!(at(2).0.contains("line 4"), "{:?}", at(2));
    assert!(at(5).0.contains("line 4"), "{:?}", at(5));
    assert_eq!(at(2).1.as_deref(), Some("ada@example.com"));
    assert_eq!(out.report.by_role, [("Developer".to_string(), 1)]);
    // The report lists the rows in file order, the earlier ones first.
    let lines: Vec<u64> = out.report.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 4, 5]);

    // The same across files, and for a status filter.
    let out = stripe_torii_sync::transform::transform_inputs(
        vec![
            stripe_torii_sync::transform::Input::new(
                "a.csv",
                "Email,Status\nada@example.com,Invited\n",
            ),
            stripe_torii_sync::transform::Input::new(
                "b.csv",
                "Email,Status\nada@example.com,Active\nbob@example.com,Active\n",
            ),
        ],
        &options(r#"{"excludeStatuses":["invited"]}"#),
    )
    .unwrap();
    assert!(out.report.is_balanced(), "{:?}", out.report);
    assert_eq!(emails(&out), ["bob@example.com"]);
    assert_eq!(out.report.files[1].counts.excluded, 1);
    let later = out
        .report
        .diagnostics
        .iter()
        .find(|d| d.file == 1 && d.line == 2)
        .unwrap();
    assert_eq!(later.code, Code::Excluded);
    assert!(later.message.contains("a.csv line 2"), "{}", later.message);
}

#[test]
fn a_swallowed_line_is_judged_with_doubled_quotes_and_a_closing_quote_at_its_start() {
    // A stray quote swallows a row whose name holds doubled quotes and a
    // comma: that row is a row of its own, so the quote is broken.
    let csv = "Name,Email,Status\n\"Ada,ada@example.com,Active\n\
               \"Bob \"\"B, the\"\" Jr\",bob@example.com,Active\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    assert_eq!(out.report.count_code(Code::UnterminatedQuote), 1);
    assert_eq!(emails(&out), ["bob@example.com"]);
    // A name whose last line is only its closing quote: the line is the
    // rest of that row, even with a quoted cell further down.
    let csv = "Name,Email,Status\n\"Ada\n\",ada@example.com,Active\n\
               \"Bob\",bob@example.com,Active\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    assert_eq!(out.report.count_code(Code::UnterminatedQuote), 0);
    assert_eq!(emails(&out), ["ada@example.com", "bob@example.com"]);
    assert_eq!(out.file.user(0).unwrap().first_name(), Some("Ada"));
}

#[test]
fn a_name_line_starting_with_a_doubled_quote_is_the_rest_of_its_row() {
    // The name's second line opens with an escaped quote: `""Countess"""`
    // is no cell a row of its own would start with.
    let csv = "Name,Email,Status\n\"Ada\n\"\"Countess\"\"\",ada@example.com,Active\n\
               Bob,bob@example.com,Active\n";
    let out = transform(csv, &TransformOptions::default()).unwrap();
    assert_eq!(out.report.count_code(Code::UnterminatedQuote), 0);
    assert_eq!(emails(&out), ["ada@example.com", "bob@example.com"]);
    assert_eq!(out.report.totals.rows_read, 2);
}
