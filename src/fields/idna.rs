//! ASCII comparison keys for internationalised email domains.
//!
//! This module owns Punycode (RFC 3492) and the lower-case ASCII ("A-label")
//! form of a domain, so that `ada@bücher.example` and
//! `ada@xn--bcher-kva.example` are recognised as the same mailbox.
//!
//! It deliberately does **no** Unicode NFC normalisation and **no** UTS-46
//! mapping: both need large Unicode tables and the core stays table-free.
//! Labels are only case-folded with `str::to_lowercase`, so a precomposed
//! `ü` and `u` + U+0308 produce different keys.
//!
//! Every function is total: malformed input yields `None`, never a panic
//! (all arithmetic is checked and no slice is cut off a char boundary).

use std::borrow::Cow;

// RFC 3492 section 5 parameters for Punycode.
const BASE: u32 = 36;
const TMIN: u32 = 1;
const TMAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;
const DELIMITER: char = '-';

/// Encoder digit alphabet; lower case so encoder output is already a key.
const DIGITS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

const ACE_PREFIX: &str = "xn--";
const MAX_LABEL_LEN: usize = 63;
const MAX_DOMAIN_LEN: usize = 253;

/// Bias adaptation (RFC 3492 section 6.1).
fn adapt(delta: u32, num_points: u32, first_time: bool) -> u32 {
    // Widened so `delta + delta / num_points` cannot overflow.
    let mut delta = u64::from(if first_time { delta / DAMP } else { delta / 2 });
    delta += delta / u64::from(num_points.max(1));
    let mut k = 0u64;
    while delta > u64::from(((BASE - TMIN) * TMAX) / 2) {
        delta /= u64::from(BASE - TMIN);
        k += u64::from(BASE);
    }
    let bias = k + (u64::from(BASE - TMIN + 1) * delta) / (delta + u64::from(SKEW));
    // At most a few hundred for any u32 delta; the fallback is unreachable.
    u32::try_from(bias).unwrap_or(u32::MAX)
}

/// Digit threshold `t` for position `k` (RFC 3492 section 6.2/6.3).
fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        TMIN
    } else if k >= bias.saturating_add(TMAX) {
        TMAX
    } else {
        k - bias
    }
}

fn encode_digit(d: u32) -> Option<char> {
    DIGITS.get(usize::try_from(d).ok()?).map(|&b| char::from(b))
}

fn decode_digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// Punycode-encodes one label (RFC 3492 section 6.3), without the `xn--` prefix.
///
/// Basic (ASCII) code points are copied in order, keeping their case, and
/// followed by `-` when there are any; so pure-ASCII `"abc"` gives `"abc-"`.
/// Returns `None` if the Bootstring arithmetic would overflow.
pub fn punycode_encode(label: &str) -> Option<String> {
    let input: Vec<u32> = label.chars().map(u32::from).collect();
    encode_code_points(&input)
}

