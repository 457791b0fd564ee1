//! A sheet's rows of cells, as `transform` takes them: an array of arrays,
//! or the same rows as one JSON text.
//!
//! Passed as arrays, every cell crosses into the wasm on its own, each a
//! string copied through the host's UTF-8 encoder: for a 10 000-row sheet,
//! 60 000 crossings (in Apps Script, through the polyfilled encoder). As
//! JSON text (the host's `JSON.stringify` of the rows), the whole sheet
//! crosses once and is read here, each cell appended to one text as it is
//! read ([`SplitRows`]), with no string per cell.
//!
//! Both forms read a cell by one rule: text as it is, a number as the text
//! JavaScript writes for it (`JSON.stringify` writes a finite number as
//! `String(n)` does), `true` and `false` as those words, and `null` (or
//! `undefined`) as an empty cell. JSON has no `NaN` or `Infinity`, so a
//! host passes such a number as its text. A date cell is
//! `{"wallClockMs": N}`: its wall-clock time in the sheet's time zone, in
//! whole milliseconds since 1970-01-01 00:00 of that clock, read as the text
//! [`push_wall_clock`](crate::input::sheet_dates::push_wall_clock) writes,
//! and noted for [`crate::input::sheet_dates`]'s check of the day order.

use std::borrow::Cow;

use js_sys::Number;
use wasm_bindgen::{JsCast, JsValue};

use super::args::{invalid, invalid_got};
use super::caller;
use crate::error::Result;
use crate::input::check_input_size;
use crate::input::scan::SplitRows;
use crate::input::sheet_dates::MAX_WALL_CLOCK_MS;
use crate::json::{Reader, SyntaxError, Value};

/// What a cell must be, for messages.
const A_CELL: &str = "text, a number, a boolean, null or a date cell {\"wallClockMs\": N}";

/// Rows of cells given as an array of arrays of cells: the cells' text,
/// and where each cell and row sits in it.
pub(super) fn array_rows(value: &JsValue, argument: &str) -> Result<(String, SplitRows)> {
    let Some(given) = caller::array(value, argument)? else {
        return Err(invalid(
            argument,
            "an array of rows, or rows as JSON text",
            value,
        ));
    };
    let mut cells = String::new();
    let mut split = SplitRows::default();
    for (i, row) in given.iter().enumerate() {
        let at = format!("{argument}[{i}]");
        let Some(row_cells) = caller::array(&row, &at)? else {
            return Err(invalid(&at, "an array of cells", &row));
        };
        for (j, cell) in row_cells.iter().enumerate() {
            let place = || format!("{argument}[{i}][{j}]");
            match array_cell(&cell, &place)? {
                Some(ArrayCell::Text(text)) => split.push_cell(&mut cells, &text),
                Some(ArrayCell::Date(ms)) => split.push_date_cell(&mut cells, ms),
                None => return Err(invalid(&place(), A_CELL, &cell)),
            }
        }
        split.end_row();
        check_input_size(cells.len() as u64 + split.cell_count() as u64)?;
    }
    Ok((cells, split))
}

/// A cell of the array form.
enum ArrayCell {
    Text(String),
    /// A date cell's wall-clock milliseconds.
    Date(i64),
}

/// A cell of the array form, or `None` for a value that is no cell.
fn array_cell(cell: &JsValue, place: &dyn Fn() -> String) -> Result<Option<ArrayCell>> {
    if cell.is_undefined() || cell.is_null() {
        return Ok(Some(ArrayCell::Text(String::new())));
    }
    if let Some(text) = cell.as_string() {
        return Ok(Some(ArrayCell::Text(text)));
    }
    if let Some(b) = cell.as_bool() {
        return Ok(Some(ArrayCell::Text(b.to_string())));
    }
    if let Some(number) = cell.dyn_ref::<Number>() {
        let text = number.to_string_with_radix(10).ok().map(String::from);
        return Ok(text.map(ArrayCell::Text));
    }
    if !cell.is_object() || caller::is_array(cell, &place())? {
        return Ok(None);
    }
    // Only `{wallClockMs}`, as in the JSON form: an object with more keys
    // is some other value, whatever one of them says.
    let at = format!("{}.{WALL_CLOCK_MS}", place());
    let ms = caller::get(cell, &JsValue::from_str(WALL_CLOCK_MS), &at)?;
    if ms.is_undefined() || caller::keys(cell, &place())?.length() != 1 {
        return Err(invalid_got(&place(), A_CELL, ANOTHER_OBJECT));
    }
    match ms.as_f64() {
        Some(n) if n.trunc() == n && n.abs() <= MAX_WALL_CLOCK_MS as f64 => {
            Ok(Some(ArrayCell::Date(n as i64)))
        }
        _ => Err(invalid(&at, A_WALL_CLOCK, &ms)),
    }
}

