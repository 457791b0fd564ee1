//! Last-used dates: many input spellings in, one UTC calendar date out.
//!
//! The old Apps Script formatted dates with `YYYY`, the ISO week-year, so
//! 30 Dec 2024 became 2025. Here a date is a plain calendar date, parsed by
//! hand from the bytes (no regex, no format strings, no allocation: this runs
//! once per row on files of a million rows), and a date-time with a zone is
//! converted to UTC before its date is taken. The ten bytes of an ISO date,
//! and the `HH:MM:SS` UTC time exports write after it, are each tested at
//! once (eight bytes in one `u64`) rather than a byte at a time, and a time
//! that cannot move the date (`HH:MM:SS` in UTC, `H:MM PM`) is only checked.
//!
//! ```
//! use stripe_torii_sync::fields::date::{parse_last_used, DateOrder};
//!
//! let date = |s| parse_last_used(s, DateOrder::Mdy).unwrap().map(|d| d.to_string());
//! assert_eq!(date("2024-12-30").as_deref(), Some("2024-12-30"));
//! assert_eq!(date("2024-12-31T23:30:00-05:00").as_deref(), Some("2025-01-01"));
//! assert_eq!(date("Dec 29, 2025, 3:04 PM").as_deref(), Some("2025-12-29"));
//! assert_eq!(date("12/30/2024").as_deref(), Some("2024-12-30"));
//! assert_eq!(date("Never"), None);
//! assert!(parse_last_used("last tuesday", DateOrder::Mdy).is_err());
//! ```

/// Earliest and latest years accepted; anything else is a typo or a
/// spreadsheet serial number, not a login date.
const YEARS: std::ops::RangeInclusive<i64> = 1900..=9999;

const MINUTES_PER_DAY: i64 = 24 * 60;

/// A calendar date (proleptic Gregorian, UTC). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None` (e.g. 2025-02-30, or a year outside 1900–9999).
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid = YEARS.contains(&i64::from(year))
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The date as `YYYY-MM-DD`.
    pub fn iso(&self) -> [u8; 10] {
        let y = self.year;
        let digit = |n: u16| b'0' + (n % 10) as u8;
        [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            b'0' + self.month / 10,
            b'0' + self.month % 10,
            b'-',
            b'0' + self.day / 10,
            b'0' + self.day % 10,
        ]
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` since 1970-01-01, if its year is in range.
    fn from_days_since_epoch(days: i64) -> Option<Date> {
        let (year, month, day) = civil_from_days(days);
        if !YEARS.contains(&year) {
            return None;
        }
        Date::from_ymd(year as u16, month as u8, day as u8)
    }

    /// The UTC date of `ms` milliseconds since the Unix epoch.
    pub fn from_epoch_ms(ms: f64) -> Option<Date> {
        if !ms.is_finite() {
            return None;
        }
        Date::from_days_since_epoch((ms / 86_400_000.0).floor() as i64)
    }

    fn plus_days(self, days: i64) -> Option<Date> {
        if days == 0 {
            return Some(self);
        }
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }
}

/// The proleptic Gregorian `(year, month, day)` that is `days` after
/// 1970-01-01 (Howard Hinnant's civil_from_days), for any year.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The ISO form is ASCII digits and dashes.
        f.write_str(std::str::from_utf8(&self.iso()).unwrap_or_default())
    }
}

/// `ms` milliseconds since the Unix epoch as an ISO 8601 UTC timestamp
/// (`2026-12-01T17:51:35Z`), or `None` outside the years 1900–9999.
///
/// ```
/// use stripe_torii_sync::fields::date::iso_timestamp;
///
/// assert_eq!(iso_timestamp(1_735_603_200_000.0).as_deref(), Some("2024-12-31T00:00:00Z"));
/// assert_eq!(iso_timestamp(f64::NAN), None);
/// ```
pub fn iso_timestamp(ms: f64) -> Option<String> {
    let date = Date::from_epoch_ms(ms)?;
    let seconds = (ms / 1000.0).floor().rem_euclid(86_400.0) as u32;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    Some(format!("{date}T{h:02}:{m:02}:{s:02}Z"))
}

/// Which number comes first in a slash date such as `3/4/2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Month first (`M/D/YYYY`), the default.
    #[default]
    Mdy,
    /// Day first (`D/M/YYYY`).
    Dmy,
}

