// The page's glue: reads the export, collects the options, shows what the
// core returns and drives the sync. Every decision (rows, dates, statuses,
// retries, the destructive-sync guard) is the wasm core's; this file only
// moves data and renders it. The transform itself runs in worker.js.

import init, { checkSyncGuard, syncWithFetch } from './pkg/stripe_torii_sync.js';
import { COLUMN_FIELDS, cliSyncCommand, transformOptions } from './options.js';

const PAGE_SIZE = 100;
const DIAGNOSTIC_BATCH = 500;
const MAX_DROP_PERCENT = 20;
const KEY_STORE = 'stripe-torii-sync:api-key';
const STEP_LABELS = { upload_url: 'upload URL', upload: 'upload', register: 'register file', sync: 'start sync',
  direct_upload: 'upload' };

const $ = (id) => document.getElementById(id);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const state = {
  fileName: '',
  hasFile: false,
  loads: 0, // files picked so far: a slow read of an older file must not win
  newBytes: null, // a newly read file, handed to the worker by the next run
  optionsValid: true,
  running: false,
  rerunQueued: false,
  result: null, // {generation, report, userCount, options} on screen; the file stays in the worker
  page: 0,
  diagnosticsShown: 0,
  syncing: false,
  currentStep: null, // {item, index}: the progress entry of the request in flight
};

// ---- the worker -------------------------------------------------------------

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let lastMessageId = 0;
let coreReady;

worker.onmessage = ({ data }) => {
  pending.get(data.id)?.(data);
  pending.delete(data.id);
};

// A worker that cannot start would leave every request unanswered.
worker.onerror = (event) => {
  event.preventDefault();
  const error = { code: 'worker_failed', message: 'the converter could not start in this browser.' };
  for (const resolve of pending.values()) resolve({ error });
  pending.clear();
};

/** Sends a message to the worker; resolves with its answer. */
function ask(message, transfer = []) {
  const id = ++lastMessageId;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, ...message }, transfer);
  });
}

// ---- options and transform -------------------------------------------------

/** The form as TransformOptions, showing field errors; undefined while a field is invalid. */
function readOptions() {
  const form = $('options').elements;
  const columns = {};
  for (const select of $('column-selects').querySelectorAll('select')) {
    if (select.value) columns[select.name] = Number(select.value);
  }
  const { options, errors } = transformOptions({
    licenseName: form.licenseName.value,
    price: form.price.value,
    unassigned: form.unassigned.value,
    dateOrder: form.dateOrder.value,
    excludeStatuses: form.excludeStatuses.value,
    excludeDomains: form.excludeDomains.value,
    columns,
  });
  showFieldError(form.price, $('price-error'), errors.price);
  showFieldError(form.unassigned, $('unassigned-error'), errors.unassigned);
  return options;
}

function showFieldError(input, holder, message) {
  holder.textContent = message ? `⚠ ${message}` : '';
  input.setAttribute('aria-invalid', String(Boolean(message)));
}

/**
 * Checks the form and re-runs the transform for the current file. Changes
 * made while a run is in flight collapse into one more run, so typing in a
 * field over a 100k-row file does not queue a transform per keystroke.
 */
async function rerun() {
  if (state.running) {
    state.rerunQueued = true;
    return;
  }
  state.running = true;
  updateButtons();
  try {
    do {
      state.rerunQueued = false;
      await runOnce();
    } while (state.rerunQueued);
  } finally {
    state.running = false;
    updateButtons();
  }
}

async function runOnce() {
  const options = readOptions();
  state.optionsValid = Boolean(options);
  if (!options || !state.hasFile) return;
  const load = state.loads;
  const bytes = state.newBytes;
  state.newBytes = null;
  const answer = await ask({ type: 'transform', options, bytes }, bytes ? [bytes.buffer] : []);
  // The form or the file changed meanwhile: a later run shows the answer that matches.
  if (state.rerunQueued || load !== state.loads) return;
  if (answer.error) showFatal(answer.error);
  else await showResult({ ...answer, options });
}

// ---- preview ----------------------------------------------------------------

async function showResult(result) {
  state.result = result;
  const { report } = result;
  $('fatal').hidden = true;
  $('preview-empty').hidden = true;
  $('preview').hidden = false;
  $('file-info').textContent =
    `${state.fileName}: ${plural(report.rowsRead, 'row')} read, ${plural(result.userCount, 'user')} to send.`;
  renderSummary(report);
  renderDiagnostics();
  await showPage(0);
}

