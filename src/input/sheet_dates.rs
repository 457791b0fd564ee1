//! What Sheets does to a pasted export's dates, as the rows of a sheet show
//! it: a date cell, read back as the text of its wall-clock time, and the
//! sign that the spreadsheet's locale reads dates in the other day order.
//!
//! Sheets turns a pasted date into a date cell by the spreadsheet's locale,
//! and leaves as text one it cannot read that way. So a column with both
//! date cells and a text such as `13/4/2025`, which only the other day order
//! reads, was pasted into a locale whose order is not the export's, and its
//! date cells may already be other days (`3/4/2025`, 3 April, held as
//! 4 March). The host marks which cells were date cells; the rule is here.
//!
//! ```
//! use stripe_torii_sync::input::sheet_dates::{push_wall_clock, SheetDates};
//!
//! let mut text = String::new();
//! push_wall_clock(&mut text, 1_735_516_800_000); // 2024-12-30, midnight
//! assert_eq!(text, "2024-12-30");
//!
//! let mut dates = SheetDates::default();
//! dates.text_cell(1, 3, "13/4/2025");
//! assert!(dates.mixed_in(1).is_none());
//! dates.date_cell(1);
//! let mixed = dates.mixed_in(1).unwrap();
//! assert_eq!((mixed.column, mixed.line, mixed.text), (1, 3, "13/4/2025"));
//! ```

use crate::fields::date::{civil_from_days, Date};
use crate::json::decimal_digits;

const MS_PER_DAY: i64 = 86_400_000;

/// The furthest a date cell's wall clock can be from 1970, in milliseconds:
/// a JavaScript `Date`'s range (±8.64e15 ms) and a day for the time zone's
/// offset.
pub const MAX_WALL_CLOCK_MS: i64 = 8_640_000_000_000_000 + MS_PER_DAY;

/// Appends the text of a date cell whose wall-clock time, in the
/// spreadsheet's time zone, is `ms` milliseconds after 1970-01-01 00:00 of
/// that clock: `yyyy-mm-dd` at midnight (a date alone, as the sheet shows
/// it), else `yyyy-mm-ddTHH:MM:SS` without a zone, which the transform reads
/// as it reads the same text in a CSV file. Milliseconds are dropped. A
/// year outside 0–9999 is written with its sign and all its digits, a text
/// the date reader refuses, so it is reported with the row.
pub fn push_wall_clock(text: &mut String, ms: i64) {
    let days = ms.div_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if year < 0 {
        text.push('-');
    } else if year > 9999 {
        text.push('+');
    }
    push_padded(text, year.unsigned_abs(), 4);
    text.push('-');
    push_padded(text, month as u64, 2);
    text.push('-');
    push_padded(text, day as u64, 2);
    let seconds = ms.rem_euclid(MS_PER_DAY) / 1000;
    if seconds != 0 {
        for (separator, part) in [
            ('T', seconds / 3600),
            (':', seconds / 60 % 60),
            (':', seconds % 60),
        ] {
            text.push(separator);
            push_padded(text, part as u64, 2);
        }
    }
}

/// Appends `n` in decimal, with leading zeros to `width` digits.
fn push_padded(text: &mut String, n: u64, width: usize) {
    let (digits, at) = decimal_digits(n);
    let start = at.min(digits.len() - width);
    text.extend(digits[start..].iter().map(|&b| char::from(b)));
}

/// What the cells of a sheet's columns say about its locale's day order:
/// the columns that hold a date cell, and per column the first text in it
/// that only one day order reads. A byte of marks per column, up to the
/// last marked one (a twelfth of what the row's cells take), so a cell
/// costs the same in any column order; the texts in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetDates {
    marks: Vec<u8>,
    one_order: Vec<(usize, u64, String)>,
}

/// [`SheetDates::marks`]: the column holds a date cell.
const DATED: u8 = 1;
/// [`SheetDates::marks`]: the column's first one-order text is kept.
const ONE_ORDER: u8 = 2;

/// A column with date cells and a text only the other day order reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MixedDates<'a> {
    /// The 0-based column.
    pub column: usize,
    /// The line (sheet row) of the first such text.
    pub line: u64,
    /// The date in it, such as `13/4/2025`.
    pub text: &'a str,
}