/// Bootstring encoder over raw code points, so tests can feed surrogates.
fn encode_code_points(input: &[u32]) -> Option<String> {
    let mut output = String::with_capacity(input.len() + 8);
    output.extend(
        input
            .iter()
            .filter(|&&c| c < INITIAL_N)
            .filter_map(|&c| char::from_u32(c)),
    );
    let b = u32::try_from(output.len()).ok()?;
    let total = u32::try_from(input.len()).ok()?;
    if b > 0 {
        output.push(DELIMITER);
    }

    let mut n = INITIAL_N;
    let mut delta: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut h = b;
    while h < total {
        // Some unhandled code point >= n exists while h < total.
        let m = input.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(h.checked_add(1)?)?)?;
        n = m;
        for &c in input {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    output.push(encode_digit(t + (q - t) % (BASE - t))?);
                    q = (q - t) / (BASE - t);
                    k = k.checked_add(BASE)?;
                }
                output.push(encode_digit(q)?);
                bias = adapt(delta, h.checked_add(1)?, h == b);
                delta = 0;
                h = h.checked_add(1)?;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

/// Decodes a Punycode label (RFC 3492 section 6.2), given without `xn--`.
///
/// Digits are case-insensitive; basic code points keep their case. Returns
/// `None` for non-ASCII input, invalid digits, truncated input, overflow, or
/// a decoded value that is not a Unicode scalar value (e.g. a surrogate).
pub fn punycode_decode(encoded: &str) -> Option<String> {
    if !encoded.is_ascii() {
        return None;
    }
    // All ASCII, so any byte index is a char boundary; `get` keeps it total anyway.
    let (basic, extended) = match encoded.rfind(DELIMITER) {
        Some(pos) => (encoded.get(..pos)?, encoded.get(pos + 1..)?),
        None => ("", encoded),
    };
    let mut output: Vec<char> = basic.chars().collect();

    let mut n = INITIAL_N;
    let mut i: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut w: u32 = 1;
        let mut k = BASE;
        loop {
            let digit = decode_digit(digits.next()?)?;
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k = k.checked_add(BASE)?;
        }
        let len = u32::try_from(output.len()).ok()?.checked_add(1)?;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        // n starts at INITIAL_N and only grows, so it is never basic; this
        // rejects surrogates and values above U+10FFFF.
        let c = char::from_u32(n)?;
        // i < len == output.len() + 1, so the insert is in bounds.
        output.insert(usize::try_from(i).ok()?, c);
        i += 1;
    }
    Some(output.into_iter().collect())
}

/// True when `label` starts or ends with `-`, which the LDH rule
/// (RFC 1035, RFC 5891 section 4.2.3.1) forbids.
pub fn label_has_bad_hyphen(label: &str) -> bool {
    label.starts_with('-') || label.ends_with('-')
}

/// True when `label` begins with the ACE prefix `xn--` in any case.
fn has_ace_prefix(label: &str) -> bool {
    label
        .as_bytes()
        .get(..ACE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(ACE_PREFIX.as_bytes()))
}

/// A-label for an already lower-cased, non-ASCII U-label.
fn encode_u_label(lowered: &str) -> Option<String> {
    // A U-label that itself looks like an A-label would give `xn--xn--…`.
    if has_ace_prefix(lowered) {
        return None;
    }
    let encoded = punycode_encode(lowered)?;
    Some(format!("{ACE_PREFIX}{encoded}"))
}

/// Validates a lower-cased `xn--` label and returns its key.
fn check_a_label(lowered: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let tail = lowered.get(ACE_PREFIX.len()..)?;
    let decoded = punycode_decode(tail)?;
    if decoded.is_ascii() || has_ace_prefix(&decoded) {
        return None;
    }
    // RFC 5891 section 5.4: only the canonical encoding is a valid A-label;
    // otherwise two spellings of one domain would get different keys.
    if punycode_encode(&decoded)? != tail {
        return None;
    }
    let folded = decoded.to_lowercase();
    if folded == decoded {
        return Some(lowered);
    }
    // An upper-case U-label hidden in an A-label: key it as its Unicode
    // spelling would be keyed.
    if folded.is_ascii() {
        return None;
    }
    encode_u_label(&folded).map(Cow::Owned)
}

/// Key for one label; `Borrowed` exactly when it equals `label`.
fn ascii_label(label: &str) -> Option<Cow<'_, str>> {
    if label.is_ascii() {
        let lowered = if label.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(label.to_ascii_lowercase())
        } else {
            Cow::Borrowed(label)
        };
        if has_ace_prefix(&lowered) {
            return check_a_label(lowered);
        }
        return Some(lowered);
    }
    let lowered = label.to_lowercase();
    if lowered.is_ascii() {
        // e.g. KELVIN SIGN folds to `k`; treat the result as the ASCII label
        // it now is (this recursion takes the ASCII branch, so it ends).
        return ascii_label(&lowered).map(|key| Cow::Owned(key.into_owned()));
    }
    encode_u_label(&lowered).map(Cow::Owned)
}

