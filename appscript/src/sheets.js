/**
 * @fileoverview The sheets people fill in: Users (the pasted Stripe export)
 * and Configuration (options by the core's catalog labels), and "Set up
 * sheets", which creates them.
 */

var USERS_HEADER = ['Email', 'Name', 'Status', 'Role', 'Two-step authentication', 'Last login'];
var CONFIG_HEADER = ['Setting', 'Value', 'Default', 'What it does'];

/**
 * Runs the core's transform on the Users sheet.
 * @param {{transform: Object}} parsed the Configuration sheet's options
 * @return {Object} a TransformResult, which the caller frees
 */
function transformUsers_(parsed) {
  return toriiCore_().transform({ name: USERS_SHEET, rows: readUsersRows_() }, parsed.transform);
}

/**
 * The Users sheet's cells as text; row i is line i+1 in the core's report,
 * the sheet row. Sheets turns pasted dates into Date values. A date-time is
 * an instant, sent in UTC with its zone, so the core takes its UTC date as
 * for every other input; a date alone (midnight in the sheet's time zone)
 * is the calendar date the sheet shows, as yyyy-MM-dd. ('yyyy' is the
 * calendar year; 'YYYY', the old template's, the week year.)
 * @return {string[][]}
 */
function readUsersRows_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(USERS_SHEET);
  if (!sheet) throw userError_('There is no "' + USERS_SHEET + '" sheet. Paste the Stripe export into a sheet named "' + USERS_SHEET + '" (Torii → Set up sheets makes one).');
  var range = sheet.getDataRange();
  var timeZone = ss.getSpreadsheetTimeZone();
  var display = null; // fetched only if a cell holds an invalid date
  return range.getValues().map(function (row, r) {
    return row.map(function (value, c) {
      if (!(value instanceof Date)) return String(value);
      if (isNaN(value.getTime())) return (display = display || range.getDisplayValues())[r][c];
      var local = Utilities.formatDate(value, timeZone, "yyyy-MM-dd'T'HH:mm:ss");
      if (local.slice(10) === 'T00:00:00') return local.slice(0, 10);
      return value.toISOString(); // the instant in UTC, without a second call to Utilities
    });
  });
}

/**
 * The Configuration sheet's options, parsed by the core: a catalog label in
 * column A, its value in column B. The header row, rows whose label starts
 * with "#" and rows with no value are skipped. Each row is parsed alone
 * first, so a mistake names its row; the core refuses there the settings
 * kept with the key.
 * @return {{transform: Object, sync: Object}}
 */
function readConfiguration_() {
  var core = toriiCore_();
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(CONFIG_SHEET);
  var rows = sheet ? sheet.getDataRange().getValues() : [];
  var pairs = [];
  rows.forEach(function (row, r) {
    var label = String(row[0]).trim();
    var value = row.length > 1 ? String(row[1]).trim() : '';
    if (!label || label.charAt(0) === '#' || (r === 0 && label === CONFIG_HEADER[0]) || !value) return;
    var where = CONFIG_SHEET + ' sheet, row ' + (r + 1) + ' ("' + label + '"): ';
    try {
      core.parseOptions('configuration', [[label, value]]);
    } catch (e) {
      throw userError_(where + readableError_(e));
    }
    pairs.push([label, value]);
  });
  return core.parseOptions('configuration', pairs);
}

/**
 * Creates the Users sheet (the Stripe export's header row) and the
 * Configuration sheet (every Configuration setting of the core's catalog,
 * with its default and help, and no value), each only if it is missing.
 * @return {string[]} the names of the sheets created
 */
function setUpSheets_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var created = [];
  if (!ss.getSheetByName(USERS_SHEET)) {
    writeRows_(ss.insertSheet(USERS_SHEET), 1, [USERS_HEADER], USERS_HEADER.length);
    created.push(USERS_SHEET);
  }
  if (!ss.getSheetByName(CONFIG_SHEET)) {
    var core = toriiCore_();
    var rows = core.optionCatalog().filter(function (o) { return o.sheet === 'configuration'; }).map(function (o) {
      return [o.label, '', o.default, o.help + (o.allowed.length ? ' (one of: ' + o.allowed.join(', ') + ')' : '')];
    });
    writeRows_(ss.insertSheet(CONFIG_SHEET), 1, core.sheetSafe([CONFIG_HEADER].concat(rows)), CONFIG_HEADER.length);
    created.push(CONFIG_SHEET);
  }
  return created;
}