impl SheetDates {
    /// Notes a date cell in `column`.
    pub fn date_cell(&mut self, column: usize) {
        self.mark(column, DATED);
    }

    /// Notes the text cell `text` in `column` on `line`.
    pub fn text_cell(&mut self, column: usize, line: u64, text: &str) {
        // Most cells are no such date: they are looked at no further.
        let Some(date) = one_order_date(text) else {
            return;
        };
        if self.mark(column, ONE_ORDER) {
            self.one_order.push((column, line, date.to_string()));
        }
    }

    /// `column`, when it holds both date cells and a text that only the
    /// other day order reads.
    pub fn mixed_in(&self, column: usize) -> Option<MixedDates<'_>> {
        if self.marks.get(column) != Some(&(DATED | ONE_ORDER)) {
            return None;
        }
        let (_, line, text) = self.one_order.iter().find(|(c, ..)| *c == column)?;
        Some(MixedDates {
            column,
            line: *line,
            text,
        })
    }

    /// Sets `mark` on `column`; whether it was not set before.
    fn mark(&mut self, column: usize, mark: u8) -> bool {
        if column >= self.marks.len() {
            self.marks.resize(column + 1, 0);
        }
        let fresh = self.marks[column] & mark == 0;
        self.marks[column] |= mark;
        fresh
    }
}

/// The date at the start of `text`, after any whitespace, when it is
/// `D/M/YYYY` or `M/D/YYYY` (one or two digits each) not followed by a
/// letter or digit, and a calendar date in exactly one of the two orders
/// (`13/4/2025`, not `2/30/2025` or `31/31/2025`, which no order reads).
fn one_order_date(text: &str) -> Option<&str> {
    let date = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let b = date.as_bytes();
    let mut at = 0;
    // Most cells do not start with a digit: they are looked at no further.
    let first = digits(b, &mut at, 2)?;
    if !eat_slash(b, &mut at) {
        return None;
    }
    let second = digits(b, &mut at, 2)?;
    if !eat_slash(b, &mut at) {
        return None;
    }
    let year_start = at;
    let year = digits(b, &mut at, 4).filter(|_| at - year_start == 4)?;
    let word_follows = b
        .get(at)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
    let reads = |month: u32, day: u32| {
        let [month, day] = [month, day].map(|n| n as u8); // two digits each
        Date::from_ymd(year as u16, month, day).is_some()
    };
    (!word_follows && reads(first, second) != reads(second, first)).then(|| &date[..at])
}

/// The number of up to `max` digits at `at` in `b`, moving `at` past them;
/// `None` when there is no digit there.
fn digits(b: &[u8], at: &mut usize, max: usize) -> Option<u32> {
    let start = *at;
    let mut n = 0;
    while *at - start < max && b.get(*at).is_some_and(u8::is_ascii_digit) {
        n = n * 10 + u32::from(b[*at] - b'0');
        *at += 1;
    }
    (*at > start).then_some(n)
}

