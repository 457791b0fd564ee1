/**
 * @fileoverview The Google Sheet's "Torii" menu: a thin host around the wasm
 * core.
 *
 * It reads the "Users" sheet (a pasted Stripe team export) and the optional
 * "Configuration" sheet, hands the text to the core, sends the requests the
 * core's SyncSession asks for with UrlFetchApp, and shows the results. Every
 * decision about rows, requests, retries and the destructive-sync guard is
 * the core's; this file only moves cells, requests and messages.
 *
 * Secrets: the API key, the App Account ID and the API URL live in
 * UserProperties (readable by the current user only), never in
 * DocumentProperties, a sheet or a log. The API URL is kept with the key
 * because it decides where the key is sent: a sheet editor must not be able
 * to redirect someone else's scheduled sync. The last synced user count (a
 * number, not a secret) lives in DocumentProperties so every editor's sync
 * is guarded against the same baseline.
 *
 * Every menu and trigger entry point catches everything: a failure ends as a
 * readable dialog or a "Sync history" row, never a stack trace, and never
 * with the key in it.
 */

var USERS_SHEET = 'Users';
var CONFIG_SHEET = 'Configuration';
var PREVIEW_SHEET = 'Torii preview';
var HISTORY_SHEET = 'Sync history';
var KEY_PROPERTY = 'TORII_API_KEY';
var ACCOUNT_PROPERTY = 'TORII_APP_ACCOUNT_ID';
var API_URL_PROPERTY = 'TORII_API_URL';
var LEGACY_KEY_PROPERTY = 'api_key';
var LEGACY_ACCOUNT_PROPERTY = 'app_id';
var LAST_COUNT_PREFIX = 'TORII_LAST_USER_COUNT:';
var DEFAULT_API_URL = 'https://api.toriihq.com/v1.0';
var SCHEDULE_HANDLER = 'scheduledSync';
var HISTORY_HEADER = ['Started at', 'Trigger', 'Users', 'Licenses', 'File id', 'Result', 'Duration (s)', 'Message'];
var LOCK_WAIT_MS = 5000;
// Apps Script stops an execution after 6 minutes and one UrlFetchApp call can
// take 60 s: no request starts after 4 minutes, so the history row is written.
var SEND_DEADLINE_MS = 4 * 60 * 1000;

/** Simple trigger: adds the Torii menu. */
function onOpen() {
  SpreadsheetApp.getUi()
    .createMenu('Torii')
    .addItem('Sync now', 'syncNow')
    .addItem('Preview', 'previewNow')
    .addSeparator()
    .addItem('Settings…', 'showSettings')
    .addItem('Schedule daily sync…', 'scheduleDailySync')
    .addItem('Stop schedule', 'stopSchedule')
    .addItem('Sync history', 'showHistory')
    .addToUi();
}

/** Menu: transform the Users sheet and sync it to Torii. */
function syncNow() {
  runSync_({ trigger: 'manual', interactive: true });
}

/** Time-driven trigger: the same sync, unattended. */
function scheduledSync() {
  runSync_({ trigger: 'scheduled', interactive: false });
}

/** Menu: write what would be sent, and every diagnostic, to the preview sheet. Sends nothing. */
function previewNow() {
  withErrorDialog_('Torii preview', function (ui) {
    var out = transformUsersSheet_(readConfiguration_());
    writePreview_(out).activate();
    ui.alert('Torii preview', out.reportText.split('\n')[0] + '.\n\nNothing was sent. The users and every ' +
      'problem found, with its row, are in the "' + PREVIEW_SHEET + '" sheet.', ui.ButtonSet.OK);
  });
}

/** Menu: the settings dialog (API key, App Account ID, API URL). */
function showSettings() {
  withErrorDialog_('Torii settings', function (ui) {
    var settings = storedSettings_();
    var html = HtmlService.createHtmlOutput(settingsHtml_(settings)).setWidth(440).setHeight(360);
    ui.showModalDialog(html, 'Torii settings');
  });
}

