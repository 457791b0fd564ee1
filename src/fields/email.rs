//! Email addresses: normalising and validating the key of every user.
//!
//! Validation is shape-only (`local@domain.tld`): Torii needs a key that
//! looks like an address, not RFC 5322 compliance. Pasted decorations (a
//! `mailto:` prefix, surrounding `<…>` or quotes, a name before it, a
//! spreadsheet's leading apostrophe) and invisible
//! format characters (zero-width spaces, direction marks, soft hyphens) are
//! removed first, and a full-width `＠` is read as `@`.
//!
//! Two spellings of one mailbox share a key ([`Email::key`]): the key lower-cases
//! the address and writes an internationalised domain in its ASCII
//! ("punycode") form, so `ada@bücher.example` and
//! `ada@xn--bcher-kva.example` are one user. The address exported is the
//! spelling the file used first.
//!
//! ```
//! use stripe_torii_sync::fields::email::{normalize_email, EmailProblem};
//!
//! assert_eq!(normalize_email("  Ada@Example.COM ").unwrap().address, "ada@example.com");
//! assert_eq!(normalize_email("<mailto:ada@example.com>").unwrap().address, "ada@example.com");
//! assert_eq!(normalize_email("ada\u{200b}@example.com").unwrap().address, "ada@example.com");
//! assert_eq!(
//!     normalize_email("Ada@Bücher.example").unwrap().key(),
//!     normalize_email("ada@xn--bcher-kva.example").unwrap().key(),
//! );
//! assert_eq!(normalize_email("").unwrap_err(), EmailProblem::Missing);
//! assert_eq!(normalize_email("ada..l@example.com").unwrap_err(), EmailProblem::Invalid);
//! ```

use std::borrow::Cow;

use super::idna::{ascii_domain, label_has_bad_hyphen};
use crate::text::{fold, is_invisible, is_trimmed_ascii};

/// Why an email cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailProblem {
    /// The cell is empty (after trimming).
    Missing,
    /// The cell is not `local@domain.tld`.
    Invalid,
}

/// A normalised address and the key it is compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email<'a> {
    /// Trimmed, unwrapped, without invisible characters, lower-cased: the
    /// address as exported.
    pub address: Cow<'a, str>,
    /// The address with its domain in ASCII form, when that differs from
    /// [`Email::address`] (an internationalised domain).
    ascii: Option<String>,
}

impl<'a> Email<'a> {
    /// The comparison key: the address with the domain in ASCII form.
    pub fn key(&self) -> &str {
        self.ascii.as_deref().unwrap_or(&self.address)
    }

    /// The address, and the key when it differs from the address.
    pub fn into_parts(self) -> (Cow<'a, str>, Option<String>) {
        (self.address, self.ascii)
    }
}

/// Normalises and validates an email cell.
pub fn normalize_email(cell: &str) -> Result<Email<'_>, EmailProblem> {
    match plain_ascii(cell) {
        Some(result) => result,
        None => normalize_any(cell),
    }
}