impl DateOrder {
    /// The option's spelling: `mdy` or `dmy`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Mdy => "mdy",
            DateOrder::Dmy => "dmy",
        }
    }

    /// Parses `mdy` or `dmy` (any case).
    pub fn parse(text: &str) -> Option<DateOrder> {
        [DateOrder::Mdy, DateOrder::Dmy]
            .into_iter()
            .find(|order| order.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Why a non-empty cell is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParseError {
    reason: &'static str,
}

impl DateParseError {
    /// The reason, for a person.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl std::fmt::Display for DateParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for DateParseError {}

const UNRECOGNISED: DateParseError = DateParseError {
    reason: "not a recognised date format",
};
const NO_SUCH_DATE: DateParseError = DateParseError {
    reason: "no such calendar date",
};
const YEAR_OUT_OF_RANGE: DateParseError = DateParseError {
    reason: "its year is outside 1900 to 9999, so it is no login date",
};
const BAD_TIME: DateParseError = DateParseError {
    reason: "the time of day is out of range",
};
const TWO_DIGIT_YEAR: DateParseError = DateParseError {
    reason: "a two-digit year is ambiguous; export dates with four-digit years",
};
const TRY_DMY: DateParseError = DateParseError {
    reason: "not a valid month/day/year date; if the file is day-first, set the date order to D/M/YYYY (dmy)",
};
const TRY_MDY: DateParseError = DateParseError {
    reason: "not a valid day/month/year date; if the file is month-first, set the date order to M/D/YYYY (mdy)",
};

/// Cells that mean "never used": no date, and no warning.
const NO_DATE: &[&str] = &["never", "-", "—", "–", "n/a", "na", "none", "null"];

/// The longest of [`NO_DATE`], in bytes: a longer cell is none of them.
const NO_DATE_LONGEST: usize = 5;

/// Parses a last-used cell. `Ok(None)` for empty, "Never", "-", "—", "–",
/// "N/A", "NA", "none" and "null" (any case).
pub fn parse_last_used(cell: &str, order: DateOrder) -> Result<Option<Date>, DateParseError> {
    let s = crate::text::trim(cell);
    let no_date = |s: &str| NO_DATE.iter().any(|n| n.eq_ignore_ascii_case(s));
    if s.is_empty() || (s.len() <= NO_DATE_LONGEST && no_date(s)) {
        return Ok(None);
    }
    let b = s.as_bytes();
    let date = if b.iter().all(u8::is_ascii_digit) {
        unix_timestamp(b)?
    } else if b.len() >= 10 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit) {
        iso(b)?
    } else if b[0].is_ascii_digit() && b.contains(&b'/') {
        numeric(b, b'/', Some(order))?
    } else if b[0].is_ascii_digit() && b.iter().find(|c| !c.is_ascii_digit()) == Some(&b'.') {
        numeric(b, b'.', None)?
    } else if b[0].is_ascii_alphabetic() {
        month_day_year(b)?
    } else if b[0].is_ascii_digit() {
        day_month_year(b)?
    } else if signed_year_beyond_9999(b) {
        return Err(YEAR_OUT_OF_RANGE);
    } else {
        return Err(UNRECOGNISED);
    };
    Ok(Some(date))
}

/// Whether `b` starts as an ISO date (`YYYY…-MM-DD`) whose signed year is
/// outside 0 to 9999 (`+10113-06-15`, `-0001-12-31`), as a sheet's date
/// cell of such a year is written; `+2025-06-15`, a year in range, is not.
fn signed_year_beyond_9999(b: &[u8]) -> bool {
    let (sign, rest) = b.split_first().unwrap_or((&0, &[]));
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let (year, after) = rest.split_at(digits);
    let month_day = matches!(after, [b'-', m1, m2, b'-', d1, d2, ..]
        if [m1, m2, d1, d2].iter().all(|c| c.is_ascii_digit()));
    // Past four digits, any but a leading zero is 10000 or more.
    let over_9999 = year.len() > 4 && year[..year.len() - 4].iter().any(|&d| d != b'0');
    let below_0 = *sign == b'-' && year.iter().any(|&d| d != b'0');
    digits >= 4 && month_day && ((over_9999 && *sign == b'+') || below_0)
}

/// A cursor over the cell's bytes.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cursor { b, at: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.at += usize::from(hit);
        hit
    }

    /// Spaces, no-break ones too: ICU's `toLocaleString` writes U+202F
    /// before AM/PM, and some locales U+00A0 between the parts.
    fn skip_spaces(&mut self) -> bool {
        let start = self.at;
        loop {
            self.at += match self.rest() {
                [b' ', ..] => 1,
                [0xc2, 0xa0, ..] => 2,
                [0xe2, 0x80, 0xaf, ..] => 3,
                _ => break,
            };
        }
        self.at > start
    }

    /// Between `min` and `max` digits, as a number; `None`, consuming
    /// nothing, when fewer than `min` are there.
    fn number(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.at;
        let mut n: i64 = 0;
        while self.at - start < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    n = n * 10 + i64::from(d - b'0');
                    self.at += 1;
                }
                _ => break,
            }
        }
        if self.at - start < min {
            // A number too short is no number: nothing is consumed, so the
            // digits are left for the caller to refuse (`+053` is no zone).
            self.at = start;
            return None;
        }
        Some(n)
    }

    /// A run of ASCII letters.
    fn word(&mut self) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.at += 1;
        }
        &self.b[start..self.at]
    }

    fn rest(&self) -> &'a [u8] {
        &self.b[self.at..]
    }

    fn done(&self) -> bool {
        self.at == self.b.len()
    }
}

fn make_date(year: i64, month: i64, day: i64) -> Result<Date, DateParseError> {
    // `from_ymd` checks the ranges; these only keep the casts exact.
    let (Ok(year), Ok(month), Ok(day)) = (year.try_into(), month.try_into(), day.try_into()) else {
        return Err(NO_SUCH_DATE);
    };
    Date::from_ymd(year, month, day).ok_or_else(|| no_such_date(year.into()))
}

/// Why a date did not make a [`Date`]: its year, or no such day.
fn no_such_date(year: i64) -> DateParseError {
    if YEARS.contains(&year) {
        NO_SUCH_DATE
    } else {
        YEAR_OUT_OF_RANGE
    }
}

/// 10 digits are Unix seconds, 13 are milliseconds.
fn unix_timestamp(b: &[u8]) -> Result<Date, DateParseError> {
    let seconds = match b.len() {
        10 | 13 => {
            let n = b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
            if b.len() == 13 {
                n / 1000
            } else {
                n
            }
        }
        _ => return Err(UNRECOGNISED),
    };
    Date::from_days_since_epoch(seconds.div_euclid(86_400)).ok_or(YEAR_OUT_OF_RANGE)
}

