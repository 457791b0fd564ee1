//! The CSV scanner: records and cells with their physical line numbers, and
//! quotes that break rows.
//!
//! Quoting follows RFC 4180 as spreadsheets write it: a cell that starts
//! with `"` runs to the next lone `"`, `""` inside it is a quote, and line
//! breaks inside it are part of the cell. A quote anywhere else is an
//! ordinary character, and text after a closing quote joins the cell (as the
//! `csv` crate reads `"a"b`).
//!
//! One stray quote would silently swallow every following row into a
//! single cell. So a quoted cell that runs to the end of the input, or that
//! swallows a line which would on its own be a row of the file (its email
//! cell looks like an email), is reported as [`Record::Broken`] instead, and
//! the scanner resumes on the line after the one where the quote opened:
//! the swallowed lines are read again as rows of their own. Every byte is
//! read at most twice, however many quotes are broken.
//!
//! Cells are handed out as ranges of the text, so nothing is copied; only a
//! cell with `""` inside (or text after its closing quote) is unescaped
//! into a scratch buffer. Each cell also says whether it needs escaping in
//! JSON, which the Torii file writer uses to copy most values whole.

use super::sheet_dates::{push_wall_clock, SheetDates};
use crate::fields::email::looks_like_email;
use crate::json::needs_no_escape;
use crate::swar;
use crate::text::is_trimmed_ascii;

/// A byte that ends an unquoted cell: the delimiter or a line break.
const STOP: u8 = 1;
/// A byte that must be escaped in a JSON string.
const ESCAPE: u8 = 2;

/// A cell of the current record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    start: u32,
    end: u32,
    in_scratch: bool,
    escape: bool,
}

impl Cell {
    /// True when the cell holds a character that JSON escapes (a quote, a
    /// backslash or a control character).
    pub fn needs_escape(&self) -> bool {
        self.escape
    }
}

/// A quoted cell that broke the rows after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenQuote {
    /// The line where the quote opened.
    pub line: u64,
    /// The 0-based index of the cell it opened.
    pub column: usize,
    /// The lines after that one that the quote swallowed.
    pub swallowed: u64,
    /// True when the quote never closed before the end of the input.
    pub to_end: bool,
}

/// What [`Scanner::next_record`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A record starting on this 1-based line; its cells are
    /// [`Scanner::cell`] `0..len`.
    Row {
        /// The line the record starts on.
        line: u64,
    },
    /// A record whose quote broke the rows after it. The cells before the
    /// broken one are still readable.
    Broken {
        /// The line the record starts on.
        line: u64,
        /// Where the quote opened and what it swallowed.
        quote: BrokenQuote,
    },
}

/// Rows that arrive already split into cells (a spreadsheet's values): the
/// cells' text one after the other, and each row's range of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitRows {
    cells: Vec<Cell>,
    rows: Vec<std::ops::Range<u32>>,
    next: usize,
    dates: SheetDates,
}

impl SplitRows {
    /// Joins `rows` into one text (returned) and records where each cell
    /// sits in it, so they are read like scanned cells.
    pub fn join<S: AsRef<str>>(rows: &[Vec<S>]) -> (String, SplitRows) {
        let mut text = String::new();
        let mut split = SplitRows::default();
        for row in rows {
            for cell in row {
                split.push_cell(&mut text, cell.as_ref());
            }
            split.end_row();
        }
        (text, split)
    }

    /// Appends `cell` to `text` (the text of every cell so far) as the next
    /// cell of the row being built: rows read from JSON are joined as they
    /// are read, with no string per cell.
    pub fn push_cell(&mut self, text: &mut String, cell: &str) {
        self.push(text, cell, !needs_no_escape(cell.as_bytes()));
    }

    /// As [`SplitRows::push_cell`], for a cell known to hold no character
    /// that JSON escapes (a JSON string read without escapes, a number):
    /// its bytes are not looked at again.
    pub fn push_plain_cell(&mut self, text: &mut String, cell: &str) {
        self.push(text, cell, false);
    }

    /// Appends a date cell (see [`push_wall_clock`]) as the next cell of
    /// the row being built: its wall-clock time, `ms` milliseconds after
    /// 1970-01-01 00:00 of the sheet's clock, as text.
    pub fn push_date_cell(&mut self, text: &mut String, ms: i64) {
        let column = self.column();
        self.dates.date_cell(column);
        let start = text.len() as u32;
        push_wall_clock(text, ms);
        self.cells.push(Cell {
            start,
            end: text.len() as u32,
            in_scratch: false,
            escape: false,
        });
    }

