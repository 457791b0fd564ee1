//! Last-used dates: many input spellings in, one calendar date out.

use serde::{Deserialize, Serialize};

/// A calendar date (proleptic Gregorian, UTC). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None` (e.g. 2025-02-30).
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        let _ = (year, month, day);
        todo!()
    }
    /// Appends `YYYY-MM-DD` to `out`.
    pub fn write_iso(&self, out: &mut String) {
        let _ = out;
        todo!()
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Which number comes first in a slash date such as `3/4/2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// Month first (`M/D/YYYY`), the default.
    #[default]
    Mdy,
    /// Day first (`D/M/YYYY`).
    Dmy,
}

/// Why a non-empty cell is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateParseError {
    reason: &'static str,
}

impl std::fmt::Display for DateParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason)
    }
}

/// Parses a last-used cell. `Ok(None)` for empty / "Never" / "-" / "—" / "N/A".
pub fn parse_last_used(cell: &str, order: DateOrder) -> Result<Option<Date>, DateParseError> {
    let _ = (cell, order);
    todo!()
}