/// The common case in one pass over the bytes: an ASCII address with no
/// decoration and no `xn--` label. `None` hands the cell to the general
/// path, which gives the same answer for everything this accepts or
/// rejects (a property test checks that).
fn plain_ascii(cell: &str) -> Option<Result<Email<'_>, EmailProblem>> {
    let bytes = cell.as_bytes();
    // Trimmed as the general path's `str::trim` trims ASCII.
    let (mut start, mut end) = (0, bytes.len());
    while start < end && is_trimmed_ascii(bytes[start]) {
        start += 1;
    }
    while end > start && is_trimmed_ascii(bytes[end - 1]) {
        end -= 1;
    }
    let text = &bytes[start..end];
    if text.first() == Some(&b'\'') {
        return None; // a spreadsheet's text mark, which the general path removes
    }
    let mailto = |text: &[u8]| text.len() >= 7 && text[..7].eq_ignore_ascii_case(b"mailto:");
    // The local part, up to the first `@`. `pairs` collects what two bytes
    // in a row share (`..`), `prev` starts as a dot so a leading dot counts.
    let (mut local_class, mut pairs, mut prev) = (0, 0, CLASS[usize::from(b'.')]);
    let mut at = 0;
    while at < text.len() && text[at] != b'@' {
        let class = CLASS[usize::from(text[at])];
        local_class |= class;
        pairs |= prev & class;
        prev = class;
        at += 1;
    }
    if at == text.len() {
        return if text.is_empty() || mailto(text) || !text.is_ascii() || text.contains(&b'<') {
            None
        } else {
            Some(Err(EmailProblem::Invalid))
        };
    }
    let local_dots = (pairs | prev) & DOT;
    // The domain: `edges` collects a dot or hyphen right after a dot or
    // hyphen (`..`, `-.`, `.-`, `--`), the `@` and the end counting as dots.
    let domain = &text[at + 1..];
    let (mut domain_class, mut edges, mut prev) = (0, 0, CLASS[usize::from(b'.')]);
    for &b in domain {
        let class = CLASS[usize::from(b)];
        domain_class |= class;
        edges |= (prev >> 2) & class;
        prev = class;
    }
    edges |= prev >> 2;
    let class = local_class | domain_class;
    // What the general path cleans up goes there before any verdict here.
    // `mailto:` has a colon, which is not in most local parts.
    if class & GENERAL != 0 || (local_class & NOT_HOST != 0 && mailto(text)) {
        return None;
    }
    if class & SPACE != 0 || domain_class & NOT_HOST != 0 || edges & DOT != 0 || local_dots != 0 {
        return Some(Err(EmailProblem::Invalid));
    }
    // Empty labels and hyphens before a dot are out. A hyphen after a dot
    // or a hyphen (`xn--`, `a--b`, or a label starting with one), or a
    // domain long enough for a label over 63 bytes: the labels one by one.
    if edges & HYPHEN != 0 || domain.len() > 63 {
        let mut long = false;
        for label in domain.split(|&b| b == b'.') {
            if label.len() >= 4 && label[..4].eq_ignore_ascii_case(b"xn--") {
                return None;
            }
            if label.first() == Some(&b'-') {
                return Some(Err(EmailProblem::Invalid));
            }
            long |= label.len() > 63;
        }
        if long {
            return Some(Err(EmailProblem::Invalid));
        }
    }
    let tld = domain
        .iter()
        .rposition(|&b| b == b'.')
        .map(|dot| &domain[dot + 1..]);
    let tld_ok = tld.is_some_and(|tld| tld.len() >= 2 && !tld.iter().all(u8::is_ascii_digit));
    if !tld_ok || domain.len() > 253 {
        return Some(Err(EmailProblem::Invalid));
    }
    // Slicing checks char boundaries; most cells have nothing to trim.
    let text = if start == 0 && end == cell.len() {
        cell
    } else {
        &cell[start..end]
    };
    let address = if class & UPPER != 0 {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    };
    Some(Ok(Email {
        address,
        ascii: None,
    }))
}

/// Byte classes of [`plain_ascii`]: what sends a cell to the general path
/// (non-ASCII, `<`, `>`, `"`), makes it invalid anywhere (whitespace, control,
/// a second `@`), cannot be in a host name, or is upper case; and the dot
/// and the hyphen. These two also carry `EDGE`, which shifted right by two
/// is `DOT | HYPHEN`: what a domain is checked for right after them.
const GENERAL: u8 = 1;
const SPACE: u8 = 2;
const NOT_HOST: u8 = 4;
const UPPER: u8 = 8;
const DOT: u8 = 16;
const HYPHEN: u8 = 32;
const EDGE: u8 = (DOT | HYPHEN) << 2;
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        class[b] = if byte >= 0x80 || matches!(byte, b'<' | b'>' | b'"') {
            GENERAL
        } else if byte <= b' ' || byte == 0x7f || byte == b'@' {
            SPACE
        } else if byte.is_ascii_uppercase() {
            UPPER
        } else if byte == b'.' {
            DOT | EDGE
        } else if byte == b'-' {
            HYPHEN | EDGE
        } else if byte.is_ascii_lowercase() || byte.is_ascii_digit() {
            0
        } else {
            NOT_HOST
        };
        b += 1;
    }
    class
};