    fn push(&mut self, text: &mut String, cell: &str, escape: bool) {
        let column = self.column();
        self.dates
            .text_cell(column, self.rows.len() as u64 + 1, cell);
        let start = text.len() as u32;
        text.push_str(cell);
        self.cells.push(Cell {
            start,
            end: text.len() as u32,
            in_scratch: false,
            escape,
        });
    }

    /// The 0-based column of the next cell pushed.
    fn column(&self) -> usize {
        let row_start = self.rows.last().map_or(0, |row| row.end);
        self.cells.len() - row_start as usize
    }

    /// What the date cells say of the sheet's day order (see
    /// [`SheetDates`]), taken out: the header, read after, says which
    /// column it matters for.
    pub fn take_dates(&mut self) -> SheetDates {
        std::mem::take(&mut self.dates)
    }

    /// Ends the row being built: the cells pushed since the previous row.
    pub fn end_row(&mut self) {
        let first = self.rows.last().map_or(0, |row| row.end);
        self.rows.push(first..self.cells.len() as u32);
    }

    /// The number of cells in every row.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }
}

/// Reads records from CSV text, one at a time, reusing its buffers.
pub struct Scanner<'t> {
    text: &'t str,
    /// Rows given as cells instead of CSV, which are handed out as they are.
    split: Option<SplitRows>,
    delimiter: u8,
    class: [u8; 256],
    pos: usize,
    line: u64,
    email_column: usize,
    width: usize,
    cells: Vec<Cell>,
    scratch: String,
}

impl<'t> Scanner<'t> {
    /// A scanner over `text` (without a byte-order mark) with `delimiter`,
    /// which must be ASCII and not a quote or a line break.
    pub fn new(text: &'t str, delimiter: u8) -> Self {
        let mut class = [0u8; 256];
        for control in &mut class[..0x20] {
            *control = ESCAPE;
        }
        class[usize::from(b'"')] = ESCAPE;
        class[usize::from(b'\\')] = ESCAPE;
        for stop in [delimiter, b'\n', b'\r'] {
            class[usize::from(stop)] |= STOP;
        }
        Scanner {
            text,
            split: None,
            delimiter,
            class,
            pos: 0,
            line: 1,
            email_column: 0,
            width: 2,
            cells: Vec::with_capacity(16),
            scratch: String::new(),
        }
    }

    /// A scanner that hands out `rows` (from [`SplitRows::join`], whose text
    /// is `text`) as records, row `i` as line `i + 1`: there are no quotes
    /// to break, and no delimiter.
    pub fn split_rows(text: &'t str, rows: SplitRows) -> Self {
        Scanner {
            split: Some(rows),
            ..Scanner::new(text, b',')
        }
    }

    /// Tells the scanner which cell holds the email and how many cells a row
    /// has, so it can recognise a swallowed line that is a row of its own.
    /// Until this is called, the first cell is taken as the email.
    pub fn set_row_shape(&mut self, email_column: usize, width: usize) {
        self.email_column = email_column;
        self.width = width;
    }

    /// The byte offset the scanner has reached.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// About how many records are left: for rows given as cells, exactly;
    /// for text, the bytes left at the size of the `records` read since
    /// byte `from` (an earlier [`Scanner::position`]), or 0 when those took
    /// no bytes.
    pub fn records_left(&self, records: usize, from: usize) -> usize {
        match &self.split {
            Some(split) => split.rows.len() - split.next,
            None => {
                let per_record = self.pos.saturating_sub(from) / records.max(1);
                (self.text.len() - self.pos)
                    .checked_div(per_record)
                    .unwrap_or(0)
            }
        }
    }

    /// Number of cells in the current record.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True when the current record has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cells of the current record.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The text of cell `index` of the current record, or `""` when the
    /// record is shorter.
    pub fn cell(&self, index: usize) -> &str {
        match self.cells.get(index) {
            Some(cell) => self.text_of(cell),
            None => "",
        }
    }

    /// True when cell `index` of the current record holds a character that
    /// JSON escapes; false when the record is shorter (as [`Scanner::cell`]
    /// is then `""`).
    pub fn needs_escape(&self, index: usize) -> bool {
        self.cells.get(index).is_some_and(Cell::needs_escape)
    }

