//! JS bindings of the transform: `transform` and its `TransformResult`, the
//! option table, and the small helpers every host shares.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;

use super::args::{self, invalid};
use super::buffer::InputBuffer;
use super::caller;
use super::rows;
use super::sync::{plan_json, SyncSessionJs};
use super::{json, throw};
use crate::changes::{compare, snapshot_rows};
use crate::columns::STRIPE_EXPORT_HEADER;
use crate::error::Result;
use crate::json::{write_array, write_str, ObjectWriter};
use crate::options::catalog::{CliForm, Host, Kind, Options, Scope, SheetPlace, OPTIONS};
use crate::options::command_line::{CommandLine, HostFlag};
use crate::options::configuration_sheet::{self, ConfigurationRow};
use crate::preview::{diagnostic_cells, Preview, DIAGNOSTIC_COLUMNS, PREVIEW_COLUMNS};
use crate::sync::SyncSession;
use crate::text::sheet_cell;
use crate::torii::JsonPosition;
use crate::transform::{transform_inputs, Input, Transformed};

/// `version()`: the core's version, for hosts to show and log.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// `countCsvRecords(bytes)`: records in the text, counted by the `csv`
/// crate alone: the benchmark's raw-parse baseline, built only with the
/// `baseline` feature (`./dev bench` builds it into `pkg-baseline/`).
#[cfg(feature = "baseline")]
#[wasm_bindgen(js_name = countCsvRecords)]
pub fn count_csv_records(bytes: &[u8]) -> f64 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut count = 0u64;
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        count += 1;
    }
    count as f64
}

/// `checkInputSize(bytes)`: throws `input_too_large` when an input of
/// `bytes` bytes (all files together) is more than the core can hold, so a
/// host can refuse a file before reading it.
#[wasm_bindgen(js_name = checkInputSize)]
pub fn check_input_size_js(bytes: JsValue) -> Result<(), JsValue> {
    throw((|| {
        let bytes = args::number(&bytes, "checkInputSize(bytes)")?;
        crate::input::check_input_size(bytes.max(0.0) as u64)
    })())
}

/// `optionCatalog()` → `[{jsName, cliFlag, cliForm, cliPicks, label, sheet,
/// kind, default, allowed, help, scope}]`: every transform and sync option.
#[wasm_bindgen(js_name = optionCatalog)]
pub fn option_catalog() -> JsValue {
    let mut out = Vec::new();
    write_array(&mut out, OPTIONS, |out, o| {
        let mut w = ObjectWriter::new(out);
        let (form, picks) = match o.cli_form {
            CliForm::Value => ("value", None),
            CliForm::Switch => ("switch", None),
            CliForm::SwitchOff => ("switchOff", None),
            CliForm::Picks(value) => ("picks", Some(value)),
        };
        w.str("jsName", o.js_name)
            .str("cliFlag", o.cli_flag)
            .str("cliForm", form)
            .opt_str("cliPicks", picks)
            .str("label", o.label)
            .str(
                "sheet",
                match o.sheet {
                    SheetPlace::Configuration => "configuration",
                    SheetPlace::Settings => "settings",
                },
            )
            .str("kind", o.kind.as_str())
            .str("default", o.default)
            .strs("allowed", o.allowed.iter().copied())
            .str("help", o.help)
            .str(
                "scope",
                match o.scope {
                    Scope::Transform => "transform",
                    Scope::Sync => "sync",
                },
            )
            .bool(
                "repeatable",
                o.kind == Kind::List || o.kind == Kind::StatusMap,
            );
        w.end();
    });
    json(&out)
}

/// `parseOptions(host, entries)` → `{transform, sync, fileName}`: options from
/// `[name, text]` pairs (or `[name, text, number]` for a sheet cell holding
/// a number, see [`Options::from_cells`]) as the CLI (`host` `"cli"`, names are flags), a form
/// or the Settings dialog (`"sheet"`, names are labels) or the Configuration
/// sheet (`"configuration"`: labels, without the options kept with the key)
/// give them. The result's objects are what `transform` and
/// `startSync` take; `fileName` is the name a sync uploads the file under
/// (given or by default), for a download to carry the same. Throws
/// `invalid_option` naming the flag or setting.
#[wasm_bindgen(js_name = parseOptions)]
pub fn parse_options(host: JsValue, entries: JsValue) -> Result<JsValue, JsValue> {
    throw(parse_options_inner(&host, &entries))
}

