//! `InputBuffer`: a file read straight into the core's memory.
//!
//! `transform` copies each input's bytes into wasm memory, so a host that
//! read a 100 MB export into a buffer of its own holds it twice while the
//! transform runs. An `InputBuffer` is allocated in wasm memory instead: the
//! host reads the file into its `view()` and passes the buffer as an input's
//! `data`, and `transform` takes the bytes without a copy (the buffer is
//! used up).
//!
//! The size limit holds for the buffers alive at once, not each alone: a
//! host fills one buffer per file before the transform that takes them
//! all, and eight buffers each under the limit would exhaust wasm memory
//! and end in a trap instead of an error.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::{args, throw};
use crate::input::check_input_size;

/// The bytes of every `InputBuffer` not yet freed or taken.
static LIVE_BYTES: AtomicU64 = AtomicU64::new(0);

/// Bytes in the core's memory, for a host to fill and hand to `transform`.
#[wasm_bindgen(js_name = InputBuffer)]
pub struct InputBuffer {
    bytes: Vec<u8>,
}

#[wasm_bindgen(js_class = InputBuffer)]
impl InputBuffer {
    /// `new InputBuffer(size)`: `size` zero bytes. Throws `input_too_large`
    /// when this buffer and those not yet freed or taken would be more than
    /// one transform can hold, `invalid_argument` for a size that is not a
    /// whole number of at least 0.
    #[wasm_bindgen(constructor)]
    pub fn new(size: JsValue) -> Result<InputBuffer, JsValue> {
        const ARGUMENT: &str = "new InputBuffer(size)";
        throw((|| {
            let bytes = args::number(&size, ARGUMENT)?;
            if bytes < 0.0 || bytes.fract() != 0.0 {
                return Err(args::invalid(ARGUMENT, "a whole number of bytes", &size));
            }
            let live = LIVE_BYTES.load(Relaxed);
            check_input_size(live.saturating_add(bytes as u64))?;
            LIVE_BYTES.store(live + bytes as u64, Relaxed);
            Ok(InputBuffer {
                bytes: vec![0; bytes as usize],
            })
        })())
    }

    /// `view()` → a `Uint8Array` over the buffer, for the host to fill. It
    /// is valid only until the next call into the core, which may move
    /// wasm memory: fill it at once.
    pub fn view(&mut self) -> Uint8Array {
        // SAFETY: the view aliases `bytes` for as long as the host uses it,
        // which the contract above limits to before the next call into the
        // core; nothing in Rust touches `bytes` meanwhile.
        unsafe { Uint8Array::view_mut_raw(self.bytes.as_mut_ptr(), self.bytes.len()) }
    }

    /// The buffer's size in bytes.
    #[wasm_bindgen(getter, js_name = byteLength)]
    pub fn byte_length(&self) -> f64 {
        self.bytes.len() as f64
    }
}

impl InputBuffer {
    /// The bytes, for `transform`, which checks its inputs' total itself.
    pub(crate) fn into_bytes(mut self) -> Vec<u8> {
        let bytes = std::mem::take(&mut self.bytes);
        LIVE_BYTES.fetch_sub(bytes.len() as u64, Relaxed);
        bytes
    }
}

impl Drop for InputBuffer {
    fn drop(&mut self) {
        LIVE_BYTES.fetch_sub(self.bytes.len() as u64, Relaxed);
    }
}