fn normalize_any(cell: &str) -> Result<Email<'_>, EmailProblem> {
    let trimmed = cleaned(cell);
    if trimmed.is_empty() {
        return Err(EmailProblem::Missing);
    }
    let address = match trimmed {
        Cow::Borrowed(s) => fold(s),
        Cow::Owned(s) => Cow::Owned(fold(&s).into_owned()),
    };
    let (local, domain) = shape(&address).ok_or(EmailProblem::Invalid)?;
    let ascii = host_name(domain).ok_or(EmailProblem::Invalid)?;
    let ascii = match ascii {
        Cow::Borrowed(_) => None,
        Cow::Owned(ascii) => Some(format!("{local}@{ascii}")),
    };
    Ok(Email { address, ascii })
}

/// True when the trimmed cell has the shape of an email (used to tell a
/// header row from a data row, a name that is really an email, and a line
/// that is a row of its own).
pub fn looks_like_email(cell: &str) -> bool {
    shape(&cleaned(cell)).is_some_and(|(_, domain)| host_name(&fold(domain)).is_some())
}

/// The cell trimmed, unwrapped (twice: invisible characters may hide the
/// wrapping), without invisible characters, and with a full-width at sign
/// (U+FF20, as an East Asian input method types it) read as `@` when it is
/// the only at sign: no address holds one, and the person meant `@`.
fn cleaned(cell: &str) -> Cow<'_, str> {
    let cleaned = match without_invisibles(unwrap_pasted(cell.trim())) {
        Cow::Borrowed(s) => Cow::Borrowed(unwrap_pasted(s.trim())),
        Cow::Owned(s) => Cow::Owned(unwrap_pasted(s.trim()).to_string()),
    };
    if cleaned.is_ascii() || cleaned.contains('@') || !cleaned.contains('\u{ff20}') {
        return cleaned;
    }
    Cow::Owned(cleaned.replace('\u{ff20}', "@"))
}

/// The ASCII form of a domain when it is a host name: every label of that
/// form is letters, digits and hyphens (an internationalised label is
/// checked in its punycode form). A domain with an ideographic or
/// full-width dot is none: IDNA reads those as label separators, so
/// `example.com．` is `example.com.`, not a label `com．` of its own.
pub(crate) fn host_name(domain: &str) -> Option<Cow<'_, str>> {
    if !domain.is_ascii() && domain.contains(['\u{3002}', '\u{ff0e}', '\u{ff61}']) {
        return None;
    }
    let ascii = ascii_domain(domain)?;
    ascii
        .split('.')
        .all(|label| {
            label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .then_some(ascii)
}

/// The domain part of a normalised email (`a@b.com` → `b.com`).
pub fn domain_of(email: &str) -> &str {
    // A byte search (`@` is ASCII): `rsplit_once` costs several times more
    // on text this short, and this runs for every row.
    email
        .bytes()
        .rposition(|b| b == b'@')
        .map_or("", |at| &email[at + 1..])
}

/// Removes a leading apostrophe, surrounding quotes, `<…>` and a `mailto:`
/// prefix, as found in pasted addresses,
/// and the name before `<…>` in a mail client's `Name <address>`, unless
/// that holds an at sign: of two addresses, which one is the user's is not
/// for this to guess.
fn unwrap_pasted(s: &str) -> &str {
    // A leading apostrophe is a spreadsheet's mark for "text, not a
    // formula", kept by a copy from the formula bar; with one at the end
    // too, the address was put in single quotes.
    let s = match s.strip_prefix('\'') {
        Some(rest) => rest.strip_suffix('\'').unwrap_or(rest).trim(),
        None => s,
    };
    let s = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map_or(s, str::trim);
    let s = match s.strip_suffix('>').and_then(|s| s.rsplit_once('<')) {
        Some((name, address)) if !name.contains(['@', '\u{ff20}']) => address,
        _ => s,
    };
    match s.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    }
}

fn without_invisibles(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(is_invisible) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| !is_invisible(c)).collect())
    }
}