/**
 * Called by the settings dialog. An empty key keeps the stored one, so the
 * account can change without typing the key again; an empty API URL means
 * Torii's. Errors reach the dialog's failure handler as plain sentences.
 * @param {{apiKey: string, appAccountId: string, apiUrl: string}} form
 * @return {string} a confirmation for the dialog
 */
function saveSettings(form) {
  var apiKey = String((form && form.apiKey) || '').trim();
  var account = String((form && form.appAccountId) || '').trim();
  var apiUrl = String((form && form.apiUrl) || '').trim().replace(/\/+$/, '');
  var props = PropertiesService.getUserProperties();
  // The key goes into an HTTP header: refuse what a header cannot carry, without echoing it.
  if (apiKey && !/^[\x21-\x7e]+$/.test(apiKey)) throw new Error('The API key has spaces or characters an API key cannot have.');
  if (!apiKey && !props.getProperty(KEY_PROPERTY)) throw new Error('The API key is required.');
  if (!account) throw new Error('The App Account ID is required.');
  if (apiUrl && !/^https:\/\/[^\s/]+/i.test(apiUrl)) throw new Error('The API URL must start with https://');
  if (apiKey) props.setProperty(KEY_PROPERTY, apiKey);
  props.setProperty(ACCOUNT_PROPERTY, account);
  if (apiUrl && apiUrl !== DEFAULT_API_URL) props.setProperty(API_URL_PROPERTY, apiUrl);
  else props.deleteProperty(API_URL_PROPERTY);
  return 'Saved for your Google account only.';
}

/** Menu: a daily sync at an hour the user picks, in the spreadsheet's time zone. */
function scheduleDailySync() {
  withErrorDialog_('Schedule daily sync', function (ui) {
    requireSettings_(storedSettings_());
    var answer = ui.prompt('Schedule daily sync', 'Hour of the day to sync, 0 to 23 (spreadsheet time zone):', ui.ButtonSet.OK_CANCEL);
    if (answer.getSelectedButton() !== ui.Button.OK) return;
    var text = answer.getResponseText().trim();
    if (!/^\d{1,2}$/.test(text) || Number(text) > 23) throw userError_('Enter a whole hour from 0 to 23.');
    var hour = Number(text);
    removeScheduleTriggers_();
    var timeZone = SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
    ScriptApp.newTrigger(SCHEDULE_HANDLER).timeBased().atHour(hour).everyDays(1).inTimezone(timeZone).create();
    ui.alert('Schedule daily sync', 'Torii will sync every day between ' + hour + ':00 and ' + (hour + 1) + ':00 (' +
      timeZone + '), with your settings. Each run adds a row to the "' + HISTORY_SHEET + '" sheet.', ui.ButtonSet.OK);
  });
}

/** Menu: remove the daily sync. */
function stopSchedule() {
  withErrorDialog_('Stop schedule', function (ui) {
    var removed = removeScheduleTriggers_();
    ui.alert('Stop schedule', removed ? 'The daily sync is stopped.' : 'You have no daily sync scheduled.', ui.ButtonSet.OK);
  });
}

/** Menu: open the history sheet. */
function showHistory() {
  withErrorDialog_('Sync history', function () {
    historySheet_().activate();
  });
}

/**
 * Runs a menu action; any error becomes a readable alert.
 * @param {string} title
 * @param {function(GoogleAppsScript.Base.Ui)} action
 */
function withErrorDialog_(title, action) {
  var ui = SpreadsheetApp.getUi();
  try {
    action(ui);
  } catch (e) {
    ui.alert(title, readableError_(e), ui.ButtonSet.OK);
  }
}

/**
 * One sync, manual or scheduled: locked, guarded, recorded in the history.
 * The lock is released before the result is shown, so a dialog left open
 * never blocks the next sync.
 * @param {{trigger: string, interactive: boolean}} run
 */
