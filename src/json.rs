//! JSON, written and read by hand.
//!
//! The core writes four kinds of JSON (the Torii file, the report, request
//! bodies and what hosts receive) and reads three (Torii's answers, previous
//! Torii files, stored baselines). A generic serialiser would cost more
//! `.wasm` than everything else in the crate and would be slower on the hot
//! path, so this module holds a small writer that escapes exactly as
//! `serde_json` does, and a small reader (RFC 8259, depth-limited, never
//! panicking) that the tests check against `serde_json`.

use std::borrow::Cow;

/// Nesting deeper than this is refused: no Torii file or answer comes near
/// it, and it bounds the reader's recursion.
const MAX_DEPTH: u32 = 64;

/// Appends `value` as a JSON string literal, escaped exactly as
/// `serde_json` escapes it (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other
/// control characters as `\u00XX`, everything else as UTF-8).
pub fn write_str(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    write_str_body(out, value.as_bytes());
    out.push(b'"');
}

/// Appends the escaped body of a string literal, without the quotes.
pub fn write_str_body(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' | b'\\' => b,
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => b'u',
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(&[b'\\', escape]);
        if escape == b'u' {
            let hex = |n: u8| HEX[usize::from(n)];
            out.extend_from_slice(&[b'0', b'0', hex(b >> 4), hex(b & 0xf)]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// True when `bytes` can be written as a JSON string body unchanged.
pub fn needs_no_escape(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Appends a whole number in decimal.
pub fn write_u64(out: &mut Vec<u8>, n: u64) {
    let (digits, at) = decimal_digits(n);
    out.extend_from_slice(&digits[at..]);
}

/// The decimal digits of `n`: they are `digits[at..]` of the returned
/// `(digits, at)`, the bytes before them zeros.
pub(crate) fn decimal_digits(mut n: u64) -> ([u8; 20], usize) {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    (digits, at)
}

/// Appends a JSON array: `write` appends each item; the commas between are
/// this function's.
pub fn write_array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// Builds one JSON object field by field, handling the commas.
pub struct ObjectWriter<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> ObjectWriter<'o> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        ObjectWriter { out, first: true }
    }

    /// Writes a key and returns the buffer for its value.
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(b':');
        self.out
    }

    /// A string field.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_str(out, value);
        self
    }

    /// A string field, left out when `value` is `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.str(key, value);
        }
        self
    }

    /// A whole-number field.
    pub fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        let out = self.key(key);
        write_u64(out, value);
        self
    }

    /// A boolean field.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        let out = self.key(key);
        out.extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    /// A field whose value is already JSON text.
    pub fn raw(&mut self, key: &str, json: &[u8]) -> &mut Self {
        let out = self.key(key);
        out.extend_from_slice(json);
        self
    }

    /// An array of strings.
    pub fn strs<'s>(&mut self, key: &str, values: impl IntoIterator<Item = &'s str>) -> &mut Self {
        write_array(self.key(key), values, write_str);
        self
    }

    /// An object field: `write` fills the nested object.
    pub fn object(&mut self, key: &str, write: impl FnOnce(&mut ObjectWriter)) -> &mut Self {
        let mut inner = ObjectWriter::new(self.key(key));
        write(&mut inner);
        inner.end();
        self
    }

    /// A number field given in tenths, written as a decimal (915 → `91.5`).
    pub fn tenths(&mut self, key: &str, tenths: u64) -> &mut Self {
        let out = self.key(key);
        write_u64(out, tenths / 10);
        if !tenths.is_multiple_of(10) {
            out.push(b'.');
            write_u64(out, tenths % 10);
        }
        self
    }

    /// An array field: `write` appends each item.
    pub fn array<T>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
        write: impl FnMut(&mut Vec<u8>, T),
    ) -> &mut Self {
        write_array(self.key(key), items, write);
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// A JSON value as read by [`parse`]. Objects keep their keys in order;
/// numbers keep their text, so an id is sent back exactly as it came.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object's fields, in order.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The value of field `key` of an object (the first, if repeated).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a finite `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(text) => decimal_to_f64(text).filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
}

