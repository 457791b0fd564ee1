//! Full names: splitting one cell into Torii's `firstName` / `lastName`.
//!
//! The last word is the last name and the rest the first name, with four
//! refinements: a suffix (a generation, a degree) stays with the last
//! name, so do the particles before it ("van", "de la"), the "Last, First"
//! form is understood (but a title after a whole name, "Ada Lovelace,
//! Countess of Lovelace", is left out, not read as a first name), and a
//! cell that is an email address is not a name at all.
//!
//! ```
//! use stripe_torii_sync::fields::name::split_name;
//!
//! let n = split_name("Martin Luther King Jr.");
//! assert_eq!((n.first.as_deref(), n.last.as_deref()), (Some("Martin Luther"), Some("King Jr.")));
//! let n = split_name("Lovelace, Ada");
//! assert_eq!((n.first.as_deref(), n.last.as_deref()), (Some("Ada"), Some("Lovelace")));
//! let n = split_name("José de la Cruz");
//! assert_eq!((n.first.as_deref(), n.last.as_deref()), (Some("José"), Some("de la Cruz")));
//! ```

use std::borrow::Cow;

use super::email::looks_like_email;
use crate::text::is_invisible;

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
    // Most cells are plain: nothing to trim or collapse, and no `@`, so no
    // email.
    if is_plain(cell) {
        return Some(Cow::Borrowed(cell));
    }
    let trimmed = cell.trim();
    let part = if is_plain(trimmed) {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(words(trimmed).collect::<Vec<_>>().join(" "))
    };
    (!part.is_empty() && !looks_like_email(&part)).then_some(part)
}

/// `word` in ASCII lower case, or `None` when it is longer than five bytes,
/// as no suffix or particle is: most words are out before any comparison.
fn short_lower(word: &str) -> Option<([u8; 5], usize)> {
    let mut lower = [0; 5];
    lower
        .get_mut(..word.len())?
        .copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    Some((lower, word.len()))
}

/// Words that stay with the last name, ignoring ASCII case: generations
/// ("King Jr.", "Ford II") and the common degrees ("Lovelace PhD", also
/// after a comma). Not "MD": "Md" is also a first name, short for Mohammed
/// ("Rahman, Md").
fn is_suffix(word: &str) -> bool {
    short_lower(word).is_some_and(|(lower, len)| {
        matches!(
            &lower[..len],
            b"jr"
                | b"jr."
                | b"sr"
                | b"sr."
                | b"ii"
                | b"iii"
                | b"iv"
                | b"phd"
                | b"ph.d."
                | b"m.d."
                | b"dds"
                | b"esq"
                | b"esq."
                | b"cpa"
                | b"mba"
        )
    })
}

/// Words that begin a last name ("van Rossum", "de la Cruz", "Al Farsi"),
/// ignoring ASCII case. Only the common Dutch, German, French, Italian,
/// Portuguese, Spanish and Arabic ones: each word here is also a rare
/// middle name, and one that is not here only leaves the old split.
fn is_particle(word: &str) -> bool {
    short_lower(word).is_some_and(|(lower, len)| {
        matches!(
            &lower[..len],
            b"al"
                | b"bin"
                | b"da"
                | b"dal"
                | b"das"
                | b"de"
                | b"degli"
                | b"dei"
                | b"del"
                | b"della"
                | b"delle"
                | b"den"
                | b"der"
                | b"des"
                | b"di"
                | b"dos"
                | b"du"
                | b"ibn"
                | b"la"
                | b"le"
                | b"ten"
                | b"ter"
                | b"van"
                | b"von"
                | b"zu"
        )
    })
}

/// Splits a full-name cell. Never returns empty strings.
pub fn split_name(cell: &str) -> NameParts<'_> {
    // Most cells are plain, and a plain cell has nothing to trim.
    if let Some(words) = plain_words(cell) {
        return split_plain(cell, words);
    }
    let trimmed = cell.trim();
    if trimmed.len() < cell.len() {
        if let Some(words) = plain_words(trimmed) {
            return split_plain(trimmed, words);
        }
    }
    split_last_first(trimmed).unwrap_or_else(|| split_general(cell))
}

