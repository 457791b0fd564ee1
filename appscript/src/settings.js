/**
 * @fileoverview Where the script keeps what it remembers.
 *
 * The API key, the App Account ID and the API URL live in UserProperties
 * (readable by the current user only), never in DocumentProperties, a sheet
 * or a log. The API URL is kept with the key because it decides where the
 * key is sent: a sheet editor must not be able to redirect someone else's
 * scheduled sync. The guard's baseline (the last sync's user counts, file
 * id and time: no secret) lives in DocumentProperties under the core's
 * targetKey, so every editor's sync is guarded against the same record.
 */

var KEY_PROPERTY = 'TORII_API_KEY';
var ACCOUNT_PROPERTY = 'TORII_APP_ACCOUNT_ID';
var API_URL_PROPERTY = 'TORII_API_URL';
var LEGACY_KEY_PROPERTY = 'api_key';
var LEGACY_ACCOUNT_PROPERTY = 'app_id';
var BASELINE_PREFIX = 'TORII_BASELINE:';
var LEGACY_COUNT_PREFIX = 'TORII_LAST_USER_COUNT:';

/**
 * The current user's settings, after moving the old template's.
 * @return {{apiKey: string, appAccountId: string, baseUrl: (string|undefined)}} no baseUrl: the core's default
 */
function storedSettings_() {
  migrateLegacySettings_();
  var props = PropertiesService.getUserProperties();
  var settings = {
    apiKey: props.getProperty(KEY_PROPERTY) || '',
    appAccountId: props.getProperty(ACCOUNT_PROPERTY) || '',
  };
  var baseUrl = props.getProperty(API_URL_PROPERTY);
  if (baseUrl) settings.baseUrl = baseUrl;
  return settings;
}

/**
 * @param {Object} settings from storedSettings_
 * @return {Object} the same settings, or throws a readable error when the key or account is missing
 */
function requireSettings_(settings) {
  if (!settings.apiKey || !settings.appAccountId) throw userError_('Set the Torii API key and App Account ID first: Torii → Settings…');
  return settings;
}

/**
 * A first run: with no key or account, opens the settings dialog, which
 * continues with `action` once saved.
 * @param {string} action 'sync'
 * @return {boolean} whether the dialog was opened (the caller stops there)
 */
function askForSettings_(action) {
  var settings = storedSettings_();
  if (settings.apiKey && settings.appAccountId) return false;
  showSettingsDialog_(action);
  return true;
}

/**
 * What the settings dialog sent, trimmed; an empty key field means the stored key.
 * @param {{apiKey: string, appAccountId: string, apiUrl: string}} form
 * @return {{apiKey: string, appAccountId: string, baseUrl: (string|undefined)}}
 */
function formSettings_(form) {
  var field = function (name) { return String((form && form[name]) || '').trim(); };
  var settings = {
    apiKey: field('apiKey') || storedSettings_().apiKey,
    appAccountId: field('appAccountId'),
  };
  if (field('apiUrl')) settings.baseUrl = field('apiUrl');
  return settings;
}

/**
 * Stores checked settings; no API URL means the core's default.
 * @param {{apiKey: string, appAccountId: string, baseUrl: (string|undefined)}} settings
 */
function storeSettings_(settings) {
  var props = PropertiesService.getUserProperties();
  props.setProperty(KEY_PROPERTY, settings.apiKey);
  props.setProperty(ACCOUNT_PROPERTY, settings.appAccountId);
  if (settings.baseUrl) props.setProperty(API_URL_PROPERTY, settings.baseUrl);
  else props.deleteProperty(API_URL_PROPERTY);
}

/**
 * Moves the old template's DocumentProperties (readable by every editor) to
 * the current user's UserProperties, and deletes them. A key the user already
 * saved wins over the old one.
 */
function migrateLegacySettings_() {
  var doc = PropertiesService.getDocumentProperties();
  var user = PropertiesService.getUserProperties();
  [[LEGACY_KEY_PROPERTY, KEY_PROPERTY], [LEGACY_ACCOUNT_PROPERTY, ACCOUNT_PROPERTY]].forEach(function (move) {
    var old = doc.getProperty(move[0]);
    if (old === null) return;
    if (old && !user.getProperty(move[1])) user.setProperty(move[1], old);
    doc.deleteProperty(move[0]);
  });
}

/**
 * The stored baseline of a target, as the core wrote it; the core judges
 * whether it is readable.
 * @param {string} target the core's targetKey
 * @return {(string|undefined)}
 */
function storedBaseline_(target) {
  var props = PropertiesService.getDocumentProperties();
  migrateLegacyBaselines_(props);
  var stored = props.getProperty(BASELINE_PREFIX + target);
  return stored === null ? undefined : stored;
}

/**
 * Moves the previous version's last synced user counts, kept under
 * "TORII_LAST_USER_COUNT:<API URL>#<account>", to baselines under the core's
 * target key, so the guard holds across the upgrade. The stored text moves
 * as it is: the core reads a bare count as an old record, and finds
 * anything else unreadable, and asks about it.
 * @param {GoogleAppsScript.Properties.Properties} props the document's
 */
function migrateLegacyBaselines_(props) {
  var all = props.getProperties();
  Object.keys(all).forEach(function (name) {
    if (name.indexOf(LEGACY_COUNT_PREFIX) !== 0) return;
    var place = name.slice(LEGACY_COUNT_PREFIX.length);
    var hash = place.lastIndexOf('#');
    try {
      var key = BASELINE_PREFIX + toriiCore_().targetKey({ baseUrl: place.slice(0, hash), appAccountId: place.slice(hash + 1) });
      if (props.getProperty(key) === null) props.setProperty(key, all[name]);
    } catch (e) {
      // A target the core refuses (not https) is one no sync can reach: nothing to guard.
    }
    props.deleteProperty(name);
  });
}

/**
 * Keeps a successful sync's record for the next sync's guard. It runs after
 * the sync went through, so a failure (a full property store) must not turn
 * the run into a failed one: it is said instead.
 * @param {string} target the core's targetKey
 * @param {Object} baseline a successful outcome's baseline
 * @return {string} '' when stored, else what the person must know
 */
function storeBaseline_(target, baseline) {
  try {
    PropertiesService.getDocumentProperties().setProperty(BASELINE_PREFIX + target, JSON.stringify(baseline));
    return '';
  } catch (e) {
    return toriiCore_().unsavedRecordText(readableError_(e)) + ' [last_sync_unsaved]';
  }
}

/**
 * `text` without the stored key or `otherKey`, should anything have echoed
 * one (the core already redacts; this is the last line of defence).
 * @param {string} text
 * @param {string=} otherKey a key not stored yet (the settings dialog's)
 * @return {string}
 */
function redact_(text, otherKey) {
  var out = String(text);
  [PropertiesService.getUserProperties().getProperty(KEY_PROPERTY), otherKey].forEach(function (key) {
    if (key) out = out.split(key).join('[redacted]');
  });
  return out;
}