function runSync_(run) {
  var started = new Date();
  var ui = run.interactive ? SpreadsheetApp.getUi() : null;
  var record = { users: '', licenses: '', fileId: '', result: 'failed', message: '' };
  var apiKey = '';
  var synced = null;
  var lock = null;
  try {
    lock = LockService.getDocumentLock();
    if (!lock.tryLock(LOCK_WAIT_MS)) {
      lock = null;
      throw userError_('Another sync of this spreadsheet is running; nothing was sent. Try again when it has finished.', 'skipped');
    }
    var settings = requireSettings_(storedSettings_());
    apiKey = settings.apiKey;
    synced = syncUsers_(settings, started, ui, record);
  } catch (e) {
    record.result = (e && e.result) || 'failed';
    record.message = redact_(readableError_(e), apiKey);
  } finally {
    if (lock) lock.releaseLock();
  }
  var historyProblem = appendHistorySafely_(started, run.trigger, record);
  if (!ui) return;
  if (synced) showResult_(synced.out, synced.outcome, historyProblem);
  else ui.alert('Torii sync: ' + record.result, record.message + historyProblem, ui.ButtonSet.OK);
}

/**
 * Transforms the Users sheet, applies the guard and drives the sync; fills
 * `record` for the history. Throws on any failure.
 * @return {{out: Object, outcome: Object}}
 */
function syncUsers_(settings, started, ui, record) {
  var config = readConfiguration_();
  var out = transformUsersSheet_(config);
  writePreview_(out);
  record.users = out.report.usersExported;
  record.licenses = out.file.licenses ? out.file.licenses.length : 0;

  var core = toriiCore_();
  var countKey = LAST_COUNT_PREFIX + settings.apiUrl + '#' + settings.appAccountId;
  var documentProps = PropertiesService.getDocumentProperties();
  var stored = documentProps.getProperty(countKey);
  var previous = stored === null ? undefined : Number(stored);
  var allowDrop = confirmDrop_(core, previous, out.report.usersExported, config.sync.maxDropPercent, ui);
  var session = new core.SyncSession({
    apiKey: settings.apiKey,
    appAccountId: settings.appAccountId,
    baseUrl: settings.apiUrl,
    fileName: config.sync.fileName,
    apiVersion: config.sync.apiVersion,
    previousUserCount: previous,
    maxDropPercent: config.sync.maxDropPercent,
    allowDrop: allowDrop,
  }, out.json, Math.floor(Math.random() * 4294967296)); // the core only needs a jitter seed
  var outcome = driveSession_(session, started.getTime() + SEND_DEADLINE_MS, ui ? toast_ : function () {});
  documentProps.setProperty(countKey, String(outcome.userCount));
  record.fileId = String(outcome.fileId);
  record.result = 'synced';
  record.message = 'Synced ' + plural_(outcome.userCount, 'user') + ': ' + plural_(outcome.requests, 'request') + ', ' +
    plural_(outcome.retries, 'retry', 'retries') + '. ' + out.reportText.split('\n')[0] + '.';
  return { out: out, outcome: outcome };
}

/**
 * The core's destructive-sync guard. A person is asked; a scheduled run,
 * with no one to ask, refuses.
 * @return {boolean} whether the drop was confirmed (allowDrop for the session)
 */
function confirmDrop_(core, previous, userCount, maxDropPercent, ui) {
  var verdict = core.checkSyncGuard({ previousUserCount: previous, userCount: userCount, maxDropPercent: maxDropPercent });
  if (verdict.allowed) return false;
  if (!ui) throw userError_(verdict.message + '. A scheduled sync cannot be confirmed: run Torii → Sync now.', 'refused');
  var answer = ui.alert('Confirm sync', verdict.message + '.\n\nSync anyway?', ui.ButtonSet.YES_NO);
  if (answer !== ui.Button.YES) throw userError_('Cancelled: nothing was sent.', 'cancelled');
  return true;
}

/**
 * Sends what the session asks for until it is done; throws its error if it
 * fails. `onProgress` sees every request before it is sent, and every wait.
 * @param {Object} session a core SyncSession
 * @param {number} deadline epoch ms after which no request starts
 * @param {function(string)} onProgress
 * @return {Object} the session's outcome
 */
