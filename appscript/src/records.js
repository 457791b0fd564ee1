/**
 * @fileoverview The sheets the script writes: the preview, the hidden last
 * sync, and the history.
 *
 * Sheets runs a written text that starts with = + - or @ as a formula, so
 * everything written that comes from the export, or quotes it, is written as
 * the core neutralised it (previewPage / diagnosticRows with sheetSafe, and
 * sheetSafe for the rest). The hidden "Torii last sync" sheet holds the
 * core's snapshotRows, which always start with "{".
 */

var HISTORY_HEADER = ['Started at', 'Trigger', 'Users', 'Licenses', 'Added', 'Removed', 'Changed', 'File id', 'Result',
  'Duration (s)', 'Message'];
var SHEET_SAFE = { sheetSafe: true };
var PREVIEW_PAGE = 2000;

/**
 * Writes the users to be sent (with their changes and problems) and every
 * diagnostic, with its row in the Users sheet, to the preview sheet.
 * @param {Object} result a TransformResult
 * @return {GoogleAppsScript.Spreadsheet.Sheet}
 */
function writePreview_(result) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(PREVIEW_SHEET) || ss.insertSheet(PREVIEW_SHEET);
  sheet.clearContents();
  var page = result.previewPage(0, PREVIEW_PAGE, SHEET_SAFE);
  var diagnostics = result.diagnosticRows(SHEET_SAFE);
  var width = Math.max(page.columns.length, diagnostics.columns.length);
  var next = writeRows_(sheet, 1, [page.columns], width);
  for (var offset = 0; offset < page.total; offset += PREVIEW_PAGE) {
    if (offset > 0) page = result.previewPage(offset, PREVIEW_PAGE, SHEET_SAFE);
    next = writeRows_(sheet, next, page.rows.map(function (row) { return row.cells; }), width);
  }
  next = writeRows_(sheet, next + 1, [diagnostics.columns], width);
  writeRows_(sheet, next, diagnostics.rows.length ? diagnostics.rows : [['No problems found.']], width);
  return sheet;
}

/**
 * Writes `rows`, padded to `width` cells (setValues needs a rectangle), from sheet row `at`.
 * @param {GoogleAppsScript.Spreadsheet.Sheet} sheet
 * @param {number} at the first row, 1-based
 * @param {Array<Array<*>>} rows
 * @param {number} width
 * @return {number} the row after them
 */
function writeRows_(sheet, at, rows, width) {
  if (!rows.length) return at;
  var padded = rows.map(function (row) {
    var cells = row.slice();
    while (cells.length < width) cells.push('');
    return cells;
  });
  fitSheet_(sheet, at + padded.length - 1, width);
  sheet.getRange(at, 1, padded.length, width).setValues(padded);
  return at + padded.length;
}

/**
 * Grows the sheet's grid to `rows` by `columns` where it is smaller: a new
 * sheet has 1,000 rows and 26 columns, and getRange cannot reach past them.
 * @param {GoogleAppsScript.Spreadsheet.Sheet} sheet
 * @param {number} rows
 * @param {number} columns
 */
function fitSheet_(sheet, rows, columns) {
  var maxRows = sheet.getMaxRows();
  if (rows > maxRows) sheet.insertRowsAfter(maxRows, rows - maxRows);
  var maxColumns = sheet.getMaxColumns();
  if (columns > maxColumns) sheet.insertColumnsAfter(maxColumns, columns - maxColumns);
}

/**
 * Compares the result with the last sync to `target`, when the hidden sheet
 * holds one; the changes then are in the result's report and preview. Its
 * rows go to the sync even when they cannot be read, as every host's do.
 * @param {Object} result a TransformResult
 * @param {?string} target the core's targetKey, null with no account
 * @return {{rows: ?Array<string>, changes: ?Object, note: string}}
 */
function compareWithLastSync_(result, target) {
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(LAST_SYNC_SHEET);
  var values = sheet ? sheet.getDataRange().getValues() : [];
  if (!values.length || String(values[0][0]) !== target) return { rows: null, changes: null, note: '' };
  var rows = values.slice(1).map(function (row) { return String(row[0]); });
  try {
    return { rows: rows, changes: result.compare(rows, SINCE_LAST_SYNC), note: '' };
  } catch (e) {
    // The rows still go to the sync: what a file that cannot be read means for the guard is the core's to say.
    return { rows: rows, changes: null, note: 'The hidden "' + LAST_SYNC_SHEET + '" sheet could not be read (' + readableError_(e) +
      '), so no changes are shown; the next sync replaces it.' };
  }
}

