//! Bytes to text: the encodings the core reads, and a clear error naming
//! the likely encoding for the ones it does not.
//!
//! UTF-8 (with or without a byte-order mark) is read in place, without a
//! copy. UTF-16 with a byte-order mark, which Excel writes for "Unicode
//! Text", is converted. Anything else is refused with the line and offset
//! of the first byte that is not UTF-8 and a guess at what the file really is, so
//! the admin knows which "Save as" to pick.

use crate::error::{Error, ErrorKind, Result};

/// The encoding an input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    #[default]
    Utf8,
    /// UTF-8 with a byte-order mark (which is not part of the text).
    Utf8Bom,
    /// UTF-16, little-endian, with a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
}

impl Encoding {
    /// The name shown in reports: `utf-8`, `utf-8 (BOM)`, `utf-16le`, `utf-16be`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8 (BOM)",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
        }
    }
}

/// Decoded text: the characters after any byte-order mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text; for UTF-8 the original buffer, byte-order mark included.
    pub text: String,
    /// Where the text starts in [`Decoded::text`] (3 after a UTF-8 BOM).
    pub start: usize,
    /// How the bytes were read.
    pub encoding: Encoding,
}

impl Decoded {
    /// The text without the byte-order mark.
    pub fn as_str(&self) -> &str {
        &self.text[self.start..]
    }
}

/// Reads `bytes` as text.
///
/// ```
/// use stripe_torii_sync::input::decode::{decode, Encoding};
///
/// assert_eq!(decode(b"Email\n".to_vec()).unwrap().as_str(), "Email\n");
/// let utf16 = [0xff, 0xfe, b'E', 0, b'\n', 0];
/// let d = decode(utf16.to_vec()).unwrap();
/// assert_eq!((d.as_str(), d.encoding), ("E\n", Encoding::Utf16Le));
/// let err = decode(b"Email\n\xe9t\xe9\n".to_vec()).unwrap_err();
/// assert_eq!(err.code(), "not_text");
/// assert!(err.message().contains("byte 6"));
/// assert!(err.message().contains("Windows-1252"));
/// ```
///
/// # Errors
///
/// `not_text` for bytes that are neither UTF-8 nor UTF-16 with a BOM, and
/// for a NUL byte in UTF-8 text (a binary file).
pub fn decode(bytes: Vec<u8>) -> Result<Decoded> {
    match bytes.as_slice() {
        [0xff, 0xfe, rest @ ..] => return utf16(rest, 2, u16::from_le_bytes, Encoding::Utf16Le),
        [0xfe, 0xff, rest @ ..] => return utf16(rest, 2, u16::from_be_bytes, Encoding::Utf16Be),
        _ => {}
    }
    let start = if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        3
    } else {
        0
    };
    let encoding = if start == 3 {
        Encoding::Utf8Bom
    } else {
        Encoding::Utf8
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            // `contains` is a word-at-a-time search; find the offset only
            // for the message.
            if text.as_bytes().contains(&0) {
                let at = text.as_bytes().iter().position(|&b| b == 0).unwrap_or(0);
                let line = line_at(text.as_bytes(), at);
                return Err(not_text(at, line, nul_hint(text.as_bytes())));
            }
            Ok(Decoded {
                text,
                start,
                encoding,
            })
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            Err(not_text(at, line_at(&bytes, at), guess(&bytes)))
        }
    }
}

fn utf16(
    body: &[u8],
    offset: usize,
    unit: fn([u8; 2]) -> u16,
    encoding: Encoding,
) -> Result<Decoded> {
    let units = body.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(body.len() / 2 + body.len() / 8);
    let mut at = offset;
    // The line of a bad unit is counted in the text read before it.
    let line = |text: &String| line_at(text.as_bytes(), text.len());
    for c in char::decode_utf16(units) {
        match c {
            Ok('\0') => {
                let why = "the UTF-16 text contains a NUL character";
                return Err(not_text(at, line(&text), why));
            }
            Ok(c) => {
                text.push(c);
                at += 2 * c.len_utf16();
            }
            Err(_) => {
                let why = "the UTF-16 text has an unpaired surrogate";
                return Err(not_text(at, line(&text), why));
            }
        }
    }
    if !body.len().is_multiple_of(2) {
        let why = "the UTF-16 text has an odd number of bytes";
        return Err(not_text(offset + body.len() - 1, line(&text), why));
    }
    Ok(Decoded {
        text,
        start: 0,
        encoding,
    })
}