function driveSession_(session, deadline, onProgress) {
  try {
    for (;;) {
      var action = session.poll(Date.now());
      if (action.type === 'send') {
        if (Date.now() > deadline) {
          throw userError_('Stopped before step ' + action.index + '/' + action.total + ' (' + action.label +
            '): Apps Script ends a run after 6 minutes and this sync was taking too long. Nothing more was sent.');
        }
        onProgress(action.index + '/' + action.total + ' ' + action.label + (action.attempt > 1 ? ' (attempt ' + action.attempt + ')' : ''));
        session.handleResponse(Date.now(), send_(action.request));
      } else if (action.type === 'wait') {
        onProgress('Waiting ' + Math.ceil(action.ms / 1000) + ' s: ' + action.reason);
        Utilities.sleep(Math.ceil(action.ms)); // sleep takes whole milliseconds
      } else if (action.type === 'done') {
        return action.outcome;
      } else {
        var error = new Error(action.error.message);
        error.code = action.error.code;
        throw error;
      }
    }
  } finally {
    session.free();
  }
}

/**
 * One request through UrlFetchApp, as the core's response data. A request
 * that gets no HTTP answer (DNS, refused, timeout) is a transport error, which
 * the core retries.
 * @param {{method: string, url: string, headers: Object<string, string>, body: ?string}} request
 * @return {Object} {status, headers, body} or {transportError}
 */
function send_(request) {
  var headers = {};
  var contentType = null;
  Object.keys(request.headers).forEach(function (name) {
    // UrlFetchApp takes the content type as an option and may drop it from
    // the headers; the upload's must reach S3 exactly as it was signed.
    if (name.toLowerCase() === 'content-type') contentType = request.headers[name];
    else headers[name] = request.headers[name];
  });
  var options = { method: request.method.toLowerCase(), headers: headers, muteHttpExceptions: true, followRedirects: false };
  if (contentType !== null) options.contentType = contentType;
  if (request.body !== null && request.body !== undefined) options.payload = request.body;
  var response;
  try {
    response = UrlFetchApp.fetch(request.url, options);
  } catch (e) {
    return { transportError: String((e && e.message) || e) };
  }
  var all = response.getAllHeaders();
  var lower = {};
  Object.keys(all).forEach(function (name) { lower[name.toLowerCase()] = String(all[name]); });
  return { status: response.getResponseCode(), headers: lower, body: response.getContentText() };
}

/** Progress for the person watching: a toast in the corner of the sheet. */
function toast_(text) {
  SpreadsheetApp.getActiveSpreadsheet().toast(text, 'Torii sync');
}

/**
 * Reads the Users sheet and runs the core's transform.
 * @param {{transform: Object}} config
 * @return {{json: string, report: Object, reportText: string, file: Object, rowOfLine: number[]}}
 */
function transformUsersSheet_(config) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(USERS_SHEET);
  if (!sheet) throw userError_('There is no "' + USERS_SHEET + '" sheet. Paste the Stripe export into a sheet named "' + USERS_SHEET + '".');
  var csv = sheetToCsv_(sheet.getDataRange(), ss.getSpreadsheetTimeZone());
  var options = {};
  Object.keys(config.transform).forEach(function (name) { options[name] = config.transform[name]; });
  options.delimiter = ','; // the CSV is ours: no sniffing a header cell's semicolon
  var out = toriiCore_().transformJson(csv.text, options);
  return { json: out.json, report: out.report, reportText: out.reportText, file: JSON.parse(out.json), rowOfLine: csv.rowOfLine };
}