    /// The text of `cell`.
    pub fn text_of(&self, cell: &Cell) -> &str {
        let source = if cell.in_scratch {
            self.scratch.as_str()
        } else {
            self.text
        };
        // Cells are cut at ASCII bytes of UTF-8 text, so on char boundaries.
        source
            .get(cell.start as usize..cell.end as usize)
            .unwrap_or_default()
    }

    /// True when every cell of the current record is empty or whitespace.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| {
            let text = self.text_of(c);
            // Most cells answer at their first byte; only a cell that starts
            // with whitespace and holds non-ASCII needs the Unicode trim.
            match text.bytes().find(|&b| !is_trimmed_ascii(b)) {
                None => true,
                Some(b) if b.is_ascii() => false,
                Some(_) => text.trim().is_empty(),
            }
        })
    }

    /// Reads the next record. Empty lines are skipped; `None` at the end.
    pub fn next_record(&mut self) -> Option<Record> {
        if let Some(split) = &mut self.split {
            let range = split.rows.get(split.next)?.clone();
            split.next += 1;
            self.cells.clear();
            self.cells
                .extend_from_slice(&split.cells[range.start as usize..range.end as usize]);
            return Some(Record::Row {
                line: split.next as u64,
            });
        }
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(self.pos) {
                None => return None,
                Some(b'\n' | b'\r') => self.line_break(),
                Some(_) => break,
            }
        }
        let line = self.line;
        self.cells.clear();
        self.scratch.clear();
        loop {
            let cell = if bytes.get(self.pos) == Some(&b'"') {
                match self.quoted() {
                    Ok(cell) => cell,
                    Err(quote) => return Some(Record::Broken { line, quote }),
                }
            } else {
                self.unquoted()
            };
            self.cells.push(cell);
            match bytes.get(self.pos) {
                Some(&b) if b == self.delimiter => self.pos += 1,
                Some(b'\n' | b'\r') => {
                    self.line_break();
                    return Some(Record::Row { line });
                }
                _ => return Some(Record::Row { line }),
            }
        }
    }

    /// Passes over the rest of the current line and its line break,
    /// counting it: the `sep=` line of [`sep_directive`].
    pub fn skip_line(&mut self) {
        let bytes = self.text.as_bytes();
        match bytes[self.pos..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            Some(offset) => {
                self.pos += offset;
                self.line_break();
            }
            None => self.pos = bytes.len(),
        }
    }

    /// Consumes one line break (`\r\n`, `\n` or `\r`) at the position.
    fn line_break(&mut self) {
        let bytes = self.text.as_bytes();
        if bytes.get(self.pos) == Some(&b'\r') && bytes.get(self.pos + 1) == Some(&b'\n') {
            self.pos += 2;
        } else {
            self.pos += 1;
        }
        self.line += 1;
    }

    fn unquoted(&mut self) -> Cell {
        let start = self.pos;
        let (end, escape) = unquoted_end(self.text.as_bytes(), start, &self.class, self.delimiter);
        self.pos = end;
        Cell {
            start: start as u32,
            end: end as u32,
            in_scratch: false,
            escape,
        }
    }

    /// A quoted cell starting at the position, or the broken quote.
    fn quoted(&mut self) -> Result<Cell, BrokenQuote> {
        let bytes = self.text.as_bytes();
        let open = self.pos;
        let open_line = self.line;
        let content = open + 1;
        let mut at = content;
        // Text from `segment` on is not yet copied to the scratch buffer;
        // `unescaped_from` is where this cell starts there, once it needs it.
        let mut segment = content;
        let mut unescaped_from: Option<usize> = None;
        let mut escape = false;
        let mut breaks = 0u64;
        let mut swallowed_row = false;
        let content_end = loop {
            // Runs of ordinary text are skipped a word at a time.
            if let Some(word) = swar::word_at(bytes, at) {
                match swar::first_lane(special_lanes(word, b'"')) {
                    Some(lane) => at += lane,
                    None => {
                        at += 8;
                        continue;
                    }
                }
            }
            let Some(&b) = bytes.get(at) else {
                return Err(self.broken(open, open_line, breaks, true));
            };
            match b {
                b'"' if bytes.get(at + 1) == Some(&b'"') => {
                    unescaped_from.get_or_insert(self.scratch.len());
                    self.scratch.push_str(&self.text[segment..=at]);
                    escape = true;
                    at += 2;
                    segment = at;
                }
                b'"' => break at,
                b'\n' | b'\r' => {
                    escape = true;
                    let crlf = b == b'\r' && bytes.get(at + 1) == Some(&b'\n');
                    at += if crlf { 2 } else { 1 };
                    self.line += 1;
                    if at < bytes.len() {
                        breaks += 1;
                        swallowed_row = swallowed_row || self.is_row_like(at);
                    }
                }
                _ => {
                    escape |= self.class[usize::from(b)] & ESCAPE != 0;
                    at += 1;
                }
            }
        };
        if swallowed_row {
            return Err(self.broken(open, open_line, breaks, false));
        }
        self.pos = content_end + 1;
        let trailing = bytes
            .get(self.pos)
            .is_some_and(|&b| self.class[usize::from(b)] & STOP == 0);
        if unescaped_from.is_none() && !trailing {
            return Ok(Cell {
                start: content as u32,
                end: content_end as u32,
                in_scratch: false,
                escape,
            });
        }
        let from = unescaped_from.unwrap_or(self.scratch.len());
        self.scratch.push_str(&self.text[segment..content_end]);
        if trailing {
            // Text after the closing quote joins the cell, up to the delimiter.
            let rest = self.unquoted();
            escape |= rest.escape;
            self.scratch
                .push_str(&self.text[rest.start as usize..rest.end as usize]);
        }
        Ok(Cell {
            start: from as u32,
            end: self.scratch.len() as u32,
            in_scratch: true,
            escape,
        })
    }

    /// Reports a broken quote and moves to the line after the one where it
    /// opened, so the swallowed lines are read again as rows.
    fn broken(&mut self, open: usize, open_line: u64, breaks: u64, to_end: bool) -> BrokenQuote {
        let bytes = self.text.as_bytes();
        let column = self.cells.len();
        match bytes[open..].iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(offset) => {
                self.pos = open + offset;
                self.line = open_line;
                self.line_break();
            }
            None => {
                self.pos = bytes.len();
                self.line = open_line;
            }
        }
        BrokenQuote {
            line: open_line,
            column,
            swallowed: breaks,
            to_end,
        }
    }

    /// True when the line starting at `at` would on its own be a row: its
    /// email cell looks like an email and is followed by the delimiter (or
    /// ends the line, when the email is the last cell of a row), and no cell
    /// before it holds the quote that closes the open cell, nor is that
    /// quote alone in the first cell. Quoted cells before the email are
    /// read with their doubled quotes, and must end at the delimiter.
    fn is_row_like(&self, at: usize) -> bool {
        let bytes = self.text.as_bytes();
        let mut start = at;
        for index in 0..=self.email_column {
            let mut end = start;
            if bytes.get(end) == Some(&b'"') {
                // A quote alone in the first cell (`",ada@…`) closes the
                // cell being read: the line is the rest of that row.
                let alone = bytes
                    .get(start + 1)
                    .is_none_or(|&b| self.class[usize::from(b)] & STOP != 0);
                if index == 0 && alone {
                    return false;
                }
                end = quoted_end(bytes, start + 1);
                // Text after a closing quote before the email (`""Countess""",ada@…`,
                // a line opening with an escaped quote) is no cell a
                // written row starts with: the rest of the open cell.
                let trailing = bytes
                    .get(end)
                    .is_some_and(|&b| self.class[usize::from(b)] & STOP == 0);
                if trailing && index < self.email_column {
                    return false;
                }
            }
            let quoted = end > start;
            while let Some(&b) = bytes.get(end) {
                if self.class[usize::from(b)] & STOP != 0 {
                    break;
                }
                // A quote in an unquoted cell before the email closes the
                // cell being read (`Lovelace",ada@…` after `"Ada`): this
                // line is the rest of that row, not a row of its own.
                if b == b'"' && !quoted && index < self.email_column {
                    return false;
                }
                end += 1;
            }
            if index == self.email_column {
                let cell = self.text.get(start..end).unwrap_or_default();
                let cell = cell.trim().trim_matches('"');
                let followed = match bytes.get(end) {
                    Some(&b) if b == self.delimiter => true,
                    _ => self.email_column + 1 >= self.width,
                };
                return followed && looks_like_email(cell);
            }
            match bytes.get(end) {
                Some(&b) if b == self.delimiter => start = end + 1,
                _ => return false,
            }
        }
        false
    }
}