/// The comparison key of an email domain: its lower-case ASCII form.
///
/// Each `.`-separated label is lower-cased; non-ASCII labels are then
/// Punycode-encoded with an `xn--` prefix. Existing `xn--` labels (any case)
/// must be canonical Punycode of a non-ASCII label, otherwise `None`.
/// Also `None` for an empty label (so `a..b` and a trailing dot fail), a
/// label over 63 bytes, or a result over 253 bytes. LDH characters and
/// hyphens are not checked here (see [`label_has_bad_hyphen`]).
///
/// Returns `Cow::Borrowed` when `domain` already is its own key, so the
/// common `example.com` does not allocate.
pub fn ascii_domain(domain: &str) -> Option<Cow<'_, str>> {
    // Built lazily: only once a label differs from its input.
    let mut out: Option<String> = None;
    let mut ascii_len = 0usize;
    let mut offset = 0usize;
    for (idx, label) in domain.split('.').enumerate() {
        let key = ascii_label(label)?;
        if key.is_empty() || key.len() > MAX_LABEL_LEN {
            return None;
        }
        ascii_len = ascii_len
            .checked_add(key.len())?
            .checked_add(usize::from(idx > 0))?;
        if ascii_len > MAX_DOMAIN_LEN {
            return None;
        }
        match (&mut out, key) {
            (Some(s), key) => {
                s.push('.');
                s.push_str(&key);
            }
            (None, Cow::Borrowed(_)) => {}
            (None, Cow::Owned(key)) => {
                // Every earlier label was unchanged, so copy them verbatim.
                let mut s = String::with_capacity(MAX_DOMAIN_LEN);
                s.push_str(domain.get(..offset)?);
                s.push_str(&key);
                out = Some(s);
            }
        }
        offset = offset.checked_add(label.len())?.checked_add(1)?;
    }
    Some(match out {
        Some(s) => Cow::Owned(s),
        None => Cow::Borrowed(domain),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3492 section 7.1 samples (plus two well-known labels).
    const SAMPLES: &[(&str, &str)] = &[
        ("b\u{FC}cher", "bcher-kva"),
        ("m\u{FC}nchen", "mnchen-3ya"),
        // (A) Arabic (Egyptian)
        (
            "\u{644}\u{64A}\u{647}\u{645}\u{627}\u{628}\u{62A}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64A}\u{61F}",
            "egbpdaj6bu4bxfgehfvwxn",
        ),
        // (B) Chinese (simplified)
        ("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"),
        // (C) Chinese (traditional)
        (
            "\u{4ED6}\u{5011}\u{7232}\u{4EC0}\u{9EBD}\u{4E0D}\u{8AAA}\u{4E2D}\u{6587}",
            "ihqwctvzc91f659drss3x8bo0yb",
        ),
        // (D) Czech
        (
            "Pro\u{10D}prost\u{11B}nemluv\u{ED}\u{10D}esky",
            "Proprostnemluvesky-uyb24dma41a",
        ),
        // (I) Russian
        (
            "почемужеонинеговорятпорусски",
            "b1abfaaepdrnnbgefbadotcwatmq2g4l",
        ),
        // (J) Spanish
        (
            "Porqu\u{E9}nopuedensimplementehablarenEspa\u{F1}ol",
            "PorqunopuedensimplementehablarenEspaol-fmd56a",
        ),
        // (K) Vietnamese
        (
            "T\u{1EA1}isaoh\u{1ECD}kh\u{F4}ngth\u{1EC3}ch\u{1EC9}n\u{F3}iti\u{1EBF}ngVi\u{1EC7}t",
            "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g",
        ),
        // (L)
        ("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"),
        // (M)
        (
            "安室奈美恵-with-SUPER-MONKEYS",
            "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n",
        ),
        // (N)
        (
            "Hello-Another-Way-それぞれの場所",
            "Hello-Another-Way--fc4qua05auwb3674vfr0b",
        ),
        // (O)
        ("ひとつ屋根の下2", "2-u9tlzr9756bt3uc0v"),
        // (P)
        ("MajiでKoiする5秒前", "MajiKoi5-783gue6qz075azm5e"),
        // (Q)
        ("パフィーdeルンバ", "de-jg4avhby1noc0d"),
        // (R)
        ("そのスピードで", "d9juau41awczczp"),
        // (S)
        ("-> $1.00 <-", "-> $1.00 <--"),
    ];

    #[test]
    fn rfc3492_samples_encode() {
        for (unicode, puny) in SAMPLES {
            assert_eq!(
                punycode_encode(unicode).as_deref(),
                Some(*puny),
                "{unicode}"
            );
        }
    }

    #[test]
    fn rfc3492_samples_decode() {
        for (unicode, puny) in SAMPLES {
            assert_eq!(punycode_decode(puny).as_deref(), Some(*unicode), "{puny}");
        }
    }

    #[test]
    fn decode_digits_are_case_insensitive() {
        // The RFC's mixed-case annotation of sample (I).
        assert_eq!(
            punycode_decode("b1abfaaepdrnnbgefbaDotcwatmq2g4l").as_deref(),
            Some("почемужеонинеговорятпорусски")
        );
        assert_eq!(punycode_decode("BCHER-KVA").as_deref(), Some("BüCHER"));
    }

    #[test]
    fn ascii_only_encoding() {
        assert_eq!(punycode_encode("").as_deref(), Some(""));
        assert_eq!(punycode_encode("abc").as_deref(), Some("abc-"));
        assert_eq!(punycode_encode("a-b").as_deref(), Some("a-b-"));
        assert_eq!(punycode_decode("abc-").as_deref(), Some("abc"));
    }

    #[test]
    fn decode_rejects_invalid() {
        assert_eq!(punycode_decode("bücher"), None); // non-ASCII
        assert_eq!(punycode_decode("bcher-kv!"), None); // bad digit
        assert_eq!(punycode_decode("zz"), None); // truncated number
        assert_eq!(punycode_decode("99999999999"), None); // overflow
                                                          // Well-formed Bootstring for a lone surrogate must still be rejected.
        let surrogate = encode_code_points(&[0xD800]).unwrap();
        assert_eq!(punycode_decode(&surrogate), None);
        let above_max = encode_code_points(&[0x11_0000]).unwrap();
        assert_eq!(punycode_decode(&above_max), None);
        let edge = encode_code_points(&[0xD7FF, 0xE000]).unwrap();
        assert_eq!(punycode_decode(&edge).as_deref(), Some("\u{D7FF}\u{E000}"));
    }

    #[test]
    fn encode_overflow_is_none() {
        // delta = (0x10FFFF - 0x80) * (5000 + 1) exceeds u32::MAX.
        let mut s = "a".repeat(5000);
        s.push('\u{10FFFF}');
        assert_eq!(punycode_encode(&s), None);
    }

    /// Tiny deterministic xorshift64 so tests need no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn char(&mut self) -> char {
            let cp = match self.below(6) {
                0 => 0x20 + self.below(0x5F) as u32,
                1 => 0x80 + self.below(0x780) as u32,
                2 => 0x3040 + self.below(0x200) as u32,
                3 => 0x4E00 + self.below(0x5200) as u32,
                4 => 0xE000 + self.below(0x2000) as u32,
                _ => 0x10000 + self.below(0x100000) as u32,
            };
            char::from_u32(cp).unwrap_or('?')
        }

        fn string(&mut self, max_len: u64) -> String {
            let len = self.below(max_len + 1);
            (0..len).map(|_| self.char()).collect()
        }
    }

    #[test]
    fn round_trip_generated_strings() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5000 {
            let s = rng.string(24);
            let encoded = punycode_encode(&s).expect("short strings cannot overflow");
            assert!(encoded.is_ascii());
            assert_eq!(
                punycode_decode(&encoded).as_deref(),
                Some(s.as_str()),
                "{encoded}"
            );
        }
    }

    #[test]
    fn random_ascii_never_panics() {
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        let alphabet = b"abcxyzABCXYZ0189--..!~ ";
        for _ in 0..20000 {
            let len = rng.below(40) as usize;
            let s: String = (0..len)
                .map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize]))
                .collect();
            let _ = punycode_decode(&s);
            let _ = ascii_domain(&s);
            let _ = ascii_domain(&format!("xn--{s}.example"));
            let _ = label_has_bad_hyphen(&s);
        }
    }

    #[test]
    fn random_unicode_domains_never_panic() {
        let mut rng = Rng(42);
        for _ in 0..5000 {
            let mut s = rng.string(30);
            if rng.below(2) == 0 {
                s.push_str(".Example");
            }
            if let Some(key) = ascii_domain(&s) {
                assert!(key.is_ascii());
                assert!(!key.bytes().any(|b| b.is_ascii_uppercase()));
                // A key is its own key.
                assert_eq!(ascii_domain(&key).as_deref(), Some(&*key));
            }
        }
    }

    #[test]
    fn ascii_domain_examples() {
        assert_eq!(
            ascii_domain("Bücher.Example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            ascii_domain("XN--BCHER-KVA.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            ascii_domain("bücher.example"),
            ascii_domain("xn--bcher-kva.example")
        );
        assert_eq!(
            ascii_domain("sub.MÜNCHEN.de").as_deref(),
            Some("sub.xn--mnchen-3ya.de")
        );
        assert!(matches!(
            ascii_domain("example.com"),
            Some(Cow::Borrowed("example.com"))
        ));
        assert!(matches!(
            ascii_domain("xn--bcher-kva.example"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(ascii_domain("Example.com"), Some(Cow::Owned(_))));
    }

    #[test]
    fn ascii_domain_rejects() {
        assert_eq!(ascii_domain("xn--zz.example"), None); // undecodable
        assert_eq!(ascii_domain("xn--abc-.example"), None); // decodes to ASCII
        assert_eq!(ascii_domain("xn--.example"), None); // empty payload
        assert_eq!(ascii_domain("a..b"), None);
        assert_eq!(ascii_domain(""), None);
        assert_eq!(ascii_domain("example.com."), None);
        assert_eq!(ascii_domain(".example.com"), None);
        assert_eq!(ascii_domain("xn--bücher.example"), None);
        // Non-canonical: a leading delimiter with no basic code points
        // decodes like "tda" (ü), but only "tda" is what the encoder emits.
        assert_eq!(punycode_decode("-tda").as_deref(), Some("\u{FC}"));
        assert!(ascii_domain("xn--tda.example").is_some());
        assert_eq!(ascii_domain("xn---tda.example"), None);
    }

    #[test]
    fn ascii_domain_length_limits() {
        let label63 = "a".repeat(63);
        assert!(ascii_domain(&label63).is_some());
        assert_eq!(ascii_domain(&"a".repeat(64)), None);
        // 59 bytes of Unicode become "xn--" + 58 + "-" + 3 digits = 66 bytes.
        assert_eq!(ascii_domain(&format!("{}ü", "a".repeat(58))), None);
        let parts = [label63.as_str(); 4].join("."); // 255 bytes
        assert_eq!(ascii_domain(&parts), None);
        let label61 = "a".repeat(61);
        let ok = [label63.as_str(), &label63, &label63, &label61].join(".");
        assert_eq!(ok.len(), 253);
        assert!(matches!(ascii_domain(&ok), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn ascii_domain_folds_case_inside_a_labels() {
        // "BÜcher" encoded with its capitals gets the same key as "bücher".
        let upper = punycode_encode("B\u{DC}cher").unwrap();
        assert_eq!(
            ascii_domain(&format!("xn--{upper}.example")).as_deref(),
            Some("xn--bcher-kva.example")
        );
        // KELVIN SIGN lower-cases to ASCII `k`.
        assert_eq!(
            ascii_domain("\u{212A}.example").as_deref(),
            Some("k.example")
        );
    }

    #[test]
    fn bad_hyphen() {
        assert!(label_has_bad_hyphen("-abc"));
        assert!(label_has_bad_hyphen("abc-"));
        assert!(label_has_bad_hyphen("-"));
        assert!(!label_has_bad_hyphen("a-b"));
        assert!(!label_has_bad_hyphen("xn--bcher-kva"));
        assert!(!label_has_bad_hyphen(""));
    }
}