fn parse_options_inner(host: &JsValue, entries: &JsValue) -> Result<JsValue> {
    let host = match host.as_string().as_deref() {
        Some("cli") => Host::Cli,
        Some("sheet") => Host::Sheet,
        Some("configuration") => Host::Configuration,
        _ => {
            return Err(invalid(
                "parseOptions(host)",
                "\"cli\", \"sheet\" or \"configuration\"",
                host,
            ))
        }
    };
    let cells = named_cells(entries, "parseOptions(entries)")?;
    let options = Options::from_cells(
        host,
        cells
            .iter()
            .map(|(n, v, number)| (n.as_str(), v.as_str(), *number)),
    )?;
    Ok(json(&options_json(&options)))
}

/// A refusal as `{code, message}`, or `null`.
fn refusal_json(refusal: Option<crate::Error>) -> JsValue {
    match refusal {
        Some(error) => {
            let mut out = Vec::new();
            let mut o = ObjectWriter::new(&mut out);
            o.str("code", error.code()).str("message", error.message());
            o.end();
            json(&out)
        }
        None => JsValue::NULL,
    }
}

/// `[name, text]` pairs, or `[name, text, number]` for a sheet cell that
/// holds a number beside the text it shows.
fn named_cells(entries: &JsValue, argument: &str) -> Result<Vec<(String, String, Option<f64>)>> {
    let Some(given) = caller::array(entries, argument)? else {
        return Err(invalid(argument, "an array of [name, text] pairs", entries));
    };
    let mut cells = Vec::new();
    for (i, entry) in given.iter().enumerate() {
        let cell = caller::array(&entry, &format!("{argument}[{i}]"))?
            .filter(|a| matches!(a.length(), 2 | 3))
            .and_then(|a| {
                let number = match a.length() {
                    3 => Some(a.get(2).as_f64()?),
                    _ => None,
                };
                Some((a.get(0).as_string()?, text_of(&a.get(1))?, number))
            })
            .ok_or_else(|| {
                invalid(
                    &format!("{argument}[{i}]"),
                    "a [name, text] pair, or [name, text, number] for a number cell",
                    &entry,
                )
            })?;
        cells.push(cell);
    }
    Ok(cells)
}

/// `readConfigurationSheet(rows)` → `{transform, sync, fileName}`, as
/// `parseOptions` gives them: the Configuration sheet's rows from row 1,
/// each `[label, text]` (column B as the sheet shows it) or `[label, text,
/// number]` for a cell that holds a number. The header row, rows whose label
/// is empty or starts with `#` and rows with no value are skipped
/// ([`configuration_sheet::read_rows`]). Throws `invalid_option`, its
/// message starting with the row.
#[wasm_bindgen(js_name = readConfigurationSheet)]
pub fn read_configuration_sheet(rows: JsValue) -> Result<JsValue, JsValue> {
    throw((|| {
        let cells = named_cells(&rows, "readConfigurationSheet(rows)")?;
        let rows: Vec<ConfigurationRow> = cells
            .iter()
            .map(|(label, value, number)| ConfigurationRow {
                label,
                value,
                number: *number,
            })
            .collect();
        Ok(json(&options_json(&configuration_sheet::read_rows(&rows)?)))
    })())
}

/// `sheetTemplate(sheet)` → the rows "Set up sheets" writes in a new sheet:
/// for `"users"` Stripe's export header, for `"configuration"` its header
/// and then a row per setting with no value, its default and its help.
/// Throws `invalid_argument` for another sheet.
#[wasm_bindgen(js_name = sheetTemplate)]
pub fn sheet_template(sheet: JsValue) -> Result<JsValue, JsValue> {
    let rows: Vec<Vec<String>> = match sheet.as_string().as_deref() {
        Some("users") => vec![STRIPE_EXPORT_HEADER.map(str::to_string).to_vec()],
        Some("configuration") => configuration_sheet::template()
            .into_iter()
            .map(Vec::from)
            .collect(),
        _ => {
            return throw(Err(invalid(
                "sheetTemplate(sheet)",
                "\"users\" or \"configuration\"",
                &sheet,
            )))
        }
    };
    let mut out = Vec::new();
    write_array(&mut out, &rows, |out, row| {
        write_array(out, row, |out, cell| write_str(out, cell))
    });
    Ok(json(&out))
}