function showFatal(error) {
  state.result = null;
  $('preview').hidden = true;
  $('preview-empty').hidden = true;
  const box = $('fatal');
  box.textContent = '';
  const title = document.createElement('p');
  const strong = document.createElement('strong');
  strong.textContent = '✗ This file cannot be converted.';
  title.append(strong, ` ${error.message}${error.code ? ` [${error.code}]` : ''}`);
  box.append(title);
  if (error.headersFound) {
    const headers = document.createElement('p');
    headers.textContent = `Headers found: ${error.headersFound.map((h) => h || '(blank)').join(', ')}. ` +
      'Choose the columns under “Column mapping” in the options.';
    box.append(headers);
    showColumnMap(error.headersFound);
  }
  if (error.report?.diagnostics.length) {
    const list = document.createElement('ol');
    list.className = 'diagnostics';
    list.append(...error.report.diagnostics.map(diagnosticItem));
    box.append(list);
  }
  box.hidden = false;
  $('file-info').textContent = `${state.fileName}: not converted.`;
}

/** Offers a select per field, built from the headers found; kept while the user maps. */
function showColumnMap(headers) {
  const holder = $('column-selects');
  if (holder.childElementCount) return;
  for (const [field, label] of COLUMN_FIELDS) {
    const select = document.createElement('select');
    select.name = field;
    select.id = `column-${field}`;
    select.append(new Option('(none)', ''));
    // By 1-based position, so blank or repeated headers can be mapped too.
    headers.forEach((header, i) => select.append(new Option(`${header || '(blank)'} (column ${i + 1})`, String(i + 1))));
    // A label beside the select, not around it: else the chosen option would become part of its name.
    const caption = Object.assign(document.createElement('label'), { htmlFor: select.id, textContent: label });
    const wrap = Object.assign(document.createElement('div'), { className: 'field' });
    wrap.append(caption, select);
    holder.append(wrap);
  }
  $('column-map').hidden = false;
}

function renderSummary(report) {
  const blocks = [
    ['Rows', [['read', report.rowsRead], ['users', report.usersExported], ['merged', report.merged],
      ['excluded', report.excluded], ['rejected', report.rejected]]],
    ['By status', Object.entries(report.byStatus)],
    ['By license status', Object.entries(report.byLicenseStatus)],
    ['By role', Object.entries(report.byRole)],
  ];
  $('summary').replaceChildren(...blocks.map(([title, entries]) => summaryBlock(title, entries)));
}

function summaryBlock(title, entries) {
  const block = document.createElement('div');
  const heading = document.createElement('h3');
  heading.textContent = title;
  const list = document.createElement('dl');
  for (const [name, value] of entries) {
    const term = document.createElement('dt');
    term.textContent = name;
    const count = document.createElement('dd');
    count.textContent = String(value);
    list.append(term, count);
  }
  block.append(heading, list);
  return block;
}

/** Fetches one page of rows from the worker and shows it. */
async function showPage(index) {
  const { generation, userCount } = state.result;
  const pages = Math.max(1, Math.ceil(userCount / PAGE_SIZE));
  const page = Math.min(Math.max(index, 0), pages - 1);
  const answer = await ask({ type: 'page', generation, start: page * PAGE_SIZE, count: PAGE_SIZE });
  if (answer.error || state.result?.generation !== generation) return; // a newer result is on its way
  state.page = page;
  renderRows(answer.rows);
  $('page-info').textContent = `Page ${page + 1} of ${pages} (${plural(userCount, 'user')})`;
  $('prev-page').disabled = page === 0;
  $('next-page').disabled = page >= pages - 1;
}

function renderRows(rows) {
  const body = $('users').tBodies[0];
  body.textContent = '';
  for (const user of rows) {
    const row = body.insertRow();
    const cells = [user.email, user.firstName, user.lastName, user.status, user.licenseStatus,
      user.roles?.join(', '), user.lastUsedDate];
    for (const value of cells) row.insertCell().textContent = value ?? '';
    const problems = row.insertCell();
    if (user.problems.length) {
      row.classList.add('has-problem');
      problems.className = 'problem';
      problems.textContent = `⚠ ${user.problems.map((d) => `line ${d.line}: ${d.code}`).join('; ')}`;
    }
  }
}

