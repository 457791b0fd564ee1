/**
 * @fileoverview The sheets people fill in: Users (the pasted Stripe export)
 * and Configuration (options by the core's catalog labels), and "Set up
 * sheets", which creates them.
 */

var DAY_MS = 86400000;
/** The span wallClock_ takes one offset for: shorter than any gap between two clock changes (see there). */
var SPAN_MS = 6 * DAY_MS;

/**
 * Runs the core's transform on the Users sheet.
 * @param {{transform: Object}} parsed the Configuration sheet's options
 * @return {Object} a TransformResult, which the caller frees
 */
function transformUsers_(parsed) {
  return toriiCore_().transform({ name: USERS_SHEET, rows: readUsersRows_() }, parsed.transform);
}

/**
 * The Users sheet's cells as JSON text, which crosses into the core at once;
 * row i is line i+1 in the core's report, the sheet row. Texts, numbers and
 * booleans go as they are: the core reads them (a number as the text
 * JavaScript writes for it). A valid Date goes as a date cell,
 * {wallClockMs: N}, N its wall-clock time (wallClock_): the core writes its
 * text, and says when a column of date cells also holds dates Sheets left as
 * text in the other day order. What JSON cannot hold goes as its text: a
 * number that is not finite as String gives it, and an invalid Date (or one
 * whose wall clock formatDate does not give) as the sheet displays it.
 * @return {string}
 */
function readUsersRows_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(USERS_SHEET);
  if (!sheet) throw userError_('There is no "' + USERS_SHEET + '" sheet. Paste the Stripe export into a sheet named "' + USERS_SHEET + '" (Torii → Set up sheets makes one).');
  var range = sheet.getDataRange();
  var values = range.getValues(); // a fresh copy, ours to change
  var clock = wallClock_(ss.getSpreadsheetTimeZone());
  var display = null; // fetched only for an invalid date, or one without a wall clock
  var wall;
  for (var r = 0; r < values.length; r++) {
    var row = values[r];
    for (var c = 0; c < row.length; c++) {
      var value = row[c];
      if (typeof value === 'object' && value !== null) {
        if (!(value instanceof Date)) row[c] = String(value);
        else if (!isNaN(value.getTime()) && isFinite(wall = clock(value))) row[c] = { wallClockMs: wall };
        else row[c] = (display = display || range.getDisplayValues())[r][c];
      } else if (typeof value === 'number' && !isFinite(value)) {
        row[c] = String(value);
      }
    }
  }
  return JSON.stringify(values);
}

/**
 * The wall clock of the spreadsheet's time zone: a function from a valid
 * Date to its wall-clock time there, as milliseconds since 1970-01-01 00:00
 * of that clock (Utilities.formatDate's reading of it, 'yyyy' the calendar
 * year; 'YYYY', the old template's, is the week year). Sheets turns a pasted
 * date or date-time without a zone into a Date at that wall-clock time in the
 * spreadsheet's time zone; read back as that wall clock, without a zone, the
 * core takes it as it takes the same text in a CSV file, so the Sheet and the
 * CLI agree on every date.
 * formatDate is slow in Apps Script, so it is asked for the offset at the
 * start and the end of each six-day span (counted in UTC from 1970) a cell
 * falls in: equal offsets at both ends hold for the whole span, since no
 * zone changes its offset twice within six days. The shortest gap between
 * two changes in the time zone database, 1900 to 2100, is 6 days 23 hours
 * (Boa Vista, Noronha and Recife in October 2000, and Gaza and Hebron in
 * years its rules predict), so a week would not be safe; only backzone's
 * Freetown of 1939, four days, is shorter. A span ends at the instant the
 * next one starts, so the spans of a run of dates share their ends. In a
 * span with a change, the same is asked per UTC day, and on the day of the
 * change per distinct instant.
 * @param {string} timeZone the spreadsheet's
 * @return {function(Date): number}
 */
function wallClock_(timeZone) {
  var format = function (date) { return Utilities.formatDate(date, timeZone, "yyyy-MM-dd'T'HH:mm:ss"); };
  var offsets = new Map(); // per instant asked: its offset
  var offsetAt = function (time) {
    var offset = offsets.get(time);
    if (offset === undefined) offsets.set(time, (offset = utcOf_(format(new Date(time))) - time));
    return offset;
  };
  var spans = new Map(); // per span: its one offset, or NaN when it changes in that span
  var days = new Map(); // the same per UTC day, in spans with a change
  var offsetOver = function (periods, length, time) {
    var start = Math.floor(time / length) * length;
    var offset = periods.get(start);
    if (offset === undefined) {
      offset = offsetAt(start);
      if (offsetAt(start + length) !== offset) offset = NaN;
      periods.set(start, offset);
    }
    return offset;
  };
  return function (value) {
    var time = value.getTime();
    var offset = offsetOver(spans, SPAN_MS, time);
    if (isNaN(offset)) offset = offsetOver(days, DAY_MS, time);
    return isNaN(offset) ? offsetAt(time) + time : time + offset;
  };
}

/**
 * The time of a wall-clock text formatDate wrote, read as UTC. Not
 * Date.parse: a year of five digits (a large number formatted as a date) is
 * no date to it, and the cell must still reach the core, which reports it.
 * @param {string} text yyyy-MM-ddTHH:mm:ss, the year of any length
 * @return {number}
 */
function utcOf_(text) {
  var part = /^(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!part) return NaN;
  var date = new Date(0);
  date.setUTCFullYear(Number(part[1]), Number(part[2]) - 1, Number(part[3])); // not Date.UTC: it reads 0 to 99 as 1900 to 1999
  date.setUTCHours(Number(part[4]), Number(part[5]), Number(part[6]));
  return date.getTime();
}

/**
 * The Configuration sheet's options, read by the core from its rows: a
 * label in column A, and column B as the sheet shows it (a number or a date
 * as the text it shows, and a number also as itself: Sheets holds a typed
 * "20%" as 0.2; which one a setting reads is the core's to say). Which rows
 * count, and the row a mistake names, are the core's rules too.
 * @return {{transform: Object, sync: Object}}
 */
function readConfiguration_() {
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(CONFIG_SHEET);
  var range = sheet ? sheet.getDataRange() : null;
  var display = null; // fetched only if a value is a number or a date
  var rows = (range ? range.getValues() : []).map(function (row, r) {
    var value = row.length > 1 ? row[1] : '';
    var text = typeof value === 'number' || value instanceof Date ? (display = display || range.getDisplayValues())[r][1] : String(value);
    return typeof value === 'number' ? [String(row[0]), text, value] : [String(row[0]), text];
  });
  try {
    return toriiCore_().readConfigurationSheet(rows);
  } catch (e) {
    throw userError_(readableError_(e));
  }
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
  var core = toriiCore_();
  if (!ss.getSheetByName(USERS_SHEET)) {
    var header = core.sheetTemplate('users'); // Stripe's export header
    writeRows_(ss.insertSheet(USERS_SHEET), 1, core.sheetSafe(header), header[0].length);
    created.push(USERS_SHEET);
  }
  if (!ss.getSheetByName(CONFIG_SHEET)) {
    var rows = core.sheetTemplate('configuration'); // the header, then each setting with its default and help
    var config = ss.insertSheet(CONFIG_SHEET);
    writeRows_(config, 1, core.sheetSafe(rows), rows[0].length);
    // Plain text: a value is kept as typed ("1.0" stays "1.0", not the number 1).
    config.getRange(2, 2, config.getMaxRows() - 1, 1).setNumberFormat('@');
    created.push(CONFIG_SHEET);
  }
  return created;
}
