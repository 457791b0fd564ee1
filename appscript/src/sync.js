/**
 * @fileoverview Preview and Sync now: one pass over the Users sheet, and the
 * driver of the core's SyncSession, sending what it asks for with
 * UrlFetchApp.
 *
 * UrlFetchApp waits up to about 60 s per request and has no option to wait
 * less; the core's time budget bounds the whole sync (its wait budget plus
 * one request), and the core sends nothing unless that and the records fit
 * in what is left of Apps Script's 6 minutes, so the history row is always
 * written.
 */

var LOCK_WAIT_MS = 5000;
var SINCE_LAST_SYNC = 'the last sync';

/**
 * Preview: the pass, the preview sheet shown, and the core's report in a
 * dialog. Sends nothing, so it needs no key; without an App Account ID there
 * is no last sync to compare with. It writes the preview sheet a sync writes
 * too, so it holds the sync's lock while it does, and lets go before the dialog.
 */
function runPreview_() {
  var lock = LockService.getDocumentLock();
  if (!lock.tryLock(LOCK_WAIT_MS)) {
    throw userError_('A sync of this spreadsheet is running, and it writes the "' + PREVIEW_SHEET + '" sheet too; ' +
      'nothing was changed. Preview again when it has finished.');
  }
  var pass;
  try {
    pass = preparePass_(storedSettings_());
  } finally {
    lock.releaseLock();
  }
  try {
    pass.sheet.activate();
    var refusal = pass.result.syncRefusal(); // a broken quote too, which only a sync refuses
    showReport_('Torii preview', pass.result.reportText(), [pass.last.note,
      refusal ? 'A sync would stop here: ' + refusal.message + ' [' + refusal.code + ']' : '',
      'Nothing was sent. The users and every problem found, with its row, are in the "' + PREVIEW_SHEET + '" sheet.']);
  } finally {
    pass.result.free();
  }
}

/**
 * One sync, manual or scheduled: locked, recorded in the history. The lock
 * is released before the result is shown, so a dialog left open never
 * blocks the next sync.
 * @param {{trigger: string, interactive: boolean}} run
 */
function runSync_(run) {
  var started = new Date();
  var ui = run.interactive ? SpreadsheetApp.getUi() : null;
  var record = { users: '', licenses: '', added: '', removed: '', changed: '', fileId: '', result: 'failed', message: '' };
  var shown = null;
  var lock = null;
  try {
    lock = LockService.getDocumentLock();
    if (!lock.tryLock(LOCK_WAIT_MS)) {
      lock = null;
      throw userError_('Another sync of this spreadsheet is running; nothing was sent. Try again when it has finished.', 'skipped');
    }
    shown = syncUsers_(requireSettings_(storedSettings_()), ui, record, started.getTime());
  } catch (e) {
    record.result = e.result || { cancelled: 'cancelled', destructive_sync: 'refused' }[e.code] || 'failed';
    record.message = readableError_(e) +
      (!ui && e.code === 'destructive_sync' ? ' A scheduled sync cannot ask for confirmation: run Torii → Sync now.' : '');
  } finally {
    if (lock) lock.releaseLock();
  }
  var historyProblem = appendHistorySafely_(started, run.trigger, record);
  if (!ui) {
    // Nobody watches a scheduled run: the executions log is the last place to say it.
    if (historyProblem) console.error(redact_(historyProblem + ' Run: ' + record.result + ': ' + record.message));
    return;
  }
  if (shown) showReport_('Torii sync', shown.text, shown.notes.concat([historyProblem]));
  else ui.alert('Torii sync: ' + record.result, redact_(record.message + (historyProblem ? '\n\n' + historyProblem : '')), ui.ButtonSet.OK);
}

/**
 * The pass, then the session; fills `record` for the history. Throws on any failure.
 * @param {Object} settings from storedSettings_, complete
 * @param {?GoogleAppsScript.Base.Ui} ui null for a scheduled run
 * @param {Object} record the history row's fields, filled in here
 * @param {number} startedMs when the run started
 * @return {{text: string, notes: string[]}} what the result dialog shows
 */
