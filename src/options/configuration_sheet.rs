//! The Apps Script front end's Configuration sheet: the rows "Set up
//! sheets" writes, and how its rows are read back into [`Options`].
//!
//! The sheet is for people: a header row, a row per setting with its
//! default and help, rows they comment out with `#`, and values they leave
//! blank for the default. Which rows count, and which row a mistake is in,
//! is decided here once, so every host that reads such a sheet reads it so.
//!
//! ```
//! use stripe_torii_sync::options::configuration_sheet::{read_rows, ConfigurationRow};
//!
//! let rows = [
//!     ConfigurationRow::text("Setting", "Value"),
//!     ConfigurationRow::text("# License name", "Old name"),
//!     ConfigurationRow::text("License name", " Stripe Team "),
//!     ConfigurationRow::text("Price per user in cents", ""),
//! ];
//! let options = read_rows(&rows).unwrap();
//! assert_eq!(options.transform.license_name.as_deref(), Some("Stripe Team"));
//! assert_eq!(options.transform.price_per_user_cents, None);
//!
//! let err = read_rows(&[ConfigurationRow::text("License nam", "x")]).unwrap_err();
//! assert!(err.message().starts_with("Configuration sheet, row 1 (\"License nam\"): "));
//! ```

use super::catalog::{Host, Options, SheetPlace, OPTIONS};
use crate::error::{Error, Result};
use crate::text::shorten;

/// The sheet's header row, as "Set up sheets" writes it.
pub const HEADER: [&str; 4] = ["Setting", "Value", "Default", "What it does"];

/// One row of the sheet, as the host reads it: the label (column A) and
/// the value (column B) as the sheet shows it, with the number the cell
/// holds when it holds one (Sheets keeps a typed "20%" as 0.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfigurationRow<'a> {
    /// Column A's text.
    pub label: &'a str,
    /// Column B as the sheet shows it.
    pub value: &'a str,
    /// Column B's number, when the cell holds one.
    pub number: Option<f64>,
}

impl<'a> ConfigurationRow<'a> {
    /// A row whose value cell holds text.
    pub fn text(label: &'a str, value: &'a str) -> Self {
        ConfigurationRow {
            label,
            value,
            number: None,
        }
    }
}

/// The rows "Set up sheets" writes: [`HEADER`], then a row per setting of
/// the sheet with no value, its default, and its help (with the allowed
/// values of a choice).
pub fn template() -> Vec<[String; 4]> {
    let header = HEADER.map(str::to_string);
    let settings = OPTIONS
        .iter()
        .filter(|o| o.sheet == SheetPlace::Configuration)
        .map(|o| {
            let help = match o.allowed {
                [] => o.help.to_string(),
                allowed => format!("{} (one of: {})", o.help, allowed.join(", ")),
            };
            [
                o.label.to_string(),
                String::new(),
                o.default.to_string(),
                help,
            ]
        });
    std::iter::once(header).chain(settings).collect()
}

