//! Eight bytes at a time: the word tricks the CSV scanner uses to skip runs
//! of ordinary bytes, which are most of every cell.
//!
//! Each function returns a mask with the top bit set in the lane of every
//! byte it matches (lane 0 is the first byte, as words are read
//! little-endian). Only the lowest set lane is exact: a borrow can mark a
//! lane above a true match, never below one. So callers take
//! `trailing_zeros() / 8` as the first match and look at that byte again.

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The first eight bytes of `bytes` as a word, when there are eight.
pub(crate) fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*chunk))
}

/// Lanes of `word` that hold `byte`.
pub(crate) fn lanes_equal(word: u64, byte: u8) -> u64 {
    let zeroed = word ^ (ONES * u64::from(byte));
    zeroed.wrapping_sub(ONES) & !zeroed & TOPS
}

/// Lanes of `word` below `limit`, which must be at most 0x80.
pub(crate) fn lanes_below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(limit)) & !word & TOPS
}

/// The index of the first lane a mask from this module marks, if any.
pub(crate) fn first_lane(mask: u64) -> Option<usize> {
    (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The first marked lane is the first byte that matches.
        #[test]
        fn the_first_lane_is_the_first_match(word in any::<[u8; 8]>(), byte in any::<u8>(), limit in 0u8..=0x80) {
            let packed = word_at(&word, 0).unwrap();
            prop_assert_eq!(first_lane(lanes_equal(packed, byte)), word.iter().position(|&b| b == byte));
            prop_assert_eq!(first_lane(lanes_below(packed, limit)), word.iter().position(|&b| b < limit));
        }
    }
}