/**
 * The range as CSV text, and the sheet row of each CSV line (a cell with a
 * line break spans several lines; the core reports lines, people see rows).
 * Cells keep the value Stripe exported, except dates: Sheets turns pasted
 * dates into Date values, which become ISO text. A date-time becomes its UTC
 * instant, which the core reads exactly; a date alone (midnight in the
 * spreadsheet's time zone) becomes that calendar date, because its UTC
 * instant can fall on the previous day.
 * @param {GoogleAppsScript.Spreadsheet.Range} range
 * @param {string} timeZone the spreadsheet's
 * @return {{text: string, rowOfLine: number[]}} rowOfLine[line] is the 1-based row
 */
function sheetToCsv_(range, timeZone) {
  var values = range.getValues();
  var display = null; // fetched only if a cell holds an invalid date
  var lines = [];
  var rowOfLine = [0];
  for (var r = 0; r < values.length; r++) {
    var cells = [];
    for (var c = 0; c < values[r].length; c++) {
      var value = values[r][c];
      var text;
      if (value instanceof Date) {
        if (isNaN(value.getTime())) text = (display = display || range.getDisplayValues())[r][c];
        else text = dateCellText_(value, timeZone);
      } else {
        text = String(value).replace(/\r\n?/g, '\n');
      }
      cells.push(/[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text);
    }
    var line = cells.join(',');
    lines.push(line);
    var spans = line.indexOf('\n') < 0 ? 1 : line.split('\n').length;
    for (var k = 0; k < spans; k++) rowOfLine.push(r + 1);
  }
  return { text: lines.join('\n') + '\n', rowOfLine: rowOfLine };
}

/** A Date cell as ISO text (see sheetToCsv_). */
function dateCellText_(date, timeZone) {
  // 'yyyy' is the calendar year; 'YYYY' (the old template's) is the week year.
  var local = Utilities.formatDate(date, timeZone, 'yyyy-MM-dd HH:mm:ss');
  return local.slice(11) === '00:00:00' ? local.slice(0, 10) : date.toISOString();
}

/**
 * The settings of the optional Configuration sheet, by normalised name
 * (lower case, letters only): where each goes and how its value is read.
 */
var CONFIG_SETTINGS_ = {
  licensename: ['transform', 'licenseName', 'text'],
  priceperuserincents: ['transform', 'pricePerUserCents', 'number'],
  priceperusercents: ['transform', 'pricePerUserCents', 'number'],
  unassignedamount: ['transform', 'unassignedAmount', 'number'],
  unassignedlicenses: ['transform', 'unassignedAmount', 'number'],
  includelicense: ['transform', 'includeLicense', 'boolean'],
  dateorder: ['transform', 'dateOrder', 'text'],
  excludedstatuses: ['transform', 'excludeStatuses', 'list'],
  excludedroles: ['transform', 'excludeRoles', 'list'],
  excludeddomains: ['transform', 'excludeDomains', 'list'],
  includeddomains: ['transform', 'includeDomains', 'list'],
  statusmap: ['transform', 'statusMap', 'pairs'],
  columnmapping: ['transform', 'columns', 'columns'],
  emailcolumn: ['column', 'email', 'column'],
  namecolumn: ['column', 'name', 'column'],
  firstnamecolumn: ['column', 'firstName', 'column'],
  lastnamecolumn: ['column', 'lastName', 'column'],
  statuscolumn: ['column', 'status', 'column'],
  rolecolumn: ['column', 'roles', 'column'],
  rolescolumn: ['column', 'roles', 'column'],
  lastusedcolumn: ['column', 'lastUsed', 'column'],
  apiversion: ['sync', 'apiVersion', 'text'],
  filename: ['sync', 'fileName', 'text'],
  maxdroppercent: ['sync', 'maxDropPercent', 'number'],
};

/** Field names accepted in "Column mapping", by normalised name. */
var COLUMN_FIELDS_ = {
  email: 'email', name: 'name', firstname: 'firstName', lastname: 'lastName', status: 'status',
  role: 'roles', roles: 'roles', lastused: 'lastUsed', lastlogin: 'lastUsed',
};

/**
 * Reads the Configuration sheet: a setting name in column A, its value in
 * column B. A header row ("Setting"/"Key") and rows starting with "#" are
 * skipped; an unknown name is an error naming its row. Values are passed on
 * as written; the core validates them.
 * @return {{transform: Object, sync: Object}}
 */
function readConfiguration_() {
  var config = { transform: {}, sync: {} };
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(CONFIG_SHEET);
  if (!sheet) return config;
  var rows = sheet.getDataRange().getValues();
  for (var r = 0; r < rows.length; r++) {
    var label = String(rows[r][0]).trim();
    var value = rows[r].length > 1 ? rows[r][1] : '';
    var key = label.toLowerCase().replace(/[^a-z]/g, '');
    if (!label || label.charAt(0) === '#' || key === 'setting' || key === 'key' || String(value).trim() === '') continue;
    var where = 'Configuration sheet, row ' + (r + 1) + ' ("' + label + '")';
    if (key === 'apiurl' || key === 'apibaseurl') {
      throw userError_(where + ': the API URL decides where your API key is sent, so it is set in Torii → Settings…, not in a sheet.');
    }
    var spec = CONFIG_SETTINGS_[key];
    if (!spec) throw userError_(where + ': unknown setting.');
    var parsed = configValue_(value, spec[2], where);
    if (spec[0] === 'column') (config.transform.columns = config.transform.columns || {})[spec[1]] = parsed;
    else if (spec[1] === 'columns') config.transform.columns = mergeColumns_(config.transform.columns, parsed);
    else config[spec[0]][spec[1]] = parsed;
  }
  return config;
}

/** Column settings from either form; the later row wins. */
function mergeColumns_(columns, more) {
  var merged = columns || {};
  Object.keys(more).forEach(function (field) { merged[field] = more[field]; });
  return merged;
}

/**
 * One Configuration value, read as `type`.
 * @param {*} value the cell's value
 * @param {string} type text | number | boolean | list | pairs | column | columns
 * @param {string} where names the row in error messages
 */
function configValue_(value, type, where) {
  var text = String(value).trim();
  if (type === 'number') {
    var n = typeof value === 'number' ? value : Number(text);
    if (isNaN(n)) throw userError_(where + ': needs a number, got "' + text + '".');
    return n;
  }
  if (type === 'boolean') {
    if (value === true || /^(true|yes|y|1)$/i.test(text)) return true;
    if (value === false || /^(false|no|n|0)$/i.test(text)) return false;
    throw userError_(where + ': needs yes or no, got "' + text + '".');
  }
  if (type === 'list') return text.split(',').map(function (s) { return s.trim(); }).filter(String);
  if (type === 'column') return columnRef_(value);
  if (type === 'pairs' || type === 'columns') {
    var pairs = {};
    text.split(',').forEach(function (part) {
      var eq = part.indexOf('=');
      if (eq < 1) throw userError_(where + ': expects NAME=VALUE pairs separated by commas, got "' + part.trim() + '".');
      var name = part.slice(0, eq).trim();
      var target = part.slice(eq + 1).trim();
      if (type === 'pairs') {
        pairs[name] = target;
        return;
      }
      var field = COLUMN_FIELDS_[name.toLowerCase().replace(/[^a-z]/g, '')];
      if (!field) throw userError_(where + ': unknown field "' + name + '" (use email, name, firstName, lastName, status, roles, lastUsed).');
      pairs[field] = columnRef_(target);
    });
    return pairs;
  }
  return text;
}

/** A column given by header text, or by 1-based number (a number cell or digits). */
function columnRef_(value) {
  var text = String(value).trim();
  return typeof value === 'number' || /^\d+$/.test(text) ? Number(text) : text;
}

/**
 * Writes the users to be sent, with the problems found on their rows, and
 * every diagnostic with its row in the Users sheet, to the preview sheet.
 * @return {GoogleAppsScript.Spreadsheet.Sheet}
 */
function writePreview_(out) {
  var WIDTH = 8;
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(PREVIEW_SHEET) || ss.insertSheet(PREVIEW_SHEET);
  sheet.clearContents();
  var diagnostics = out.report.diagnostics;
  var rowOf = function (line) { return out.rowOfLine[line] || line; };
  var notes = {};
  diagnostics.forEach(function (d) {
    if (d.email) (notes[d.email] = notes[d.email] || []).push('row ' + rowOf(d.line) + ': ' + d.code);
  });
  var licenseStatus = {};
  ((out.file.licenses && out.file.licenses[0] && out.file.licenses[0].users) || []).forEach(function (u) {
    licenseStatus[u.email] = u.licenseStatus;
  });
  var rows = [['Email', 'First name', 'Last name', 'Status', 'License status', 'Roles', 'Last used', 'Problems']];
  out.file.users.forEach(function (u) {
    rows.push([u.email, u.firstName || '', u.lastName || '', u.status, licenseStatus[u.email] || '',
      (u.roles || []).join(', '), u.lastUsedDate || '', (notes[u.email] || []).join('; ')]);
  });
  rows.push(pad_([], WIDTH));
  rows.push(pad_(['Row (Users sheet)', 'Column', 'Level', 'Code', 'Message', 'Email'], WIDTH));
  diagnostics.forEach(function (d) {
    rows.push(pad_([rowOf(d.line), d.column || '', d.level, d.code, d.message, d.email || ''], WIDTH));
  });
  if (!diagnostics.length) rows.push(pad_(['', '', '', '', 'No problems found.'], WIDTH));
  sheet.getRange(1, 1, rows.length, WIDTH).setValues(rows);
  return sheet;
}

/** `cells` padded with empty cells to `width` (setValues needs a rectangle). */
function pad_(cells, width) {
  while (cells.length < width) cells.push('');
  return cells;
}

/** The result dialog: users, licenses, file id, warnings, and a link to the diagnostics. */
function showResult_(out, outcome, historyProblem) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var link = ss.getUrl() + '#gid=' + ss.getSheetByName(PREVIEW_SHEET).getSheetId();
  var problems = out.report.diagnostics.filter(function (d) { return d.level !== 'info'; }).length;
  var html = '<div style="font:14px sans-serif">' +
    '<p><strong>Synced to Torii.</strong></p>' +
    '<p>Users: ' + outcome.userCount + '<br>Licenses: ' + (out.file.licenses ? out.file.licenses.length : 0) +
    '<br>File id: ' + escapeHtml_(String(outcome.fileId)) + '<br>Warnings and errors: ' + problems + '</p>' +
    '<p><a href="' + escapeHtml_(link) + '" target="_top">All ' + out.report.diagnostics.length + ' diagnostics, with their rows, ' +
    'in the "' + PREVIEW_SHEET + '" sheet</a></p>' +
    (historyProblem ? '<p>' + escapeHtml_(historyProblem) + '</p>' : '') + '</div>';
  SpreadsheetApp.getUi().showModalDialog(HtmlService.createHtmlOutput(html).setWidth(400).setHeight(240), 'Torii sync');
}

