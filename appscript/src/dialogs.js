/**
 * @fileoverview The HTML dialogs: the settings (with a connection test) and
 * the result of a Preview or a sync, which shows the core's own text.
 */

var REPORT_LINES = 120;

/**
 * Opens the settings dialog. The stored key is never put in the page, only
 * whether there is one. The labels and help of the App Account ID and the
 * API URL are the core's catalog's.
 * @param {string} pending '' or the action to continue with once saved ('sync')
 */
function showSettingsDialog_(pending) {
  var settings = storedSettings_();
  var catalog = {};
  toriiCore_().optionCatalog().forEach(function (o) { if (o.sheet === 'settings') catalog[o.jsName] = o; });
  var account = catalog.appAccountId;
  var url = catalog.baseUrl;
  var field = 'style="width:100%;box-sizing:border-box"';
  var html = '<form id="f" style="font:14px sans-serif;display:flex;flex-direction:column;gap:10px">' +
    (pending ? '<p style="margin:0"><strong>First, where to sync:</strong> save these, and Torii carries on.</p>' : '') +
    '<label>Torii API key (Settings → API Access in Torii)<br><input type="password" name="apiKey" autocomplete="off" ' + field +
    (settings.apiKey ? ' placeholder="saved; leave empty to keep it"' : ' required') + '></label>' +
    '<label>' + escapeHtml_(account.label) + ' (' + escapeHtml_(account.help) + ')<br><input name="appAccountId" required ' + field +
    ' value="' + escapeHtml_(settings.appAccountId) + '"></label>' +
    '<label>' + escapeHtml_(url.label) + ' (' + escapeHtml_(url.help) + ')<br><input name="apiUrl" ' + field +
    // The default as a placeholder: a field left empty keeps following the core's default.
    ' placeholder="' + escapeHtml_(url.default) + '" value="' + escapeHtml_(settings.baseUrl || '') + '"></label>' +
    '<p style="color:#555;margin:0">Kept in your user properties: only you can read them, and your daily sync uses them. ' +
    'The key is never written to a sheet.</p>' +
    '<div><button type="submit">Save</button> <button type="button" id="t">Test connection</button> ' +
    '<span id="s" role="status"></span></div></form>' +
    '<script>(function(){var pending=' + JSON.stringify(pending).replace(/</g, '\\u003c') + ';' +
    'var f=document.getElementById("f"),s=document.getElementById("s");' +
    'function fail(e){s.textContent=e.message;}function close(){google.script.host.close();}' +
    'f.addEventListener("submit",function(e){e.preventDefault();s.textContent="Saving…";' +
    'google.script.run.withSuccessHandler(function(m){s.textContent=m;' +
    'if(pending){s.textContent=m+" Continuing…";google.script.run.withSuccessHandler(close).withFailureHandler(fail).continueAfterSettings(pending);}' +
    'else setTimeout(close,800);}).withFailureHandler(fail).saveSettings(f);});' +
    'document.getElementById("t").addEventListener("click",function(){s.textContent="Testing…";' +
    'google.script.run.withSuccessHandler(function(m){s.textContent=m;}).withFailureHandler(fail).testConnection(f);});' +
    '})();</script>';
  SpreadsheetApp.getUi().showModalDialog(HtmlService.createHtmlOutput(html).setWidth(480).setHeight(440), 'Torii settings');
}

/**
 * Runs a dialog's server call; an error reaches the dialog's failure handler
 * as one readable sentence without the key.
 * @param {string} key the key the dialog holds, redacted from errors too
 * @param {function(): *} action
 * @return {*} what the action returns
 */
function forDialog_(key, action) {
  try {
    return action();
  } catch (e) {
    throw new Error(redact_(readableError_(e), key));
  }
}

/**
 * Shows the core's text (a report, an outcome) as it is, with notes and a
 * link to the preview sheet. A long report is cut: every diagnostic is in
 * that sheet anyway.
 * @param {string} title
 * @param {string} text the core's text
 * @param {string[]} notes sentences of our own; empty ones are left out
 */
function showReport_(title, text, notes) {
  var ss = SpreadsheetApp.getActiveSpreadsheet();
  var preview = ss.getSheetByName(PREVIEW_SHEET);
  var lines = redact_(text).replace(/\s+$/, '').split('\n');
  if (lines.length > REPORT_LINES) {
    lines = lines.slice(0, REPORT_LINES).concat(['… ' + (lines.length - REPORT_LINES) + ' more lines: every diagnostic is in the "' +
      PREVIEW_SHEET + '" sheet.']);
  }
  var html = '<div style="font:14px sans-serif"><pre style="white-space:pre-wrap;font:12px monospace">' +
    escapeHtml_(lines.join('\n')) + '</pre>' +
    notes.filter(String).map(function (note) { return '<p>' + escapeHtml_(redact_(note)) + '</p>'; }).join('') +
    (preview ? '<p><a href="' + escapeHtml_(ss.getUrl() + '#gid=' + preview.getSheetId()) + '" target="_top">Open the "' +
      PREVIEW_SHEET + '" sheet</a></p>' : '') + '</div>';
  SpreadsheetApp.getUi().showModalDialog(HtmlService.createHtmlOutput(html).setWidth(600).setHeight(460), title);
}

/**
 * @param {string} text
 * @return {string} `text` safe inside HTML text and attribute values
 */
function escapeHtml_(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
  });
}