/// `parseCommandLine(command, args, hostFlags)` → `{files, host, options,
/// help}`: the arguments after `command` (`"transform"` or `"sync"`, whose
/// options include the transform's) read by the command line's grammar
/// ([`CommandLine`]). `hostFlags` names the host's own flags, each `true`
/// when it takes a value (`{output: true, quiet: false}`), or `null` when
/// only the other command takes it (refused, naming that one); `host` holds
/// those given (the last value of each, `true` for a switch) and `options`
/// is what `parseOptions` gives. Throws `invalid_option` naming the flag.
#[wasm_bindgen(js_name = parseCommandLine)]
pub fn parse_command_line(
    command: JsValue,
    args: JsValue,
    host_flags: JsValue,
) -> Result<JsValue, JsValue> {
    throw((|| {
        let scope = match command.as_string().as_deref() {
            Some("transform") => Scope::Transform,
            Some("sync") => Scope::Sync,
            _ => {
                return Err(invalid(
                    "parseCommandLine(command)",
                    "\"transform\" or \"sync\"",
                    &command,
                ))
            }
        };
        let args = args::strings(&args, "parseCommandLine(args)")?;
        let mut hosts = Vec::new();
        for (name, takes_value) in args::entries(&host_flags, "parseCommandLine(hostFlags)")? {
            let field = format!("parseCommandLine(hostFlags).{name}");
            // null: a flag of the other command, refused naming it.
            let takes_value = match takes_value.is_null() {
                true => None,
                false => Some(args::boolean(&takes_value, &field)?),
            };
            hosts.push((name, takes_value));
        }
        let host_flags: Vec<HostFlag> = hosts
            .iter()
            .map(|(name, takes_value)| match takes_value {
                None => HostFlag::of_other_command(name),
                Some(true) => HostFlag::value(name),
                Some(false) => HostFlag::switch(name),
            })
            .collect();
        let line = CommandLine::parse(&args, scope, &host_flags)?;
        let mut out = Vec::new();
        let mut o = ObjectWriter::new(&mut out);
        o.strs("files", line.files.iter().map(String::as_str));
        o.object("host", |w| {
            for (name, value) in &line.host {
                match value {
                    Some(text) => w.str(name, text),
                    None => w.bool(name, true),
                };
            }
        });
        o.raw("options", &options_json(&line.options));
        o.bool("help", line.help);
        o.end();
        Ok(json(&out))
    })())
}

/// An option's value from a sheet cell or a flag as text: strings as they
/// are, whole numbers and booleans as they print.
fn text_of(value: &JsValue) -> Option<String> {
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    if let Some(b) = value.as_bool() {
        return Some(b.to_string());
    }
    let n = value.as_f64()?;
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Some((n as i64).to_string())
    } else {
        // Other numbers are not a value any option takes as text.
        Some("not a plain number".into())
    }
}