/// Splits `s` into local part and domain when it is `local@domain.tld`:
/// no spaces or control characters, no empty, leading, trailing or doubled
/// dots in the local part, domain labels that are not empty and do not
/// start or end with `-`, and a top-level domain of two or more characters
/// that is not all digits (an IP address is not a mailbox here).
fn shape(s: &str) -> Option<(&str, &str)> {
    let (local, domain) = s.split_once('@')?;
    if local.is_empty() || domain.contains('@') {
        return None;
    }
    let spaced = if s.is_ascii() {
        s.bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    } else {
        s.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if spaced || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return None;
    }
    let tld = domain.rsplit('.').next()?;
    let labels_ok = domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !label_has_bad_hyphen(l));
    (labels_ok && tld.chars().count() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()))
        .then_some((local, domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ideographic_or_full_width_dot_is_no_label_of_its_own() {
        // IDNA reads these as dots: "example.com．" is "example.com." with
        // a trailing dot, refused like it, not a second user with a
        // punycoded "com．" label.
        for cell in [
            "d@example.com\u{ff0e}",
            "d@example\u{3002}com",
            "d@example.com\u{ff61}",
        ] {
            assert_eq!(normalize_email(cell), Err(EmailProblem::Invalid), "{cell}");
            assert!(!looks_like_email(cell), "{cell}");
        }
    }

    fn address(cell: &str) -> Result<String, EmailProblem> {
        normalize_email(cell).map(|e| e.address.into_owned())
    }

    #[test]
    fn valid_addresses_are_trimmed_and_lowercased() {
        for (cell, want) in [
            ("ada@example.com", "ada@example.com"),
            ("  ADA@Example.Com\t", "ada@example.com"),
            (
                "first.last+tag@sub.example.co.uk",
                "first.last+tag@sub.example.co.uk",
            ),
            ("MAILTO:ada@example.com", "ada@example.com"),
            ("<ada@example.com>", "ada@example.com"),
            ("ÉLODIE@exemple.fr", "élodie@exemple.fr"),
            ("\u{feff}ada@example.com\u{200b}", "ada@example.com"),
            ("\u{b}ada@example.com\u{b}", "ada@example.com"),
            ("a\u{00ad}da@exa\u{200d}mple.com", "ada@example.com"),
            ("<\u{200e}ada@example.com>", "ada@example.com"),
            // A mail client's "Name <address>": the address.
            ("Ada Lovelace <Ada@Example.com>", "ada@example.com"),
            (
                "\"Lovelace, Ada\"<mailto:ada@example.com> ",
                "ada@example.com",
            ),
            ("Ada <ada@bücher.example>", "ada@bücher.example"),
            // A full-width at sign, as a Japanese or Chinese IME types it,
            // when it is the only one.
            ("ada\u{ff20}example.com", "ada@example.com"),
            ("<ADA\u{ff20}example.com>", "ada@example.com"),
            // Quoted by hand, or by a tool that quoted an already quoted
            // CSV cell.
            ("\"ada@example.com\"", "ada@example.com"),
            (" \"<ada@example.com>\" ", "ada@example.com"),
            ("a\"b@example.com", "a\"b@example.com"),
            // A spreadsheet's leading apostrophe ("text, not a formula"),
            // or an address in single quotes; one inside is the address's.
            ("'ada@example.com", "ada@example.com"),
            (" 'Ada@Example.com' ", "ada@example.com"),
            ("'<ada@example.com>", "ada@example.com"),
            ("o'brien@example.com", "o'brien@example.com"),
            ("ada'@example.com", "ada'@example.com"),
        ] {
            assert_eq!(address(cell).as_deref(), Ok(want), "{cell}");
        }
    }

    #[test]
    fn shapes_that_are_not_local_at_domain_tld_are_invalid() {
        for cell in [
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a@b@example.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@example.com.",
            "ada@example.c",
            "ada@10.0.0.1",
            "ada lovelace@example.com",
            "ada@exa\u{0}mple.com",
            "ada..lovelace@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@mail.-x.com",
            "ada@xn--zz.example",
            "ada@exa_mple.com",
            "ada@<x>.com",
            "ada@b\"c.com",
            "Email",
            // Two addresses: which is the user's is not for us to guess.
            "bob@example.com <ada@example.com>",
            "bob\u{ff20}example.com <ada@example.com>",
            "Ada <ada@example.com> x",
            "ada\u{ff20}\u{ff20}example.com",
            "ada\u{ff20}b@@example.com",
        ] {
            assert_eq!(address(cell), Err(EmailProblem::Invalid), "{cell}");
        }
        assert_eq!(address("   "), Err(EmailProblem::Missing));
        assert_eq!(address("\u{b}"), Err(EmailProblem::Missing));
        assert_eq!(address("<>"), Err(EmailProblem::Missing));
        assert_eq!(address("\u{200b}"), Err(EmailProblem::Missing));
    }

    #[test]
    fn an_internationalised_domain_and_its_ascii_form_share_a_key() {
        let unicode = normalize_email("Ada@Bücher.Example").unwrap();
        let ascii = normalize_email("ADA@XN--BCHER-KVA.example").unwrap();
        assert_eq!(unicode.address, "ada@bücher.example");
        assert_eq!(ascii.address, "ada@xn--bcher-kva.example");
        assert_eq!(unicode.key(), ascii.key());
        assert_eq!(unicode.key(), "ada@xn--bcher-kva.example");
        let plain = normalize_email("ada@example.com").unwrap();
        assert!(matches!(plain.address, Cow::Borrowed(_)));
        assert_eq!(plain.key(), "ada@example.com");
    }

    /// The one-pass path agrees with the general one on whatever it decides,
    /// and decides the common addresses itself.
    #[test]
    fn the_fast_path_agrees_with_the_general_one() {
        for (cell, decided) in [
            (" Ada.Lovelace@Example.COM ", Ok("ada.lovelace@example.com")),
            ("ada@eu.example.com", Ok("ada@eu.example.com")),
            ("ada@example", Err(EmailProblem::Invalid)),
            ("ada..l@example.com", Err(EmailProblem::Invalid)),
            ("ada@-x.example.com", Err(EmailProblem::Invalid)),
            ("ada@example.123", Err(EmailProblem::Invalid)),
            ("Email", Err(EmailProblem::Invalid)),
            ("-ada-.x.-y-@example.com", Ok("-ada-.x.-y-@example.com")),
            ("mail:to@ex--ample.com", Ok("mail:to@ex--ample.com")),
            (".ada@example.com", Err(EmailProblem::Invalid)),
            ("ada.@example.com", Err(EmailProblem::Invalid)),
            ("@example.com", Err(EmailProblem::Invalid)),
            ("ada@example.com.", Err(EmailProblem::Invalid)),
            ("ada@example.com-", Err(EmailProblem::Invalid)),
            ("ada@example-.com", Err(EmailProblem::Invalid)),
            ("ada@example.-com", Err(EmailProblem::Invalid)),
            ("ada@ex_ample.com", Err(EmailProblem::Invalid)),
            ("a@b@example.com", Err(EmailProblem::Invalid)),
        ] {
            let fast = plain_ascii(cell).map(|r| r.map(|e| e.address.into_owned()));
            assert_eq!(fast, Some(decided.map(String::from)), "{cell:?}");
        }
        for undecided in [
            "ada@xn--bcher-kva.example",
            "<ada@example.com>",
            "\"ada@example.com\"",
            "mailto:ada@example.com",
            "MailTo:ada@example.com",
            "ada@eu.XN--bcher-kva.example",
            "ada@b\u{fc}cher.example",
            "'ada@example.com",
        ] {
            assert_eq!(plain_ascii(undecided), None, "{undecided:?}");
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"aZ0.-@_ \t<>xn-:m\"'";
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 14) as usize;
            let cell: String = (0..len)
                .map(|i| {
                    char::from(alphabet[((state >> (i * 4)) % alphabet.len() as u64) as usize])
                })
                .collect();
            let cell = format!("{cell}@ex.com").replace("@@", "@");
            // A label of 56 to 69 bytes, around the 63 allowed.
            let long = cell.replace("ex.", &format!("{}.", "e".repeat(56 + len)));
            let tabbed = format!("\u{b}{cell}\u{b}");
            for candidate in [cell.as_str(), &cell[..cell.len() / 2], &long, &tabbed] {
                if let Some(fast) = plain_ascii(candidate) {
                    assert_eq!(fast, normalize_any(candidate), "{candidate:?}");
                }
            }
        }
    }

    #[test]
    fn shape_checks_and_domains() {
        assert!(looks_like_email(" ada@example.com "));
        assert!(looks_like_email("\u{200b}ada@example.com"));
        assert!(looks_like_email("Ada <ada@example.com>"));
        assert!(looks_like_email("ada\u{ff20}example.com"));
        assert!(!looks_like_email("Email address"));
        assert_eq!(domain_of("ada@eu.example.com"), "eu.example.com");
        assert_eq!(domain_of("nodomain"), "");
    }
}
