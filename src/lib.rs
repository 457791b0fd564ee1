//! # stripe-torii-sync
//!
//! Turns a Stripe team export (CSV) into a Torii custom-integration file and
//! drives the upload and sync of that file to Torii.
//!
//! The crate is a pure core: it does no I/O, reads no clock and draws no
//! random numbers. Hosts (the Node CLI, the web page, the Apps Script shim)
//! move bytes in and out:
//!
//! - [`transform()`] reads the CSV text and returns the [`ToriiFile`] plus a
//!   [`Report`] that accounts for every row.
//! - [`sync::SyncSession`] is a sans-IO state machine that says which HTTP
//!   request to send next and takes the response back.
//!
//! ```
//! use stripe_torii_sync::{transform, TransformOptions};
//!
//! let csv = "Email,Name,Status,Role,Last login\n\
//!            ada@example.com,Ada Lovelace,Active,Owner,2024-12-30\n";
//! let out = transform(csv, &TransformOptions::default()).unwrap();
//! assert_eq!(out.report.users_exported, 1);
//! assert!(out.to_json().contains(r#""lastUsedDate":"2024-12-30""#));
//! ```

#![warn(missing_docs)]

pub mod columns;
pub mod error;
pub mod fields;
pub mod guard;
pub mod input;
pub mod options;
pub mod report;
pub mod sync;
pub mod torii;
pub mod transform;
pub mod wasm;

pub use error::{Error, ErrorKind, Result};
pub use options::TransformOptions;
pub use report::{Diagnostic, Level, Report};
pub use torii::ToriiFile;
pub use transform::{transform, transform_bytes, Transformed};
