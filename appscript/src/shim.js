/**
 * The Google Sheet's "Torii" menu: a thin host around the wasm core.
 *
 * It reads the "Users" sheet (a pasted Stripe team export) and the optional
 * "Configuration" sheet, hands the text to the core, sends the requests the
 * core's SyncSession asks for with UrlFetchApp, and shows the results. Every
 * decision about rows, requests, retries and the destructive-sync guard is
 * the core's.
 *
 * Secrets: the API key and App Account ID live in UserProperties (readable by
 * the current user only), never in DocumentProperties, a sheet or a log. The
 * last synced user count (a number, not a secret) lives in DocumentProperties
 * so every editor's sync is guarded against the same baseline.
 */

var USERS_SHEET = 'Users';
var CONFIG_SHEET = 'Configuration';
var PREVIEW_SHEET = 'Torii preview';
var HISTORY_SHEET = 'Sync history';
var KEY_PROPERTY = 'TORII_API_KEY';
var ACCOUNT_PROPERTY = 'TORII_APP_ACCOUNT_ID';
var LEGACY_KEY_PROPERTY = 'api_key';
var LEGACY_ACCOUNT_PROPERTY = 'app_id';
var LAST_COUNT_PREFIX = 'TORII_LAST_USER_COUNT:';
var SCHEDULE_HANDLER = 'scheduledSync';
var HISTORY_HEADER = ['Started at', 'Trigger', 'Users', 'Licenses', 'File id', 'Result', 'Duration (s)', 'Message'];

/** Adds the Torii menu. */
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
  var ui = SpreadsheetApp.getUi();
  try {
    var out = transformUsersSheet_(readConfiguration_());
    var sheet = writePreview_(out);
    sheet.activate();
    ui.alert('Torii preview', summaryText_(out.report) + '\n\nSee the "' + PREVIEW_SHEET + '" sheet.', ui.ButtonSet.OK);
  } catch (e) {
    ui.alert('Torii preview failed', readableError_(e), ui.ButtonSet.OK);
  }
}

/** Menu: the settings dialog (API key and App Account ID). */
function showSettings() {
  migrateLegacySettings_();
  var account = PropertiesService.getUserProperties().getProperty(ACCOUNT_PROPERTY) || '';
  var hasKey = Boolean(PropertiesService.getUserProperties().getProperty(KEY_PROPERTY));
  var html = HtmlService.createHtmlOutput(settingsHtml_(account, hasKey)).setWidth(420).setHeight(300);
  SpreadsheetApp.getUi().showModalDialog(html, 'Torii settings');
}

/**
 * Called by the settings dialog. An empty key keeps the stored one, so the
 * account can change without re-entering the key.
 * @param {{apiKey: string, appAccountId: string}} form
 * @return {string} a confirmation for the dialog
 */
function saveSettings(form) {
  var apiKey = String((form && form.apiKey) || '').trim();
  var account = String((form && form.appAccountId) || '').trim();
  if (!account) throw new Error('The App Account ID is required.');
  var props = PropertiesService.getUserProperties();
  if (apiKey) props.setProperty(KEY_PROPERTY, apiKey);
  else if (!props.getProperty(KEY_PROPERTY)) throw new Error('The API key is required.');
  props.setProperty(ACCOUNT_PROPERTY, account);
  return 'Saved for your Google account only.';
}

/** Menu: a daily sync at an hour the user picks, in the spreadsheet's time zone. */
function scheduleDailySync() {
  var ui = SpreadsheetApp.getUi();
  var answer = ui.prompt('Schedule daily sync', 'Hour of the day to sync (0–23, spreadsheet time zone):', ui.ButtonSet.OK_CANCEL);
  if (answer.getSelectedButton() !== ui.Button.OK) return;
  var text = answer.getResponseText().trim();
  if (!/^\d{1,2}$/.test(text) || Number(text) > 23) {
    ui.alert('Schedule daily sync', 'Enter a whole hour from 0 to 23.', ui.ButtonSet.OK);
    return;
  }
  removeScheduleTriggers_();
  var timeZone = SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
  ScriptApp.newTrigger(SCHEDULE_HANDLER).timeBased().atHour(Number(text)).everyDays(1).inTimezone(timeZone).create();
  ui.alert('Schedule daily sync', 'Torii will sync every day at ' + text + ':00 (' + timeZone + ').', ui.ButtonSet.OK);
}