/// Options as the JS objects `transform` and the sync take.
fn options_json(options: &Options) -> Vec<u8> {
    let t = &options.transform;
    let s = &options.sync;
    let mut out = Vec::new();
    let mut o = ObjectWriter::new(&mut out);
    o.object("transform", |w| {
        w.opt_str("licenseName", t.license_name.as_deref());
        if let Some(n) = t.price_per_user_cents {
            w.u64("pricePerUserCents", n);
        }
        if let Some(n) = t.unassigned_amount {
            w.u64("unassignedAmount", n);
        }
        if let Some(b) = t.include_license {
            w.bool("includeLicense", b);
        }
        if t.date_order != Default::default() {
            w.str("dateOrder", t.date_order.as_str());
        }
        let list = |w: &mut ObjectWriter, key: &str, items: &[String]| {
            if !items.is_empty() {
                w.strs(key, items.iter().map(String::as_str));
            }
        };
        list(w, "excludeStatuses", &t.exclude_statuses);
        list(w, "excludeRoles", &t.exclude_roles);
        list(w, "includeDomains", &t.include_domains);
        list(w, "excludeDomains", &t.exclude_domains);
        if !t.status_map.is_empty() {
            w.object("statusMap", |m| {
                for (wording, class) in &t.status_map {
                    m.str(wording, class);
                }
            });
        }
        if t.columns.iter().any(|(_, c)| c.is_some()) {
            w.object("columns", |m| {
                for (field, column) in t.columns.iter() {
                    match column {
                        Some(crate::columns::ColumnRef::Position(n)) => {
                            m.u64(field.name(), *n as u64);
                        }
                        Some(crate::columns::ColumnRef::Header(h)) => {
                            m.str(field.name(), h);
                        }
                        None => {}
                    }
                }
            });
        }
        if let Some(d) = t.delimiter {
            w.str(
                "delimiter",
                if d == b'\t' {
                    "tab"
                } else if d == b';' {
                    ";"
                } else {
                    ","
                },
            );
        }
        if t.strict {
            w.bool("strict", true);
        }
    });
    o.object("sync", |w| {
        w.opt_str("appAccountId", s.app_account_id.as_deref())
            .opt_str("baseUrl", s.base_url.as_deref())
            .opt_str("apiVersion", s.api_version.as_deref())
            .opt_str("fileName", s.file_name.as_deref());
        if s.mode == crate::sync::UploadMode::Direct {
            w.str("mode", "direct");
        }
        if let Some(n) = s.time_budget_ms {
            w.u64("timeBudgetMs", n);
        }
        if let Some(n) = s.request_timeout_ms {
            w.u64("requestTimeoutMs", n);
        }
        if let Some(p) = s.max_drop_percent {
            // Tenths are what the percent option takes from text.
            w.tenths("maxDropPercent", crate::text::to_tenths(p));
        }
    });
    o.str("fileName", s.file_name());
    o.end();
    out
}

/// `sheetSafe(values)`: each string (or each string of each row) as a
/// spreadsheet must receive it to show it as text, never as a formula, and
/// cut to fit a cell ([`sheet_cell`]).
#[wasm_bindgen(js_name = sheetSafe)]
pub fn sheet_safe_js(values: JsValue) -> Result<JsValue, JsValue> {
    const VALUES: &str = "sheetSafe(values)";
    throw((|| {
        let Some(given) = caller::array(&values, VALUES)? else {
            return Err(invalid(VALUES, "an array", &values));
        };
        let safe = |v: JsValue| -> JsValue {
            match v.as_string() {
                Some(text) => JsValue::from_str(&sheet_cell(&text)),
                None => v,
            }
        };
        let out = Array::new();
        for (i, item) in given.iter().enumerate() {
            match caller::array(&item, &format!("{VALUES}[{i}]"))? {
                Some(row) => out.push(&row.iter().map(safe).collect::<Array>()),
                None => out.push(&safe(item)),
            };
        }
        Ok(out.into())
    })())
}

/// The inputs of `transform`: bytes or a string (one unnamed file), or
/// `{name, data}`, or `{name, rows}` (rows of cells, as a sheet gives them,
/// or the same as JSON text: see [`rows`]), or an array of those.
fn inputs(value: &JsValue) -> Result<Vec<Input>> {
    const WHAT: &str = "transform(input)";
    let one = |item: &JsValue, at: &str| -> Result<Input> {
        // An InputBuffer is an object too, but it is the data itself.
        if let Some(buffer) = InputBuffer::try_from_js_value_ref(item) {
            return Ok(Input::new("", buffer.into_bytes()));
        }
        if item.is_object()
            && !item.is_instance_of::<Uint8Array>()
            && !item.is_instance_of::<js_sys::ArrayBuffer>()
            && !caller::is_array(item, at)?
        {
            let field = |key: &str| {
                let argument = format!("{at}.{key}");
                caller::get(item, &key.into(), &argument).map(|value| (value, argument))
            };
            let (name, argument) = field("name")?;
            let name = if name.is_undefined() {
                String::new()
            } else {
                args::string(&name, &argument)?
            };
            let (rows, argument) = field("rows")?;
            if !rows.is_undefined() {
                return Ok(match rows.as_string() {
                    Some(text) => {
                        let (text, split) = rows::json_rows(&text, &argument)?;
                        Input::split_rows(name, text, split)
                    }
                    None => {
                        let (text, split) = rows::array_rows(&rows, &argument)?;
                        Input::split_rows(name, text, split)
                    }
                });
            }
            let (data, argument) = field("data")?;
            return Ok(Input::new(name, args::bytes(&data, &argument)?));
        }
        Ok(Input::new("", args::bytes(item, at)?))
    };
    if let Some(list) = caller::array(value, WHAT)? {
        if list.length() == 0 {
            return Err(invalid(WHAT, "at least one input", value));
        }
        return list
            .iter()
            .enumerate()
            .map(|(i, item)| one(&item, &format!("{WHAT}[{i}]")))
            .collect();
    }
    Ok(vec![one(value, WHAT)?])
}