/// `YYYY-MM-DD`, optionally followed by a time and a zone.
fn iso(b: &[u8]) -> Result<Date, DateParseError> {
    let date = iso_date(b)?;
    let mut c = Cursor { b, at: 10 };
    if !c.eat(b'T') && !c.eat(b't') {
        c.skip_spaces();
    }
    shift_to_utc(date, &mut c)
}

/// The `YYYY-MM-DD` at the start of `b`, its ten bytes tested at once.
fn iso_date(b: &[u8]) -> Result<Date, DateParseError> {
    let [y1, y2, y3, y4, _, m1, m2, _] = DATE.read(b).ok_or(UNRECOGNISED)?;
    let [d1, d2] = *b.get(8..10).ok_or(UNRECOGNISED)? else {
        return Err(UNRECOGNISED);
    };
    let day = digits(d1, d2).ok_or(UNRECOGNISED)?;
    let year = (u16::from(y1) * 10 + u16::from(y2)) * 100 + u16::from(y3 * 10 + y4);
    Date::from_ymd(year, m1 * 10 + m2, day).ok_or_else(|| no_such_date(year.into()))
}

/// Eight bytes of a fixed shape, all tested at once (SWAR).
struct Eight {
    /// The shape's bytes, `0` where any digit goes.
    shape: u64,
    /// `0xFF` where a digit goes.
    digits: u64,
}

const DATE: Eight = Eight::new(b"0000-00-");
const TIME: Eight = Eight::new(b"00:00:00");

impl Eight {
    const fn new(shape: &[u8; 8]) -> Eight {
        let (mut digits, mut i) = (0, 0);
        while i < 8 {
            if shape[i] == b'0' {
                digits |= 0xFF << (8 * i);
            }
            i += 1;
        }
        Eight {
            shape: u64::from_le_bytes(*shape),
            digits,
        }
    }

    /// The values of the first eight bytes of `b` (0 for the shape's other
    /// bytes), if they fit the shape.
    fn read(&self, b: &[u8]) -> Option<[u8; 8]> {
        const LOW: u64 = 0x0101_0101_0101_0101;
        let x = u64::from_le_bytes(*b.first_chunk()?) ^ self.shape;
        // A byte the shape spells out is now 0 if it matched, and a digit's
        // byte is its value: only '0'..='9' give 0..=9. A byte of 16 or
        // more shows in a high nibble of `x`, one of 10..=15 once 6 is
        // added; a byte under 16 plus 6 never carries into the next.
        let fits = x & !self.digits == 0 && (x | x.wrapping_add(6 * LOW)) & (0xF0 * LOW) == 0;
        fits.then(|| x.to_le_bytes())
    }
}

/// The number two ASCII digits write, or `None` if either is not a digit:
/// one test for both, and no loop.
fn digits(tens: u8, ones: u8) -> Option<u8> {
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (tens.max(ones) < 10).then(|| tens * 10 + ones)
}

/// `M/D/YYYY`, `D/M/YYYY` or `YYYY/M/D` with `sep` `/` and `order` the
/// option; `D.M.YYYY` or `YYYY.M.D` with `sep` `.` and no order, as dotted
/// dates are day-first in every locale that writes them. Optionally
/// followed by a time (after a comma too, as `toLocaleString` writes it).
fn numeric(b: &[u8], sep: u8, order: Option<DateOrder>) -> Result<Date, DateParseError> {
    let mut c = Cursor::new(b);
    let first = c.number(1, 4).ok_or(UNRECOGNISED)?;
    match c.at {
        1 | 2 => {}
        4 => {
            let date = year_first(first, sep, &mut c)?;
            // Year first, the time may follow as in ISO 8601, after a `T`.
            if c.eat(b'T') || c.eat(b't') {
                return shift_to_utc(date, &mut c);
            }
            return time_after_date(date, &mut c);
        }
        _ => return Err(UNRECOGNISED),
    }
    if !c.eat(sep) {
        return Err(UNRECOGNISED);
    }
    let second = c.number(1, 2).ok_or(UNRECOGNISED)?;
    if !c.eat(sep) {
        return Err(UNRECOGNISED);
    }
    let year_start = c.at;
    let year = c.number(1, 4).ok_or(UNRECOGNISED)?;
    match c.at - year_start {
        4 => {}
        2 => return Err(TWO_DIGIT_YEAR),
        _ => return Err(UNRECOGNISED),
    }
    let (month, day, other_order) = match order {
        Some(DateOrder::Mdy) => (first, second, Some(TRY_DMY)),
        Some(DateOrder::Dmy) => (second, first, Some(TRY_MDY)),
        None => (second, first, None),
    };
    let date = match (make_date(year, month, day), other_order) {
        (Ok(date), _) => date,
        // Valid the other way round: say which option fixes it.
        (Err(_), Some(hint)) if make_date(year, day, month).is_ok() => return Err(hint),
        (Err(e), _) => return Err(e),
    };
    time_after_date(date, &mut c)
}

/// The rest of `YYYY/M/D` (or `YYYY.M.D`, with `sep` `.`) after its year,
/// as Japanese-locale Excel writes dates: the year first is always followed
/// by the month, so either order option reads it alike.
fn year_first(year: i64, sep: u8, c: &mut Cursor) -> Result<Date, DateParseError> {
    if !c.eat(sep) {
        return Err(UNRECOGNISED);
    }
    let month = c.number(1, 2).ok_or(UNRECOGNISED)?;
    if !c.eat(sep) {
        return Err(UNRECOGNISED);
    }
    let day = c.number(1, 2).ok_or(UNRECOGNISED)?;
    make_date(year, month, day)
}