/// A decimal number (`-12.5e3`, as JSON writes numbers) as an `f64`, close
/// to but not always exactly the nearest one: the core reads numbers only to
/// check counts and percentages, and Rust's exact float parser would add
/// its tables to the `.wasm`. `None` for text that is not such a number.
///
/// ```
/// use stripe_torii_sync::json::decimal_to_f64;
///
/// assert_eq!(decimal_to_f64("100"), Some(100.0));
/// assert_eq!(decimal_to_f64("-12.5"), Some(-12.5));
/// assert_eq!(decimal_to_f64("1e3"), Some(1000.0));
/// assert_eq!(decimal_to_f64("1e400"), Some(f64::INFINITY));
/// assert_eq!(decimal_to_f64("1.5.2"), None);
/// ```
pub fn decimal_to_f64(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut at = 0;
    let negative = b.first() == Some(&b'-');
    at += usize::from(negative);
    let mut mantissa: u64 = 0;
    let mut exponent: i32 = 0;
    let mut digits = 0;
    let mut digit = |d: u8, scale: i32| {
        digits += 1;
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(d - b'0');
            exponent -= scale;
        } else {
            exponent += 1 - scale;
        }
    };
    while let Some(&d @ b'0'..=b'9') = b.get(at) {
        digit(d, 0);
        at += 1;
    }
    if b.get(at) == Some(&b'.') {
        at += 1;
        while let Some(&d @ b'0'..=b'9') = b.get(at) {
            digit(d, 1);
            at += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(at) {
        at += 1;
        let sign = match b.get(at) {
            Some(b'-') => {
                at += 1;
                -1
            }
            Some(b'+') => {
                at += 1;
                1
            }
            _ => 1,
        };
        let mut e: i32 = 0;
        let start = at;
        while let Some(&d @ b'0'..=b'9') = b.get(at) {
            e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            at += 1;
        }
        if at == start {
            return None;
        }
        exponent = exponent.saturating_add(sign * e);
    }
    if at != b.len() {
        return None;
    }
    let value = mantissa as f64 * 10f64.powi(exponent.clamp(-400, 400));
    Some(if negative { -value } else { value })
}

/// Why JSON text could not be read: what was wrong, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the reader expected or found.
    pub what: &'static str,
    /// Byte offset of the problem.
    pub offset: usize,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

/// Parses one JSON document (surrounding whitespace allowed).
///
/// ```
/// use stripe_torii_sync::json::{parse, Value};
///
/// let v = parse(r#"{"id": 7, "name": "a\u00e9"}"#).unwrap();
/// assert_eq!(v.get("id"), Some(&Value::Number("7")));
/// assert_eq!(v.get("name").and_then(Value::as_str), Some("aé"));
/// assert!(parse("{\"a\":").is_err());
/// ```
pub fn parse(text: &str) -> Result<Value<'_>, SyntaxError> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.finish()?;
    Ok(value)
}

/// A cursor over JSON text, for callers that stream through large
/// documents (a previous Torii file of 100 000 users) without building a
/// tree of everything.
pub struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
    lossy: bool,
}

