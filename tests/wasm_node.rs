//! wasm-bindgen tests of the JS API, run in Node (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod wasm_common;

wasm_common::wasm_suite!(
    transform_returns_file_and_report,
    transform_json_is_the_same_file_as_text,
    errors_carry_a_code_and_the_headers_found,
    bytes_that_are_not_utf8_name_the_offset,
    count_records_counts_csv_records,
);