/** The history sheet, created with its header on first use. */
function historySheet_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(HISTORY_SHEET);
  if (!sheet) {
    sheet = ss.insertSheet(HISTORY_SHEET);
    sheet.appendRow(HISTORY_HEADER);
  }
  return sheet;
}

/**
 * Appends the run to the history.
 * @return {string} '' or, if the history could not be written, a sentence saying so
 */
function appendHistorySafely_(started, trigger, record) {
  var seconds = Math.round((Date.now() - started.getTime()) / 100) / 10;
  try {
    historySheet_().appendRow([started, trigger, record.users, record.licenses, record.fileId, record.result, seconds, record.message]);
    return '';
  } catch (e) {
    return ' (The "' + HISTORY_SHEET + '" sheet could not be written: ' + readableError_(e) + ')';
  }
}

/**
 * The current user's settings, after moving the old template's.
 * @return {{apiKey: string, appAccountId: string, apiUrl: string}}
 */
function storedSettings_() {
  migrateLegacySettings_();
  var props = PropertiesService.getUserProperties();
  return {
    apiKey: props.getProperty(KEY_PROPERTY) || '',
    appAccountId: props.getProperty(ACCOUNT_PROPERTY) || '',
    apiUrl: props.getProperty(API_URL_PROPERTY) || DEFAULT_API_URL,
  };
}