/// Reads the sheet's rows (the first is the sheet's row 1). Skipped: the
/// header (the first row with a label that is no comment, when that label
/// is `Setting` in any case), rows whose label is empty or starts with `#`, and rows whose value
/// is empty (the default holds). Labels and values are read without the
/// whitespace (and byte-order marks) at their edges, as JavaScript's trim.
///
/// # Errors
///
/// `invalid_option`, as [`Options::from_cells`] for the Configuration
/// sheet, its message starting with the row: `Configuration sheet, row 3
/// ("Max drop percent"): …`.
pub fn read_rows(rows: &[ConfigurationRow<'_>]) -> Result<Options> {
    let mut options = Options::default();
    let mut seen = Vec::new();
    let mut labelled = false;
    for (index, row) in rows.iter().enumerate() {
        let (label, value) = (edges_trimmed(row.label), edges_trimmed(row.value));
        let header = !labelled && label.eq_ignore_ascii_case(HEADER[0]);
        labelled |= !label.is_empty() && !label.starts_with('#');
        if label.is_empty() || label.starts_with('#') || header || value.is_empty() {
            continue;
        }
        options
            .set_cell(Host::Configuration, &mut seen, label, value, row.number)
            .map_err(|e| {
                let at = format!(
                    "Configuration sheet, row {} (\"{}\")",
                    index + 1,
                    shorten(label)
                );
                Error::new(e.kind().clone(), format!("{at}: {}", e.message()))
            })?;
    }
    Ok(options)
}

/// `text` without the whitespace and byte-order marks at its edges, which
/// JavaScript's `trim` removes and Rust's keeps (a label pasted with a
/// U+FEFF is still the label).
fn edges_trimmed(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(label: &'static str, value: &'static str, n: f64) -> ConfigurationRow<'static> {
        ConfigurationRow {
            label,
            value,
            number: Some(n),
        }
    }

    #[test]
    fn the_header_comments_and_blank_values_are_skipped() {
        let rows = [
            ConfigurationRow::text(" Setting ", "Value"),
            ConfigurationRow::text("", "orphan value"),
            ConfigurationRow::text("  # Max drop percent", "90"),
            number("Max drop percent", "5%", 0.05),
            ConfigurationRow::text("License name", "   "),
        ];
        let options = read_rows(&rows).unwrap();
        assert_eq!(options.sync.max_drop_percent, Some(5.0));
        assert_eq!(options.transform.license_name, None);
        // The header is the first labelled row, in any case, after blank rows.
        let titled = read_rows(&[
            ConfigurationRow::text("", ""),
            ConfigurationRow::text("# notes for the team", ""),
            ConfigurationRow::text("SETTING", "VALUE"),
            ConfigurationRow::text("\u{feff}License name\u{feff}", " A "),
        ])
        .unwrap();
        assert_eq!(titled.transform.license_name.as_deref(), Some("A"));
        // "Setting" after a setting is no header.
        let err = read_rows(&[
            ConfigurationRow::text("License name", "A"),
            ConfigurationRow::text("Setting", "x"),
        ])
        .unwrap_err();
        assert!(
            err.message()
                .starts_with("Configuration sheet, row 2 (\"Setting\"): "),
            "{err}"
        );
    }

    #[test]
    fn a_mistake_names_its_row_and_a_setting_given_twice_the_second() {
        let err = read_rows(&[
            ConfigurationRow::text("Setting", "Value"),
            ConfigurationRow::text("License name", "A"),
            ConfigurationRow::text("# note", ""),
            ConfigurationRow::text("License name", "B"),
        ])
        .unwrap_err();
        assert_eq!(err.code(), "invalid_option");
        assert_eq!(
            err.message(),
            "Configuration sheet, row 4 (\"License name\"): License name is given twice in the \
             Configuration sheet; keep one row for it"
        );
        let long = "x".repeat(500);
        let err = read_rows(&[ConfigurationRow::text(&long, "1")]).unwrap_err();
        let at = err.message().split(": ").next().unwrap();
        assert!(at.len() < 100, "the row's label is shortened: {at}");
    }

    #[test]
    fn the_template_is_the_header_and_every_setting_of_the_sheet() {
        let rows = template();
        assert_eq!(rows[0], HEADER.map(str::to_string));
        let settings = OPTIONS
            .iter()
            .filter(|o| o.sheet == SheetPlace::Configuration)
            .count();
        assert_eq!(rows.len(), 1 + settings);
        assert!(rows[1..].iter().all(|r| r[1].is_empty()));
        // A choice lists what it takes; the template reads back as no setting.
        assert!(rows.iter().any(|r| r[3].contains("(one of: ")));
        let read: Vec<_> = rows
            .iter()
            .map(|r| ConfigurationRow::text(&r[0], &r[1]))
            .collect();
        assert_eq!(read_rows(&read).unwrap(), Options::default());
    }
}
