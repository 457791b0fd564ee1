//! Reading the CSV text: encoding checks, BOM, delimiter sniffing, records.
//!
//! This module owns everything about the file as text and nothing about what
//! the cells mean. It hands out records as borrowed cells with the 1-based
//! physical line on which each record starts, so diagnostics can point at
//! the line a person sees in an editor even when quoted cells span lines.

use csv::{Reader, ReaderBuilder, StringRecord};

use crate::error::{Error, ErrorKind, Result};

/// Checks that `bytes` are UTF-8 text and returns them as `&str`.
///
/// A NUL byte is refused too: a CSV never contains one, and a file that does
/// is almost always a spreadsheet saved in a binary format.
///
/// ```
/// use stripe_torii_sync::input::decode;
///
/// assert_eq!(decode(b"Email\n").unwrap(), "Email\n");
/// let err = decode(b"Email\n\xff").unwrap_err();
/// assert_eq!(err.code(), "not_text");
/// assert!(err.message().contains("byte 6"));
/// ```
pub fn decode(bytes: &[u8]) -> Result<&str> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Error::new(
            ErrorKind::NotText { byte_offset: at },
            format!(
                "the input is not UTF-8 text: invalid byte 0x{:02x} at byte {at}; \
                 export the members list again as CSV, or re-save it as \"CSV UTF-8\"",
                bytes[at]
            ),
        )
    })?;
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::new(
            ErrorKind::NotText { byte_offset: at },
            format!(
                "the input contains a NUL byte at byte {at}, so it is not a CSV file \
                 (is it an .xlsx or .numbers file?); save it as CSV and try again"
            ),
        ));
    }
    Ok(text)
}

/// Removes a leading UTF-8 byte-order mark, which Excel writes.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Guesses the delimiter from the first non-blank line: whichever of comma,
/// semicolon or tab occurs most outside quotes. Ties and no delimiter at all
/// give a comma.
///
/// ```
/// use stripe_torii_sync::input::sniff_delimiter;
///
/// assert_eq!(sniff_delimiter("Email;Name;Status\n"), b';');
/// assert_eq!(sniff_delimiter("\n\"a;b\",c\n"), b',');
/// assert_eq!(sniff_delimiter("Email\tName\n"), b'\t');
/// ```
pub fn sniff_delimiter(text: &str) -> u8 {
    let line = text
        .split(['\n', '\r'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let (mut commas, mut semicolons, mut tabs) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            b'\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if semicolons > commas && semicolons >= tabs {
        b';'
    } else if tabs > commas && tabs > semicolons {
        b'\t'
    } else {
        b','
    }
}

/// A record reader over CSV text that reuses one buffer for every record.
pub struct Records<'a> {
    reader: Reader<&'a [u8]>,
    record: StringRecord,
    text: &'a [u8],
    /// Line terminator counted for line numbers: `\n`, or `\r` for files
    /// with classic-Mac line endings only.
    newline: u8,
    /// 1-based line number at byte `counted_to`.
    line: u64,
    counted_to: usize,
}

impl<'a> Records<'a> {
    /// Reads `text` (already BOM-stripped) with `delimiter`. Quotes follow
    /// RFC 4180; rows may have any number of cells.
    pub fn new(text: &'a str, delimiter: u8) -> Self {
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let bytes = text.as_bytes();
        let newline = if !bytes.contains(&b'\n') && bytes.contains(&b'\r') {
            b'\r'
        } else {
            b'\n'
        };
        Records {
            reader,
            record: StringRecord::new(),
            text: bytes,
            newline,
            line: 1,
            counted_to: 0,
        }
    }

    /// Advances to the next record and returns the line it starts on, or
    /// `None` at the end of the text. Blank lines are never records.
    pub fn advance(&mut self) -> Option<u64> {
        // Reading from a byte slice cannot fail with I/O errors, and the text
        // is UTF-8 already (the reader splits only at ASCII bytes), so an
        // error here only means "stop". Each record is checked once, not
        // each cell on every access.
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Some(self.start_line()),
            Ok(false) | Err(_) => None,
        }
    }

    /// The physical line of the current record. The `csv` crate's own line
    /// count is off after CRLF and blank lines, so lines are counted here:
    /// the record's byte position may point at line breaks before it, which
    /// are skipped to find its first byte.
    fn start_line(&mut self) -> u64 {
        let position = self.record.position().map_or(0, |p| p.byte());
        let mut start = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            let newline = self.newline;
            let breaks = self.text[self.counted_to..start]
                .iter()
                .filter(|&&b| b == newline)
                .count();
            self.line += breaks as u64;
            self.counted_to = start;
        }
        self.line
    }

    /// Number of cells in the current record.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// True when the current record has no cells.
    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    /// Cell `index` of the current record, or `""` when the row is shorter.
    pub fn cell(&self, index: usize) -> &str {
        self.record.get(index).unwrap_or("")
    }

    /// True when every cell of the current record is empty or whitespace.
    pub fn is_blank(&self) -> bool {
        self.record.iter().all(|c| {
            // ASCII cells (nearly all) are checked bytewise; others may hold
            // Unicode spaces, which `trim` knows.
            if c.is_ascii() {
                c.bytes().all(|b| b.is_ascii_whitespace() || b == 0x0b)
            } else {
                c.trim().is_empty()
            }
        })
    }
}

/// Counts the records in `text` with the `csv` crate and nothing else: the
/// baseline for the transform's speed, and a quick row count for previews.
pub fn count_records(text: &str) -> u64 {
    let text = strip_bom(text);
    let mut records = Records::new(text, sniff_delimiter(text));
    let mut n = 0;
    while records.advance().is_some() {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(text, b',');
        let mut out = vec![];
        while let Some(line) = r.advance() {
            out.push((line, (0..r.len()).map(|i| r.cell(i).to_string()).collect()));
        }
        out
    }

    #[test]
    fn lines_are_physical_and_count_quoted_newlines_and_blank_lines() {
        let got = lines("h1,h2\r\n\r\n\"a\nb\",c\r\nd,\"e,\"\"f\"\"\"\n");
        assert_eq!(got[0].0, 1);
        assert_eq!(got[1], (3, vec!["a\nb".to_string(), "c".to_string()]));
        assert_eq!(got[2], (5, vec!["d".to_string(), "e,\"f\"".to_string()]));
        let starts = |text: &str| lines(text).iter().map(|(l, _)| *l).collect::<Vec<_>>();
        assert_eq!(starts("a\r\nb\r\n\r\n\r\nc\r\n"), [1, 2, 5]);
        assert_eq!(starts("a\rb\r\rc"), [1, 2, 4]);
        assert_eq!(starts("\n\n,x\n"), [3]);
    }

    #[test]
    fn short_rows_read_as_empty_cells() {
        let mut r = Records::new("a,b\nc\n", b',');
        r.advance();
        r.advance();
        assert_eq!(r.cell(0), "c");
        assert_eq!(r.cell(5), "");
    }

    #[test]
    fn bom_is_stripped_and_records_counted() {
        assert_eq!(strip_bom("\u{feff}Email"), "Email");
        assert_eq!(count_records("\u{feff}a;b\n1;2\n\n3;4\n"), 3);
    }
}