/// Just past the quote that closes a quoted cell whose content starts at
/// `from`, doubled quotes being part of the content; the end of `bytes`
/// when no quote closes it.
fn quoted_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'"') {
        at += offset + 1;
        if bytes.get(at) != Some(&b'"') {
            return at;
        }
        at += 1;
    }
    bytes.len()
}

/// Where the unquoted cell starting at `start` ends (at the delimiter, a
/// line break or the end), and whether it holds a byte JSON escapes.
///
/// Eight bytes are looked at together while none of them is special (see
/// [`special_lanes`]), which is most of every cell; the first special byte
/// of a word is then judged by its class, and the scan goes on after it
/// when it only needs escaping.
fn unquoted_end(bytes: &[u8], start: usize, class: &[u8; 256], delimiter: u8) -> (usize, bool) {
    let mut at = start;
    let mut escape = false;
    while let Some(word) = swar::word_at(bytes, at) {
        let Some(lane) = swar::first_lane(special_lanes(word, delimiter)) else {
            at += 8;
            continue;
        };
        at += lane;
        if class[usize::from(bytes[at])] & STOP != 0 {
            return (at, escape);
        }
        escape = true;
        at += 1;
    }
    while let Some(&b) = bytes.get(at) {
        let byte_class = class[usize::from(b)];
        if byte_class & STOP != 0 {
            break;
        }
        escape |= byte_class & ESCAPE != 0;
        at += 1;
    }
    (at, escape)
}

