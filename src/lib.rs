//! # stripe-torii-sync
//!
//! Turns Stripe team exports (CSV) into a Torii custom-integration file and
//! drives the upload and sync of that file to Torii.
//!
//! The crate is a pure core: it does no I/O, reads no clock and draws no
//! random numbers. Hosts (the Node CLI, the web page, the Apps Script shim)
//! move bytes in and out:
//!
//! - [`transform()`] (and [`transform::transform_inputs`] for several files)
//!   reads the CSV and returns the [`ToriiFile`] plus a [`Report`] that
//!   accounts for every row.
//! - [`changes::compare`] previews what a sync would change against the
//!   last synced file.
//! - [`sync::SyncSession`] is a sans-IO state machine that says which HTTP
//!   request to send next and takes the response back.
//! - [`options::catalog`] lists every option once, for every host.
//!
//! ```
//! use stripe_torii_sync::{transform, TransformOptions};
//!
//! let csv = "Email,Name,Status,Role,Last login\n\
//!            ada@example.com,Ada Lovelace,Active,Owner,2024-12-30\n";
//! let out = transform(csv, &TransformOptions::default()).unwrap();
//! assert_eq!(out.report.totals.users_exported, 1);
//! let json = String::from_utf8(out.to_json()).unwrap();
//! assert!(json.contains(r#""lastUsedDate":"2024-12-30""#));
//! ```

#![warn(missing_docs)]

pub mod changes;
pub mod columns;
pub mod error;
pub mod fields;
pub mod input;
pub mod json;
pub mod options;
pub mod preview;
pub mod report;
pub mod store;
mod swar;
pub mod sync;
pub mod text;
pub mod torii;
pub mod transform;
pub mod wasm;

pub use error::{Error, ErrorKind, Result};
pub use options::TransformOptions;
pub use report::{Diagnostic, Level, Report};
pub use torii::ToriiFile;
pub use transform::{transform, transform_bytes, Transformed};
