/**
 * @file A node:vm sandbox that has only what Apps Script has, plus in-memory
 * fakes of the Apps Script services the shim uses. The built files in
 * appscript/dist/ are loaded in filePushOrder, exactly as pushed.
 *
 * UrlFetchApp is synchronous in Apps Script, so the fake is too: a worker
 * thread performs the real HTTP request to the Torii emulator while this
 * thread blocks on Atomics.wait. The emulator therefore runs in a child
 * process (startEmulatorProcess), since a blocked thread cannot answer, and
 * is controlled through its /__emulator/ HTTP endpoints.
 *
 * The fakes are as strict as Apps Script where a mistake would only show up
 * in Google's runtime: a Content-Type header is ignored (UrlFetchApp takes
 * the `contentType` option), a call that takes 60 s or more throws
 * UrlFetchApp's timeout, Utilities.sleep wants whole milliseconds up to
 * 5 minutes, formatDate refuses 'YYYY' (the week year), and a sheet takes
 * a written text as Sheets may: one starting with = + - or @ (past
 * whitespace and invisible characters, and in full-width forms too)
 * becomes a formula (recorded in `sheet.formulas`), and one that reads as a
 * number, a percent, a currency amount, a date, a time or TRUE/FALSE
 * becomes that value, unless it starts with an apostrophe, which is not
 * kept. A run started by callFromTrigger, as a time-driven trigger's, has
 * no user interface: SpreadsheetApp.getUi throws there.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** UrlFetchApp's fixed timeout. */
const URL_FETCH_TIMEOUT_MS = 60_000;

