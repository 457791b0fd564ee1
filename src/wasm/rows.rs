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
//! host passes such a number as its text.

use std::borrow::Cow;

use js_sys::Number;
use wasm_bindgen::{JsCast, JsValue};

use super::args::{invalid, invalid_got};
use super::caller;
use crate::error::Result;
use crate::input::check_input_size;
use crate::input::scan::SplitRows;
use crate::json::{Reader, SyntaxError, Value};

/// Rows of cells given as an array of arrays of cells.
pub(super) fn array_rows(value: &JsValue, argument: &str) -> Result<Vec<Vec<String>>> {
    let Some(given) = caller::array(value, argument)? else {
        return Err(invalid(
            argument,
            "an array of rows, or rows as JSON text",
            value,
        ));
    };
    let mut rows = Vec::new();
    let mut size = 0u64;
    for (i, row) in given.iter().enumerate() {
        let at = format!("{argument}[{i}]");
        let Some(row_cells) = caller::array(&row, &at)? else {
            return Err(invalid(&at, "an array of cells", &row));
        };
        let mut cells = Vec::new();
        for (j, cell) in row_cells.iter().enumerate() {
            let text = cell_text(&cell).ok_or_else(|| {
                invalid(
                    &format!("{argument}[{i}][{j}]"),
                    "text, a number, a boolean or null",
                    &cell,
                )
            })?;
            size += text.len() as u64 + 1;
            cells.push(text);
        }
        check_input_size(size)?;
        rows.push(cells);
    }
    Ok(rows)
}

/// A cell of the array form as text, or `None` for a value that is no cell.
fn cell_text(cell: &JsValue) -> Option<String> {
    if cell.is_undefined() || cell.is_null() {
        return Some(String::new());
    }
    if let Some(text) = cell.as_string() {
        return Some(text);
    }
    if let Some(b) = cell.as_bool() {
        return Some(b.to_string());
    }
    let number = cell.dyn_ref::<Number>()?;
    number.to_string_with_radix(10).ok().map(String::from)
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
    let mut reader = Reader::new(text);
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
                next @ Some(b'[' | b'{') => {
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
        Some(j) => (
            format!("{argument}[{row}][{j}]"),
            "text, a number, a boolean or null",
            got,
        ),
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
        assert_eq!(
            message(r#"[["a"],["b",{"c":1}]]"#),
            "transform(input).rows[1][1] must be text, a number, a boolean or null, got an object"
        );
        assert_eq!(
            message(r#"[["a",["b"]]]"#),
            "transform(input).rows[0][1] must be text, a number, a boolean or null, got an array"
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
