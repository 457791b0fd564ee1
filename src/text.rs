//! Small text tools shared by the transform, the report and the sync:
//! case-insensitive keys, a fast hash for the maps that de-duplicate and
//! count, and the few number formats messages need.
//!
//! Everything that matches text "ignoring case" goes through [`fold`], so
//! the rule is written once: ASCII text is lower-cased byte by byte, other
//! text with Unicode's `to_lowercase`.

use std::borrow::Cow;
use std::hash::{BuildHasherDefault, Hasher};

/// Lower-cased text, borrowed when it already is (the common case).
///
/// ```
/// use stripe_torii_sync::text::fold;
///
/// assert_eq!(fold("View Only"), "view only");
/// assert!(matches!(fold("owner"), std::borrow::Cow::Borrowed(_)));
/// assert_eq!(fold("ÄDMIN"), "ädmin");
/// ```
pub fn fold(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else if text
        .chars()
        .any(|c| c.to_lowercase().ne(std::iter::once(c)))
    {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// True for the ASCII bytes `str::trim` removes: `u8::is_ascii_whitespace`
/// and the vertical tab, which it leaves out.
pub(crate) fn is_trimmed_ascii(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// `str::trim`, with a fast answer for the common cell that has nothing to
/// trim (the general trim decodes characters at both ends).
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&first), Some(&last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Trims, lower-cases, drops invisible characters (see [`is_invisible`])
/// and collapses inner whitespace runs to one space: the form in which
/// wordings (statuses, excluded values) are compared, so a zero-width space
/// pasted from a web page cannot make `Removed` an unknown status.
///
/// ```
/// use stripe_torii_sync::text::collapse_fold;
///
/// assert_eq!(collapse_fold("  Invite \t SENT "), "invite sent");
/// assert_eq!(collapse_fold("Removed\u{200b} \u{feff}"), "removed");
/// ```
pub fn collapse_fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let word = if word.chars().any(is_invisible) {
            Cow::Owned(word.chars().filter(|&c| !is_invisible(c)).collect())
        } else {
            Cow::Borrowed(word)
        };
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&fold(&word));
    }
    out
}

/// True when `a` and `b` are the same text ignoring case.
pub fn fold_eq(a: &str, b: &str) -> bool {
    // The same spelling is the common case, and the cheapest to see.
    if a == b {
        return true;
    }
    if a.len() == b.len() && a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else if a.is_ascii() && b.is_ascii() {
        false
    } else {
        fold(a) == fold(b)
    }
}