/// The "Last, First" form with [`is_plain`] parts, by slicing: what
/// [`split_general`] gives it, without its copies.
fn split_last_first(trimmed: &str) -> Option<NameParts<'_>> {
    let comma = trimmed.bytes().position(|b| b == b',')?;
    let last = trimmed[..comma].trim_end_matches(' ');
    let first = trimmed[comma + 1..].trim_start_matches(' ');
    let plain = is_plain(last) && is_plain(first);
    (plain && !is_suffix(first) && !is_title(last, first)).then_some(NameParts {
        first: Some(Cow::Borrowed(first)),
        last: Some(Cow::Borrowed(last)),
    })
}

/// Any full-name cell: whitespace collapsed, an email is no name, "Last,
/// First" and a suffix after a comma understood.
fn split_general(cell: &str) -> NameParts<'static> {
    let words: Vec<&str> = words(cell).collect();
    if words.is_empty() {
        return NameParts::default();
    }
    let collapsed = words.join(" ");
    if looks_like_email(&collapsed) {
        return NameParts::default();
    }
    if let Some((before, after)) = collapsed.split_once(',') {
        let (before, after) = (clean(before), clean(after));
        // The parts after the first comma, of which the suffixes go with
        // the last name wherever they are: "Lovelace, Ada, PhD" and "King,
        // Jr., Martin Luther" alike. An empty part ("Ada,,") is none.
        let (suffixes, names): (Vec<&str>, Vec<&str>) = after
            .split(',')
            .map(clean)
            .filter(|part| !part.is_empty())
            .partition(|part| is_suffix(part));
        if names.is_empty() {
            // "Martin Luther King, Jr." (or ", PhD, MBA") is the suffix
            // form, not "Last, First".
            return split_words(&format!("{before} {}", suffixes.join(" ")));
        }
        if is_title(before, after) {
            return split_words(before);
        }
        if let [first] = names[..] {
            if !before.is_empty() {
                let last = std::iter::once(before).chain(suffixes).collect::<Vec<_>>();
                return NameParts {
                    first: Some(Cow::Owned(first.to_string())),
                    last: Some(Cow::Owned(last.join(" "))),
                };
            }
        }
        if !before.is_empty() {
            return NameParts {
                first: Some(Cow::Owned(after.to_string())),
                last: Some(Cow::Owned(before.to_string())),
            };
        }
        return split_words(&format!("{before} {after}"));
    }
    split_words(&collapsed)
}

/// The words of a name: split at whitespace, each without the invisible
/// characters copy and paste leaves at its edges (a zero-width space, a
/// direction mark), and none left empty by that. Inside a word they stay:
/// a zero-width non-joiner is part of a Persian name.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().map(clean).filter(|w| !w.is_empty())
}

/// `text` without whitespace and invisible characters at its edges.
fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

/// Whether "BEFORE, AFTER" is a name and a title ("Ada Lovelace, Countess
/// of Lovelace"), not "Last, First": the part before is a whole name, two
/// or more words besides particles (a last name is one, as in "de la Cruz,
/// Mary Ann"), and the part after holds a word that joins a title and that
/// no first name is ("of", "the"). Two surnames before a comma ("García
/// Márquez, Gabriel") stay "Last, First".
fn is_title(before: &str, after: &str) -> bool {
    let whole_name = before
        .split_whitespace()
        .filter(|w| !is_particle(w))
        .nth(1)
        .is_some();
    whole_name
        && after.split_whitespace().any(|w| {
            short_lower(w).is_some_and(|(lower, len)| {
                matches!(&lower[..len], b"of" | b"the" | b"and" | b"for" | b"at")
            })
        })
}