/// The time and zone after a numeric date, read from `c`.
fn time_after_date(date: Date, c: &mut Cursor) -> Result<Date, DateParseError> {
    c.eat(b',');
    c.skip_spaces();
    shift_to_utc(date, c)
}

/// A month name or its abbreviation (`Dec`, `December`, `Sept`), any case:
/// shared by the date parser and the HTTP-date form of `Retry-After`.
pub(crate) fn month_number(word: &[u8]) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let [a, b, c, ..] = *word else {
        return None;
    };
    // `| 0x20` lower-cases a letter and turns no other byte into one.
    let index = b"janfebmaraprmayjunjulaugsepoctnovdec"
        .chunks_exact(3)
        .position(|m| m == [a | 0x20, b | 0x20, c | 0x20])?;
    let known = word.len() == 3
        || word.eq_ignore_ascii_case(MONTHS[index].as_bytes())
        || word.eq_ignore_ascii_case(b"sept");
    known.then_some(index as i64 + 1)
}

/// `Dec 29, 2025`, optionally followed by a time.
fn month_day_year(b: &[u8]) -> Result<Date, DateParseError> {
    let mut c = Cursor::new(b);
    let month = month_number(c.word()).ok_or(UNRECOGNISED)?;
    c.eat(b'.');
    if !c.skip_spaces() {
        return Err(UNRECOGNISED);
    }
    let day = c.number(1, 2).ok_or(UNRECOGNISED)?;
    c.eat(b',');
    if !c.skip_spaces() {
        return Err(UNRECOGNISED);
    }
    let year = c.number(4, 4).ok_or(UNRECOGNISED)?;
    let date = make_date(year, month, day)?;
    c.eat(b',');
    c.skip_spaces();
    shift_to_utc(date, &mut c)
}

/// `29 Dec 2025`, optionally followed by a time.
fn day_month_year(b: &[u8]) -> Result<Date, DateParseError> {
    let mut c = Cursor::new(b);
    let day = c.number(1, 2).ok_or(UNRECOGNISED)?;
    if !c.skip_spaces() {
        return Err(UNRECOGNISED);
    }
    let month = month_number(c.word()).ok_or(UNRECOGNISED)?;
    c.eat(b'.');
    c.eat(b',');
    if !c.skip_spaces() {
        return Err(UNRECOGNISED);
    }
    let year = c.number(4, 4).ok_or(UNRECOGNISED)?;
    let date = make_date(year, month, day)?;
    c.eat(b',');
    c.skip_spaces();
    shift_to_utc(date, &mut c)
}

/// Reads an optional time and zone after a date and returns the UTC date.
/// A time without a zone is UTC, so it never moves the date.
fn shift_to_utc(date: Date, c: &mut Cursor) -> Result<Date, DateParseError> {
    if c.done() || is_utc_time(c.rest()) {
        return Ok(date);
    }
    let minutes = time_of_day(c)?;
    c.skip_spaces();
    let offset = zone_offset(c)?;
    if !c.done() {
        return Err(UNRECOGNISED);
    }
    date.plus_days((minutes - offset).div_euclid(MINUTES_PER_DAY))
        .ok_or(YEAR_OUT_OF_RANGE)
}

/// Whether `b` is one of the times exports write most, valid and in UTC:
/// `HH:MM:SS` with `Z`, ` UTC` or no zone, or `H:MM AM`/`PM`. Such a time
/// never moves the date, so the cursor need not read it. Anything else is
/// left to [`time_of_day`] and [`zone_offset`].
fn is_utc_time(b: &[u8]) -> bool {
    if let Some([h1, h2, _, m1, m2, _, s1, s2]) = TIME.read(b) {
        return matches!(b[8..], [] | [b'Z'] | [b' ', b'U', b'T', b'C'])
            && h1 * 10 + h2 <= 23
            && m1 * 10 + m2 <= 59
            && s1 * 10 + s2 <= 60;
    }
    let (hour, rest) = match *b {
        [h, b':', ref rest @ ..] => (digits(b'0', h), rest),
        [h1, h2, b':', ref rest @ ..] => (digits(h1, h2), rest),
        _ => return false,
    };
    let [m1, m2, b' ', b'A' | b'P', b'M'] = *rest else {
        return false;
    };
    hour.is_some_and(|h| (1..=12).contains(&h)) && digits(m1, m2).is_some_and(|m| m <= 59)
}

/// `H:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, with an optional `AM`/`PM`, and
/// `24:00` (`24:00:00.000`), the end of the day. Returns minutes since
/// midnight.
fn time_of_day(c: &mut Cursor) -> Result<i64, DateParseError> {
    let hour = c.number(1, 2).ok_or(UNRECOGNISED)?;
    if !c.eat(b':') {
        return Err(UNRECOGNISED);
    }
    let minute = c.number(2, 2).ok_or(UNRECOGNISED)?;
    let mut second = 0;
    let mut whole = true;
    if c.eat(b':') {
        second = c.number(2, 2).ok_or(UNRECOGNISED)?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.at;
            c.number(1, 9).ok_or(UNRECOGNISED)?;
            while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                c.at += 1;
            }
            whole = c.b[start..c.at].iter().all(|&d| d == b'0');
        }
    }
    if minute > 59 || second > 60 {
        return Err(BAD_TIME);
    }
    let save = c.at;
    c.skip_spaces();
    let meridiem = c.word();
    let hour = if meridiem.eq_ignore_ascii_case(b"am") || meridiem.eq_ignore_ascii_case(b"pm") {
        if !(1..=12).contains(&hour) {
            return Err(BAD_TIME);
        }
        hour % 12
            + if meridiem[0].eq_ignore_ascii_case(&b'p') {
                12
            } else {
                0
            }
    } else {
        c.at = save;
        // ISO 8601's 24:00 is the end of the day, the next one's midnight.
        let end_of_day = hour == 24 && minute == 0 && second == 0 && whole;
        if hour > 23 && !end_of_day {
            return Err(BAD_TIME);
        }
        hour
    };
    Ok(hour * 60 + minute)
}