/** Menu: remove the daily sync. */
function stopSchedule() {
  var removed = removeScheduleTriggers_();
  var ui = SpreadsheetApp.getUi();
  ui.alert('Stop schedule', removed ? 'The daily sync is stopped.' : 'No daily sync was scheduled.', ui.ButtonSet.OK);
}

/** Menu: open the history sheet. */
function showHistory() {
  historySheet_().activate();
}

/**
 * One sync, manual or scheduled: guarded, locked, recorded in the history.
 * Every failure ends as a readable dialog (interactive) and a history row.
 */
function runSync_(run) {
  var started = new Date();
  var ui = run.interactive ? SpreadsheetApp.getUi() : null;
  var row = { users: '', licenses: '', fileId: '', result: 'failed', message: '' };
  var lock = LockService.getDocumentLock();
  if (!lock.tryLock(5000)) {
    row.result = 'skipped';
    row.message = 'Another sync of this spreadsheet is running.';
    appendHistory_(started, run.trigger, row);
    if (ui) ui.alert('Torii sync', row.message, ui.ButtonSet.OK);
    return;
  }
  var apiKey = '';
  try {
    migrateLegacySettings_();
    var props = PropertiesService.getUserProperties();
    apiKey = props.getProperty(KEY_PROPERTY) || '';
    var account = props.getProperty(ACCOUNT_PROPERTY) || '';
    if (!apiKey || !account) throw userError_('Set the Torii API key and App Account ID first: Torii → Settings…');
    var config = readConfiguration_();
    var out = transformUsersSheet_(config);
    writePreview_(out);
    row.users = out.report.usersExported;
    row.licenses = config.transform.includeLicense === false ? 0 : 1;

    var core = toriiCore_();
    var counts = PropertiesService.getDocumentProperties();
    var countKey = LAST_COUNT_PREFIX + (config.baseUrl || 'default') + '#' + account;
    var stored = counts.getProperty(countKey);
    var previous = stored === null ? undefined : Number(stored);
    var verdict = core.checkSyncGuard({
      previousUserCount: previous, userCount: out.report.usersExported, maxDropPercent: config.maxDropPercent,
    });
    var allowDrop = false;
    if (!verdict.allowed) {
      if (!ui) throw userError_(verdict.message + ' (a scheduled sync cannot be confirmed; run Torii → Sync now)', 'refused');
      var answer = ui.alert('Confirm sync', verdict.message + '\n\nSync anyway?', ui.ButtonSet.YES_NO);
      if (answer !== ui.Button.YES) throw userError_('Cancelled: nothing was sent.', 'cancelled');
      allowDrop = true;
    }
    var session = new core.SyncSession({
      apiKey: apiKey,
      appAccountId: account,
      baseUrl: config.baseUrl,
      fileName: config.fileName,
      apiVersion: config.apiVersion,
      previousUserCount: previous,
      maxDropPercent: config.maxDropPercent,
      allowDrop: allowDrop,
    }, out.json, Math.floor(Math.random() * 4294967296));
    var outcome = driveSession_(session, ui ? function (action) {
      SpreadsheetApp.getActiveSpreadsheet().toast(action.index + '/' + action.total + ' ' + action.label +
        (action.attempt > 1 ? ' (attempt ' + action.attempt + ')' : ''), 'Torii sync');
    } : function () {});
    counts.setProperty(countKey, String(outcome.userCount));
    row.fileId = String(outcome.fileId);
    row.result = 'synced';
    row.message = outcome.requests + ' requests, ' + outcome.retries + ' retries; ' + summaryText_(out.report);
    if (ui) showResult_(out, outcome);
  } catch (e) {
    row.result = (e && e.result) || 'failed';
    row.message = redact_(readableError_(e), apiKey);
    if (ui) ui.alert('Torii sync: ' + row.result, row.message, ui.ButtonSet.OK);
  } finally {
    appendHistory_(started, run.trigger, row);
    lock.releaseLock();
  }
}