/// A fast, non-cryptographic hasher for the transform's maps: eight bytes
/// per multiply, then a final avalanche. The keys are the admin's own
/// export, so speed matters more than resistance to crafted collisions;
/// every map that uses it still compares keys, so a collision costs time,
/// never correctness.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastHasher(u64);

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl FastHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    }
}

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while let Some((word, tail)) = rest.split_first_chunk::<8>() {
            self.mix(u64::from_le_bytes(*word));
            rest = tail;
        }
        // The last 0 to 7 bytes are read without a copy of variable length:
        // two overlapping halves, or the first, middle and last byte, cover
        // every byte of the tail, and its length goes in with it.
        let tail = match (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
            (Some(&first), Some(&last)) => {
                u64::from(u32::from_le_bytes(first)) | u64::from(u32::from_le_bytes(last)) << 32
            }
            _ => match rest {
                [] => 0,
                [first, ..] => {
                    let (middle, last) = (rest[rest.len() / 2], rest[rest.len() - 1]);
                    u64::from(*first) | u64::from(middle) << 8 | u64::from(last) << 16
                }
            },
        };
        // The length tells "a" from "a\0".
        self.mix(tail ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

/// The `BuildHasher` of the transform's maps.
pub type FastBuild = BuildHasherDefault<FastHasher>;

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastBuild>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, FastBuild>;

/// Invisible format characters that copy and paste leaves in text:
/// soft hyphen, zero-width spaces and joiners, direction marks and
/// embeddings, word joiners, the byte-order mark, interlinear annotation
/// marks and tag characters.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// Text that a spreadsheet must show as text, never run as a formula nor
/// read as a value: one that starts with a tab, a carriage return or an
/// apostrophe, or whose first character past whitespace and invisible
/// characters is `=`, `+`, `-` or `@`, in their ASCII, full-width (`＝`, as
/// a Japanese or Chinese input method types it, which spreadsheets may take
/// for `=`) or small forms, gets an apostrophe in front. So does one that
/// Sheets would turn into a number, a date, a time or a boolean, losing
/// what it says (`007` would show 7, a 20-digit number its first 15 digits,
/// `3/4/2025` a date in the sheet's locale, `1.0` 1): whose first such
/// character is a digit, a decimal point before a digit or a currency sign,
/// or that is `TRUE` or `FALSE` in any case. Sheets and Excel take that
/// apostrophe as "this cell is text" and do not display it (an apostrophe
/// of the text itself is doubled for the same reason). Everything the Apps
/// Script front end writes from an export (or quotes from one in a
/// message) goes through this; the file sent to Torii keeps the original
/// text.
///
/// ```
/// use stripe_torii_sync::text::sheet_safe;
///
/// assert_eq!(sheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(sheet_safe("-2+3"), "'-2+3");
/// assert_eq!(sheet_safe(" \u{ff1d}1+1"), "' \u{ff1d}1+1");
/// assert_eq!(sheet_safe("007"), "'007");
/// assert_eq!(sheet_safe("true"), "'true");
/// assert_eq!(sheet_safe("Ada"), "Ada");
/// assert_eq!(sheet_safe("'quoted"), "''quoted");
/// ```
pub fn sheet_safe(value: &str) -> Cow<'_, str> {
    let leading = value.as_bytes().first();
    let boolean = || {
        let word = value.trim();
        word.eq_ignore_ascii_case("true") || word.eq_ignore_ascii_case("false")
    };
    // Most cells start with a letter: only TRUE and FALSE are not text.
    let risky = match leading {
        None => false,
        Some(b) if b.is_ascii_alphabetic() => boolean(),
        Some(b) if b.is_ascii_digit() => true,
        Some(b'\t' | b'\r' | b'\'') => true,
        Some(_) => {
            let mut chars = value
                .chars()
                .skip_while(|&c| c.is_whitespace() || is_invisible(c));
            match chars.next() {
                Some(
                    '='
                    | '+'
                    | '-'
                    | '@'
                    | '\u{ff1d}'
                    | '\u{ff0b}'
                    | '\u{ff0d}'
                    | '\u{ff20}'
                    | '\u{fe66}'
                    | '\u{fe62}'
                    | '\u{fe63}'
                    | '\u{fe6b}'
                    | '0'..='9'
                    | '$'
                    | '\u{20ac}'
                    | '\u{a3}'
                    | '\u{a5}',
                ) => true,
                Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
                Some(_) => boolean(),
                None => false,
            }
        }
    };
    if risky {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The most characters one spreadsheet cell holds. Google Sheets refuses a
/// longer text ("Your input contains more than the maximum of 50000
/// characters in a single cell"), and with it the whole write it came in.
/// Counted here in UTF-16 code units, as Apps Script's strings count, which
/// is never fewer than the characters.
pub const SHEET_CELL_LIMIT: usize = 50_000;

/// A text as a sheet cell must receive it: neutralised by [`sheet_safe`]
/// and, when longer than [`SHEET_CELL_LIMIT`], cut with a note of how much
/// is left out, so the write that carries it goes through. The file sent to
/// Torii keeps the whole text.
///
/// ```
/// use stripe_torii_sync::text::{sheet_cell, SHEET_CELL_LIMIT};
///
/// assert_eq!(sheet_cell("=1+1"), "'=1+1");
/// let long = "Role, ".repeat(10_000);
/// let cell = sheet_cell(&long);
/// assert!(cell.encode_utf16().count() <= SHEET_CELL_LIMIT);
/// assert!(cell.ends_with("more characters cut: a sheet cell holds 50000]"));
/// ```
pub fn sheet_cell(value: &str) -> Cow<'_, str> {
    let safe = sheet_safe(value);
    // A UTF-8 text has at least as many bytes as UTF-16 units.
    if safe.len() <= SHEET_CELL_LIMIT {
        return safe;
    }
    let units = safe.encode_utf16().count();
    if units <= SHEET_CELL_LIMIT {
        return safe;
    }
    // Room for the note: 50 units and the count, at most 20 digits.
    const NOTE_ROOM: usize = 80;
    let (cut, kept_units) = utf16_prefix(&safe, SHEET_CELL_LIMIT - NOTE_ROOM);
    Cow::Owned(format!(
        "{}… [{} more characters cut: a sheet cell holds {}]",
        &safe[..cut],
        units - kept_units,
        SHEET_CELL_LIMIT
    ))
}

/// The longest start of `text` within `units` UTF-16 code units (as a
/// sheet cell counts): its length in bytes, and in units.
pub(crate) fn utf16_prefix(text: &str, units: usize) -> (usize, usize) {
    let mut kept = 0;
    for (at, c) in text.char_indices() {
        if kept + c.len_utf16() > units {
            return (at, kept);
        }
        kept += c.len_utf16();
    }
    (text.len(), kept)
}

/// Cell values quoted in messages are cut to this many characters.
const QUOTE_LIMIT: usize = 60;

/// A value shortened for a message: at most 60 characters, then `…`,
/// made [`printable`].
///
/// ```
/// use stripe_torii_sync::text::shorten;
///
/// assert_eq!(shorten("Owner"), "Owner");
/// assert_eq!(shorten(&"x".repeat(100)).chars().count(), 61);
/// assert_eq!(shorten("a\r\n\u{1b}[2K"), r"a\r\n\u{1b}[2K");
/// ```
pub fn shorten(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => Cow::Owned(format!("{}…", printable(&value[..cut]))),
        None => printable(value),
    }
}

