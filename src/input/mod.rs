//! Reading the input: bytes to text ([`decode`]), text to records with
//! line numbers ([`scan`]), and what a sheet's date cells say
//! ([`sheet_dates`]).
//!
//! This module owns everything about a file as text and nothing about what
//! its cells mean.

pub mod decode;
pub mod scan;
pub mod sheet_dates;

use crate::error::{Error, ErrorKind, Result};

/// The largest input, in bytes, that the core accepts (all files of one
/// transform together): 512 MiB, about five million rows. Beyond it the
/// users, their index and the Torii file would not fit in WebAssembly's
/// 4 GiB of memory together, and the transform would end in a trap.
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Refuses an input of `bytes` bytes before anything is read or copied.
///
/// ```
/// use stripe_torii_sync::input::{check_input_size, MAX_INPUT_BYTES};
///
/// assert!(check_input_size(1_000).is_ok());
/// let err = check_input_size(MAX_INPUT_BYTES + 1).unwrap_err();
/// assert_eq!(err.code(), "input_too_large");
/// assert!(err.message().contains("512 MiB"));
/// ```
pub fn check_input_size(bytes: u64) -> Result<()> {
    if bytes <= MAX_INPUT_BYTES {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InputTooLarge {
            bytes,
            limit: MAX_INPUT_BYTES,
        },
        format!(
            "the input is {} MiB, more than the {} MiB (about five million rows) this tool \
             can hold in memory; split the export into smaller files",
            bytes.div_ceil(1024 * 1024),
            MAX_INPUT_BYTES / (1024 * 1024)
        ),
    ))
}