/** Turns the page, keeping keyboard focus on a pager button that is still enabled. */
async function turnPage(delta) {
  if (!state.result) return;
  await showPage(state.page + delta);
  if (document.activeElement === document.body || document.activeElement?.disabled) {
    (delta > 0 ? $('prev-page') : $('next-page')).focus();
  }
}

function renderDiagnostics() {
  $('diagnostics').textContent = '';
  state.diagnosticsShown = 0;
  $('diag-none').hidden = state.result.report.diagnostics.length > 0;
  showMoreDiagnostics();
}

/** Lists the next batch of diagnostics: a file full of bad rows must not freeze the page. */
function showMoreDiagnostics() {
  const all = state.result.report.diagnostics;
  const batch = all.slice(state.diagnosticsShown, state.diagnosticsShown + DIAGNOSTIC_BATCH);
  $('diagnostics').append(...batch.map(diagnosticItem));
  state.diagnosticsShown += batch.length;
  const left = all.length - state.diagnosticsShown;
  const more = $('more-diagnostics');
  more.hidden = left === 0;
  more.textContent = `Show ${Math.min(left, DIAGNOSTIC_BATCH)} more diagnostics (${left} not shown yet)`;
}

function diagnosticItem(d) {
  const item = document.createElement('li');
  item.className = `level-${d.level}`;
  item.textContent = `Line ${d.line}: ${d.level} ${d.code}: ${d.message}`;
  return item;
}

// ---- file input -------------------------------------------------------------

async function loadFile(file) {
  const load = ++state.loads;
  state.fileName = file.name;
  state.hasFile = false; // until its bytes are read: a run before that would show the previous file
  state.result = null;
  $('column-map').hidden = true;
  $('column-selects').textContent = '';
  $('fatal').hidden = true;
  $('preview').hidden = true;
  clearSyncOutput(); // it was about the previous file
  $('file-info').textContent = `${file.name}: reading…`;
  updateButtons();
  let bytes;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    showFatal({ code: 'unreadable', message: `the browser could not read the file (${e.message}).` });
    return;
  }
  if (load !== state.loads) return;
  state.newBytes = bytes;
  state.hasFile = true;
  await rerun();
}

/** Drop anywhere on the page; only file drags are taken, so text can still be dragged into fields. */
function wireDrop() {
  const zone = $('drop-zone');
  const carriesFiles = (event) => event.dataTransfer?.types.includes('Files');
  let depth = 0; // dragenter/dragleave fire for every element crossed
  document.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    depth += 1;
    zone.classList.add('dragging');
  });
  document.addEventListener('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('dragging');
  });
  document.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) event.preventDefault(); // else the browser would open the file instead
  });
  document.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    const [file] = event.dataTransfer.files;
    if (file) loadFile(file);
  });
}

// ---- download and sync --------------------------------------------------------

/** Whether the result on screen matches the form, so it may be downloaded or sent. */
const exportable = () => Boolean(state.result) && state.optionsValid && !state.running;

function updateButtons() {
  $('download').disabled = !exportable();
  $('help-download').disabled = !exportable();
  $('sync-button').disabled = !exportable() || state.syncing;
}

/** The JSON file of the result on screen: the worker's Blob, the exact bytes a sync sends. */
async function resultFile() {
  const answer = await ask({ type: 'file', generation: state.result.generation });
  if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.blob;
}

async function download() {
  if (!exportable()) return;
  let blob;
  try {
    blob = await resultFile();
  } catch {
    return; // a newer result replaced this one; its own download button follows
  }
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: 'stripe-torii.json' });
  link.click();
  // The download has taken its copy by then; the URL would otherwise live as long as the page.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The localStorage entry holding the last synced user count (never the key). */
const lastCountKey = (baseUrl, account) => `stripe-torii-sync:last:${baseUrl.replace(/\/+$/, '')}#${account}`;

/** The key goes to sessionStorage only while "Remember the key for this tab" is ticked. */
function rememberKey() {
  if ($('remember-key').checked) sessionStorage.setItem(KEY_STORE, $('api-key').value);
  else sessionStorage.removeItem(KEY_STORE);
}

function addProgress(text, className = '') {
  const item = document.createElement('li');
  item.textContent = text;
  item.className = className;
  $('sync-progress').append(item);
  return item;
}