/// The lanes of `word` (see [`swar`]) that a cell must stop at or escape:
/// a control character (the line breaks among them), `"`, `\` and
/// `delimiter`. In a quoted cell, `delimiter` is `"` itself.
fn special_lanes(word: u64, delimiter: u8) -> u64 {
    swar::lanes_below(word, 0x20)
        | swar::lanes_equal(word, b'"')
        | swar::lanes_equal(word, b'\\')
        | swar::lanes_equal(word, delimiter)
}

/// The delimiter a first line `sep=X` names, as Excel writes it (any case,
/// quoted or not) for `,`, `;` or a tab. That line is no row of the file:
/// [`Scanner::skip_line`] passes over it.
///
/// ```
/// use stripe_torii_sync::input::scan::sep_directive;
///
/// assert_eq!(sep_directive("sep=;\r\nEmail;Name\n"), Some(b';'));
/// assert_eq!(sep_directive("\"SEP=\t\"\nEmail\n"), Some(b'\t'));
/// assert_eq!(sep_directive("Email,sep=;\n"), None);
/// ```
pub fn sep_directive(text: &str) -> Option<u8> {
    let line = text.split(['\n', '\r']).next().unwrap_or("").as_bytes();
    let line = match line {
        [b'"', inner @ .., b'"'] => inner,
        _ => line,
    };
    match line {
        [s, e, p, b'=', delimiter @ (b',' | b';' | b'\t')]
            if [*s, *e, *p].eq_ignore_ascii_case(b"sep") =>
        {
            Some(*delimiter)
        }
        _ => None,
    }
}