/// The common case, worth a fast path: words separated by single spaces,
/// with no other whitespace or control character, no comma (not "Last,
/// First") and no `@` (not an email). Non-ASCII letters are plain too.
fn is_plain(name: &str) -> bool {
    plain_words(name).is_some()
}

/// Where the last word of a plain name starts, and where the word before
/// it does: both 0 in a one-word name, and the second 0 in a two-word name
/// too, as its first word starts there.
type LastWords = (usize, usize);

/// [`is_plain`], with the words [`split_plain`] splits at found in the
/// same pass; `None` when the name is not plain.
fn plain_words(name: &str) -> Option<LastWords> {
    let bytes = name.as_bytes();
    let (mut classes, mut at, mut last) = (0, 0, 0);
    let mut before;
    loop {
        // A word: one table lookup per byte, up to the space or the end.
        let start = at;
        while let Some(&b) = bytes.get(at).filter(|&&b| b != b' ') {
            classes |= PLAIN_CLASS[usize::from(b)];
            at += 1;
        }
        // An empty word is a space at either end, or two in a row.
        if at == start {
            return None;
        }
        (before, last) = (last, start);
        if at == bytes.len() {
            break;
        }
        at += 1;
    }
    let plain = classes & BAD == 0 && (classes & SUSPECT == 0 || !name.chars().any(is_suspect));
    plain.then_some((last, before))
}

/// A character no plain name holds: non-ASCII whitespace, a control or
/// invisible character, or a full-width `＠`, which makes an email.
fn is_suspect(c: char) -> bool {
    !c.is_ascii() && (c.is_whitespace() || c.is_control() || is_invisible(c) || c == '\u{ff20}')
}

/// Byte classes of [`plain_words`]: what no plain name holds (a comma, `@`
/// or an ASCII control character, as all ASCII whitespace is but the
/// space, which ends a word), and the first bytes of every non-ASCII
/// whitespace, control or invisible character (U+0080 to U+00AD, U+061C,
/// U+1680, U+180E, U+2000 to U+206F, U+3000, U+FEFF, U+FFF9 to U+FFFB,
/// U+E0000 to U+E007F) and of `＠`, whose characters are then checked one
/// by one. Other
/// non-ASCII bytes, such as those of "é", are plain at once.
const BAD: u8 = 1;
const SUSPECT: u8 = 2;
const PLAIN_CLASS: [u8; 256] = {
    let mut class = [0; 256];
    let mut b = 0;
    while b < 0x20 {
        class[b] = BAD;
        b += 1;
    }
    class[b',' as usize] = BAD;
    class[b'@' as usize] = BAD;
    class[0x7f] = BAD;
    class[0xc2] = SUSPECT;
    class[0xe1] = SUSPECT;
    class[0xe2] = SUSPECT;
    class[0xe3] = SUSPECT;
    class[0xd8] = SUSPECT;
    class[0xef] = SUSPECT;
    class[0xf3] = SUSPECT;
    class
};

/// [`split_words`] on an [`is_plain`] name, by slicing at its [`LastWords`].
fn split_plain(name: &str, (last, before): LastWords) -> NameParts<'_> {
    if last == 0 {
        return NameParts {
            first: Some(Cow::Borrowed(name)),
            last: None,
        };
    }
    // A suffix takes the word before it along, unless that is the first,
    // and so does a particle.
    let mut start = if before > 0 && is_suffix(&name[last..]) {
        before
    } else {
        last
    };
    // So does every suffix before it ("Lovelace PhD MBA"), but never the
    // first word.
    while start < last && is_suffix(name[start..].split(' ').next().unwrap_or_default()) {
        let word = name.as_bytes()[..start - 1]
            .iter()
            .rposition(|&b| b == b' ')
            .map_or(0, |space| space + 1);
        if word == 0 {
            break;
        }
        start = word;
    }
    // Words are single-space separated, so the word before `start` ends at
    // `start - 1`. Before the last word it starts at `before`, known
    // already: a two-word name, the most common, looks for nothing.
    loop {
        let word = if start == last {
            before
        } else {
            let bytes = &name.as_bytes()[..start - 1];
            bytes
                .iter()
                .rposition(|&b| b == b' ')
                .map_or(0, |space| space + 1)
        };
        // The first word is the first name, whatever it is.
        if word == 0 || !is_particle(&name[word..start - 1]) {
            break;
        }
        start = word;
    }
    NameParts {
        first: Some(Cow::Borrowed(&name[..start - 1])),
        last: Some(Cow::Borrowed(&name[start..])),
    }
}

