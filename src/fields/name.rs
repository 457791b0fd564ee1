//! Full names: splitting one cell into Torii's `firstName` / `lastName`.
//!
//! The last word is the last name and the rest the first name, with three
//! refinements: a generational suffix stays with the last name, the
//! "Last, First" form is understood, and a cell that is an email address
//! is not a name at all.
//!
//! ```
//! use stripe_torii_sync::fields::name::split_name;
//!
//! let n = split_name("Martin Luther King Jr.");
//! assert_eq!((n.first.as_deref(), n.last.as_deref()), (Some("Martin Luther"), Some("King Jr.")));
//! let n = split_name("Lovelace, Ada");
//! assert_eq!((n.first.as_deref(), n.last.as_deref()), (Some("Ada"), Some("Lovelace")));
//! ```

use std::borrow::Cow;

use super::email::looks_like_email;

/// Words that stay with the last name ("King Jr.", "Ford II").
const SUFFIXES: &[&str] = &["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"];

/// First and last name, either of which may be absent. Each is a slice of
/// the cell when the cell needs no rewriting (the common case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameParts<'a> {
    /// Everything but the last name, or the single word of a one-word name.
    pub first: Option<Cow<'a, str>>,
    /// The last word (with a suffix such as "Jr." attached).
    pub last: Option<Cow<'a, str>>,
}

/// A first-name or last-name cell: whitespace collapsed, and nothing when it
/// is empty or is an email address. Borrowed when the cell needs no change.
///
/// ```
/// use stripe_torii_sync::fields::name::name_part;
///
/// assert_eq!(name_part(" Ada  Augusta ").as_deref(), Some("Ada Augusta"));
/// assert_eq!(name_part("ada@example.com"), None);
/// assert_eq!(name_part("  "), None);
/// ```
pub fn name_part(cell: &str) -> Option<Cow<'_, str>> {
    let trimmed = cell.trim();
    let part = if is_plain(trimmed) {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    (!part.is_empty() && !looks_like_email(&part)).then_some(part)
}

fn is_suffix(word: &str) -> bool {
    SUFFIXES.iter().any(|s| s.eq_ignore_ascii_case(word))
}

/// Splits a full-name cell. Never returns empty strings.
pub fn split_name(cell: &str) -> NameParts<'_> {
    let trimmed = cell.trim();
    if is_plain(trimmed) {
        return split_plain(trimmed);
    }
    split_last_first(trimmed).unwrap_or_else(|| split_general(cell))
}

/// The "Last, First" form with [`is_plain`] parts, by slicing: what
/// [`split_general`] gives it, without its copies.
fn split_last_first(trimmed: &str) -> Option<NameParts<'_>> {
    let comma = trimmed.bytes().position(|b| b == b',')?;
    let last = trimmed[..comma].trim_end_matches(' ');
    let first = trimmed[comma + 1..].trim_start_matches(' ');
    (is_plain(last) && is_plain(first) && !is_suffix(first)).then_some(NameParts {
        first: Some(Cow::Borrowed(first)),
        last: Some(Cow::Borrowed(last)),
    })
}

/// Any full-name cell: whitespace collapsed, an email is no name, "Last,
/// First" and a suffix after a comma understood.
fn split_general(cell: &str) -> NameParts<'static> {
    let words: Vec<&str> = cell.split_whitespace().collect();
    if words.is_empty() {
        return NameParts::default();
    }
    let collapsed = words.join(" ");
    if looks_like_email(&collapsed) {
        return NameParts::default();
    }
    if let Some((before, after)) = collapsed.split_once(',') {
        let before = before.trim();
        let after = after.trim();
        if is_suffix(after) {
            // "Martin Luther King, Jr." is the suffix form, not "Last, First".
            return split_words(&format!("{before} {after}"));
        }
        if !before.is_empty() && !after.is_empty() {
            return NameParts {
                first: Some(Cow::Owned(after.to_string())),
                last: Some(Cow::Owned(before.to_string())),
            };
        }
        return split_words(&format!("{before} {after}"));
    }
    split_words(&collapsed)
}

/// The common case, worth a fast path: words separated by single spaces,
/// with no other whitespace or control character, no comma (not "Last,
/// First") and no `@` (not an email). Non-ASCII letters are plain too.
fn is_plain(name: &str) -> bool {
    // One table lookup per byte, no branch: a space after a space (or at
    // either end, as `previous` starts and must end as no space) is as bad
    // as a byte of BAD.
    let mut previous = SPACE;
    let (mut bad, mut high) = (0, 0);
    for &b in name.as_bytes() {
        let class = PLAIN_CLASS[usize::from(b)];
        bad |= (class & BAD) | (class & previous & SPACE);
        high |= class;
        previous = class;
    }
    bad == 0
        && previous & SPACE == 0
        && (high & HIGH == 0
            || !name
                .chars()
                .any(|c| !c.is_ascii() && (c.is_whitespace() || c.is_control())))
}

/// Byte classes of [`is_plain`]: the space, what no plain name holds (a
/// comma, `@`, a control character or other ASCII whitespace), and the
/// bytes of non-ASCII characters (checked by character afterwards).
const SPACE: u8 = 1;
const BAD: u8 = 2;
const HIGH: u8 = 4;
const PLAIN_CLASS: [u8; 256] = {
    let mut class = [BAD; 256];
    let mut b = 0x21;
    while b < 0x7f {
        class[b] = 0;
        b += 1;
    }
    class[b' ' as usize] = SPACE;
    class[b',' as usize] = BAD;
    class[b'@' as usize] = BAD;
    let mut b = 0x80;
    while b < 0x100 {
        class[b] = HIGH;
        b += 1;
    }
    class
};