/**
 * Sends what the session asks for until it is done; throws its error if it
 * fails. `onStep` sees every request before it is sent.
 */
function driveSession_(session, onStep) {
  for (;;) {
    var action = session.poll(Date.now());
    if (action.type === 'send') {
      onStep(action);
      session.handleResponse(Date.now(), send_(action.request));
    } else if (action.type === 'wait') {
      Utilities.sleep(action.ms);
    } else if (action.type === 'done') {
      return action.outcome;
    } else {
      var error = new Error(action.error.message);
      error.code = action.error.code;
      throw error;
    }
  }
}

/** One request through UrlFetchApp, as the core's response data. */
function send_(request) {
  var headers = {};
  var contentType;
  Object.keys(request.headers).forEach(function (name) {
    // UrlFetchApp takes the content type as an option, not a header.
    if (name.toLowerCase() === 'content-type') contentType = request.headers[name];
    else headers[name] = request.headers[name];
  });
  var options = { method: request.method.toLowerCase(), headers: headers, muteHttpExceptions: true, followRedirects: false };
  if (contentType) options.contentType = contentType;
  if (request.body !== null && request.body !== undefined) options.payload = request.body;
  try {
    var response = UrlFetchApp.fetch(request.url, options);
    var all = response.getAllHeaders();
    var lower = {};
    Object.keys(all).forEach(function (name) { lower[name.toLowerCase()] = String(all[name]); });
    return { status: response.getResponseCode(), headers: lower, body: response.getContentText() };
  } catch (e) {
    return { transportError: String((e && e.message) || e) };
  }
}

/** Reads the Users sheet and runs the core's transform. */
function transformUsersSheet_(config) {
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(USERS_SHEET);
  if (!sheet) throw userError_('There is no "' + USERS_SHEET + '" sheet. Paste the Stripe export into a sheet named "' + USERS_SHEET + '".');
  return toriiCore_().transformJson(sheetToCsv_(sheet), config.transform);
}

/**
 * The sheet as CSV text; other cells keep the value Stripe exported. Date
 * cells (Sheets turns pasted dates into Date values) become ISO text: a
 * date-time as its UTC instant, which the core reads exactly; a date alone
 * (midnight in the spreadsheet's time zone) as that calendar date, because
 * its UTC instant can fall on the previous day.
 */