/// Guesses the delimiter from the first non-blank line: whichever of comma,
/// semicolon or tab occurs most outside quotes. Ties and no delimiter at all
/// give a comma.
///
/// ```
/// use stripe_torii_sync::input::scan::sniff_delimiter;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Got {
        Row(u64, Vec<String>),
        Broken(u64, BrokenQuote),
    }

    fn scan(text: &str) -> Vec<Got> {
        let mut s = Scanner::new(text, b',');
        let mut out = vec![];
        while let Some(record) = s.next_record() {
            let cells = (0..s.len()).map(|i| s.cell(i).to_string()).collect();
            out.push(match record {
                Record::Row { line } => Got::Row(line, cells),
                Record::Broken { line, quote } => Got::Broken(line, quote),
            });
        }
        out
    }

    fn row(line: u64, cells: &[&str]) -> Got {
        Got::Row(line, cells.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn lines_are_physical_and_count_quoted_newlines_and_blank_lines() {
        let got = scan("h1,h2\r\n\r\n\"a\nb\",c\r\nd,\"e,\"\"f\"\"\"\n");
        assert_eq!(got[0], row(1, &["h1", "h2"]));
        assert_eq!(got[1], row(3, &["a\nb", "c"]));
        assert_eq!(got[2], row(5, &["d", "e,\"f\""]));
        let starts = |text: &str| {
            scan(text)
                .iter()
                .map(|g| match g {
                    Got::Row(l, _) | Got::Broken(l, _) => *l,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(starts("a\r\nb\r\n\r\n\r\nc\r\n"), [1, 2, 5]);
        assert_eq!(starts("a\rb\r\rc"), [1, 2, 4]);
        assert_eq!(starts("\n\n,x\n"), [3]);
    }

    #[test]
    fn text_after_a_closing_quote_joins_the_cell() {
        assert_eq!(scan("\"a\"b,c\n"), [row(1, &["ab", "c"])]);
        assert_eq!(scan("x\"y,\"z\"\n"), [row(1, &["x\"y", "z"])]);
        assert_eq!(scan("\"\",\"\"\"\"\n"), [row(1, &["", "\""])]);
        assert_eq!(scan("a,\n"), [row(1, &["a", ""])]);
    }

    #[test]
    fn a_stray_quote_swallowing_rows_is_broken_and_the_rows_are_read_again() {
        let text = "Email,Name,Status\n\
                    ada@example.com,\"Ada L,Active\n\
                    bob@example.com,Bob B,Active\n\
                    cat@example.com,Cat C,Active\n";
        let got = scan(text);
        assert_eq!(got[0], row(1, &["Email", "Name", "Status"]));
        assert_eq!(
            got[1],
            Got::Broken(
                2,
                BrokenQuote {
                    line: 2,
                    column: 1,
                    swallowed: 2,
                    to_end: true
                }
            )
        );
        assert_eq!(got[2], row(3, &["bob@example.com", "Bob B", "Active"]));
        assert_eq!(got[3], row(4, &["cat@example.com", "Cat C", "Active"]));
    }

    #[test]
    fn a_quote_that_closes_after_swallowing_a_row_is_broken_too() {
        let text = "a@x.com,\"Ada\nb@x.com,Bob \"B\",x\nc@x.com,C,y\n";
        let got = scan(text);
        assert!(matches!(
            got[0],
            Got::Broken(
                1,
                BrokenQuote {
                    swallowed: 1,
                    to_end: false,
                    ..
                }
            )
        ));
        assert_eq!(got[1], row(2, &["b@x.com", "Bob \"B\"", "x"]));
        assert_eq!(got[2], row(3, &["c@x.com", "C", "y"]));
    }

    #[test]
    fn a_real_multi_line_cell_stays_a_cell() {
        let text = "a@x.com,\"Ada\nLovelace\",Active\nb@x.com,Bob,Active\n";
        assert_eq!(
            scan(text),
            [
                row(1, &["a@x.com", "Ada\nLovelace", "Active"]),
                row(3, &["b@x.com", "Bob", "Active"])
            ]
        );
    }

    #[test]
    fn the_email_column_decides_what_a_row_looks_like() {
        let text = "Name,Email\n\"Ada,a@x.com\nBob,b@x.com\n";
        let mut s = Scanner::new(text, b',');
        assert!(matches!(s.next_record(), Some(Record::Row { line: 1 })));
        s.set_row_shape(1, 2);
        assert!(matches!(
            s.next_record(),
            Some(Record::Broken { line: 2, .. })
        ));
        assert!(matches!(s.next_record(), Some(Record::Row { line: 3 })));
        assert_eq!(s.cell(1), "b@x.com");
    }

    #[test]
    fn a_quote_open_at_the_end_swallows_nothing() {
        let got = scan("a@x.com,\"Ada");
        assert!(matches!(
            got[0],
            Got::Broken(
                1,
                BrokenQuote {
                    swallowed: 0,
                    to_end: true,
                    column: 1,
                    ..
                }
            )
        ));
        assert_eq!(got.len(), 1);
        let got = scan("a@x.com,\"Ada\n");
        assert!(matches!(
            got[0],
            Got::Broken(1, BrokenQuote { swallowed: 0, .. })
        ));
    }

    #[test]
    fn escape_flags_follow_the_content() {
        let mut s = Scanner::new("plain,tab\there,\"q\"\"x\",\"a\nb\",back\\slash\n", b',');
        s.next_record();
        let flags: Vec<bool> = s.cells().iter().map(Cell::needs_escape).collect();
        assert_eq!(flags, [false, true, true, true, true]);
    }

    #[test]
    fn split_rows_are_records_as_they_are() {
        let rows = vec![vec!["Email", "Name"], vec![], vec!["ada@x.com", "\"Ada\nL"]];
        let (text, split) = SplitRows::join(&rows);
        let mut s = Scanner::split_rows(&text, split);
        assert_eq!(s.next_record(), Some(Record::Row { line: 1 }));
        assert_eq!(s.cell(1), "Name");
        assert_eq!(s.next_record(), Some(Record::Row { line: 2 }));
        assert!(s.is_blank());
        assert_eq!(s.next_record(), Some(Record::Row { line: 3 }));
        assert_eq!(s.cell(1), "\"Ada\nL");
        assert!(s.cells()[1].needs_escape());
        assert_eq!(s.next_record(), None);
    }

    #[test]
    fn records_left_are_estimated_from_text_and_counted_from_cells() {
        let mut s = Scanner::new("a@x.io\nb@x.io\nc@x.io\nd@x.io\n", b',');
        let from = s.position();
        s.next_record();
        s.next_record();
        assert_eq!(s.records_left(2, from), 2);
        assert_eq!(
            s.records_left(0, s.position()),
            0,
            "nothing read says nothing"
        );
        let rows = vec![vec!["a@x.io"], vec!["b@x.io"], vec!["c@x.io"]];
        let (text, split) = SplitRows::join(&rows);
        let mut s = Scanner::split_rows(&text, split);
        s.next_record();
        assert_eq!(s.records_left(1, 0), 2);
    }

    #[test]
    fn blank_records() {
        let blank = |line: &str| {
            let mut s = Scanner::new(line, b',');
            s.next_record();
            s.is_blank()
        };
        assert!(blank(" , \t,\n"));
        assert!(
            blank("\u{b},\u{a0}, \u{3000} \n"),
            "Unicode whitespace is blank"
        );
        assert!(!blank(" ,\u{a0}x\n"));
        assert!(!blank(" \u{e9}\n"));
        assert!(!blank(",,a\n"));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The byte-at-a-time reading [`unquoted_end`] must agree with.
    fn unquoted_end_bytewise(bytes: &[u8], start: usize, class: &[u8; 256]) -> (usize, bool) {
        let end = bytes[start..]
            .iter()
            .position(|&b| class[usize::from(b)] & STOP != 0)
            .map_or(bytes.len(), |p| start + p);
        let escape = bytes[start..end]
            .iter()
            .any(|&b| class[usize::from(b)] & ESCAPE != 0);
        (end, escape)
    }

    proptest! {
        /// Reading eight bytes at a time ends every unquoted cell where the
        /// byte loop does, with the same escape flag, from every start, for
        /// every delimiter (a tab is also a control character).
        #[test]
        fn the_word_scan_agrees_with_the_byte_scan(
            text in "([a-z .@\u{e9}\u{1f600}\u{7f}]{0,12}[,;\t\"\\\\\n\r\u{1}\u{1f}]?){0,6}",
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        ) {
            let scanner = Scanner::new(&text, delimiter);
            let bytes = text.as_bytes();
            for start in 0..=bytes.len() {
                prop_assert_eq!(
                    unquoted_end(bytes, start, &scanner.class, delimiter),
                    unquoted_end_bytewise(bytes, start, &scanner.class),
                    "from byte {}", start
                );
            }
        }

        /// Every cell, quoted or not, says it needs escaping exactly when its
        /// text holds a byte JSON escapes.
        #[test]
        fn a_cell_needs_escaping_exactly_when_its_text_does(
            text in "([a-z @\u{e9}\u{1f600}]{0,10}[,\"\\\\\n\r\u{1}]?){0,12}",
        ) {
            let mut scanner = Scanner::new(&text, b',');
            while let Some(record) = scanner.next_record() {
                if let Record::Row { .. } = record {
                    for (i, cell) in scanner.cells().iter().enumerate() {
                        let needs = !needs_no_escape(scanner.cell(i).as_bytes());
                        prop_assert_eq!(cell.needs_escape(), needs, "cell {} of {:?}", i, text);
                    }
                }
            }
        }
    }
}
