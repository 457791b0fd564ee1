//! wasm-bindgen tests of the JS API, run in Node (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod wasm_common;

wasm_common::wasm_suite!(
    transform_returns_file_and_report,
    transform_json_is_the_same_file_as_text,
    errors_carry_a_code_and_the_headers_found,
    bytes_that_are_not_utf8_name_the_offset,
    count_records_counts_csv_records,
    sync_session_walks_the_sequence_from_js,
    sync_session_reports_failures_and_bad_input,
    the_guard_is_exposed;
    async sync_with_fetch_reports_an_unreachable_server,
);
