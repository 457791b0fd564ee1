//! Where the transform's text lives: the inputs, read once, and an arena for
//! the few values that had to be rewritten (a lower-cased email, a
//! collapsed name, an unescaped quoted cell).
//!
//! A user holds [`Text`] handles, eight bytes each, instead of a `String`
//! per field: a million-row export costs one allocation for its input and a
//! handful for the arena, not six million. The handles also remember
//! whether the text needs escaping in JSON, so the Torii file writer copies
//! most values whole.

/// A piece of text in a [`Store`]: a slice of the inputs or of the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Text {
    at: u32,
    /// The length, with [`IN_ARENA`] and [`ESCAPE`] in the top bits.
    len: u32,
}

const IN_ARENA: u32 = 1 << 31;
const ESCAPE: u32 = 1 << 30;
const LEN_MASK: u32 = ESCAPE - 1;

impl Text {
    /// The empty text, which stands for "no value".
    pub const EMPTY: Text = Text { at: 0, len: 0 };

    /// True for the empty text.
    pub fn is_empty(self) -> bool {
        self.len & LEN_MASK == 0
    }

    /// True when the text may hold a character JSON escapes.
    pub fn needs_escape(self) -> bool {
        self.len & ESCAPE != 0
    }

    /// A handle to `range` of the inputs. Inputs are at most
    /// [`crate::input::MAX_INPUT_BYTES`], so offsets and lengths fit.
    pub(crate) fn input(range: std::ops::Range<usize>, escape: bool) -> Text {
        Text {
            at: range.start as u32,
            len: ((range.end - range.start) as u32 & LEN_MASK) | escape_bit(escape),
        }
    }

    /// Copies `value` to the end of `arena` and returns its handle.
    // Cold: most values are slices of the inputs. Out of line, the copy
    // leaves `Builder::keep`, which runs for every value kept, a leaf with
    // no registers to save.
    #[cold]
    pub(crate) fn push(arena: &mut String, value: &str, escape: bool) -> Text {
        if value.is_empty() {
            return Text::EMPTY;
        }
        let at = arena.len() as u32;
        arena.push_str(value);
        Text {
            at,
            len: (value.len() as u32 & LEN_MASK) | IN_ARENA | escape_bit(escape),
        }
    }

    /// The text this handle stands for.
    pub(crate) fn resolve<'s>(self, inputs: &'s str, arena: &'s str) -> &'s str {
        self.source(inputs, arena)
            .get(self.range())
            .unwrap_or_default()
    }

    fn source<'s>(self, inputs: &'s str, arena: &'s str) -> &'s str {
        if self.len & IN_ARENA != 0 {
            arena
        } else {
            inputs
        }
    }

    fn range(self) -> std::ops::Range<usize> {
        let start = self.at as usize;
        start..start + (self.len & LEN_MASK) as usize
    }
}

fn escape_bit(escape: bool) -> u32 {
    if escape {
        ESCAPE
    } else {
        0
    }
}

/// The text of one transform: its inputs (one after the other) and the arena.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    inputs: String,
    arena: String,
}

impl Store {
    /// A store of `inputs` and `arena`.
    pub(crate) fn new(inputs: String, arena: String) -> Store {
        Store { inputs, arena }
    }

    /// The text of a handle.
    pub fn get(&self, text: Text) -> &str {
        text.resolve(&self.inputs, &self.arena)
    }

    /// The bytes of a handle, as [`Store::get`] gives them, for the JSON
    /// writer. Handles are only made for whole `str`s or slices of one, so
    /// they lie on char boundaries and `get`'s checks of that are skipped
    /// (the debug assertion checks the claim on every test).
    #[inline]
    pub(crate) fn bytes(&self, text: Text) -> &[u8] {
        let source = text.source(&self.inputs, &self.arena).as_bytes();
        let bytes = source.get(text.range()).unwrap_or_default();
        debug_assert_eq!(bytes, self.get(text).as_bytes());
        bytes
    }

    /// Bytes held, for sizing the output.
    pub fn len(&self) -> usize {
        self.inputs.len() + self.arena.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty() && self.arena.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_point_into_inputs_and_arena() {
        let mut arena = String::new();
        let upper = Text::push(&mut arena, "ADA", true);
        let store = Store::new("ada@example.com,Ada".to_string(), arena);
        let email = Text::input(0..15, false);
        assert_eq!(store.get(email), "ada@example.com");
        assert_eq!(store.get(upper), "ADA");
        assert!(upper.needs_escape() && !email.needs_escape());
        assert!(Text::EMPTY.is_empty());
        assert_eq!(store.get(Text::EMPTY), "");
    }
}