/// Splits whitespace-separated words: the last (plus its suffixes, and the
/// particles before it) is the last name, but never the first word.
fn split_words(text: &str) -> NameParts<'static> {
    let words: Vec<&str> = text.split_whitespace().collect();
    // Every suffix at the end, and the word before them, but never the
    // first word.
    let mut last_len = 1;
    while last_len + 1 < words.len() && is_suffix(words[words.len() - last_len]) {
        last_len += 1;
    }
    while last_len + 1 < words.len() && is_particle(words[words.len() - last_len - 1]) {
        last_len += 1;
    }
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
            let words = plain_words(name).unwrap();
            assert_eq!(split_plain(name, words), split_words(name), "{name}");
        }
        for name in ["Zoë Smith", "José de la Cruz", "Søren"] {
            let words = plain_words(name).unwrap();
            assert_eq!(split_plain(name, words), split_words(name), "{name}");
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
            && !name.chars().any(|c| {
                !c.is_ascii()
                    && (c.is_whitespace() || c.is_control() || is_invisible(c) || c == '\u{ff20}')
            })
    }

    #[test]
    fn the_plain_test_agrees_with_its_reference_on_every_short_text() {
        let alphabet = [
            "a",
            " ",
            ",",
            "@",
            "\t",
            "\u{7f}",
            "\u{1}",
            "é",
            "\u{a0}",
            "\u{85}",
            "~",
            "\u{9f}",
            "\u{3000}",
            "\u{1680}",
            "\u{2019}",
            "\u{1ea1}",
            "\u{200b}",
            "\u{feff}",
            "\u{200c}",
            "\u{ad}",
            "\u{61c}",
            "\u{e0041}",
            "\u{ff20}",
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
            if let Some(words) = plain_words(text) {
                assert_eq!(words, last_words_reference(text), "{text:?}");
            }
            assert_eq!(split_name(text), split_general(text), "{text:?}");
            assert_eq!(name_part(text), name_part_reference(text), "{text:?}");
        }
    }

    /// [`LastWords`] of a plain name, found by searching backwards.
    fn last_words_reference(name: &str) -> LastWords {
        let start = |text: &str| text.rfind(' ').map_or(0, |space| space + 1);
        let last = start(name);
        let before = if last == 0 {
            0
        } else {
            start(&name[..last - 1])
        };
        (last, before)
    }

    /// [`name_part`] without its fast path.
    pub(super) fn name_part_reference(cell: &str) -> Option<Cow<'_, str>> {
        let part = words(cell).collect::<Vec<_>>().join(" ");
        (!part.is_empty() && !looks_like_email(&part)).then_some(Cow::Owned(part))
    }

    #[test]
    fn every_non_ascii_space_control_or_invisible_starts_with_a_suspect_byte() {
        for c in (0x80..=0x10ffff).filter_map(char::from_u32) {
            if is_suspect(c) {
                let first = c.encode_utf8(&mut [0; 4]).as_bytes()[0];
                assert_eq!(PLAIN_CLASS[usize::from(first)], SUSPECT, "{c:?}");
            }
        }
    }

    #[test]
    fn suffixes_and_particles_are_known_in_any_case_and_nothing_else_is() {
        for word in ["Jr.", "III", "PhD", "ph.d.", "M.D.", "Esq", "MBA"] {
            assert!(is_suffix(word), "{word}");
        }
        for word in ["van", "VON", "De", "della", "Degli", "ibn", "zu"] {
            assert!(is_particle(word), "{word}");
        }
        for word in ["", "j", "Md", "phd.", "jrr", "vanden", "dellas", "Ada"] {
            assert!(!is_suffix(word) && !is_particle(word), "{word}");
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
        // Every suffix at the end goes with the last name.
        assert_eq!(
            parts("Ada Lovelace PhD MBA"),
            (Some("Ada"), Some("Lovelace PhD MBA"))
        );
        assert_eq!(
            parts("John Smith Jr., CPA"),
            (Some("John"), Some("Smith Jr. CPA"))
        );
        assert_eq!(parts("Ada PhD MBA"), (Some("Ada"), Some("PhD MBA")));
        assert_eq!(
            parts("Ada Lovelace, PhD, MBA"),
            (Some("Ada"), Some("Lovelace PhD MBA"))
        );
        assert_eq!(parts("John Smith sr"), (Some("John"), Some("Smith sr")));
        assert_eq!(parts("Sammy Jr."), (Some("Sammy"), Some("Jr.")));
        assert_eq!(
            parts("Ada Lovelace PhD"),
            (Some("Ada"), Some("Lovelace PhD"))
        );
        assert_eq!(
            parts("Ada Lovelace, PhD"),
            (Some("Ada"), Some("Lovelace PhD"))
        );
        assert_eq!(
            parts("Grace Hopper, M.D."),
            (Some("Grace"), Some("Hopper M.D."))
        );
        assert_eq!(parts("Rahman, Md"), (Some("Md"), Some("Rahman")));
        assert_eq!(parts("Lovelace, Ada"), (Some("Ada"), Some("Lovelace")));
        assert_eq!(
            parts("Lovelace, Ada, PhD"),
            (Some("Ada"), Some("Lovelace PhD"))
        );
        assert_eq!(
            parts("King, Martin Luther, Jr."),
            (Some("Martin Luther"), Some("King Jr."))
        );
        // "Last, Suffix, First": the suffix still goes with the last name.
        assert_eq!(
            parts("King, Jr., Martin Luther"),
            (Some("Martin Luther"), Some("King Jr."))
        );
        assert_eq!(
            parts("Smith, Jr., PhD, John"),
            (Some("John"), Some("Smith Jr. PhD"))
        );
        assert_eq!(
            parts("Smith, Jr., John, PhD"),
            (Some("John"), Some("Smith Jr. PhD"))
        );
        // An empty part between commas is no part of either name.
        assert_eq!(parts("Lovelace, Ada,"), (Some("Ada"), Some("Lovelace")));
        assert_eq!(parts("Lovelace,, Ada"), (Some("Ada"), Some("Lovelace")));
        assert_eq!(
            parts("Lovelace,Ada Augusta"),
            (Some("Ada Augusta"), Some("Lovelace"))
        );
        // A title after a whole name is no "Last, First"; it is left out.
        assert_eq!(
            parts("Ada Lovelace, Countess of Lovelace"),
            (Some("Ada"), Some("Lovelace"))
        );
        assert_eq!(
            parts("Mary Ann de la Cruz, Duchess Of Alba, PhD"),
            (Some("Mary Ann"), Some("de la Cruz"))
        );
        assert_eq!(
            parts("de la Cruz, Mary Ann"),
            (Some("Mary Ann"), Some("de la Cruz"))
        );
        assert_eq!(
            parts("García Márquez, Gabriel"),
            (Some("Gabriel"), Some("García Márquez"))
        );
        assert_eq!(
            parts("Lovelace, Countess of Lovelace"),
            (Some("Countess of Lovelace"), Some("Lovelace"))
        );
        // Invisible characters pasted at a word's edge are no part of it;
        // inside a word (a Persian zero-width non-joiner) they are kept.
        assert_eq!(
            parts("Ada\u{200b} Lovelace"),
            (Some("Ada"), Some("Lovelace"))
        );
        assert_eq!(
            parts("\u{feff}Lovelace, \u{200e}Ada"),
            (Some("Ada"), Some("Lovelace"))
        );
        assert_eq!(
            parts("Ada \u{2060} Lovelace"),
            (Some("Ada"), Some("Lovelace"))
        );
        assert_eq!(
            parts("Ali Mohammad\u{200c}zadeh"),
            (Some("Ali"), Some("Mohammad\u{200c}zadeh"))
        );
        assert_eq!(parts("\u{200b}"), (None, None));
        assert_eq!(name_part("\u{200b}Ada\u{ad}").as_deref(), Some("Ada"));
        assert_eq!(parts("Cher"), (Some("Cher"), None));
        assert_eq!(parts("Cher,"), (Some("Cher"), None));
        assert_eq!(parts(",Cher"), (Some("Cher"), None));
        assert_eq!(parts(""), (None, None));
        assert_eq!(parts("   "), (None, None));
        assert_eq!(parts("ada@example.com"), (None, None));
        assert_eq!(parts("ada\u{ff20}example.com"), (None, None));
        assert_eq!(name_part("ada\u{ff20}example.com"), None);
        assert_eq!(parts("José Álvarez"), (Some("José"), Some("Álvarez")));
    }

    #[test]
    fn particles_stay_with_the_last_name() {
        assert_eq!(
            parts("Margaret van Rossum"),
            (Some("Margaret"), Some("van Rossum"))
        );
        assert_eq!(
            parts("Mary Ann de la Cruz"),
            (Some("Mary Ann"), Some("de la Cruz"))
        );
        assert_eq!(
            parts("Ada van der Berg Jr."),
            (Some("Ada"), Some("van der Berg Jr."))
        );
        assert_eq!(parts("Dick Van Dyke"), (Some("Dick"), Some("Van Dyke")));
        assert_eq!(
            parts("  Ludwig  VON\tBeethoven "),
            (Some("Ludwig"), Some("VON Beethoven"))
        );
        // The first word is the first name even when it is a particle.
        assert_eq!(parts("Van Morrison"), (Some("Van"), Some("Morrison")));
        assert_eq!(parts("De La Soul"), (Some("De"), Some("La Soul")));
        // A particle as the last word is the last name alone.
        assert_eq!(parts("Ada de"), (Some("Ada"), Some("de")));
        assert_eq!(
            parts("Ada Vanessa Lovelace"),
            (Some("Ada Vanessa"), Some("Lovelace"))
        );
        assert_eq!(
            parts("Rossum, Guido van"),
            (Some("Guido van"), Some("Rossum"))
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words and separators that reach every path: suffixes, emails,
    /// commas, padding and non-ASCII letters and spaces.
    fn cell() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "",
            "Ada",
            "King",
            "Zoë",
            "Jr.",
            "jr",
            "II",
            "iii",
            "Sr",
            "iv",
            "PhD",
            "m.d.",
            "a@b.io",
            "de",
            "la",
            "VAN",
            "O’Brien",
            "ạ",
            "of",
            "The",
            "\u{200b}",
            "Ada\u{feff}",
            "a\u{200c}b",
        ]);
        let separator = prop::sample::select(vec![
            " ", " ", " ", "  ", ",", ", ", " ,", "\t", "\n", "\u{a0}", "\u{3000}", "@",
        ]);
        prop::collection::vec((separator, word), 0..6)
            .prop_map(|parts| parts.into_iter().flat_map(|(s, w)| [s, w]).collect())
    }

    proptest! {
        #[test]
        fn split_name_agrees_with_the_general_path(cell in cell()) {
            prop_assert_eq!(split_name(&cell), split_general(&cell));
            let trimmed = cell.trim_start();
            prop_assert_eq!(split_name(trimmed), split_general(trimmed));
        }

        #[test]
        fn name_part_agrees_with_the_general_path(cell in cell()) {
            prop_assert_eq!(name_part(&cell), super::tests::name_part_reference(&cell));
        }
    }
}