/// What an object that is no date cell is, for messages.
const ANOTHER_OBJECT: &str =
    "another object (a date cell is {\"wallClockMs\": N} alone, N a whole number of milliseconds \
     in a Date's range)";

/// The one key of a date cell.
const WALL_CLOCK_MS: &str = "wallClockMs";

/// What a date cell's time must be, for messages.
const A_WALL_CLOCK: &str =
    "a whole number of milliseconds: the date cell's wall-clock time in the sheet's time zone";

/// A date cell's milliseconds written as JSON writes a whole number, if
/// they are one and in range.
fn whole_ms(number: &str) -> Option<i64> {
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits
        .bytes()
        .fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
    (magnitude <= MAX_WALL_CLOCK_MS).then_some(if negative { -magnitude } else { magnitude })
}

/// Rows of cells given as JSON text (an array of arrays of cells): the
/// cells' text, and where each cell and row sits in it.
///
/// # Errors
///
/// `invalid_argument` naming `argument` for text that is not JSON, a row
/// that is not an array or a cell that is an array or an object;
/// `input_too_large` for text beyond the input size limit.
pub(super) fn json_rows(text: &str, argument: &str) -> Result<(String, SplitRows)> {
    check_input_size(text.len() as u64)?;
    // JSON.stringify writes a lone surrogate of a cell as `\ud800`; the
    // array form reads the same cell as U+FFFD, and so does this one.
    let mut reader = Reader::lossy(text);
    // The cells are shorter than their JSON: one allocation holds them all.
    let mut cells = String::with_capacity(text.len());
    let mut split = SplitRows::default();
    let mut rows = 0;
    // The reader's callbacks can only fail with a syntax error: a value of
    // the wrong kind is noted here, and stops the reading.
    let mut wrong: Option<(String, &'static str, &'static str)> = None;
    let mut read = |reader: &mut Reader<'_>| -> std::result::Result<(), SyntaxError> {
        match reader.peek() {
            Some(b'[') => {}
            next => return Err(stop(&mut wrong, argument, None, rows, kind(next))),
        }
        let mut count = 0;
        reader.array(|reader| {
            let cell = match reader.peek() {
                Some(b'"') => reader.string()?,
                Some(b'-' | b'0'..=b'9') => Cow::Borrowed(reader.number()?),
                Some(b'{') => {
                    let Some(ms) = date_cell(reader)? else {
                        return Err(stop(
                            &mut wrong,
                            argument,
                            Some(count),
                            rows,
                            ANOTHER_OBJECT,
                        ));
                    };
                    split.push_date_cell(&mut cells, ms);
                    count += 1;
                    return Ok(());
                }
                next @ Some(b'[') => {
                    return Err(stop(&mut wrong, argument, Some(count), rows, kind(next)));
                }
                _ => match reader.value()? {
                    Value::Bool(true) => Cow::Borrowed("true"),
                    Value::Bool(false) => Cow::Borrowed("false"),
                    _ => Cow::Borrowed(""),
                },
            };
            // The reader borrows a string only when it has no escapes, so
            // no quote, backslash or control character: nothing to look for.
            match cell {
                Cow::Borrowed(plain) => split.push_plain_cell(&mut cells, plain),
                Cow::Owned(unescaped) => split.push_cell(&mut cells, &unescaped),
            }
            count += 1;
            Ok(())
        })?;
        split.end_row();
        rows += 1;
        Ok(())
    };
    let read_all = reader.array(&mut read).and_then(|()| reader.finish());
    match (read_all, wrong) {
        (_, Some((at, expected, got))) => Err(invalid_got(&at, expected, got)),
        (Err(e), None) => Err(invalid_got(
            argument,
            "an array of rows, or rows as JSON text",
            &format!("text that is not such JSON ({e})"),
        )),
        (Ok(()), None) => Ok((cells, split)),
    }
}