const FETCH_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ signal, port, url, init }) => {
  let result;
  try {
    const res = await fetch(url, { ...init, redirect: 'manual' });
    result = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  } catch (e) {
    result = { error: String(e.cause?.message ?? e.message) };
  }
  port.postMessage(result);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});`;

const EMULATOR_CHILD = `
const { startEmulator } = await import(process.argv[1]);
const emulator = await startEmulator({ apiKey: process.argv[2] });
process.stdout.write(JSON.stringify({ baseUrl: emulator.baseUrl }) + '\\n');
process.on('SIGTERM', () => emulator.close().then(() => process.exit(0)));`;

/**
 * Runs the Torii emulator (js/emulator.mjs) in a child process.
 * @param {string} apiKey the one key it accepts
 * @returns {Promise<{baseUrl: string, setFaults(faults: object[]): Promise<void>, requests(): Promise<object[]>,
 *   clearRequests(): Promise<void>, stop(): Promise<void>}>}
 */
export function startEmulatorProcess(apiKey) {
  const moduleUrl = pathToFileURL(join(root, 'js/emulator.mjs')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', EMULATOR_CHILD, moduleUrl, apiKey], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const control = async (path, init) => {
    const res = await fetch(`${origin}/__emulator/${path}`, init);
    if (!res.ok) throw new Error(`emulator control ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  let origin;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it listened`)));
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (!output.includes('\n')) return;
      const { baseUrl } = JSON.parse(output.slice(0, output.indexOf('\n')));
      origin = new URL(baseUrl).origin;
      resolve({
        baseUrl,
        setFaults: async (faults) => { await control('faults', { method: 'POST', body: JSON.stringify(faults) }); },
        requests: async () => (await control('requests')).json(),
        clearRequests: async () => { await control('requests', { method: 'DELETE' }); },
        stop: () => new Promise((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

const dateFormats = new Map();

/** One Intl formatter per time zone (building one is slow). */
function dateFormat(timeZone) {
  if (!dateFormats.has(timeZone)) {
    dateFormats.set(timeZone, new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    }));
  }
  return dateFormats.get(timeZone);
}

/**
 * Utilities.formatDate for the SimpleDateFormat letters the shim uses, and
 * quoted literals ('T'). 'YYYY' (week year) is refused, so a regression to
 * the old template's bug fails loudly.
 */
function formatDate(date, timeZone, pattern) {
  if (pattern.includes('YYYY')) throw new Error('YYYY is the week year; use yyyy');
  const parts = Object.fromEntries(dateFormat(timeZone).formatToParts(date).map((p) => [p.type, p.value]));
  const letters = { yyyy: parts.year, MM: parts.month, dd: parts.day, HH: parts.hour, mm: parts.minute, ss: parts.second };
  return pattern.replace(/'([^']*)'|yyyy|MM|dd|HH|mm|ss/g, (token, literal) => literal ?? letters[token]);
}

/**
 * The bytes UrlFetchApp sends for a payload: a string as UTF-8, or a byte
 * array, which in Apps Script is a plain array of signed bytes (-128..127,
 * as Utilities.base64Decode returns). Anything else (a typed array, whose
 * handling Apps Script does not document; an object, which it would
 * form-encode) is refused, so the script cannot come to rely on it.
 */
function payloadBody(payload) {
  if (typeof payload === 'string') return payload;
  if (Array.isArray(payload) && payload.every((b) => Number.isInteger(b) && b >= -128 && b <= 127)) {
    return Buffer.from(Int8Array.from(payload).buffer);
  }
  throw new Error(`Exception: the fake UrlFetchApp takes a string or an array of signed bytes as payload, got ${Object.prototype.toString.call(payload)}`);
}

/** A text Sheets reads as a number rather than a formula, though it starts with + or -. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
/**
 * A text that may become a formula, taken broadly, since a formula from an
 * export is what must never happen: a sign (= + - @, or its full-width or
 * small form, which an input method types and a spreadsheet may take for
 * it) as the first character past whitespace and invisible characters.
 */
const FORMULA = /^[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b]/;

/** Texts Sheets reads as a number (with grouping commas, a decimal point, an exponent, a percent or a currency sign). */
const NUMBER = /^\s*([+-]?)\s*([$€£¥]?)\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(e[+-]?\d+)?\s*(%?)\s*$/i;
/** Texts Sheets reads as a date (US order, or year first), a date-time or a time of day. */
const DATE = /^\s*(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$/;
const TIME = /^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$/;

/**
 * What Sheets makes of a text typed or written without a leading
 * apostrophe, other than a formula: TRUE/FALSE a boolean, a number-like
 * text a number (leading zeros, digits past the 15th and a trailing ".0"
 * are lost), a date or time a Date (in UTC here); anything else stays text.
 */
function parsed(text) {
  if (/^\s*(true|false)\s*$/i.test(text)) return text.trim().toLowerCase() === 'true';
  const number = NUMBER.exec(text);
  if (number) {
    const value = Number(number[3].replace(/,/g, '') + (number[4] ?? '')) * (number[1] === '-' ? -1 : 1);
    return number[5] ? value / 100 : value;
  }
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = date[1] ? [date[1], date[2], date[3]] : [date[6] ?? new Date().getUTCFullYear(), date[4], date[5]];
    const fullYear = String(year).length === 2 ? 2000 + Number(year) : Number(year);
    const value = new Date(Date.UTC(fullYear, month - 1, day, date[7] ?? 0, date[8] ?? 0, date[9] ?? 0));
    if (value.getUTCMonth() === month - 1 && value.getUTCDate() === Number(day)) return value;
  }
  const time = TIME.exec(text);
  if (time && time[1] < 24 && time[2] < 60) return new Date(Date.UTC(1899, 11, 30, time[1], time[2], time[3] ?? 0));
  return text;
}

/**
 * What a cell holds once a value is written to it, as Sheets takes it.
 * @returns {{value: *, formula: boolean}}
 */
function entered(value) {
  if (typeof value !== 'string') return { value, formula: false };
  if (value.startsWith("'")) return { value: value.slice(1), formula: false };
  if (FORMULA.test(value) && !PLAIN_NUMBER.test(value)) return { value, formula: true };
  return { value: parsed(value), formula: false };
}

// Sheets refuses a text longer than this in any cell, and with it the whole write.
const CELL_LIMIT = 50000;

/** Throws as Sheets does when a text in `rows` is longer than a cell holds; nothing is written then. */
function fitsCells(rows) {
  for (const row of rows) {
    for (const value of row) {
      if (typeof value === 'string' && value.length > CELL_LIMIT) {
        throw new Error(`Exception: Your input contains more than the maximum of ${CELL_LIMIT} characters in a single cell.`);
      }
    }
  }
}

/** A fake sheet: the values getValues returns; display text is derived from them. */
class FakeSheet {
  /**
   * @param {string} name
   * @param {number} id
   * @param {Function} copyGrid copies a block of `values` into arrays of the script's own realm
   */
  constructor(name, id, copyGrid) {
    this.name = name;
    this.id = id;
    this.copyGrid = copyGrid;
    this.values = [];
    this.formats = []; // number formats (0-based rows of cells), as Range.setNumberFormat sets them
    this.formulas = []; // {row, column, text} of every formula written
    this.activated = false;
    this.hidden = false;
    // A new sheet's grid, as Sheets makes it; getRange cannot reach past it.
    this.maxRows = 1000;
    this.maxColumns = 26;
  }
  getName() { return this.name; }
  getSheetId() { return this.id; }
  activate() { this.activated = true; return this; }
  hideSheet() { this.hidden = true; return this; }
  showSheet() { this.hidden = false; return this; }
  isSheetHidden() { return this.hidden; }
  getLastRow() { return this.values.length; }
  getLastColumn() { return Math.max(0, ...this.values.map((r) => r.length)); }
  clearContents() { this.values = []; this.formulas = []; return this; }
  /** The grid's size: a sheet made with rows in it (addSheet) is at least as large as they are. */
  getMaxRows() { return Math.max(this.maxRows, this.values.length); }
  getMaxColumns() { return Math.max(this.maxColumns, this.getLastColumn()); }
  insertRowsAfter(after, count) {
    if (after > this.values.length) this.maxRows = this.getMaxRows() + count;
    else {
      this.maxRows = this.getMaxRows() + count;
      this.values.splice(after, 0, ...Array.from({ length: count }, () => []));
    }
    return this;
  }
  insertColumnsAfter(after, count) {
    this.maxColumns = this.getMaxColumns() + count;
    for (const row of this.values) if (row.length > after) row.splice(after, 0, ...new Array(count));
    return this;
  }
  appendRow(row) {
    fitsCells([row]);
    const at = this.values.length;
    // appendRow adds a row to the grid when the last one is taken.
    if (at >= this.getMaxRows()) this.maxRows = at + 1;
    this.maxColumns = Math.max(this.getMaxColumns(), row.length);
    this.values.push([]);
    row.forEach((v, c) => this.write(at, c, v));
    return this;
  }
  /** Writes one cell (0-based), as Sheets takes the value. */
  write(r, c, raw) {
    // A plain-text cell ("@") keeps what is typed as it is.
    const { value, formula } = this.formats[r]?.[c] === '@' ? { value: raw, formula: false } : entered(raw);
    (this.values[r] ??= [])[c] = value;
    if (formula) this.formulas.push({ row: r + 1, column: c + 1, text: value });
  }
  getDataRange() {
    const columns = Math.max(1, ...this.values.map((r) => r.length));
    return new FakeRange(this, 1, 1, Math.max(1, this.values.length), columns);
  }
  getRange(row, column, rows, columns) {
    if (row + rows - 1 > this.getMaxRows() || column + columns - 1 > this.getMaxColumns()) {
      throw new Error('Exception: The coordinates of the range are outside the dimensions of the sheet.');
    }
    return new FakeRange(this, row, column, rows, columns);
  }
  /**
   * The displayed text of a value, as a US-locale sheet shows it: a number
   * in a percent format ("0%", "0.00%", what typing "20%" gives) as that
   * percent, since Sheets holds "20%" as the number 0.2, and one in a
   * fixed-decimals format ("0.0", "#,##0", "#,##0.00") with those decimals,
   * grouped in thousands when the format says so.
   */
  static display(value, format = '') {
    if (Object.prototype.toString.call(value) === '[object Date]') { // a Date of either realm
      return Number.isNaN(value.getTime()) ? '#VALUE!' : `${value.getUTCMonth() + 1}/${value.getUTCDate()}/${value.getUTCFullYear()}`;
    }
    const percent = /^0(?:\.(0+))?%$/.exec(format);
    if (typeof value === 'number' && percent) return `${(value * 100).toFixed(percent[1]?.length ?? 0)}%`;
    const fixed = /^(#,##)?0(?:\.(0+))?$/.exec(format);
    if (typeof value === 'number' && fixed) {
      const decimals = fixed[2]?.length ?? 0;
      return value.toLocaleString('en-US', { useGrouping: Boolean(fixed[1]), minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    }
    return value === undefined || value === null ? '' : String(value);
  }
}

class FakeRange {
  constructor(sheet, row, column, rows, columns) { Object.assign(this, { sheet, row, column, rows, columns }); }
  /** The values, in arrays of the script's realm, as Apps Script hands them out. */
  getValues() { return this.sheet.copyGrid(this.sheet.values, this.row - 1, this.column - 1, this.rows, this.columns, null); }
  getDisplayValues() {
    const { values, formats } = this.sheet;
    const display = values.map((row, r) => row.map((value, c) => FakeSheet.display(value, formats[r]?.[c])));
    return this.sheet.copyGrid(display, this.row - 1, this.column - 1, this.rows, this.columns, null);
  }
  /** Sets the number format of every cell of the range ("0%", "0.00%", "0.0", "#,##0", "@": plain text). */
  setNumberFormat(format) {
    for (let r = this.row - 1; r < this.row - 1 + this.rows; r++) {
      for (let c = this.column - 1; c < this.column - 1 + this.columns; c++) (this.sheet.formats[r] ??= [])[c] = format;
    }
    return this;
  }
  setValues(values) {
    if (values.length !== this.rows || values.some((r) => r.length !== this.columns)) {
      throw new Error(`The number of rows or columns in the data does not match the range (${this.rows}x${this.columns})`);
    }
    fitsCells(values);
    for (let r = this.sheet.values.length; r < this.row - 1; r++) this.sheet.values[r] = [];
    values.forEach((row, r) => row.forEach((v, c) => this.sheet.write(this.row - 1 + r, this.column - 1 + c, v)));
    return this;
  }
}

// PropertiesService's quotas: 9 KB per value, 500 KB per store (keys and values, as UTF-8).
const PROPERTY_VALUE_LIMIT = 9 * 1024;
const PROPERTY_STORE_LIMIT = 500 * 1024;
const propertySize = (key, value) => Buffer.byteLength(key) + Buffer.byteLength(value);

class FakeProperties {
  constructor() { this.store = new Map(); }
  getProperty(key) { return this.store.has(key) ? this.store.get(key) : null; }
  setProperty(key, value) {
    const text = String(value);
    if (Buffer.byteLength(text) > PROPERTY_VALUE_LIMIT) throw new Error('Argument too large: value');
    let total = propertySize(key, text);
    for (const [k, v] of this.store) if (k !== key) total += propertySize(k, v);
    if (total > PROPERTY_STORE_LIMIT) {
      throw new Error('You have exceeded the property storage quota. Please remove some properties and try again.');
    }
    this.store.set(key, text);
    return this;
  }
  deleteProperty(key) { this.store.delete(key); return this; }
  getProperties() { return Object.fromEntries(this.store); }
}

/**
 * Builds the sandbox and loads appscript/dist in filePushOrder.
 * @param {object} [options]
 * @param {string} [options.distDir]  the built files
 * @param {(title: string, prompt: string) => string} [options.alertAnswer] answers ui.alert (default OK/YES)
 * @param {(title: string, prompt: string) => string|null} [options.promptAnswer] the text typed into ui.prompt
 *   (null: Cancel)
 * @param {number} [options.urlFetchQuota=Infinity] the UrlFetchApp calls left today; past them a call
 *   throws Apps Script's quota error and sends nothing
 * @param {string[]} [options.urlFetchWhitelist] the manifest's allow-list (default: none, everything is
 *   allowed); a URL no prefix matches ("*." for subdomains) throws Apps Script's refusal and sends nothing
 * @param {number} [options.fetchLatencyMs=0] how far each UrlFetchApp call moves the script's clock
 *   (a slow network, without waiting for it); 60 s or more is UrlFetchApp's timeout
 * @param {boolean} [options.load=true] load the built files (false: the bare runtime)
 * @param {string[]} [options.files] the files to load (default: filePushOrder)
 * @param {string} [options.timeZone='Europe/Paris'] the spreadsheet's time zone
 */
export function createSandbox({ distDir = join(root, 'appscript/dist'), alertAnswer, promptAnswer, fetchLatencyMs = 0, load = true,
  files, timeZone = 'Europe/Paris', urlFetchQuota = Infinity, urlFetchWhitelist } = {}) {
  const worker = new Worker(FETCH_WORKER, { eval: true, execArgv: [] });
  worker.unref();
  const log = { alerts: [], dialogs: [], logs: [], fetches: [], sleeps: [], menus: [], toasts: [] };
  let clockOffset = 0;

  const sheets = new Map();
  let nextSheetId = 100;
  const spreadsheet = {
    getSheetByName: (name) => sheets.get(name) ?? null,
    insertSheet: (name) => {
      if (sheets.has(name)) throw new Error(`A sheet with the name "${name}" already exists.`);
      const sheet = new FakeSheet(name, nextSheetId++, copyGrid);
      sheets.set(name, sheet);
      return sheet;
    },
    getSheets: () => [...sheets.values()],
    getUrl: () => 'https://docs.google.com/spreadsheets/d/fake-id/edit',
    getSpreadsheetTimeZone: () => timeZone,
    toast: (message) => log.toasts.push(message),
  };

  const Button = { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' };
  const ui = {
    Button,
    ButtonSet: { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO', YES_NO_CANCEL: 'YES_NO_CANCEL' },
    createMenu(title) {
      const menu = { title, items: [], added: false };
      log.menus.push(menu);
      const builder = {
        addItem: (caption, fn) => { menu.items.push([caption, fn]); return builder; },
        addSeparator: () => { menu.items.push(['---', null]); return builder; },
        addToUi: () => { menu.added = true; },
      };
      return builder;
    },
    alert(title, prompt, buttons) {
      log.alerts.push({ title, prompt, buttons });
      return alertAnswer ? alertAnswer(title, prompt) : buttons === 'YES_NO' ? Button.YES : Button.OK;
    },
    prompt(title, prompt) {
      log.alerts.push({ title, prompt });
      const text = promptAnswer ? promptAnswer(title, prompt) : '';
      return { getSelectedButton: () => (text === null ? Button.CANCEL : Button.OK), getResponseText: () => text ?? '' };
    },
    showModalDialog(output, title) { log.dialogs.push({ title, html: output.html }); },
  };

  // Each person using the spreadsheet has user properties and triggers of their own (asUser switches).
  let user = 'admin@example.com';
  const userProperties = new Map();
  const properties = {
    get user() {
      if (!userProperties.has(user)) userProperties.set(user, new FakeProperties());
      return userProperties.get(user);
    },
    document: new FakeProperties(),
    script: new FakeProperties(),
  };
  const allTriggers = [];
  const lockState = { held: false };
  let inTrigger = false; // a time-driven trigger's run, which has no user interface
  const record = (...parts) => log.logs.push(parts.map(String).join(' '));

  const globals = {
    console: { log: record, info: record, warn: record, error: record },
    Logger: { log: record },
    SpreadsheetApp: {
      getActiveSpreadsheet: () => spreadsheet,
      getUi: () => {
        if (inTrigger) throw new Error('Exception: Cannot call SpreadsheetApp.getUi() from this context.');
        return ui;
      },
    },
    PropertiesService: {
      getUserProperties: () => properties.user,
      getDocumentProperties: () => properties.document,
      getScriptProperties: () => properties.script,
    },
    Utilities: {
      // Apps Script returns a plain array of signed bytes (-128..127), made
      // in the script's own realm (see toScriptArray below).
      base64Decode: (text) => {
        const bytes = Buffer.from(text, 'base64');
        return toScriptArray(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
      },
      sleep: (ms) => {
        if (!Number.isInteger(ms) || ms < 0 || ms > 300_000) throw new Error(`Utilities.sleep: invalid milliseconds ${ms}`);
        log.sleeps.push(ms);
        clockOffset += ms;
      },
      formatDate: (date, timeZone, pattern) => formatDate(date, timeZone, pattern),
    },
    UrlFetchApp: { fetch: (url, options = {}) => fetchSync(url, options) },
    LockService: {
      getDocumentLock: () => {
        let mine = false;
        return {
          tryLock() {
            if (lockState.held) return false;
            lockState.held = mine = true;
            return true;
          },
          releaseLock() {
            if (mine) lockState.held = mine = false;
          },
        };
      },
    },
    ScriptApp: {
      // As in Apps Script, a person sees, and can delete, only their own triggers.
      getProjectTriggers: () => allTriggers.filter((t) => t.owner === user),
      deleteTrigger: (t) => {
        if (t.owner !== user) throw new Error('Exception: the trigger belongs to another user');
        allTriggers.splice(allTriggers.indexOf(t), 1);
      },
      newTrigger(handler) {
        const spec = { handler };
        const builder = {
          timeBased: () => builder,
          atHour: (h) => { spec.hour = h; return builder; },
          everyDays: (d) => { spec.everyDays = d; return builder; },
          inTimezone: (tz) => { spec.timeZone = tz; return builder; },
          create: () => {
            const trigger = { ...spec, owner: user, getHandlerFunction: () => handler };
            allTriggers.push(trigger);
            return trigger;
          },
        };
        return builder;
      },
    },
    HtmlService: {
      createHtmlOutput: (html) => {
        const output = { html, setWidth: () => output, setHeight: () => output, setTitle: () => output };
        return output;
      },
    },
    Session: { getActiveUser: () => ({ getEmail: () => user }), getScriptTimeZone: () => 'Etc/UTC' },
  };

  /** Synchronous HTTP through the worker, shaped like UrlFetchApp's HTTPResponse. */
  function fetchSync(url, options) {
    if (log.fetches.length >= urlFetchQuota) throw new Error('Exception: Service invoked too many times for one day: urlfetch.');
    const allowed = (prefix) => new RegExp(`^${prefix.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '[^/]*')}`).test(url);
    if (urlFetchWhitelist && !urlFetchWhitelist.some(allowed)) {
      throw new Error(`Exception: Request to ${url} failed because the URL has not been whitelisted in the script manifest.`);
    }
    // Like UrlFetchApp: the content type comes from the option (form-encoded
    // by default when there is a payload), never from a Content-Type header.
    const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-type'));
    if (options.payload !== undefined) headers['Content-Type'] = options.contentType ?? 'application/x-www-form-urlencoded';
    const init = { method: (options.method ?? 'get').toUpperCase(), headers };
    if (options.payload !== undefined) init.body = payloadBody(options.payload);
    log.fetches.push({ url, options });
    clockOffset += Math.min(fetchLatencyMs, URL_FETCH_TIMEOUT_MS);
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ signal, port: port2, url, init }, [port2]);
    Atomics.wait(signal, 0, 0, 30_000);
    const result = receiveMessageOnPort(port1)?.message;
    port1.close();
    if (fetchLatencyMs >= URL_FETCH_TIMEOUT_MS) throw new Error(`Exception: Timeout: ${url.split('?')[0]}`);
    if (!result || result.error) throw new Error(`Exception: Address unavailable: ${url.split('?')[0]} (${result?.error ?? 'timeout'})`);
    if (result.status >= 400 && !options.muteHttpExceptions) throw new Error(`Request failed for ${url} returned code ${result.status}`);
    return {
      getResponseCode: () => result.status,
      getAllHeaders: () => result.headers,
      getHeaders: () => result.headers,
      getContentText: () => result.body,
    };
  }

  const context = vm.createContext(globals);
  // V8 gives a context WebAssembly's streaming compilers, which take a fetch
  // Response; Apps Script has neither fetch nor Response, so neither does the sandbox.
  vm.runInContext('delete WebAssembly.compileStreaming; delete WebAssembly.instantiateStreaming;', context);
  // Arrays handed to the script (base64Decode's bytes, getValues' rows) must
  // be the script realm's own, as in Apps Script; a foreign array takes V8's
  // slow paths and would skew timings.
  // (A loop, because Array.prototype.slice on a foreign array or a typed
  // array takes a generic path ten times slower, which timings would count.)
  const toScriptArray = vm.runInContext('(items) => { const out = []; for (let i = 0; i < items.length; i++) out.push(items[i]); return out; }',
    context);
  /** A block of a sheet's values (0-based), each through `cell` if given; an empty cell is ''. */
  const copyGrid = vm.runInContext(`(values, row, column, rows, columns, cell) => {
    const out = [];
    for (let r = 0; r < rows; r++) {
      const source = values[row + r] || [];
      const line = [];
      for (let c = 0; c < columns; c++) {
        const stored = source[column + c] ?? '';
        // A date the sheet parsed is a Date of the script's realm, as Apps Script hands it out.
        const value = Object.prototype.toString.call(stored) === '[object Date]' ? new Date(stored.getTime()) : stored;
        line.push(cell ? cell(value) : value);
      }
      out.push(line);
    }
    return out;
  }`, context);
  // Apps Script's clock is the real one; here a slept wait or a slow fetch advances it instead of blocking.
  vm.runInContext('(offset) => { const realNow = Date.now; Date.now = () => realNow() + offset(); }', context)(() => clockOffset);

  const clasp = JSON.parse(readFileSync(join(distDir, '.clasp.json'), 'utf8'));
  for (const file of load ? files ?? clasp.filePushOrder : []) {
    vm.runInContext(readFileSync(join(distDir, file), 'utf8'), context, { filename: file });
  }

  return {
    context,
    log,
    sheets,
    properties,
    /** Every user's triggers. */
    get triggers() { return [...allTriggers]; },
    /** Who uses the spreadsheet from now on (default admin@example.com): their own user properties and triggers. */
    asUser: (email) => { user = email; },
    /** Moves the script's clock on, as the time a person takes to answer a dialog does. */
    advanceClock: (ms) => { clockOffset += ms; },
    /** Calls a global function of the script, as a menu or trigger would. */
    call: (name, ...args) => vm.runInContext(name, context)(...args),
    /** Calls a global function as a time-driven trigger would: SpreadsheetApp.getUi throws. */
    callFromTrigger(name) {
      inTrigger = true;
      try {
        return vm.runInContext(name, context)();
      } finally {
        inTrigger = false;
      }
    },
    /** Evaluates an expression in the script's global scope. */
    evaluate: (code) => vm.runInContext(code, context),
    /** Creates a sheet with the given rows of values. */
    addSheet(name, rows) {
      const sheet = spreadsheet.insertSheet(name);
      sheet.values = rows.map((r) => [...r]);
      return sheet;
    },
    /** Every formula the script's writes created, in any sheet, as "Sheet!row:column text". */
    formulas: () => [...sheets.values()].flatMap((s) => s.formulas.map((f) => `${s.name}!${f.row}:${f.column} ${f.text}`)),
    /** Everything the script wrote that a person or another editor could see (not the user's own properties). */
    visibleText() {
      const cells = [...sheets.values()].flatMap((s) => s.values.flat().map(String));
      return [...cells, ...log.logs, ...log.toasts, ...log.alerts.map((a) => `${a.title} ${a.prompt}`),
        ...log.dialogs.map((d) => d.html), ...Object.values(properties.document.getProperties()),
        ...Object.values(properties.script.getProperties())].join('\n');
    },
    close: () => worker.terminate(),
  };
}

/** Parses CSV text into rows of cells (for building a pasted sheet in tests). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