/** `settings`, or a readable error when the key or account is missing. */
function requireSettings_(settings) {
  if (!settings.apiKey || !settings.appAccountId) throw userError_('Set the Torii API key and App Account ID first: Torii → Settings…');
  return settings;
}

/**
 * Moves the old template's DocumentProperties (readable by every editor) to
 * the current user's UserProperties, and deletes them. A key the user already
 * saved wins over the old one.
 */
function migrateLegacySettings_() {
  var doc = PropertiesService.getDocumentProperties();
  var user = PropertiesService.getUserProperties();
  var moves = [[LEGACY_KEY_PROPERTY, KEY_PROPERTY], [LEGACY_ACCOUNT_PROPERTY, ACCOUNT_PROPERTY]];
  moves.forEach(function (move) {
    var old = doc.getProperty(move[0]);
    if (old === null) return;
    if (old && !user.getProperty(move[1])) user.setProperty(move[1], old);
    doc.deleteProperty(move[0]);
  });
}

/** Deletes this user's daily-sync triggers; returns how many there were. */
function removeScheduleTriggers_() {
  var removed = 0;
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    if (trigger.getHandlerFunction() === SCHEDULE_HANDLER) {
      ScriptApp.deleteTrigger(trigger);
      removed++;
    }
  });
  return removed;
}

