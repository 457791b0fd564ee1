//! wasm-bindgen tests of the JS API, run in Node (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod wasm_common;

wasm_common::all_checks!();