fn not_text(byte_offset: usize, line: u64, why: &str) -> Error {
    Error::new(
        ErrorKind::NotText { byte_offset, line },
        format!(
            "the input is not text this tool can read (line {line}, byte {byte_offset}): {why}; \
             export the members list again, or save it as \"CSV UTF-8\""
        ),
    )
}

/// The line, counted from 1 as the scanner counts them (CRLF, LF and a
/// lone CR each end one), that byte `at` of `bytes` is on.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    let before = &bytes[..at.min(bytes.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    1 + breaks as u64
}

/// A guess at what a file that is not UTF-8 really is.
fn guess(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"PK\x03\x04") {
        return "it looks like a ZIP archive, such as an .xlsx or .numbers spreadsheet";
    }
    if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return "it looks like an old Excel .xls workbook";
    }
    if bytes.starts_with(b"%PDF-") {
        return "it looks like a PDF document, not a CSV export";
    }
    if let Some(hint) = utf16_without_bom(bytes) {
        return hint;
    }
    // Text in a legacy code page has no control characters but tab, line
    // breaks and form feed; an image or a program has them early on.
    let start = &bytes[..bytes.len().min(512)];
    if start
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
    {
        return "it looks like a binary file (an image, a program, a compressed file), not a CSV export";
    }
    "it looks like Windows-1252 or Latin-1 text (Excel's plain \"CSV\" on Windows), not UTF-8"
}

fn nul_hint(bytes: &[u8]) -> &'static str {
    utf16_without_bom(bytes).unwrap_or(
        "it contains a NUL byte, so it is not a CSV file (is it an .xlsx or .numbers file?)",
    )
}

/// UTF-16 text without a byte-order mark has a NUL in every other byte of
/// its ASCII characters.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static str> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    (even * 2 > pairs || odd * 2 > pairs)
        .then_some("it looks like UTF-16 without a byte-order mark")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn utf16_with_a_bom_is_read_in_both_byte_orders() {
        let text = "Email\tName\r\nada@example.com\tZoë 😀\r\n";
        for big_endian in [false, true] {
            let d = decode(utf16(text, big_endian)).unwrap();
            assert_eq!(d.as_str(), text);
        }
    }

    #[test]
    fn broken_utf16_is_not_text() {
        let mut odd = utf16("Email", false);
        odd.push(b'x');
        assert_eq!(decode(odd).unwrap_err().code(), "not_text");
        let lone = vec![0xff, 0xfe, 0x00, 0xd8, b'a', 0];
        assert!(decode(lone).unwrap_err().message().contains("surrogate"));
        let nul = utf16("a\0b", false);
        assert!(decode(nul).unwrap_err().message().contains("NUL"));
    }

    #[test]
    fn a_utf8_bom_is_skipped_without_copying() {
        let d = decode(b"\xef\xbb\xbfEmail\n".to_vec()).unwrap();
        assert_eq!(
            (d.as_str(), d.start, d.encoding),
            ("Email\n", 3, Encoding::Utf8Bom)
        );
    }

    #[test]
    fn the_error_names_the_likely_encoding() {
        let hint = |bytes: &[u8]| decode(bytes.to_vec()).unwrap_err().message().to_string();
        assert!(hint(b"PK\x03\x04\x14\x00\xff").contains("xlsx"));
        assert!(hint(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1]).contains(".xls"));
        assert!(hint(b"E\0m\0a\0i\0l\0\n\0\xe9\0").contains("UTF-16 without"));
        assert!(hint(b"caf\xe9\n").contains("Windows-1252"));
        assert!(hint(b"Email\n\0\0").contains("NUL"));
    }

    #[test]
    fn an_image_or_a_pdf_is_not_taken_for_windows_1252_text() {
        let hint = |bytes: &[u8]| decode(bytes.to_vec()).unwrap_err().message().to_string();
        let png = hint(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        assert!(
            png.contains("binary file") && !png.contains("1252"),
            "{png}"
        );
        let pdf = hint(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
        assert!(pdf.contains("PDF") && !pdf.contains("1252"), "{pdf}");
        assert!(hint(b"Email\tName\r\ncaf\xe9\x0c\n").contains("Windows-1252"));
    }

    #[test]
    fn the_advice_is_given_once() {
        for bytes in [
            &b"E\0m\0a\0i\0l\0\n\0\xe9\0"[..],
            b"E\0m\0a\0i\0l\0",
            b"caf\xe9\n",
        ] {
            let message = decode(bytes.to_vec()).unwrap_err().message().to_string();
            assert_eq!(message.matches("CSV UTF-8").count(), 1, "{message}");
        }
    }
}