/// Moves `at` past a `/` there, if there is one.
fn eat_slash(b: &[u8], at: &mut usize) -> bool {
    let slash = b.get(*at) == Some(&b'/');
    *at += usize::from(slash);
    slash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall_clock(ms: i64) -> String {
        let mut text = String::new();
        push_wall_clock(&mut text, ms);
        text
    }

    #[test]
    fn a_wall_clock_is_a_date_alone_at_midnight_and_a_date_time_otherwise() {
        assert_eq!(wall_clock(0), "1970-01-01");
        assert_eq!(wall_clock(1_735_516_800_000), "2024-12-30");
        assert_eq!(wall_clock(1_735_516_800_999), "2024-12-30");
        assert_eq!(wall_clock(1_735_516_801_000), "2024-12-30T00:00:01");
        assert_eq!(wall_clock(1_735_603_199_000), "2024-12-30T23:59:59");
        // Sheets' day zero, which a time alone is held on.
        assert_eq!(
            wall_clock(-2_209_161_600_000 + 37_800_000),
            "1899-12-30T10:30:00"
        );
        assert_eq!(wall_clock(-1), "1969-12-31T23:59:59");
        assert_eq!(wall_clock(253_402_300_799_000), "9999-12-31T23:59:59");
        assert_eq!(wall_clock(253_402_300_800_000), "+10000-01-01");
        assert_eq!(wall_clock(-62_167_219_200_000), "0000-01-01");
        assert_eq!(wall_clock(-62_167_219_200_001), "-0001-12-31T23:59:59");
        assert_eq!(wall_clock(MAX_WALL_CLOCK_MS), "+275760-09-14");
        assert_eq!(wall_clock(-MAX_WALL_CLOCK_MS), "-271821-04-19");
    }

    #[test]
    fn the_wall_clock_text_is_what_javascript_writes_for_it() {
        // toISOString's first 19 characters, as the Apps Script host wrote them before.
        for (ms, iso) in [
            (951_782_400_000_i64, "2000-02-29T00:00:00"),
            (4_107_542_400_000, "2100-03-01T00:00:00"),
            (1_709_210_096_000, "2024-02-29T12:34:56"),
        ] {
            let text = wall_clock(ms);
            assert!(iso.starts_with(&text), "{ms}: {text} against {iso}");
            assert_eq!(text.len() == 10, iso.ends_with("T00:00:00"));
        }
    }

    #[test]
    fn a_one_order_date_has_a_day_over_12() {
        assert_eq!(one_order_date("13/4/2025"), Some("13/4/2025"));
        assert_eq!(one_order_date("  4/13/2025 10:30"), Some("4/13/2025"));
        assert_eq!(one_order_date("\u{a0}31/12/2024,"), Some("31/12/2024"));
        for text in [
            "3/4/2025",
            "12/12/2025",
            "2/30/2025",
            "31/31/2025",
            "0/13/2025",
            "13/0/2025",
            "29/2/2025",
            "13/4/20251",
            "13/4/2025a",
            "13/4/202",
            "123/4/2025",
            "13-4-2025",
            "x 13/4/2025",
            "",
            "2025/13/4",
        ] {
            assert_eq!(one_order_date(text), None, "{text:?}");
        }
    }

    #[test]
    fn only_a_column_with_date_cells_and_such_a_text_is_mixed() {
        let mut dates = SheetDates::default();
        dates.date_cell(0);
        dates.text_cell(0, 2, "3/4/2025");
        dates.text_cell(2, 4, "13/4/2025");
        assert_eq!((dates.mixed_in(0), dates.mixed_in(2)), (None, None));
        dates.text_cell(0, 5, "14/4/2025");
        dates.text_cell(0, 6, "15/4/2025");
        dates.date_cell(2);
        dates.date_cell(0);
        let mixed = dates.mixed_in(0).unwrap();
        assert_eq!((mixed.column, mixed.line, mixed.text), (0, 5, "14/4/2025"));
        assert_eq!(dates.mixed_in(2).unwrap().text, "13/4/2025");
        assert_eq!(dates.mixed_in(1), None);
    }

    #[test]
    fn a_date_cell_far_to_the_right_costs_a_byte_a_column() {
        let mut dates = SheetDates::default();
        dates.date_cell(10_000_000);
        dates.date_cell(3);
        dates.date_cell(10_000_000);
        assert_eq!(dates.marks.len(), 10_000_001, "a byte a column");
        assert_eq!(dates.marks.iter().filter(|&&m| m == DATED).count(), 2);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use chrono::DateTime;
    use proptest::prelude::*;

    proptest! {
        /// Every wall clock chrono can hold (±262,000 years) is written as
        /// chrono writes it: the date, and the time unless it is midnight.
        #[test]
        fn the_wall_clock_text_agrees_with_chrono(ms in -8_210_266_876_800_000_i64..=8_210_298_412_799_999) {
            let expected = DateTime::from_timestamp_millis(ms).unwrap().naive_utc();
            let date = expected.format("%Y-%m-%d").to_string();
            let time = expected.format("%H:%M:%S").to_string();
            let expected = if time == "00:00:00" { date } else { format!("{date}T{time}") };
            let mut text = String::new();
            push_wall_clock(&mut text, ms);
            prop_assert_eq!(text, expected);
        }

        /// The day-order check never panics, and a date it finds is where
        /// the text starts, after whitespace.
        #[test]
        fn a_one_order_date_starts_the_text(text in "[ \u{a0}]{0,2}[0-9/ a\u{e9}]{0,14}") {
            if let Some(date) = one_order_date(&text) {
                prop_assert!(text.trim_start().starts_with(date));
            }
        }
    }
}