/**
 * Replaces the hidden sheet with the synced users: A1 the target key, then
 * one user per row. It is emptied first, so a failed write leaves nothing
 * stale to compare with.
 * @param {string} target the core's targetKey
 * @param {Object} result the synced TransformResult
 * @return {string} '' or a sentence saying it could not be written
 */
function writeLastSyncSafely_(target, result) {
  try {
    var ss = SpreadsheetApp.getActiveSpreadsheet();
    var sheet = ss.getSheetByName(LAST_SYNC_SHEET) || ss.insertSheet(LAST_SYNC_SHEET);
    sheet.clearContents();
    var values = [[target]].concat(result.snapshotRows().map(function (row) { return [row]; }));
    fitSheet_(sheet, values.length, 1);
    sheet.getRange(1, 1, values.length, 1).setValues(values);
    sheet.hideSheet();
    return '';
  } catch (e) {
    return 'The hidden "' + LAST_SYNC_SHEET + '" sheet could not be written (' + readableError_(e) + '); the next Preview shows no changes.';
  }
}

/** The previous version's history header: no change counts, the file id fifth. */
var HISTORY_HEADER_V1 = ['Started at', 'Trigger', 'Users', 'Licenses', 'File id', 'Result', 'Duration (s)', 'Message'];

/**
 * @return {GoogleAppsScript.Spreadsheet.Sheet} the history sheet, created with its header on first use, and
 *     a previous version's moved to today's columns
 */
function historySheet_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(HISTORY_SHEET);
  if (!sheet) {
    sheet = ss.insertSheet(HISTORY_SHEET);
    sheet.appendRow(HISTORY_HEADER);
  } else {
    upgradeHistory_(sheet);
  }
  return sheet;
}

/**
 * Moves a previous version's history to today's columns, once, so that new
 * rows do not land under its headers: its rows keep their values, with the
 * change counts (which it did not record) left empty. Its texts are written
 * back neutralised, as they were when first written (getValues hands them out
 * without the leading apostrophe).
 * @param {GoogleAppsScript.Spreadsheet.Sheet} sheet
 */
function upgradeHistory_(sheet) {
  var width = HISTORY_HEADER_V1.length;
  if (sheet.getLastColumn() !== width) return;
  var rows = sheet.getRange(1, 1, sheet.getLastRow(), width).getValues();
  if (rows[0].join('\n') !== HISTORY_HEADER_V1.join('\n')) return;
  var old = rows.slice(1);
  var texts = old.length ? toriiCore_().sheetSafe(old.map(function (r) { return [String(r[4]), String(r[5]), String(r[7])]; })) : [];
  var moved = old.map(function (r, i) {
    return [r[0], r[1], r[2], r[3], '', '', '', texts[i][0], texts[i][1], r[6], texts[i][2]];
  });
  fitSheet_(sheet, rows.length, HISTORY_HEADER.length);
  sheet.getRange(1, 1, rows.length, HISTORY_HEADER.length).setValues([HISTORY_HEADER].concat(moved));
}

/**
 * Appends the run to the history; texts that may quote Torii or the export are neutralised.
 * @param {Date} started
 * @param {string} trigger 'manual' or 'scheduled'
 * @param {{users, licenses, added, removed, changed, fileId: string, result: string, message: string}} record
 * @return {string} '' or, if the history could not be written, a sentence saying so
 */
function appendHistorySafely_(started, trigger, record) {
  var seconds = Math.round((Date.now() - started.getTime()) / 100) / 10;
  try {
    var texts = toriiCore_().sheetSafe([record.fileId, redact_(record.message)]);
    historySheet_().appendRow([started, trigger, record.users, record.licenses, record.added, record.removed, record.changed,
      texts[0], record.result, seconds, texts[1]]);
    return '';
  } catch (e) {
    return 'The "' + HISTORY_SHEET + '" sheet could not be written: ' + readableError_(e);
  }
}