/// [`split_words`] on an [`is_plain`] name, by slicing.
fn split_plain(name: &str) -> NameParts<'_> {
    // A byte search: `str::rfind` costs several times more on names this short.
    let last_space = |text: &str| text.bytes().rposition(|b| b == b' ');
    let Some(space) = last_space(name) else {
        return NameParts {
            first: Some(Cow::Borrowed(name)),
            last: None,
        };
    };
    let (head, last_word) = (&name[..space], &name[space + 1..]);
    let split_at = match last_space(head) {
        Some(before) if is_suffix(last_word) => before,
        _ => space,
    };
    NameParts {
        first: Some(Cow::Borrowed(&name[..split_at])),
        last: Some(Cow::Borrowed(&name[split_at + 1..])),
    }
}

/// Splits whitespace-separated words: the last (plus a suffix) is the last name.
fn split_words(text: &str) -> NameParts<'static> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let last_len = if words.len() >= 3 && is_suffix(words[words.len() - 1]) {
        2
    } else {
        1
    };
    match words.len() {
        0 => NameParts::default(),
        1 => NameParts {
            first: Some(Cow::Owned(words[0].to_string())),
            last: None,
        },
        n => NameParts {
            first: Some(Cow::Owned(words[..n - last_len].join(" "))),
            last: Some(Cow::Owned(words[n - last_len..].join(" "))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_general_one() {
        for name in [
            "Ada",
            "Ada Lovelace",
            "Martin Luther King Jr.",
            "Ford II",
            "Jr.",
            "Ada Jr",
            "A B C D",
            "x y",
        ] {
            assert!(is_plain(name));
            assert_eq!(split_plain(name), split_words(name), "{name}");
        }
        for name in ["Zoë Smith", "José de la Cruz", "Søren"] {
            assert!(is_plain(name));
            assert_eq!(split_plain(name), split_words(name), "{name}");
        }
        for name in ["Lovelace, Ada", "de la Cruz,José", "Ødegaard ,  Radia Q"] {
            let fast = split_last_first(name);
            assert!(fast.is_some(), "{name}");
            assert_eq!(fast, Some(split_general(name)), "{name}");
        }
        for name in [
            "King, Jr.",
            "Lovelace,",
            ", Ada",
            "a, b, c",
            "Lovelace,\tAda",
            "Lovelace , Ada  B",
            "ada@example.com, x",
        ] {
            assert_eq!(split_last_first(name), None, "{name}");
        }
        for name in [
            "Lovelace, Ada",
            "ada@example.com",
            "Ada  Lovelace",
            "Ada\tLovelace",
            "Zoë\u{a0}Smith",
            "Ada ",
            "",
        ] {
            assert!(!is_plain(name), "{name}");
        }
    }

    /// [`is_plain`] as first written, byte by byte with branches.
    fn is_plain_reference(name: &str) -> bool {
        let mut previous = b' ';
        let plain = name.bytes().all(|b| {
            let ok = match b {
                b' ' => previous != b' ',
                b',' | b'@' => false,
                0x80.. => true,
                _ => b.is_ascii_graphic(),
            };
            previous = b;
            ok
        });
        plain
            && previous != b' '
            && !name
                .chars()
                .any(|c| !c.is_ascii() && (c.is_whitespace() || c.is_control()))
    }

    #[test]
    fn the_plain_test_agrees_with_its_reference_on_every_short_text() {
        let alphabet = [
            "a", " ", ",", "@", "\t", "\u{7f}", "\u{1}", "é", "\u{a0}", "\u{85}", "~",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            assert_eq!(is_plain(text), is_plain_reference(text), "{text:?}");
        }
    }

    fn parts(cell: &str) -> (Option<&'static str>, Option<&'static str>) {
        let n = split_name(cell);
        (
            n.first
                .map(|s| &*Box::leak(s.into_owned().into_boxed_str())),
            n.last.map(|s| &*Box::leak(s.into_owned().into_boxed_str())),
        )
    }

    #[test]
    fn splits_names() {
        assert_eq!(parts("Ada Lovelace"), (Some("Ada"), Some("Lovelace")));
        assert_eq!(
            parts("  Grace \t Brewster\nHopper "),
            (Some("Grace Brewster"), Some("Hopper"))
        );
        assert_eq!(
            parts("Martin Luther King Jr."),
            (Some("Martin Luther"), Some("King Jr."))
        );
        assert_eq!(
            parts("Martin Luther King, Jr."),
            (Some("Martin Luther"), Some("King Jr."))
        );
        assert_eq!(parts("Henry Ford II"), (Some("Henry"), Some("Ford II")));
        assert_eq!(parts("John Smith sr"), (Some("John"), Some("Smith sr")));
        assert_eq!(parts("Sammy Jr."), (Some("Sammy"), Some("Jr.")));
        assert_eq!(parts("Lovelace, Ada"), (Some("Ada"), Some("Lovelace")));
        assert_eq!(
            parts("Lovelace,Ada Augusta"),
            (Some("Ada Augusta"), Some("Lovelace"))
        );
        assert_eq!(parts("Cher"), (Some("Cher"), None));
        assert_eq!(parts("Cher,"), (Some("Cher"), None));
        assert_eq!(parts(",Cher"), (Some("Cher"), None));
        assert_eq!(parts(""), (None, None));
        assert_eq!(parts("   "), (None, None));
        assert_eq!(parts("ada@example.com"), (None, None));
        assert_eq!(parts("José Álvarez"), (Some("José"), Some("Álvarez")));
    }
}