/** One entry per request ("2/4 upload", "(attempt 2)" on a retry) and per wait. */
function showProgress(event) {
  if (event.step === 'wait') {
    addProgress(`waiting ${(event.ms / 1000).toFixed(1)} s before ${event.reason}`, 'wait');
    return;
  }
  const previous = state.currentStep;
  if (previous) previous.item.classList.add(previous.index === event.index ? 'retried' : 'done');
  const label = event.label ?? STEP_LABELS[event.step] ?? event.step;
  const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
  state.currentStep = { item: addProgress(`${event.index}/${event.total} ${label}${attempt}`), index: event.index };
}

function showSyncResult(text, outcome) {
  const result = $('sync-result');
  result.className = outcome ?? '';
  result.textContent = text;
}

function clearSyncOutput() {
  $('sync-progress').textContent = '';
  $('sync-help').hidden = true;
  showSyncResult('');
  state.currentStep = null;
}

function showSyncFailure(error, sent) {
  const step = state.currentStep?.item;
  if (step) {
    step.classList.add('failed');
    step.append(' — failed');
  }
  if (error.code !== 'network') {
    showSyncResult(`✗ Sync failed: ${error.message}${error.code ? ` [${error.code}]` : ''}`, 'failed');
    return;
  }
  showSyncResult('✗ The browser could not reach Torii: it blocked the request, or the network failed. ' +
    'Torii\'s API may not accept calls from web pages. Nothing was lost; send the same users another way: ' +
    'Download JSON, the command line, or the Google Sheet (below).', 'failed');
  $('cli-command').textContent = cliSyncCommand({ fileName: state.fileName, ...sent });
  $('sync-help').hidden = false;
}

async function sync(event) {
  event.preventDefault();
  if (!exportable() || state.syncing) return;
  const { userCount, options } = state.result;
  const config = {
    apiKey: $('api-key').value.trim(),
    appAccountId: $('app-account').value.trim(),
    baseUrl: $('base-url').value.trim(),
    maxDropPercent: MAX_DROP_PERCENT,
  };
  rememberKey();
  clearSyncOutput();
  const countKey = lastCountKey(config.baseUrl, config.appAccountId);
  const stored = localStorage.getItem(countKey);
  if (/^\d+$/.test(stored ?? '')) config.previousUserCount = Number(stored);
  state.syncing = true;
  updateButtons();
  try {
    const json = await (await resultFile()).text();
    await (coreReady ??= init());
    const verdict = checkSyncGuard({ previousUserCount: config.previousUserCount, userCount,
      maxDropPercent: MAX_DROP_PERCENT });
    if (!verdict.allowed) {
      if (!window.confirm(`${verdict.message.replace(/\.?$/, '.')}\n\nSync anyway?`)) {
        showSyncResult('Sync cancelled: nothing was sent.');
        return;
      }
      config.allowDrop = true;
    }
    const outcome = await syncWithFetch(config, json, { onProgress: showProgress });
    state.currentStep?.item.classList.add('done');
    localStorage.setItem(countKey, String(outcome.userCount));
    showSyncResult(`✓ Synced: file id ${outcome.fileId}, ${plural(outcome.userCount, 'user')} ` +
      `(${plural(outcome.requests, 'request')}, ${plural(outcome.retries, 'retry', 'retries')}).`, 'ok');
  } catch (e) {
    showSyncFailure(e, { options, appAccountId: config.appAccountId, baseUrl: config.baseUrl });
  } finally {
    state.syncing = false;
    updateButtons();
  }
}

// ---- wiring -----------------------------------------------------------------

function wire() {
  $('file-input').addEventListener('change', (event) => {
    const [file] = event.target.files;
    if (file) loadFile(file);
  });
  wireDrop();
  // "input" fires for text fields and selects alike, at once.
  $('options').addEventListener('input', rerun);
  $('options').addEventListener('submit', (event) => event.preventDefault());
  $('prev-page').addEventListener('click', () => turnPage(-1));
  $('next-page').addEventListener('click', () => turnPage(1));
  $('more-diagnostics').addEventListener('click', showMoreDiagnostics);
  $('download').addEventListener('click', download);
  $('help-download').addEventListener('click', download);
  $('sync-form').addEventListener('submit', sync);
  $('remember-key').addEventListener('change', rememberKey);
  $('api-key').addEventListener('input', rememberKey);
  const remembered = sessionStorage.getItem(KEY_STORE);
  if (remembered) {
    $('api-key').value = remembered;
    $('remember-key').checked = true;
  }
}

wire();