function syncUsers_(settings, ui, record, startedMs) {
  var pass = preparePass_(settings);
  var result = pass.result;
  try {
    record.users = result.userCount;
    record.licenses = result.report().licenses;
    if (pass.last.changes) {
      record.added = pass.last.changes.added.length;
      record.removed = pass.last.changes.removed.length;
      record.changed = pass.last.changes.changed.length;
    }
    // Apps Script's 6 minutes and UrlFetchApp's 60 s, as the core knows them.
    var limits = toriiCore_().appsScriptLimits();
    var config = { apiKey: settings.apiKey, appAccountId: settings.appAccountId, baseUrl: settings.baseUrl,
      baseline: storedBaseline_(pass.target), runEndsAtMs: startedMs + limits.runMs, longestRequestMs: limits.longestRequestMs };
    Object.keys(pass.parsed.sync).forEach(function (name) { config[name] = pass.parsed.sync[name]; });
    if (pass.last.rows) config.previousFile = pass.last.rows; // the hidden sheet's snapshot rows
    var session = result.startSync(config, Math.floor(Math.random() * 4294967296)); // the core only needs a jitter seed
    var outcome = driveSession_(session, ui);
    var unsaved = storeBaseline_(outcome.target, outcome.baseline);
    record.users = outcome.userCount;
    record.fileId = String(outcome.fileId);
    record.result = 'synced';
    record.message = [outcome.text, result.briefReportText().trim(), unsaved].filter(String).join('\n');
    return { text: outcome.text + '\n\n' + result.reportText(),
      notes: [unsaved, pass.last.note, writeLastSyncSafely_(outcome.target, result)] };
  } finally {
    result.free();
  }
}

/**
 * Reads the Configuration and Users sheets for a sync target, compares the
 * users with the last sync to that target (with no account, there is none),
 * and writes the preview sheet. The caller frees `result`.
 * @param {Object} settings from storedSettings_
 * @return {{result: Object, parsed: Object, target: ?string, last: Object, sheet: Object}}
 */
function preparePass_(settings) {
  var parsed = readConfiguration_();
  var target = settings.appAccountId ? toriiCore_().targetKey(settings) : null;
  var result = transformUsers_(parsed);
  try {
    var last = compareWithLastSync_(result, target);
    return { result: result, parsed: parsed, target: target, last: last, sheet: writePreview_(result) };
  } catch (e) {
    result.free();
    throw e;
  }
}

/**
 * Does what the session asks until it is done; throws its error if it fails.
 * With nobody to ask (`ui` null), a sync the guard questions is refused.
 * @param {Object} session a core SyncSession, freed here
 * @param {?GoogleAppsScript.Base.Ui} ui
 * @return {Object} the session's outcome
 */
function driveSession_(session, ui) {
  try {
    for (;;) {
      var action = session.poll(Date.now());
      if (action.type === 'confirm') {
        if (!ui) session.refuse();
        else session.confirm(ui.alert('Confirm sync', redact_(action.verdict.question), ui.ButtonSet.YES_NO) === ui.Button.YES);
      } else if (action.type === 'send') {
        if (ui) toast_(action.progress.text);
        session.handleResponse(Date.now(), send_(action.request));
      } else if (action.type === 'wait') {
        if (ui) toast_(action.progress.text);
        Utilities.sleep(action.ms);
      } else if (action.type === 'done') {
        return action.outcome;
      } else {
        throw Object.assign(new Error(action.error.message), { code: action.error.code });
      }
    }
  } finally {
    session.free();
  }
}

/**
 * One request through UrlFetchApp, as the core's response data. No HTTP
 * answer is a timeout, or a transport error with UrlFetchApp's text, from
 * which the core tells its own refusals (the daily quota, a URL the
 * manifest does not allow), never retried, from what it retries.
 * @param {{method: string, url: string, headers: Object<string, string>, body: (string|Uint8Array|null)}} request
 * @return {Object} {status, headers, body}, {timeout: true} or {transportError}
 */
function send_(request) {
  var options = { method: request.method.toLowerCase(), headers: {}, muteHttpExceptions: true, followRedirects: false };
  Object.keys(request.headers).forEach(function (name) {
    // UrlFetchApp takes the content type as an option and may drop it from
    // the headers; the upload's must reach S3 exactly as it was signed.
    if (name.toLowerCase() === 'content-type') options.contentType = request.headers[name];
    else options.headers[name] = request.headers[name];
  });
  var body = request.body;
  // The upload is UTF-8 bytes; UrlFetchApp sends a string as UTF-8.
  if (body !== null && body !== undefined) options.payload = typeof body === 'string' ? body : new TextDecoder().decode(body);
  var response;
  try {
    response = UrlFetchApp.fetch(request.url, options);
  } catch (e) {
    return { transportError: String((e && e.message) || e) }; // the core reads a timeout or a quota from it
  }
  var all = response.getAllHeaders();
  var headers = {};
  Object.keys(all).forEach(function (name) { headers[name.toLowerCase()] = String(all[name]); });
  return { status: response.getResponseCode(), headers: headers, body: response.getContentText() };
}

/**
 * Progress for the person watching: a toast in the corner of the sheet.
 * @param {string} text the core's progress text
 */
function toast_(text) {
  SpreadsheetApp.getActiveSpreadsheet().toast(redact_(text), 'Torii sync');
}