/// Reads a JSON object as a date cell, `{"wallClockMs": N}`: its
/// milliseconds, or `None` for any other object.
fn date_cell(reader: &mut Reader<'_>) -> std::result::Result<Option<i64>, SyntaxError> {
    let mut ms = None;
    let mut other = false;
    reader.object(|reader, key| {
        if key == WALL_CLOCK_MS && ms.is_none() && matches!(reader.peek(), Some(b'-' | b'0'..=b'9'))
        {
            ms = whole_ms(reader.number()?);
            other |= ms.is_none();
            Ok(())
        } else {
            other = true;
            reader.skip()
        }
    })?;
    Ok(ms.filter(|_| !other))
}

/// What the JSON value starting with `next` is, for messages.
fn kind(next: Option<u8>) -> &'static str {
    match next {
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "no value",
    }
}

/// Notes that the row `row` (or its cell `cell`) is `got` rather than what
/// belongs there, and returns the error that stops the reader.
fn stop(
    wrong: &mut Option<(String, &'static str, &'static str)>,
    argument: &str,
    cell: Option<usize>,
    row: usize,
    got: &'static str,
) -> SyntaxError {
    *wrong = Some(match cell {
        Some(j) => (format!("{argument}[{row}][{j}]"), A_CELL, got),
        None => (format!("{argument}[{row}]"), "an array of cells", got),
    });
    SyntaxError {
        what: "a value of the wrong kind",
        offset: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::scan::Scanner;

    const ARG: &str = "transform(input).rows";

    /// The rows `json_rows` read, as the scanner hands them out.
    fn json_cells(text: &str) -> Vec<Vec<String>> {
        let (text, split) = json_rows(text, ARG).unwrap();
        let mut scanner = Scanner::split_rows(&text, split);
        let mut rows = Vec::new();
        while scanner.next_record().is_some() {
            rows.push(
                (0..scanner.cells().len())
                    .map(|i| scanner.cell(i).to_string())
                    .collect(),
            );
        }
        rows
    }

    #[test]
    fn a_lone_surrogate_reads_as_the_array_form_reads_it() {
        for (json, cell) in [
            (r#"[["Email"],["a\ud800b"]]"#, "a\u{fffd}b"),
            (r#"[["Email"],["\udc00"]]"#, "\u{fffd}"),
            (r#"[["Email"],["\ud800\ud800"]]"#, "\u{fffd}\u{fffd}"),
            (r#"[["Email"],["\ud800\u0041"]]"#, "\u{fffd}A"),
            (r#"[["Email"],["\ud83d\ude00"]]"#, "😀"),
        ] {
            assert_eq!(json_cells(json)[1][0], cell, "{json}");
        }
    }

    #[test]
    fn json_cells_read_as_their_text() {
        let rows = json_cells(
            r#"[["Email","Last login"],["a@x.com",45657,1.5,-2e-7,true,false,null,""],[]]"#,
        );
        assert_eq!(rows[0], ["Email", "Last login"]);
        assert_eq!(
            rows[1],
            ["a@x.com", "45657", "1.5", "-2e-7", "true", "false", "", ""]
        );
        assert!(rows[2].is_empty());
    }

    #[test]
    fn json_date_cells_read_as_their_wall_clock_text() {
        let rows = json_cells(
            r#"[["Email","Last login"],["a@x.com",{"wallClockMs":1735516800000}],
                ["b@x.com",{ "wallClockMs" : -2209123800000 }],["c@x.com",{"wallClockMs":-0}]]"#,
        );
        assert_eq!(rows[1], ["a@x.com", "2024-12-30"]);
        assert_eq!(rows[2], ["b@x.com", "1899-12-30T10:30:00"]);
        assert_eq!(rows[3], ["c@x.com", "1970-01-01"]);
    }

    #[test]
    fn a_column_of_date_cells_and_one_order_texts_is_noted() {
        let mixed = |text: &str| {
            let (_, mut split) = json_rows(text, ARG).unwrap();
            split
                .take_dates()
                .mixed_in(1)
                .map(|m| (m.column, m.line, m.text.to_string()))
        };
        let dated = r#"["a@x.com",{"wallClockMs":0}]"#;
        assert_eq!(
            mixed(&format!(
                r#"[["Email","Last"],{dated},["b@x.com","13/4/2025"]]"#
            )),
            Some((1, 3, "13/4/2025".to_string()))
        );
        // A text first, the date cells after it; the text stays where it was.
        assert_eq!(
            mixed(&format!(r#"[["b@x.com"," 4/13/2025 10:00"],{dated}]"#)),
            Some((1, 1, "4/13/2025".to_string()))
        );
        assert_eq!(mixed(&format!(r#"[{dated},["b@x.com","3/4/2025"]]"#)), None);
        assert_eq!(mixed(&format!(r#"[{dated},["13/4/2025","x"]]"#)), None);
        assert_eq!(
            mixed(r#"[["a@x.com","13/4/2025"],["b@x.com","2025-01-01"]]"#),
            None
        );
    }

    #[test]
    fn whole_milliseconds_are_read_in_a_dates_range() {
        assert_eq!(whole_ms("0"), Some(0));
        assert_eq!(whole_ms("-1735516800000"), Some(-1_735_516_800_000));
        assert_eq!(whole_ms("8640000086400000"), Some(MAX_WALL_CLOCK_MS));
        assert_eq!(whole_ms("-8640000086400000"), Some(-MAX_WALL_CLOCK_MS));
        for text in [
            "8640000086400001",
            "999999999999999999",
            "9999999999999999999",
            "",
            "-",
            "1.0",
            "1e3",
            "+1",
        ] {
            assert_eq!(whole_ms(text), None, "{text}");
        }
    }

    #[test]
    fn json_escapes_and_non_ascii_are_unescaped() {
        let rows = json_cells(r#" [ ["Zo\u00eb \"Z\"\n", "José 😀"] ] "#);
        assert_eq!(rows, [["Zoë \"Z\"\n", "José 😀"]]);
    }

    #[test]
    fn json_cells_say_whether_they_need_escaping() {
        let (text, split) = json_rows(
            r#"[["plain","Zo\u00eb","a\"b","t\tab",1.5,true,null]]"#,
            ARG,
        )
        .unwrap();
        let mut scanner = Scanner::split_rows(&text, split);
        scanner.next_record();
        let flags: Vec<bool> = scanner.cells().iter().map(|c| c.needs_escape()).collect();
        assert_eq!(flags, [false, false, true, true, false, false, false]);
    }

    #[test]
    fn json_that_is_not_rows_of_cells_is_refused_by_place() {
        let message = |text: &str| json_rows(text, ARG).unwrap_err().message().to_string();
        const A_CELL: &str =
            "must be text, a number, a boolean, null or a date cell {\"wallClockMs\": N}";
        let another = "got another object (a date cell is {\"wallClockMs\": N} alone, N a whole \
                       number of milliseconds in a Date's range)";
        for object in [
            r#"{"c":1}"#,
            r#"{"wallClockMs":1.5}"#,
            r#"{"wallClockMs":1e3}"#,
            r#"{"wallClockMs":"0"}"#,
            r#"{"wallClockMs":8640000086400001}"#,
            r#"{"wallClockMs":0,"c":1}"#,
            r#"{"wallClockMs":0,"wallClockMs":1}"#,
            "{}",
        ] {
            assert_eq!(
                message(&format!(r#"[["a"],["b",{object}]]"#)),
                format!("transform(input).rows[1][1] {A_CELL}, {another}"),
                "{object}"
            );
        }
        assert_eq!(
            message(r#"[["a",["b"]]]"#),
            format!("transform(input).rows[0][1] {A_CELL}, got an array")
        );
        assert_eq!(
            message(r#"[["a"],"b"]"#),
            "transform(input).rows[1] must be an array of cells, got a string"
        );
        assert_eq!(
            message("[null]"),
            "transform(input).rows[0] must be an array of cells, got null"
        );
        assert!(message(r#"[["a"]"#).starts_with(
            "transform(input).rows must be an array of rows, or rows as JSON text, got text that is not such JSON"
        ));
        assert!(message(r#"{"rows":[]}"#).contains("not such JSON"));
        let err = json_rows("[[\"a\"]] x", ARG).unwrap_err();
        assert_eq!(err.code(), "invalid_argument");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Text made of JSON's pieces, date cells among them, is read or
        /// refused with a message; never a panic.
        #[test]
        fn any_rows_text_is_read_or_refused(
            text in r#"(\[|\]|,|\{|\}|:|"wallClockMs"|"a"|-?[0-9]{1,19}|1\.5|1e3|null|true| ){0,24}"#,
        ) {
            if let Err(e) = json_rows(&text, "rows") {
                prop_assert_eq!(e.code(), "invalid_argument");
            }
        }

        /// A date cell's milliseconds, as JSON writes them, are read back.
        #[test]
        fn whole_ms_reads_what_json_writes(ms in -MAX_WALL_CLOCK_MS..=MAX_WALL_CLOCK_MS) {
            prop_assert_eq!(whole_ms(&ms.to_string()), Some(ms));
        }
    }
}