/// `transform(input, options?)` → `TransformResult`.
///
/// `input` is a `Uint8Array`, an `ArrayBuffer` or a string (one export), or
/// `{name, data}`, or `{name, rows}` (a sheet's cells: an array of rows of
/// cells, or the same rows as JSON text, which crosses into the wasm at
/// once; a cell is text, a number, a boolean or null), or an
/// array of those (several exports into one file; diagnostics name each
/// file). Throws an `Error` with a `code` on a fatal
/// problem.
#[wasm_bindgen(js_name = transform)]
pub fn transform_js(input: JsValue, options: JsValue) -> Result<TransformResult, JsValue> {
    throw((|| {
        let options = args::transform_options(&options, "transform(options)")?;
        let inputs = inputs(&input)?;
        let inner = transform_inputs(inputs, &options.transform)?;
        Ok(TransformResult {
            inner,
            preview: None,
            chunks: JsonPosition::default(),
            chunk: Vec::new(),
        })
    })())
}

/// A transform's result: the file, the report, and the views hosts show.
#[wasm_bindgen]
pub struct TransformResult {
    inner: Transformed,
    preview: Option<Preview>,
    chunks: JsonPosition,
    /// The last piece `nextJsonView` wrote, reused for the next one.
    chunk: Vec<u8>,
}

#[wasm_bindgen]
impl TransformResult {
    /// Users in the file.
    #[wasm_bindgen(getter, js_name = userCount)]
    pub fn user_count(&self) -> u32 {
        self.inner.file.len() as u32
    }

    /// The report: counts per file and in total, totals, diagnostics, and
    /// `changes` once compared.
    pub fn report(&self) -> JsValue {
        json(&self.inner.report.to_json())
    }

    /// The report as the text every host shows.
    #[wasm_bindgen(js_name = reportText)]
    pub fn report_text(&self) -> String {
        self.inner.report.render_text()
    }

    /// What a one-line record of the run keeps of the report: its headline
    /// and each warning about a file's columns, a line each (see
    /// [`crate::report::Report::brief_text`]).
    #[wasm_bindgen(js_name = briefReportText)]
    pub fn brief_report_text(&self) -> String {
        self.inner.report.brief_text()
    }

    /// `{code, message}` when strict mode refuses this result (a broken
    /// quote, rejected rows, unclear columns), else `null`.
    pub fn refusal(&self) -> JsValue {
        refusal_json(self.inner.refusal(self.inner.strict, false))
    }

    /// `{code, message}` when a sync of this result would be refused before
    /// it sends anything: as `refusal`, and a broken quote in any mode (a
    /// broken file is never uploaded), else `null`. What a preview says of
    /// a sync.
    #[wasm_bindgen(js_name = syncRefusal)]
    pub fn sync_refusal(&self) -> JsValue {
        refusal_json(self.inner.refusal(self.inner.strict, true))
    }

    /// The Torii file: the exact bytes to upload or save.
    pub fn json(&self) -> Uint8Array {
        Uint8Array::from(self.inner.to_json().as_slice())
    }

    /// The next piece of the file, of about `maxBytes` (whole users), or
    /// `undefined` once all of it was returned; for writing a large file
    /// without holding it. The piece is a copy the host may keep.
    #[wasm_bindgen(js_name = nextJsonChunk)]
    pub fn next_json_chunk(&mut self, max_bytes: JsValue) -> Result<JsValue, JsValue> {
        let more = self.write_next_chunk(&max_bytes, "nextJsonChunk(maxBytes)")?;
        Ok(if more {
            Uint8Array::from(self.chunk.as_slice()).into()
        } else {
            JsValue::UNDEFINED
        })
    }

