/**
 * @fileoverview The Google Sheet's "Torii" menu: a thin host around the wasm
 * core (`toriiCore_()`, see loader.js).
 *
 * The script moves cells, requests and messages; every decision about rows,
 * options, requests, retries, the destructive-sync guard, changes and what a
 * sheet may show is the core's. This file holds the menu and every entry
 * point a menu, a trigger or a dialog calls. Each one catches everything: a
 * failure ends as a readable dialog, a dialog's error line or a "Sync
 * history" row, never a stack trace, and never with the key in it.
 */

var USERS_SHEET = 'Users';
var CONFIG_SHEET = 'Configuration';
var PREVIEW_SHEET = 'Torii preview';
var HISTORY_SHEET = 'Sync history';
var LAST_SYNC_SHEET = 'Torii last sync';
var SCHEDULE_HANDLER = 'scheduledSync';

/** Simple trigger: adds the Torii menu. */
function onOpen() {
  SpreadsheetApp.getUi()
    .createMenu('Torii')
    .addItem('Sync now', 'syncNow')
    .addItem('Preview', 'previewNow')
    .addSeparator()
    .addItem('Settings…', 'showSettings')
    .addItem('Set up sheets', 'setUpSheets')
    .addItem('Schedule daily sync…', 'scheduleDailySync')
    .addItem('Stop schedule', 'stopSchedule')
    .addItem('Sync history', 'showHistory')
    .addToUi();
}

/** Menu: transform the Users sheet and sync it to Torii (first the settings, if there are none). */
function syncNow() {
  withErrorDialog_('Torii sync', function () {
    if (!askForSettings_('sync')) runSync_({ trigger: 'manual', interactive: true });
  });
}

/** Time-driven trigger: the same sync, unattended. */
function scheduledSync() {
  runSync_({ trigger: 'scheduled', interactive: false });
}

/** Menu: write what would be sent, and every diagnostic, to the preview sheet. Sends nothing, so needs no key. */
function previewNow() {
  withErrorDialog_('Torii preview', runPreview_);
}

/** Menu: the settings dialog (API key, App Account ID, API URL). */
function showSettings() {
  withErrorDialog_('Torii settings', function () {
    showSettingsDialog_('');
  });
}

/**
 * Called by the settings dialog's Save. An empty key keeps the stored one,
 * so the account can change without typing the key again.
 * @param {{apiKey: string, appAccountId: string, apiUrl: string}} form
 * @return {string} a confirmation for the dialog
 */
function saveSettings(form) {
  var settings = formSettings_(form);
  forDialog_(settings.apiKey, function () {
    toriiCore_().connectionProbe(settings); // the core checks the key, account and URL
  });
  storeSettings_(settings);
  return 'Saved for your Google account only.';
}

/**
 * Called by the settings dialog's "Test connection": one authenticated
 * request with what the dialog holds (the stored key if its field is empty).
 * @param {{apiKey: string, appAccountId: string, apiUrl: string}} form
 * @return {string} whether Torii accepted the key, rejected it or could not be reached
 */
function testConnection(form) {
  var settings = formSettings_(form);
  return forDialog_(settings.apiKey, function () {
    var core = toriiCore_();
    return core.connectionResult(send_(core.connectionProbe(settings)), settings).message;
  });
}

/**
 * Called by the settings dialog once saved, when it was opened because Sync
 * now found no settings: runs the action that was asked for.
 * @param {string} action 'sync'
 */
function continueAfterSettings(action) {
  var run = { sync: syncNow }[action];
  if (!run) throw new Error('Nothing to continue with.');
  run();
}

/** Menu: creates the Users and Configuration sheets that are missing; existing sheets are left as they are. */
function setUpSheets() {
  withErrorDialog_('Set up sheets', function (ui) {
    var created = setUpSheets_();
    ui.alert('Set up sheets', created.length
      ? 'Created: ' + created.map(function (name) { return '"' + name + '"'; }).join(' and ') + '. Paste the Stripe export ' +
        '(Stripe → Settings → Team and security → Export) into "' + USERS_SHEET + '" below its header row; fill in a ' +
        'Value in "' + CONFIG_SHEET + '" only for the settings you want to change.'
      : 'The "' + USERS_SHEET + '" and "' + CONFIG_SHEET + '" sheets already exist; nothing was changed.', ui.ButtonSet.OK);
  });
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
 * Runs a menu action; any error becomes a readable alert.
 * @param {string} title
 * @param {function(GoogleAppsScript.Base.Ui)} action
 */
function withErrorDialog_(title, action) {
  var ui = SpreadsheetApp.getUi();
  try {
    action(ui);
  } catch (e) {
    ui.alert(title, redact_(readableError_(e)), ui.ButtonSet.OK);
  }
}

/**
 * An error meant for people as it is.
 * @param {string} message
 * @param {string=} result the history's Result column (default: from the error's code)
 * @return {Error}
 */
function userError_(message, result) {
  var error = new Error(message);
  error.readable = true;
  error.result = result;
  return error;
}

/**
 * A message for people: ours, or the core's with its code in brackets;
 * never a stack trace.
 * @param {*} e what was thrown
 * @return {string}
 */
function readableError_(e) {
  if (e && e.readable) return e.message;
  if (e && e.code && e.message) return e.message + ' [' + e.code + ']';
  return 'Unexpected error: ' + String((e && e.message) || e).split('\n')[0];
}
