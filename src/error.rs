//! The crate's one error type.
//!
//! Modelled on the `csv` crate: a single [`Error`] whose [`Error::kind`] says
//! what went wrong, and whose [`Error::code`] is a stable, machine-readable
//! string that hosts show to users and tests match on. Messages are written
//! for the person who has to fix the input or the configuration, and never
//! contain the Torii API key (see [`crate::sync::SyncConfig`], which redacts
//! it).

use std::fmt;

/// What kind of problem an [`Error`] describes.
///
/// Each kind has a stable `snake_case` code (see [`ErrorKind::code`]), which is
/// what JavaScript hosts receive as `error.code`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not UTF-8 text (or contains a NUL byte).
    NotText {
        /// Offset of the first offending byte.
        byte_offset: usize,
    },
    /// The input has no rows at all.
    EmptyInput,
    /// No column could be recognised as the email column.
    MissingEmailColumn {
        /// The header cells that were found, in file order.
        headers_found: Vec<String>,
    },
    /// An explicit column mapping names a header that is not in the file.
    UnknownColumn {
        /// The field the mapping was for (`email`, `name`, ...).
        field: String,
        /// The header name or index the mapping asked for.
        requested: String,
    },
    /// Every data row was rejected or excluded, so there is nothing to send.
    NoValidUsers {
        /// The report of the rows that were read, so hosts can still show
        /// every diagnostic.
        report: Box<crate::report::Report>,
    },
    /// A transform or sync option has an invalid value.
    InvalidOption {
        /// The option's name as the host spells it (`pricePerUserCents`).
        option: String,
    },
    /// The sync configuration is unusable (empty key, non-https base URL, ...).
    InvalidConfig {
        /// The configuration field at fault.
        field: String,
    },
    /// The sync would drop more users than allowed and was not confirmed.
    DestructiveSync {
        /// Users in the last successful sync.
        previous_users: u32,
        /// Users in the file about to be sent.
        new_users: u32,
    },
    /// Torii answered 401, or 403 outside the upload step.
    Unauthorized,
    /// Torii answered 400 or 422; the message is Torii's own.
    Rejected {
        /// The HTTP status Torii returned.
        status: u16,
    },
    /// Another sync of the same app account kept running (409) after retries.
    SyncConflict,
    /// A response body lacked what the step needs.
    MalformedResponse {
        /// The step whose response was malformed.
        step: String,
    },
    /// A step kept getting error statuses until the attempt limit.
    RetriesExhausted {
        /// The step that kept failing.
        step: String,
        /// The last HTTP status seen.
        last_status: u16,
    },
    /// A step never got a response (connection refused or reset, DNS, a
    /// timeout, or a browser blocking a cross-origin request).
    Network {
        /// The step that could not be sent.
        step: String,
    },
    /// Waiting for the next retry would exceed the total wait budget.
    WaitBudgetExceeded,
    /// A response status the protocol does not expect at this step.
    UnexpectedStatus {
        /// The step that received it.
        step: String,
        /// The HTTP status.
        status: u16,
    },
    /// The host called the session out of order (for example `respond`
    /// without a pending request).
    Protocol,
}

impl ErrorKind {
    /// The stable code for this kind, e.g. `missing_email_column`.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::NotText { .. } => "not_text",
            ErrorKind::EmptyInput => "empty_input",
            ErrorKind::MissingEmailColumn { .. } => "missing_email_column",
            ErrorKind::UnknownColumn { .. } => "unknown_column",
            ErrorKind::NoValidUsers { .. } => "no_valid_users",
            ErrorKind::InvalidOption { .. } => "invalid_option",
            ErrorKind::InvalidConfig { .. } => "invalid_config",
            ErrorKind::DestructiveSync { .. } => "destructive_sync",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Rejected { .. } => "rejected",
            ErrorKind::SyncConflict => "sync_conflict",
            ErrorKind::MalformedResponse { .. } => "malformed_response",
            ErrorKind::RetriesExhausted { .. } => "retries_exhausted",
            ErrorKind::Network { .. } => "network",
            ErrorKind::WaitBudgetExceeded => "wait_budget_exceeded",
            ErrorKind::UnexpectedStatus { .. } => "unexpected_status",
            ErrorKind::Protocol => "protocol",
        }
    }
}

/// An error from the transform or the sync session.
///
/// ```
/// use stripe_torii_sync::{transform, ErrorKind, TransformOptions};
///
/// let err = transform("Name,Status\nAda,active\n", &TransformOptions::default()).unwrap_err();
/// assert_eq!(err.code(), "missing_email_column");
/// assert!(matches!(err.kind(), ErrorKind::MissingEmailColumn { .. }));
/// assert!(err.to_string().contains("Name, Status"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// Builds an error from its kind and a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What went wrong, as data.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The stable code of [`Error::kind`], e.g. `unauthorized`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The human-readable message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
