//! Member status: Stripe's wording mapped to Torii's user and license status.

use serde::{Deserialize, Serialize};

/// Torii's user `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Shown as a user of the app.
    Active,
    /// No longer a user.
    Deleted,
}

/// Torii's `licenseStatus`, which is also the class a Stripe status maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseStatus {
    /// Active member.
    Active,
    /// Invited, not yet accepted.
    Inactive,
    /// Expired invite or removed member.
    Deleted,
}

impl LicenseStatus {
    /// The user status that goes with this license status.
    pub fn user_status(self) -> UserStatus {
        todo!()
    }
}

/// The result of mapping a status cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// A known (or empty) status.
    Known(LicenseStatus),
    /// Not in the table nor the overrides; treated as active with a warning.
    Unknown,
}

/// Maps status cells using the built-in table plus user overrides.
#[derive(Debug, Clone, Default)]
pub struct StatusMapper {
    overrides: Vec<(String, LicenseStatus)>,
}

impl StatusMapper {
    /// A mapper whose `overrides` (status text → class) win over the table.
    pub fn new(overrides: Vec<(String, LicenseStatus)>) -> Self {
        StatusMapper { overrides }
    }
    /// Maps one cell (trimmed, case-insensitive).
    pub fn map(&self, cell: &str) -> StatusMatch {
        let _ = (cell, &self.overrides);
        todo!()
    }
}