    /// `nextJsonView(maxBytes)`: like `nextJsonChunk`, but the piece is a
    /// view over the core's memory instead of a copy, valid only until the
    /// next call into the core: for a host that writes each piece at once
    /// (the CLI), which saves copying the whole file out of wasm memory.
    #[wasm_bindgen(js_name = nextJsonView)]
    pub fn next_json_view(&mut self, max_bytes: JsValue) -> Result<JsValue, JsValue> {
        let more = self.write_next_chunk(&max_bytes, "nextJsonView(maxBytes)")?;
        if !more {
            return Ok(JsValue::UNDEFINED);
        }
        // SAFETY: the view aliases `chunk`, which nothing in Rust touches
        // until the next call into the core; the contract above ends the
        // host's use of the view before that call.
        Ok(unsafe { Uint8Array::view(&self.chunk) }.into())
    }

    /// Writes the next piece into `chunk`; false once the file is complete.
    fn write_next_chunk(&mut self, max_bytes: &JsValue, argument: &str) -> Result<bool, JsValue> {
        let max = throw(args::number(max_bytes, argument))?.max(1.0) as usize;
        self.chunk.clear();
        if self.chunks.is_done() {
            self.chunk.shrink_to_fit();
            return Ok(false);
        }
        let mut chunks = self.inner.file.json_chunks_at(self.chunks);
        self.chunk.reserve(max.min(64 << 20) + 1024);
        chunks.write_next(&mut self.chunk, max);
        self.chunks = chunks.position();
        Ok(true)
    }

    /// Compares the file with the last synced one and puts the changes in
    /// the report. `previous` is that file's JSON (bytes or text) or the
    /// rows `snapshotRows` gave; `since` names it in the summary. Returns
    /// the changes; throws `not_torii_file`.
    pub fn compare(&mut self, previous: JsValue, since: JsValue) -> Result<JsValue, JsValue> {
        throw(self.compare_inner(&previous, &since))
    }

    fn compare_inner(&mut self, previous: &JsValue, since: &JsValue) -> Result<JsValue> {
        let since = if since.is_undefined() || since.is_null() {
            String::new()
        } else {
            args::string(since, "compare(since)")?
        };
        let previous = args::previous_file(previous, "compare(previous)")?;
        let mut changes = compare(&self.inner.file, &previous.snapshot()?);
        changes.since = since;
        let result = json(&changes.to_json());
        self.inner.report.changes = Some(changes);
        self.preview = None;
        Ok(result)
    }

    /// `changesListing(listed)` → `{counts, added, removed, changed}`: the
    /// changes `compare` found, for a person to read, with whole counts and
    /// at most `listed` emails of each kind, written so that no email can
    /// break or reorder the list; `undefined` before `compare`.
    #[wasm_bindgen(js_name = changesListing)]
    pub fn changes_listing(&self, listed: JsValue) -> Result<JsValue, JsValue> {
        let listed = throw(args::number(&listed, "changesListing(listed)"))?;
        Ok(match &self.inner.report.changes {
            Some(changes) => json(&changes.listing_json(listed.max(0.0) as usize)),
            None => JsValue::UNDEFINED,
        })
    }

    /// The rows the Apps Script front end keeps of a synced file: one JSON
    /// object per user, a user too long for a sheet cell going on in rows
    /// that start with `…` (`compare` and `previousFile` join them).
    #[wasm_bindgen(js_name = snapshotRows)]
    pub fn snapshot_rows(&self) -> Array {
        snapshot_rows(&self.inner.file)
            .iter()
            .map(|row| JsValue::from_str(row))
            .collect()
    }