/// The callback [`Reader::object`] calls with each key.
type FieldReader<'f, 'a> = dyn FnMut(&mut Reader<'a>, Cow<'a, str>) -> Result<(), SyntaxError> + 'f;

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            at: 0,
            depth: 0,
            lossy: false,
        }
    }

    /// A reader that reads an unpaired surrogate escape (`\ud800`, which
    /// `JSON.stringify` writes for a string holding one) as U+FFFD, as a
    /// JavaScript string crossing into the wasm as UTF-8 reads it.
    pub fn lossy(text: &'a str) -> Self {
        Reader {
            lossy: true,
            ..Reader::new(text)
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError {
            what,
            offset: self.at,
        }
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// The next non-space byte, without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), SyntaxError> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.error("an unknown literal"))
        }
    }

    /// Checks that only whitespace is left.
    pub fn finish(&mut self) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("text after the JSON value")),
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        Ok(())
    }

    /// Reads any value into a tree.
    pub fn value(&mut self) -> Result<Value<'a>, SyntaxError> {
        match self.peek() {
            Some(b'{') => {
                let mut fields = Vec::new();
                self.object(|reader, key| {
                    let value = reader.value()?;
                    fields.push((key, value));
                    Ok(())
                })?;
                Ok(Value::Object(fields))
            }
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(|reader| {
                    items.push(reader.value()?);
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true").map(|()| Value::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Value::Bool(false)),
            Some(b'n') => self.literal("null").map(|()| Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(_) => Err(self.error("an unexpected character")),
            None => Err(self.error("the end of the text where a value belongs")),
        }
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(b'{') => self.object(|reader, _| reader.skip()),
            Some(b'[') => self.array(Reader::skip),
            _ => self.value().map(drop),
        }
    }

    /// Reads an object, calling `field` with each key; `field` must read
    /// (or skip) the value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        self.object_dyn(&mut field)
    }

    /// [`Reader::object`] without a copy per caller: JSON is read off the
    /// hot path, so the code is shared rather than specialised.
    fn object_dyn(&mut self, field: &mut FieldReader<'_, 'a>) -> Result<(), SyntaxError> {
        if !self.eat(b'{') {
            return Err(self.error("an object"));
        }
        self.enter()?;
        if !self.eat(b'}') {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.error("a key"));
                }
                let key = self.string()?;
                if !self.eat(b':') {
                    return Err(self.error("':' after a key"));
                }
                field(self, key)?;
                if self.eat(b',') {
                    continue;
                }
                if self.eat(b'}') {
                    break;
                }
                return Err(self.error("',' or '}' in an object"));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads an array, calling `item` for each element; `item` must read
    /// (or skip) it.
    pub fn array(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        self.array_dyn(&mut item)
    }

    /// [`Reader::array`] without a copy per caller.
    fn array_dyn(
        &mut self,
        item: &mut dyn FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        if !self.eat(b'[') {
            return Err(self.error("an array"));
        }
        self.enter()?;
        if !self.eat(b']') {
            loop {
                item(self)?;
                if self.eat(b',') {
                    continue;
                }
                if self.eat(b']') {
                    break;
                }
                return Err(self.error("',' or ']' in an array"));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads a number and returns its text.
    pub fn number(&mut self) -> Result<&'a str, SyntaxError> {
        self.skip_space();
        let start = self.at;
        let b = self.bytes();
        let digits = |at: &mut usize| {
            let from = *at;
            while b.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = start;
        if b.get(at) == Some(&b'-') {
            at += 1;
        }
        match b.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => {
                digits(&mut at);
            }
            _ => return Err(self.error("a number")),
        }
        if b.get(at) == Some(&b'.') {
            at += 1;
            if !digits(&mut at) {
                self.at = at;
                return Err(self.error("digits after a decimal point"));
            }
        }
        if let Some(b'e' | b'E') = b.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = b.get(at) {
                at += 1;
            }
            if !digits(&mut at) {
                self.at = at;
                return Err(self.error("digits in an exponent"));
            }
        }
        self.at = at;
        Ok(&self.text[start..at])
    }

    /// Reads a string, borrowed when it has no escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        if !self.eat(b'"') {
            return Err(self.error("a string"));
        }
        let b = self.bytes();
        let start = self.at;
        let mut at = start;
        while let Some(&c) = b.get(at) {
            match c {
                b'"' => {
                    self.at = at + 1;
                    return Ok(Cow::Borrowed(&self.text[start..at]));
                }
                b'\\' => break,
                0..=0x1f => {
                    self.at = at;
                    return Err(self.error("a control character in a string"));
                }
                _ => at += 1,
            }
        }
        let mut out = String::from(&self.text[start..at]);
        loop {
            let Some(&c) = b.get(at) else {
                self.at = at;
                return Err(self.error("an unterminated string"));
            };
            match c {
                b'"' => {
                    self.at = at + 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.at = at;
                    let escaped = match b.get(at + 1) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let (c, len) = self.unicode_escape(at)?;
                            out.push(c);
                            at += len;
                            continue;
                        }
                        _ => return Err(self.error("an invalid escape")),
                    };
                    out.push(escaped);
                    at += 2;
                }
                0..=0x1f => {
                    self.at = at;
                    return Err(self.error("a control character in a string"));
                }
                _ => {
                    // Copy up to the next quote or backslash in one go; the
                    // text is a `str`, so the cut is on a char boundary.
                    let run = b[at..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                        .unwrap_or(b.len() - at);
                    out.push_str(&self.text[at..at + run]);
                    at += run;
                }
            }
        }
    }

    /// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`, starting at `at`.
    /// Returns the character and the bytes consumed.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), SyntaxError> {
        let hex4 = |from: usize| -> Option<u32> {
            let digits = self.text.get(from..from + 4)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            u32::from_str_radix(digits, 16).ok()
        };
        let bad = || SyntaxError {
            what: "an invalid \\u escape",
            offset: at,
        };
        let first = hex4(at + 2).ok_or_else(bad)?;
        let paired = (0xD800..0xDC00).contains(&first)
            && self.text.get(at + 6..at + 8) == Some("\\u")
            && hex4(at + 8).is_some_and(|second| (0xDC00..0xE000).contains(&second));
        if self.lossy && (0xD800..0xE000).contains(&first) && !paired {
            return Ok(('\u{fffd}', 6));
        }
        if (0xD800..0xDC00).contains(&first) {
            if self.text.get(at + 6..at + 8) != Some("\\u") {
                return Err(bad());
            }
            let second = hex4(at + 8).ok_or_else(bad)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(bad());
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code).map(|c| (c, 12)).ok_or_else(bad);
        }
        char::from_u32(first).map(|c| (c, 6)).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "plain",
            "a\"b\\c",
            "line\nbreak\r\t",
            "\u{1}\u{1f}\u{8}\u{c}",
            "é😀",
            "",
        ] {
            assert_eq!(escaped(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 1234567890, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn objects_are_written_with_commas() {
        let mut out = Vec::new();
        let mut o = ObjectWriter::new(&mut out);
        o.str("a", "x")
            .u64("b", 2)
            .opt_str("c", None)
            .bool("d", true);
        o.strs("e", ["p", "q"]);
        o.end();
        assert_eq!(out, br#"{"a":"x","b":2,"d":true,"e":["p","q"]}"#);
    }

    #[test]
    fn the_reader_reads_what_serde_json_reads() {
        let text = r#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"\u00e9\ud83d\ude00"}, "d": ""} "#;
        let ours = parse(text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            ours.get("b")
                .and_then(|b| b.get("c"))
                .and_then(Value::as_str),
            theirs["b"]["c"].as_str()
        );
        assert_eq!(
            ours.get("a").and_then(Value::as_array).map(<[_]>::len),
            Some(5)
        );
    }

    #[test]
    fn decimals_are_close_to_rust_s_exact_parser() {
        for text in [
            "0",
            "7",
            "-3",
            "12.5",
            "0.001",
            "123456789012345678901234",
            "1e-5",
            "2.5E+3",
            "9007199254740993",
        ] {
            let exact: f64 = text.parse().unwrap();
            let ours = decimal_to_f64(text).unwrap();
            assert!(
                (ours - exact).abs() <= exact.abs() * 1e-12,
                "{text}: {ours} vs {exact}"
            );
        }
        for bad in ["", "-", ".", "e5", "1e", "1x", "--1"] {
            assert_eq!(decimal_to_f64(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_json_is_an_error_with_an_offset() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "\"abc",
            "01",
            "1.",
            "-",
            "tru",
            "{\"a\":1}x",
            "\"\\ud800\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "[1 2]",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(parse(&deep).unwrap_err().what, "nesting too deep");
    }
}