function sheetToCsv_(sheet) {
  var timeZone = SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
  var range = sheet.getDataRange();
  var values = range.getValues();
  var display = range.getDisplayValues();
  var lines = [];
  for (var r = 0; r < values.length; r++) {
    var cells = [];
    for (var c = 0; c < values[r].length; c++) {
      var value = values[r][c];
      var text;
      if (value instanceof Date) text = isNaN(value.getTime()) ? display[r][c] : dateCellText_(value, timeZone);
      else text = String(value);
      cells.push(/[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text);
    }
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function dateCellText_(date, timeZone) {
  // 'yyyy' is the calendar year; 'YYYY' (the old template's) is the week year.
  if (Utilities.formatDate(date, timeZone, 'HH:mm:ss') === '00:00:00') return Utilities.formatDate(date, timeZone, 'yyyy-MM-dd');
  return date.toISOString();
}

/** Settings of the optional Configuration sheet: key in column A, value in column B. */
var CONFIG_KEYS_ = {
  licensename: ['transform', 'licenseName', 'text'],
  pricepeeruserincents: ['transform', 'pricePerUserCents', 'number'],
  priceperusercents: ['transform', 'pricePerUserCents', 'number'],
  unassignedamount: ['transform', 'unassignedAmount', 'number'],
  unassignedlicenses: ['transform', 'unassignedAmount', 'number'],
  includelicense: ['transform', 'includeLicense', 'boolean'],
  dateorder: ['transform', 'dateOrder', 'text'],
  excludedstatuses: ['transform', 'excludeStatuses', 'list'],
  excludedroles: ['transform', 'excludeRoles', 'list'],
  excludeddomains: ['transform', 'excludeDomains', 'list'],
  includeddomains: ['transform', 'includeDomains', 'list'],
  emailcolumn: ['columns', 'email', 'text'],
  namecolumn: ['columns', 'name', 'text'],
  firstnamecolumn: ['columns', 'firstName', 'text'],
  lastnamecolumn: ['columns', 'lastName', 'text'],
  statuscolumn: ['columns', 'status', 'text'],
  rolecolumn: ['columns', 'roles', 'text'],
  rolescolumn: ['columns', 'roles', 'text'],
  lastusedcolumn: ['columns', 'lastUsed', 'text'],
  apiurl: ['sync', 'baseUrl', 'text'],
  apibaseurl: ['sync', 'baseUrl', 'text'],
  apiversion: ['sync', 'apiVersion', 'text'],
  filename: ['sync', 'fileName', 'text'],
  maxdroppercent: ['sync', 'maxDropPercent', 'number'],
};

/**
 * The Configuration sheet as { transform: TransformOptions, baseUrl, ... }.
 * Values are passed on as written; the core validates them.
 */
function readConfiguration_() {
  var config = { transform: {} };
  var sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(CONFIG_SHEET);
  if (!sheet) return config;
  var rows = sheet.getDataRange().getValues();
  for (var r = 0; r < rows.length; r++) {
    var label = String(rows[r][0] === undefined ? '' : rows[r][0]).trim();
    var value = rows[r][1];
    if (!label || label.charAt(0) === '#' || value === '' || value === undefined) continue;
    var key = label.toLowerCase().replace(/[^a-z]/g, '');
    var spec = CONFIG_KEYS_[key];
    if (!spec) {
      if (key === 'setting' || key === 'key') continue; // a header row
      throw userError_('Configuration sheet, row ' + (r + 1) + ': unknown setting "' + label + '".');
    }
    var parsed = configValue_(value, spec[2], label, r + 1);
    if (spec[0] === 'transform') config.transform[spec[1]] = parsed;
    else if (spec[0] === 'columns') (config.transform.columns = config.transform.columns || {})[spec[1]] = parsed;
    else config[spec[1]] = parsed;
  }
  return config;
}

function configValue_(value, type, label, row) {
  if (type === 'number') {
    var n = typeof value === 'number' ? value : Number(String(value).trim());
    if (String(value).trim() === '' || isNaN(n)) throw userError_('Configuration sheet, row ' + row + ': "' + label + '" needs a number.');
    return n;
  }
  if (type === 'boolean') return value === true || /^(true|yes|1)$/i.test(String(value).trim());
  if (type === 'list') return String(value).split(',').map(function (s) { return s.trim(); }).filter(String);
  return String(value).trim();
}

/** Writes the users to be sent and every diagnostic to the preview sheet. */
function writePreview_(out) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(PREVIEW_SHEET) || ss.insertSheet(PREVIEW_SHEET);
  sheet.clearContents();
  var file = JSON.parse(out.json);
  var licenseStatus = {};
  ((file.licenses && file.licenses[0] && file.licenses[0].users) || []).forEach(function (u) { licenseStatus[u.email] = u.licenseStatus; });
  var rows = [['Email', 'First name', 'Last name', 'Status', 'License status', 'Roles', 'Last used']];
  file.users.forEach(function (u) {
    rows.push([u.email, u.firstName || '', u.lastName || '', u.status, licenseStatus[u.email] || '', (u.roles || []).join(', '), u.lastUsedDate || '']);
  });
  rows.push(['', '', '', '', '', '', '']);
  rows.push(['Line', 'Level', 'Code', 'Message', '', '', '']);
  out.report.diagnostics.forEach(function (d) {
    rows.push([d.line, d.level, d.code, d.message, '', '', '']);
  });
  if (!out.report.diagnostics.length) rows.push(['', '', '', 'No problems found.', '', '', '']);
  sheet.getRange(1, 1, rows.length, 7).setValues(rows);
  return sheet;
}

function summaryText_(report) {
  return report.rowsRead + ' rows read: ' + report.usersExported + ' users, ' + report.merged + ' merged, ' +
    report.excluded + ' excluded, ' + report.rejected + ' rejected; ' +
    report.diagnostics.filter(function (d) { return d.level !== 'info'; }).length + ' warnings or errors.';
}

function showResult_(out, outcome) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var preview = ss.getSheetByName(PREVIEW_SHEET);
  var link = ss.getUrl() + '#gid=' + preview.getSheetId();
  var warnings = out.report.diagnostics.filter(function (d) { return d.level !== 'info'; }).length;
  var html = '<div style="font:14px sans-serif">' +
    '<p><strong>Synced to Torii.</strong></p>' +
    '<p>Users: ' + out.report.usersExported + '<br>Licenses: ' + (JSON.parse(out.json).licenses ? 1 : 0) +
    '<br>File id: ' + escapeHtml_(String(outcome.fileId)) + '<br>Warnings and errors: ' + warnings + '</p>' +
    '<p><a href="' + escapeHtml_(link) + '" target="_top">Diagnostics (' + out.report.diagnostics.length + ') in the "' +
    PREVIEW_SHEET + '" sheet</a></p></div>';
  SpreadsheetApp.getUi().showModalDialog(HtmlService.createHtmlOutput(html).setWidth(380).setHeight(220), 'Torii sync');
}

function historySheet_() {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var sheet = ss.getSheetByName(HISTORY_SHEET);
  if (!sheet) {
    sheet = ss.insertSheet(HISTORY_SHEET);
    sheet.appendRow(HISTORY_HEADER);
  }
  return sheet;
}

function appendHistory_(started, trigger, row) {
  var seconds = Math.round((new Date().getTime() - started.getTime()) / 100) / 10;
  historySheet_().appendRow([started.toISOString(), trigger, row.users, row.licenses, row.fileId, row.result, seconds, row.message]);
}

/** Moves the old template's DocumentProperties (readable by every editor) to UserProperties. */
function migrateLegacySettings_() {
  var doc = PropertiesService.getDocumentProperties();
  var user = PropertiesService.getUserProperties();
  var legacyKey = doc.getProperty(LEGACY_KEY_PROPERTY);
  var legacyAccount = doc.getProperty(LEGACY_ACCOUNT_PROPERTY);
  if (legacyKey && !user.getProperty(KEY_PROPERTY)) user.setProperty(KEY_PROPERTY, legacyKey);
  if (legacyAccount && !user.getProperty(ACCOUNT_PROPERTY)) user.setProperty(ACCOUNT_PROPERTY, legacyAccount);
  if (legacyKey !== null) doc.deleteProperty(LEGACY_KEY_PROPERTY);
  if (legacyAccount !== null) doc.deleteProperty(LEGACY_ACCOUNT_PROPERTY);
}

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

/** An error meant for the user as it is; `result` names the history outcome. */
function userError_(message, result) {
  var error = new Error(message);
  error.readable = true;
  error.result = result;
  return error;
}

/** A message for people: the core's (code in brackets) or our own; never a stack trace. */
function readableError_(e) {
  if (e && e.code && e.message) return e.message + ' [' + e.code + ']';
  if (e && e.readable) return e.message;
  return 'Unexpected error: ' + String((e && e.message) || e).split('\n')[0];
}

function redact_(text, key) {
  return key ? String(text).split(key).join('[redacted]') : String(text);
}

function escapeHtml_(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}

function settingsHtml_(account, hasKey) {
  return '<form id="f" style="font:14px sans-serif;display:flex;flex-direction:column;gap:8px">' +
    '<label>Torii API key<br><input type="password" name="apiKey" autocomplete="off" style="width:100%"' +
    (hasKey ? ' placeholder="(saved; leave empty to keep)"' : ' required') + '></label>' +
    '<label>App Account ID<br><input name="appAccountId" required style="width:100%" value="' + escapeHtml_(account) + '"></label>' +
    '<p style="color:#555;margin:0">Stored in your user properties: only you can read them. The key is never written to the sheet.</p>' +
    '<div><button type="submit">Save</button> <span id="s" role="status"></span></div></form>' +
    '<script>document.getElementById("f").addEventListener("submit",function(e){e.preventDefault();' +
    'var s=document.getElementById("s");s.textContent="Saving…";' +
    'google.script.run.withSuccessHandler(function(m){s.textContent=m;setTimeout(function(){google.script.host.close();},800);})' +
    '.withFailureHandler(function(err){s.textContent=err.message;}).saveSettings(this);});</script>';
}
