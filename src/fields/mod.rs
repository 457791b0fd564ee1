//! Parsers for the individual cells of a Stripe export row.
//!
//! Each submodule owns one kind of cell and knows nothing about CSV, rows or
//! reports: it takes a `&str` and returns a typed value, a slice of the
//! cell, or a reason it could not. The transform decides what a failure
//! means for the row.

pub mod date;
pub mod email;
pub mod idna;
pub mod name;
pub mod roles;
pub mod status;