/**
 * An error meant for people as it is.
 * @param {string} message
 * @param {string=} result the history's result column (default 'failed')
 */
function userError_(message, result) {
  var error = new Error(message);
  error.readable = true;
  error.result = result;
  return error;
}

/** A message for people: the core's (its code in brackets) or our own; never a stack trace. */
function readableError_(e) {
  if (e && e.readable) return e.message;
  if (e && e.code && e.message) return e.message + ' [' + e.code + ']';
  return 'Unexpected error: ' + String((e && e.message) || e).split('\n')[0];
}

/** `text` without the key, should anything have echoed it. */
function redact_(text, key) {
  return key ? String(text).split(key).join('[redacted]') : String(text);
}

/** "1 user", "2 users". */
function plural_(n, one, many) {
  return n + ' ' + (n === 1 ? one : many || one + 's');
}

/** `text` safe inside HTML text and attribute values. */
function escapeHtml_(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}

/** The settings dialog. The stored key is never put in the page, only whether there is one. */
function settingsHtml_(settings) {
  var field = 'style="width:100%;box-sizing:border-box"';
  return '<form id="f" style="font:14px sans-serif;display:flex;flex-direction:column;gap:10px">' +
    '<label>Torii API key (Settings → API Access in Torii)<br><input type="password" name="apiKey" autocomplete="off" ' + field +
    (settings.apiKey ? ' placeholder="saved; leave empty to keep it"' : ' required') + '></label>' +
    '<label>App Account ID (on the custom integration\'s tile)<br><input name="appAccountId" required ' + field +
    ' value="' + escapeHtml_(settings.appAccountId) + '"></label>' +
    '<label>Torii API URL<br><input name="apiUrl" ' + field + ' value="' + escapeHtml_(settings.apiUrl) + '"></label>' +
    '<p style="color:#555;margin:0">Kept in your user properties: only you can read them, and your daily sync uses them. ' +
    'The key is never written to a sheet.</p>' +
    '<div><button type="submit">Save</button> <span id="s" role="status"></span></div></form>' +
    '<script>document.getElementById("f").addEventListener("submit",function(e){e.preventDefault();' +
    'var s=document.getElementById("s");s.textContent="Saving…";' +
    'google.script.run.withSuccessHandler(function(m){s.textContent=m;setTimeout(function(){google.script.host.close();},800);})' +
    '.withFailureHandler(function(err){s.textContent=err.message;}).saveSettings(this);});</script>';
}