/// `Z`, `UTC`, `GMT`, `±HH:MM`, `±HHMM` or `±HH`; none means UTC.
/// Returns the offset east of UTC in minutes.
fn zone_offset(c: &mut Cursor) -> Result<i64, DateParseError> {
    let rest = c.rest();
    if rest.is_empty() {
        return Ok(0);
    }
    if rest.eq_ignore_ascii_case(b"z")
        || rest.eq_ignore_ascii_case(b"utc")
        || rest.eq_ignore_ascii_case(b"gmt")
    {
        c.at = c.b.len();
        return Ok(0);
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(UNRECOGNISED),
    };
    c.at += 1;
    let hours = c.number(2, 2).ok_or(UNRECOGNISED)?;
    let minutes = if c.eat(b':') {
        c.number(2, 2).ok_or(UNRECOGNISED)?
    } else {
        c.number(2, 2).unwrap_or(0)
    };
    if hours > 14 || minutes > 59 {
        return Err(BAD_TIME);
    }
    Ok(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mdy(s: &str) -> Option<String> {
        parse_last_used(s, DateOrder::Mdy)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .map(|d| d.to_string())
    }

    fn err(s: &str, order: DateOrder) -> &'static str {
        parse_last_used(s, order).unwrap_err().reason()
    }

    #[test]
    fn iso_dates_and_date_times() {
        for (cell, want) in [
            ("2024-12-30", "2024-12-30"),
            ("2024-12-30T09:15", "2024-12-30"),
            ("2024-12-30 09:15:00 UTC", "2024-12-30"),
            ("2024-12-30T09:15:00.123456789Z", "2024-12-30"),
            ("2024-12-31T23:30:00-05:00", "2025-01-01"),
            ("2025-01-01T00:30:00+01:00", "2024-12-31"),
            ("2025-01-01 00:30+0100", "2024-12-31"),
            ("2025-01-01T00:30:00+01", "2024-12-31"),
            ("2024-02-28T23:00:00-02:00", "2024-02-29"),
            ("2023-02-28T23:00:00-02:00", "2023-03-01"),
            ("2024-12-31T23:59:60Z", "2024-12-31"),
            ("2025-03-14 09:21:07 GMT", "2025-03-14"),
            ("2025-03-14t09:21:07z", "2025-03-14"),
        ] {
            assert_eq!(mdy(cell).as_deref(), Some(want), "{cell}");
        }
    }

    #[test]
    fn dotted_dates_are_day_first_or_year_first() {
        for order in [DateOrder::Mdy, DateOrder::Dmy] {
            let date = |s| parse_last_used(s, order).unwrap().map(|d| d.to_string());
            // German, Russian, Polish… Excel: the day first, whatever the
            // option says, as no locale writes the month first with dots.
            assert_eq!(date("30.12.2024").as_deref(), Some("2024-12-30"));
            assert_eq!(date("03.04.2025").as_deref(), Some("2025-04-03"));
            assert_eq!(date("3.4.2025 14:05").as_deref(), Some("2025-04-03"));
            assert_eq!(
                date("31.12.2024 23:30:00 -05:00").as_deref(),
                Some("2025-01-01")
            );
            // Hungarian and Korean: the year first.
            assert_eq!(date("2024.12.30").as_deref(), Some("2024-12-30"));
        }
        for cell in [
            "12.30.2024",
            "30.12.24",
            "30.12",
            "2024.30.12",
            "1.2.3.2024",
            "30.12.2024.",
        ] {
            assert!(parse_last_used(cell, DateOrder::Mdy).is_err(), "{cell:?}");
        }
        assert_eq!(err("30.12.24", DateOrder::Mdy), TWO_DIGIT_YEAR.reason);
    }

    #[test]
    fn year_first_slash_dates_and_the_end_of_the_day() {
        for order in [DateOrder::Mdy, DateOrder::Dmy] {
            let date = |s| parse_last_used(s, order).unwrap().map(|d| d.to_string());
            // Japanese-locale Excel: the year first is never day-first.
            assert_eq!(date("2024/12/30").as_deref(), Some("2024-12-30"));
            assert_eq!(date("2025/3/4").as_deref(), Some("2025-03-04"));
            assert_eq!(date("2024/12/30 23:15").as_deref(), Some("2024-12-30"));
            // An ISO time after a year-first date, as after an ISO one.
            assert_eq!(date("2024/12/30T10:00Z").as_deref(), Some("2024-12-30"));
            assert_eq!(
                date("2024.12.30t23:30-05:00").as_deref(),
                Some("2024-12-31")
            );
            assert_eq!(
                date("2024/12/31 23:30:00 -05:00").as_deref(),
                Some("2025-01-01")
            );
            // 24:00 ends the day: the next day's midnight.
            assert_eq!(date("2024-12-31T24:00:00Z").as_deref(), Some("2025-01-01"));
            assert_eq!(date("2024-12-31T24:00").as_deref(), Some("2025-01-01"));
            assert_eq!(
                date("2024-12-31 24:00:00.000").as_deref(),
                Some("2025-01-01")
            );
            assert_eq!(
                date("2025-01-01T24:00:00+01:00").as_deref(),
                Some("2025-01-01")
            );
        }
        for cell in [
            "2024/30/12",
            "2024/2/30",
            "2024/12",
            "2024/12/30/1",
            "2024/12/30T 10:00",
            "12/30/2024T10:00",
            "20245/1/2",
            "2024-12-31T24:00:01",
            "2024-12-31T24:01",
            "2024-12-31T24:00:00.5",
            "12/31/2024 24:00 PM",
        ] {
            assert!(parse_last_used(cell, DateOrder::Mdy).is_err(), "{cell:?}");
        }
    }

    #[test]
    fn a_no_break_space_is_a_space() {
        // ICU (Node 20, Chrome, Apps Script's toLocaleString) writes a
        // narrow no-break space before AM/PM; some locales a no-break space.
        for (cell, want) in [
            ("12/30/2024, 11:04:05\u{202f}PM", "2024-12-30"),
            ("Dec 29, 2025, 3:04\u{202f}PM", "2025-12-29"),
            ("2024-12-30\u{a0}10:00", "2024-12-30"),
            ("30\u{a0}Dec\u{a0}2024", "2024-12-30"),
            ("2024/12/31 23:30\u{202f}-05:00", "2025-01-01"),
        ] {
            assert_eq!(mdy(cell).as_deref(), Some(want), "{cell:?}");
        }
        for cell in ["12/30/20\u{a0}24", "2024-12-30\u{a0}\u{a0}x", "Dec\u{202f}"] {
            assert!(parse_last_used(cell, DateOrder::Mdy).is_err(), "{cell:?}");
        }
    }

    #[test]
    fn the_week_year_trap_is_avoided() {
        // ISO week 1 of 2025 starts on Monday 30 Dec 2024.
        assert_eq!(mdy("2024-12-30").as_deref(), Some("2024-12-30"));
        assert_eq!(mdy("12/30/2024").as_deref(), Some("2024-12-30"));
        assert_eq!(mdy("Dec 30, 2024").as_deref(), Some("2024-12-30"));
    }

    #[test]
    fn month_names() {
        for cell in [
            "Dec 29, 2025",
            "December 29, 2025",
            "dec 29 2025",
            "Dec. 29, 2025",
            "Dec 29, 2025, 3:04 PM",
            "Dec 29, 2025 15:04:05 UTC",
            "29 Dec 2025",
            "29 December 2025 10:00",
            "29 dec. 2025",
        ] {
            assert_eq!(mdy(cell).as_deref(), Some("2025-12-29"), "{cell}");
        }
        assert_eq!(mdy("Sept 1, 2025").as_deref(), Some("2025-09-01"));
        assert_eq!(mdy("Feb 29, 2024").as_deref(), Some("2024-02-29"));
        assert_eq!(mdy("Dec 31, 2024 11:30 PM").as_deref(), Some("2024-12-31"));
        assert_eq!(mdy("Jan 1, 2025 12:15 AM").as_deref(), Some("2025-01-01"));
    }

    #[test]
    fn month_numbers() {
        let names = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        for (number, name) in (1..).zip(names) {
            let short = &name.as_bytes()[..3];
            for word in [
                name.as_bytes(),
                short,
                &name.to_ascii_uppercase().as_bytes()[..3],
            ] {
                assert_eq!(month_number(word), Some(number), "{word:?}");
            }
        }
        assert_eq!(month_number(b"SEPT"), Some(9));
        for word in [
            &b"De"[..],
            b"Janu",
            b"Decem",
            b"D\xc3\xa9c",
            b"Dex",
            b"D\x05c",
            b"junes",
        ] {
            assert_eq!(month_number(word), None, "{word:?}");
        }
    }

    #[test]
    fn a_date_outside_the_years_of_logins_says_so() {
        for text in [
            "0050-06-15",
            "1899-12-31T12:00:00",
            "9999-12-31T23:00:00-05:00",
            "6/15/0050",
            "+10113-06-15T14:00:00",
            "-0001-12-31T23:59:59",
            "+275760-09-13",
        ] {
            assert_eq!(
                err(text, DateOrder::Mdy),
                YEAR_OUT_OF_RANGE.reason,
                "{text}"
            );
        }
        assert_eq!(err("2025-02-30", DateOrder::Mdy), NO_SUCH_DATE.reason);
        assert_eq!(err("0050-02-30", DateOrder::Mdy), YEAR_OUT_OF_RANGE.reason);
        for text in [
            "+1",
            "-12-31",
            "+2025",
            "-2025/1/1",
            "+2025-06-15",
            "+002025-06-15",
            "-1234-foo",
            "-0000-01-01",
            "+10113-6-15",
        ] {
            assert_eq!(err(text, DateOrder::Mdy), UNRECOGNISED.reason, "{text}");
        }
    }

    #[test]
    fn slash_dates_follow_the_order() {
        assert_eq!(mdy("3/4/2025").as_deref(), Some("2025-03-04"));
        assert_eq!(mdy("12/29/2025 15:04:05").as_deref(), Some("2025-12-29"));
        let dmy = |s| {
            parse_last_used(s, DateOrder::Dmy)
                .unwrap()
                .map(|d| d.to_string())
        };
        assert_eq!(dmy("3/4/2025").as_deref(), Some("2025-04-03"));
        assert_eq!(dmy("30/12/2024").as_deref(), Some("2024-12-30"));
        // A comma before the time, as toLocaleString writes in en-US and en-GB.
        assert_eq!(
            mdy("12/30/2024, 10:15:00 PM").as_deref(),
            Some("2024-12-30")
        );
        assert_eq!(
            mdy("12/31/2024, 11:30 PM -05:00").as_deref(),
            Some("2025-01-01")
        );
        assert_eq!(dmy("30/12/2024, 23:15:00").as_deref(), Some("2024-12-30"));
        assert!(err("30/12/2024", DateOrder::Mdy).contains("dmy"));
        assert!(err("12/30/2024", DateOrder::Dmy).contains("mdy"));
        assert_eq!(err("13/13/2025", DateOrder::Mdy), NO_SUCH_DATE.reason);
        assert_eq!(err("1/2/25", DateOrder::Mdy), TWO_DIGIT_YEAR.reason);
    }

    #[test]
    fn unix_timestamps() {
        assert_eq!(mdy("1735603200").as_deref(), Some("2024-12-31"));
        assert_eq!(mdy("1735603200000").as_deref(), Some("2024-12-31"));
        assert_eq!(mdy("0000000000").as_deref(), Some("1970-01-01"));
        assert_eq!(err("123456", DateOrder::Mdy), UNRECOGNISED.reason);
    }

    #[test]
    fn no_date_longest_is_the_longest() {
        assert_eq!(NO_DATE.iter().map(|n| n.len()).max(), Some(NO_DATE_LONGEST));
    }

    #[test]
    fn no_date_markers() {
        for cell in [
            "", "  ", "Never", "NEVER", "-", "—", "–", "N/A", "n/a", "NA", "none",
        ] {
            assert_eq!(mdy(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn rejects() {
        for cell in [
            "last tuesday",
            "2025-02-30",
            "2025-13-01",
            "2025-1-1",
            "1899-12-31",
            "2024-12-30T25:00",
            "2024-12-30T10:61",
            "2024-12-30T10:00+15:00",
            "2024-12-30T10:00 PST",
            "2024-12-30 junk",
            "Invalid Date",
            "Dec 32, 2025",
            "Foo 3, 2025",
            "13:00 PM",
            "2025-12-29 13:00 PM",
            "ＤＥＣ",
            "9999-12-31T23:00:00-05:00",
            // Three digits are no zone: not +05:00 with the 3 dropped.
            "2024-12-31T03:30:00+053",
            "2024-12-31T03:30:00+05:3",
        ] {
            assert!(parse_last_used(cell, DateOrder::Mdy).is_err(), "{cell:?}");
        }
    }

    #[test]
    fn days_round_trip_through_the_civil_calendar() {
        let mut days = Date::from_ymd(1900, 1, 1).unwrap().days_since_epoch();
        let mut date = Date::from_ymd(1900, 1, 1).unwrap();
        while date.year() < 2401 {
            assert_eq!(Date::from_days_since_epoch(days), Some(date));
            assert_eq!(date.days_since_epoch(), days);
            days += 1;
            date = date.plus_days(1).unwrap();
        }
        assert_eq!(Date::from_ymd(2024, 2, 30), None);
        assert_eq!(Date::from_ymd(1900, 2, 29), None);
        assert!(Date::from_ymd(2000, 2, 29).is_some());
    }

    #[test]
    fn the_common_utc_times_are_read_at_once() {
        for time in [
            "09:15:00 UTC",
            "08:00:00Z",
            "23:59:60",
            "3:04 PM",
            "12:15 AM",
        ] {
            assert!(is_utc_time(time.as_bytes()), "{time}");
        }
        for time in [
            "24:00:00Z",
            "10:60:00",
            "10:00:61",
            "10:00:00+01:00",
            "10:00:00 PM",
            "0:04 PM",
            "13:04 PM",
            "3:60 AM",
            "3:04 pm",
        ] {
            assert!(!is_utc_time(time.as_bytes()), "{time}");
        }
    }

    #[test]
    fn writes_iso() {
        assert_eq!(&Date::from_ymd(1999, 1, 9).unwrap().iso(), b"1999-01-09");
        assert_eq!(
            Date::from_ymd(2025, 12, 31).unwrap().to_string(),
            "2025-12-31"
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A cell in one of the common shapes, every field valid, then often
    /// changed in one place: a field set out of range or to a bound, or one
    /// byte replaced, dropped or added. Any other place would be valid, so
    /// each change is tested on its own.
    fn near_common_shapes() -> impl Strategy<Value = String> {
        use prop::sample::select;
        let valid = (
            prop_oneof![1900u16..=2100, select(vec![1900u16, 2000, 2024, 9999])],
            (1u16..=12, 1u16..=28, 0u16..=23, 0u16..=59, 0u16..=60),
            (0u16..=14, 0u16..=59, 1u16..=12),
        );
        let words = (
            select(vec!["T", "t", " ", "T", " ", "  ", "x"]),
            select(vec!["", "Z", " UTC", "+:", "-:", "+", " GMT", "z", "Q"]),
            select(vec![
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                "dec", "DEC", "Sept", "December", "Foo",
            ]),
            select(vec!["AM", "PM", "AM", "PM", "am", "AX", "A.M."]),
        );
        let change = (
            0u8..7,
            0usize..9,
            any::<usize>(),
            select(b":/-. 0Z9aT,+".to_vec()),
        );
        let layout = (0u8..5, any::<[bool; 3]>());
        (valid, words, change, layout).prop_map(
            |((year, (mo, d, h, mi, s), (zh, zm, h12)), words, change, layout)| {
                let mut f = [year, mo, d, h, mi, s, zh, zm, h12];
                let (kind, field, pick, byte) = change;
                if let 2 | 3 = kind {
                    let edges: &[u16] = match field {
                        0 => &[0, 25, 1899, 1900, 2000, 2100, 9999],
                        1 => &[0, 13, 99],
                        2 => &[0, 29, 30, 31, 32],
                        3 => &[24, 99],
                        4 => &[60, 99],
                        5 => &[61, 99],
                        6 => &[15, 99],
                        7 => &[60, 99],
                        _ => &[0, 13, 23],
                    };
                    f[field] = edges[pick % edges.len()];
                }
                let [year, mo, d, h, mi, s, zh, zm, h12] = f;
                let (sep, zone, month, meridiem) = words;
                let (shape, short) = layout;
                // Day, month and hour in one digit where the shape allows.
                let one_or_two = |n: u16, short: bool| {
                    if short {
                        format!("{n}")
                    } else {
                        format!("{n:02}")
                    }
                };
                let zone = match zone {
                    "+:" | "-:" => format!("{}{zh:02}:{zm:02}", &zone[..1]),
                    "+" => format!("+{zh:02}{zm:02}"),
                    _ => zone.to_string(),
                };
                let cell = match shape {
                    0 => format!("{year:04}-{mo:02}-{d:02}"),
                    1 => format!("{year:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{zone}"),
                    2 => format!(
                        "{}/{}/{year:04}",
                        one_or_two(mo, short[0]),
                        one_or_two(d, short[1])
                    ),
                    3 => format!("{month} {}, {year:04}", one_or_two(d, short[1])),
                    _ => format!(
                        "{month} {}, {year:04}, {}:{mi:02} {meridiem}",
                        one_or_two(d, short[1]),
                        one_or_two(h12, short[2])
                    ),
                };
                let mut cell = cell.into_bytes();
                let at = pick % cell.len();
                match kind {
                    4 => cell[at] = byte,
                    5 => drop(cell.remove(at)),
                    6 => cell.insert(at, byte),
                    _ => {}
                }
                String::from_utf8(cell).unwrap()
            },
        )
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_last_used(&s, DateOrder::Mdy);
            let _ = parse_last_used(&s, DateOrder::Dmy);
        }

        #[test]
        fn dateish_strings_never_panic(s in "[0-9]{1,4}[-/ .:]?[0-9]{0,2}[-/ T:]?[0-9]{0,4}[ T:+-]?[0-9:]{0,8}( ?(UTC|Z|PM|AM|[+-][0-9]{2}:?[0-9]{0,2}))?") {
            let _ = parse_last_used(&s, DateOrder::Mdy);
        }

        /// The calendar arithmetic agrees with chrono's (a dev-dependency
        /// only: the core keeps its 30 lines instead of chrono's size).
        #[test]
        fn the_calendar_agrees_with_chrono(days in -25_567i64..2_900_000) {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let theirs = epoch + chrono::Days::new(0) + chrono::TimeDelta::days(days);
            let ours = Date::from_days_since_epoch(days).unwrap();
            use chrono::Datelike;
            prop_assert_eq!(
                (i64::from(ours.year()), u32::from(ours.month()), u32::from(ours.day())),
                (i64::from(theirs.year()), theirs.month(), theirs.day())
            );
            let valid = Date::from_ymd(ours.year(), ours.month(), ours.day()).is_some();
            prop_assert!(valid);
        }

        #[test]
        fn invalid_days_agree_with_chrono(year in 1900u16..2500, month in 1u8..=12, day in 1u8..=31) {
            let ours = Date::from_ymd(year, month, day).is_some();
            let theirs = chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day)).is_some();
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn iso_dates_round_trip(days in -25_567i64..2_900_000) {
            if let Some(date) = Date::from_days_since_epoch(days) {
                let text = date.to_string();
                prop_assert_eq!(parse_last_used(&text, DateOrder::Mdy).unwrap(), Some(date));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The ten bytes of an ISO date, read at once, give what the
        /// cursor read before, error for error.
        #[test]
        fn iso_dates_read_at_once_agree_with_the_cursor(cell in near_common_shapes()) {
            let b = cell.as_bytes();
            if b.len() >= 10 {
                prop_assert_eq!(iso_date(b), iso_date_by_cursor(b), "{:?}", cell);
            }
        }

        /// A time taken as UTC at once is one the cursor reads as a valid
        /// time that does not move the date.
        #[test]
        fn utc_times_read_at_once_agree_with_the_cursor(cell in near_common_shapes()) {
            for at in 0..cell.len() {
                let time = &cell.as_bytes()[at..];
                if is_utc_time(time) {
                    let mut c = Cursor::new(time);
                    let moved = time_of_day(&mut c).and_then(|minutes| {
                        c.skip_spaces();
                        Ok(minutes - zone_offset(&mut c)?)
                    });
                    prop_assert!(c.done(), "{:?}", cell);
                    prop_assert_eq!(moved.map(|m| m.div_euclid(MINUTES_PER_DAY)), Ok(0));
                }
            }
        }
    }

    /// How [`iso_date`] read the date before: the reference it is tested
    /// against.
    fn iso_date_by_cursor(b: &[u8]) -> Result<Date, DateParseError> {
        let mut c = Cursor::new(b);
        let year = c.number(4, 4).ok_or(UNRECOGNISED)?;
        if !c.eat(b'-') {
            return Err(UNRECOGNISED);
        }
        let month = c.number(2, 2).ok_or(UNRECOGNISED)?;
        if !c.eat(b'-') {
            return Err(UNRECOGNISED);
        }
        let day = c.number(2, 2).ok_or(UNRECOGNISED)?;
        make_date(year, month, day)
    }
}
