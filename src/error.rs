//! The crate's one error type.
//!
//! Modelled on the `csv` crate: a single [`Error`] whose [`Error::kind`] says
//! what went wrong as data, and whose [`Error::code`] is a stable,
//! machine-readable string that hosts show to users and tests match on.
//! Messages are written for the person who has to fix the input or the
//! configuration, and never contain the Torii API key (see
//! [`crate::sync::ApiKey`], which redacts it).

use std::fmt;

use crate::columns::Field;
use crate::report::Report;
use crate::sync::Step;

/// What kind of problem an [`Error`] describes.
///
/// Each kind has a stable `snake_case` code (see [`ErrorKind::code`]), which is
/// what JavaScript hosts receive as `error.code`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not text the core can read: not UTF-8 (nor UTF-16 with a
    /// byte-order mark), or it contains a NUL byte.
    NotText {
        /// Offset of the first offending byte.
        byte_offset: usize,
        /// The line that byte is on, counted from 1.
        line: u64,
    },
    /// The input has no rows at all.
    EmptyInput,
    /// The input is larger than the core can hold in WebAssembly memory.
    InputTooLarge {
        /// The size offered, in bytes.
        bytes: u64,
        /// The largest size that fits, in bytes.
        limit: u64,
    },
    /// The input gives more diagnostics than the report can hold: rows
    /// rejected, excluded or warned about, beyond what fits in memory as the
    /// report and its text. No export has that many; it is another file.
    TooManyDiagnostics {
        /// The most diagnostics one transform keeps.
        limit: usize,
    },
    /// No column could be recognised as the email column.
    MissingEmailColumn {
        /// The header cells that were found, in file order.
        headers_found: Vec<String>,
    },
    /// An explicit column mapping names a header that is not in the file.
    UnknownColumn {
        /// The field the mapping was for.
        field: Field,
        /// The header name or number the mapping asked for.
        requested: String,
    },
    /// Every data row was rejected or excluded, so there is nothing to send.
    NoValidUsers {
        /// The report of the rows that were read, so hosts can still show
        /// every diagnostic.
        report: Box<Report>,
    },
    /// A transform or sync option has an invalid value, or is unknown.
    InvalidOption {
        /// The option's JavaScript name (`pricePerUserCents`), or the name the
        /// host used when it is not an option at all.
        option: String,
    },
    /// A JavaScript caller passed an argument of the wrong type, or used an
    /// object after freeing it.
    InvalidArgument {
        /// The argument, as `function(argument)`.
        argument: String,
    },
    /// The sync configuration is unusable (empty key, non-https base URL, ...).
    InvalidConfig {
        /// The configuration field at fault, by its JavaScript name.
        field: String,
    },
    /// A file offered as a previous Torii file is not one.
    NotToriiFile,
    /// The sync would remove more users than allowed, or the baseline to
    /// judge it by is unreadable, and nobody confirmed it.
    DestructiveSync {
        /// Active users in the last successful sync (0 when unknown: the
        /// baseline is unreadable and there is no previous file).
        previous_users: u32,
        /// Of those, the users the new file drops: leaves out or marks deleted.
        removed_users: u32,
        /// Active users in the file about to be sent.
        new_users: u32,
    },
    /// The person asked to confirm a destructive sync said no.
    Cancelled,
    /// The sync was refused because the file is broken: a quoted cell runs
    /// over rows (`unterminated_quote`), so rows may be missing from it.
    BrokenFile {
        /// Number of `unterminated_quote` errors in the report.
        broken_quotes: u32,
    },
    /// The transform or sync was refused in strict mode because the
    /// columns are in doubt: a header row without a status column, or one
    /// field named by two header cells.
    UnclearColumns {
        /// Number of `missing_status_column` and `duplicate_column`
        /// warnings in the report.
        warnings: u32,
    },
    /// The sync was refused in strict mode because rows were rejected.
    RowsRejected {
        /// Rows rejected.
        rejected: u64,
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
        step: Step,
    },
    /// A step kept getting error statuses until the attempt limit.
    RetriesExhausted {
        /// The step that kept failing.
        step: Step,
        /// The last HTTP status seen.
        last_status: u16,
    },
    /// A step never got a response (connection refused or reset, DNS, or a
    /// browser blocking a cross-origin request).
    Network {
        /// The step that could not be sent.
        step: Step,
    },
    /// A step's requests kept timing out (no answer, or a body that stalled).
    Timeout {
        /// The step that timed out.
        step: Step,
    },
    /// The sync's time budget ran out before the next request or wait.
    BudgetExceeded {
        /// The step the session was at.
        step: Step,
    },
    /// A response status the protocol does not expect at this step.
    UnexpectedStatus {
        /// The step that received it.
        step: Step,
        /// The HTTP status.
        status: u16,
    },
    /// The host called the session out of order (for example
    /// `handle_response` without a pending request).
    Protocol,
    /// A quota of the host's own (Apps Script's daily UrlFetchApp calls)
    /// stopped a request before it was sent.
    HostLimit,
    /// The host failed in the middle of a sync (a callback of its threw),
    /// so the sync was stopped there.
    HostFailed,
}

impl ErrorKind {
    /// The stable code for this kind, e.g. `missing_email_column`.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::NotText { .. } => "not_text",
            ErrorKind::EmptyInput => "empty_input",
            ErrorKind::InputTooLarge { .. } => "input_too_large",
            ErrorKind::TooManyDiagnostics { .. } => "too_many_diagnostics",
            ErrorKind::MissingEmailColumn { .. } => "missing_email_column",
            ErrorKind::UnknownColumn { .. } => "unknown_column",
            ErrorKind::NoValidUsers { .. } => "no_valid_users",
            ErrorKind::InvalidOption { .. } => "invalid_option",
            ErrorKind::InvalidArgument { .. } => "invalid_argument",
            ErrorKind::InvalidConfig { .. } => "invalid_config",
            ErrorKind::NotToriiFile => "not_torii_file",
            ErrorKind::DestructiveSync { .. } => "destructive_sync",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::BrokenFile { .. } => "broken_file",
            ErrorKind::UnclearColumns { .. } => "unclear_columns",
            ErrorKind::RowsRejected { .. } => "rows_rejected",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Rejected { .. } => "rejected",
            ErrorKind::SyncConflict => "sync_conflict",
            ErrorKind::MalformedResponse { .. } => "malformed_response",
            ErrorKind::RetriesExhausted { .. } => "retries_exhausted",
            ErrorKind::Network { .. } => "network",
            ErrorKind::Timeout { .. } => "timeout",
            ErrorKind::BudgetExceeded { .. } => "budget_exceeded",
            ErrorKind::UnexpectedStatus { .. } => "unexpected_status",
            ErrorKind::Protocol => "protocol",
            ErrorKind::HostLimit => "host_limit",
            ErrorKind::HostFailed => "host_failed",
        }
    }

    /// True for the errors a person fixes by changing how the tool is
    /// called (options, configuration, arguments): hosts exit with a usage
    /// status for these.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidOption { .. }
                | ErrorKind::InvalidConfig { .. }
                | ErrorKind::InvalidArgument { .. }
        )
    }
}

/// An error from the transform, the change preview or the sync session.
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

    /// An [`ErrorKind::InvalidOption`] error for `option`.
    pub(crate) fn option(option: &str, message: impl Into<String>) -> Self {
        Error::new(
            ErrorKind::InvalidOption {
                option: option.to_string(),
            },
            message,
        )
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