    /// `previewPage(offset, limit, {sheetSafe}?)` → `{total, columns, rows}`:
    /// up to `limit` users from `offset`, each with its license status,
    /// roles, change and diagnostics, `problem` (a warning or an error among
    /// them, which its Problems cell lists), and `cells`, the row as text in
    /// `columns` order (neutralised for a spreadsheet with `sheetSafe`).
    #[wasm_bindgen(js_name = previewPage)]
    pub fn preview_page(
        &mut self,
        offset: JsValue,
        limit: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let offset = throw(args::number(&offset, "previewPage(offset)"))?.max(0.0) as usize;
        let limit = throw(args::number(&limit, "previewPage(limit)"))?.max(0.0) as usize;
        let for_sheet = throw(sheet_option(&options, "previewPage(options)"))?;
        let preview = self
            .preview
            .get_or_insert_with(|| Preview::new(&self.inner));
        let report = &self.inner.report;
        let rows = preview.page(&self.inner, offset, limit);
        let mut out = Vec::with_capacity(rows.len() * 400 + 256);
        let mut o = ObjectWriter::new(&mut out);
        o.u64("total", self.inner.file.len() as u64);
        o.strs("columns", PREVIEW_COLUMNS);
        o.array("rows", &rows, |list, row| {
            let user = &row.user;
            let mut w = ObjectWriter::new(list);
            w.u64("index", row.index as u64)
                .str("email", user.email())
                .opt_str("firstName", user.first_name())
                .opt_str("lastName", user.last_name())
                .str("status", user.status().as_str())
                .opt_str("externalStatus", user.external_status())
                .str("licenseStatus", user.license_status().as_str())
                .strs("roles", user.roles());
            if let Some(date) = user.last_used_date() {
                w.str("lastUsedDate", &date.to_string());
            }
            if let Some(change) = row.change {
                w.str("change", change.as_str());
                if let crate::preview::ChangeMark::Changed(fields) = change {
                    w.strs("changedFields", fields.iter().copied());
                }
            }
            w.array("diagnostics", &row.diagnostics, |diags, d| {
                report.write_diagnostic(d, diags)
            })
            .bool("problem", row.has_problem());
            w.array("cells", &row.cells(report), |out, cell| {
                write_cell(out, cell, for_sheet)
            });
            w.end();
        });
        o.end();
        Ok(json(&out))
    }

    /// `diagnosticRows({sheetSafe}?)` → `{columns, rows}`: every diagnostic as
    /// text cells.
    #[wasm_bindgen(js_name = diagnosticRows)]
    pub fn diagnostic_rows(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let for_sheet = throw(sheet_option(&options, "diagnosticRows(options)"))?;
        let rows = diagnostic_cells(&self.inner.report);
        let mut out = Vec::with_capacity(rows.len() * 200 + 64);
        let mut o = ObjectWriter::new(&mut out);
        o.strs("columns", DIAGNOSTIC_COLUMNS);
        o.array("rows", &rows, |list, row| {
            write_array(list, row, |out, cell| write_cell(out, cell, for_sheet))
        });
        o.end();
        Ok(json(&out))
    }

    /// `startSync(config, seed)` → a `SyncSession` for this file, guarded by
    /// the config's `baseline` and `previousFile`. A host whose run ends at
    /// a fixed time gives `runEndsAtMs` (and `longestRequestMs` when its
    /// requests can outlast the timeout): nothing is sent unless the sync
    /// and the host's records fit before then. Throws `broken_file` (a
    /// broken quote), `rows_rejected` or `unclear_columns` (strict),
    /// `invalid_config`.
    #[wasm_bindgen(js_name = startSync)]
    pub fn start_sync(&self, config: JsValue, seed: JsValue) -> Result<SyncSessionJs, JsValue> {
        throw((|| {
            let config = args::sync_config(&config, "startSync(config)")?;
            let seed = args::number(&seed, "startSync(seed)")?;
            let session = SyncSession::new(&config, &self.inner, seed.abs() as u64)?;
            Ok(SyncSessionJs::wrap(session))
        })())
    }

    /// `plan(config)` → what a sync would send (`requests`, built by the
    /// code that sends them), the guard's `verdict`, the `changes`, and a
    /// ready `text`. Needs no API key; sends nothing.
    pub fn plan(&self, config: JsValue) -> Result<JsValue, JsValue> {
        throw((|| {
            let config = args::sync_config(&config, "plan(config)")?;
            let plan = SyncSession::plan(&config, &self.inner, 0)?;
            Ok(json(&plan_json(&plan)))
        })())
    }
}

/// Appends a cell of text, as a spreadsheet cell must receive it
/// ([`sheet_cell`]) when `for_sheet`.
fn write_cell(out: &mut Vec<u8>, cell: &str, for_sheet: bool) {
    if for_sheet {
        write_str(out, &sheet_cell(cell));
    } else {
        write_str(out, cell);
    }
}

/// Reads `{sheetSafe: boolean}` (absent: false).
fn sheet_option(options: &JsValue, argument: &str) -> Result<bool> {
    if options.is_undefined() || options.is_null() {
        return Ok(false);
    }
    if !options.is_object() {
        return Err(invalid(argument, "an object", options));
    }
    let field = format!("{argument}.sheetSafe");
    let value = caller::get(options, &"sheetSafe".into(), &field)?;
    if value.is_undefined() {
        return Ok(false);
    }
    args::boolean(&value, &field)
}