/// `value` with control characters and direction overrides written
/// escaped (`\n`, `\u{1b}`), so text from a file cannot break a report
/// line in two, send a terminal escape, or reorder the text around it.
///
/// ```
/// use stripe_torii_sync::text::printable;
///
/// assert_eq!(printable("Owner"), "Owner");
/// assert_eq!(printable("a\tb\u{202e}c"), r"a\tb\u{202e}c");
/// ```
pub fn printable(value: &str) -> Cow<'_, str> {
    if !value.chars().any(is_unsafe_in_message) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if is_unsafe_in_message(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A character a message must not carry as it is: a control character
/// or a line or paragraph separator (line breaks, terminal escapes), or a
/// direction mark, embedding, override or isolate.
fn is_unsafe_in_message(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// "1 row", "2 rows"; `many` is the plural when it is not `noun` + "s".
///
/// ```
/// use stripe_torii_sync::text::plural;
///
/// assert_eq!(plural(1, "retry", "retries"), "1 retry");
/// assert_eq!(plural(3, "retry", "retries"), "3 retries");
/// ```
pub fn plural(n: u64, noun: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {many}")
    }
}

/// `tenths` as a decimal: 915 → "91.5", 910 → "91". Messages print
/// percentages and seconds this way instead of formatting floats, which
/// would pull Rust's float printer into the `.wasm`.
pub fn tenths(tenths: u64) -> String {
    match tenths % 10 {
        0 => (tenths / 10).to_string(),
        digit => format!("{}.{digit}", tenths / 10),
    }
}

/// A non-negative finite number rounded to tenths, for [`tenths`].
pub fn to_tenths(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        // Saturating: values beyond u64 are not printed meaningfully anyway.
        (value * 10.0).round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    #[test]
    fn separators_and_direction_marks_are_written_out() {
        for (c, written) in [
            ('\u{2028}', r"\u{2028}"),
            ('\u{2029}', r"\u{2029}"),
            ('\u{200e}', r"\u{200e}"),
            ('\u{200f}', r"\u{200f}"),
            ('\u{061c}', r"\u{61c}"),
            ('\u{2067}', r"\u{2067}"),
        ] {
            assert_eq!(printable(&format!("a{c}b")), format!("a{written}b"));
        }
        assert_eq!(printable("Zoë, 名前"), "Zoë, 名前");
    }

    #[test]
    fn folding_borrows_what_is_already_lower_case() {
        assert!(matches!(fold("ada@example.com"), Cow::Borrowed(_)));
        assert!(matches!(fold("élodie"), Cow::Borrowed(_)));
        assert_eq!(fold("ÉLODIE"), "élodie");
        assert!(fold_eq("View only", "VIEW ONLY"));
        assert!(fold_eq("Ädmin", "ädmin"));
        assert!(!fold_eq("Admin", "Admins"));
    }

    #[test]
    fn the_hash_tells_lengths_and_words_apart() {
        let hash = |s: &str| FastBuild::default().hash_one(s);
        assert_ne!(hash("a"), hash("a\0"));
        assert_ne!(hash("abcdefgh"), hash("abcdefghi"));
        assert_eq!(hash("same"), hash("same"));
        let mut seen = FastSet::default();
        for i in 0..10_000u32 {
            let mut h = FastHasher::default();
            format!("user{i}@example.com").hash(&mut h);
            seen.insert(h.finish());
        }
        assert_eq!(seen.len(), 10_000);
        // Every tail length, with every byte of the tail changed in turn:
        // the tail read covers each byte.
        for len in 0..=15usize {
            let base = vec![b'x'; len];
            let mut tails = FastSet::default();
            tails.insert(FastBuild::default().hash_one(&base[..]));
            for at in 0..len {
                let mut changed = base.clone();
                changed[at] = b'y';
                tails.insert(FastBuild::default().hash_one(&changed[..]));
            }
            assert_eq!(tails.len(), len + 1, "length {len}");
        }
    }

    #[test]
    fn sheet_safe_sees_full_width_signs_and_what_comes_before_a_sign() {
        for risky in [
            "\u{ff1d}HYPERLINK(\"http://evil.example/\")",
            "\u{ff0b}cmd",
            "\u{ff0d}2+3",
            "\u{ff20}SUM(A1)",
            "\u{fe66}1+1",
            " =1+1",
            "\u{a0}=1+1",
            "\u{3000}\u{ff1d}1+1",
            "\n=1+1",
            "\u{200b}=1+1",
            "\u{feff}@SUM(A1)",
        ] {
            assert_eq!(sheet_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in [
            "Ada",
            " Ada",
            "a=b",
            "",
            "\u{ff21}da",
            "Owner, -Admin",
            "Trueman",
            ".net",
            "Agent 007",
        ] {
            assert_eq!(sheet_safe(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn sheet_cell_cuts_only_what_a_cell_cannot_hold() {
        let units = |s: &str| s.encode_utf16().count();
        let full = "a".repeat(SHEET_CELL_LIMIT);
        assert_eq!(sheet_cell(&full), full);
        // Bytes over the limit, UTF-16 units not: nothing to cut.
        let accented = "é".repeat(SHEET_CELL_LIMIT);
        assert_eq!(sheet_cell(&accented), accented);
        for long in [
            "a".repeat(SHEET_CELL_LIMIT + 1),
            "😀".repeat(SHEET_CELL_LIMIT / 2 + 1),
            format!("={}", "x".repeat(2 * SHEET_CELL_LIMIT)),
        ] {
            let cell = sheet_cell(&long);
            assert!(units(&cell) <= SHEET_CELL_LIMIT, "{}", units(&cell));
            let (kept, note) = cell.split_once("… [").unwrap();
            let cut: usize = note.split(' ').next().unwrap().parse().unwrap();
            assert_eq!(units(kept) + cut, units(&sheet_safe(&long)));
            assert!(sheet_safe(&long).starts_with(kept));
        }
    }

    #[test]
    fn sheet_safe_keeps_texts_a_sheet_would_read_as_values() {
        for valued in [
            "007",
            "12345678901234567890",
            "2025-01-30",
            "3/4/2025",
            "9:15",
            "1.0",
            "50%",
            " 42",
            ".5",
            "$5",
            "\u{20ac}5",
            "TRUE",
            "false",
            " True ",
        ] {
            assert_eq!(sheet_safe(valued), format!("'{valued}"), "{valued:?}");
        }
    }

    #[test]
    fn tenths_print_without_floats() {
        assert_eq!(tenths(915), "91.5");
        assert_eq!(tenths(910), "91");
        assert_eq!(tenths(5), "0.5");
        assert_eq!(to_tenths(33.333), 333);
        assert_eq!(to_tenths(f64::NAN), 0);
    }
}
