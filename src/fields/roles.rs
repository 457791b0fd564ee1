//! Roles: one cell holding several role names.

/// Splits `cell` on `,` `;` `|` or newline, trims, drops empties, and appends
/// each role not already in `roles` (compared case-insensitively).
pub fn push_roles(cell: &str, roles: &mut Vec<String>) {
    let _ = (cell, roles);
    todo!()
}
