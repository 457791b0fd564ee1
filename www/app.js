// The page's glue: reads the file, collects options, shows what the core
// returns, and drives the sync. Every decision (rows, dates, statuses,
// retries, the guard) is the wasm core's; this file only moves data and
// renders it.

import init, { checkSyncGuard, syncWithFetch } from './pkg/stripe_torii_sync.js';

const PAGE_SIZE = 100;
const COLUMN_FIELDS = [['email', 'Email'], ['name', 'Full name'], ['firstName', 'First name'], ['lastName', 'Last name'],
  ['status', 'Status'], ['roles', 'Roles'], ['lastUsed', 'Last used']];
const KEY_STORE = 'stripe-torii-sync:api-key';

const $ = (id) => document.getElementById(id);
const state = { bytes: null, fileName: '', json: null, report: null, users: [], page: 0, headersFound: null, runId: 0 };
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
const coreReady = init();

worker.onmessage = ({ data }) => {
  pending.get(data.id)?.(data);
  pending.delete(data.id);
};

/** Runs the transform in the worker; only the newest run's answer is shown. */
function transformInWorker(options) {
  const id = ++state.runId;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker.postMessage({ id, bytes: state.bytes, options });
  });
}

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** The form as the core's TransformOptions, or undefined when a field is invalid. */
function readOptions() {
  const form = $('options').elements;
  let valid = true;
  const options = { licenseName: form.licenseName.value.trim() || 'Stripe', dateOrder: form.dateOrder.value };
  const price = form.price.value.trim();
  if (/^\d+(\.\d{1,2})?$/.test(price)) {
    options.pricePerUserCents = Math.round(Number(price) * 100);
    $('price-error').textContent = '';
  } else {
    $('price-error').textContent = 'Price per user: enter dollars and cents, like 12 or 12.50 (not negative).';
    valid = false;
  }
  const unassigned = form.unassigned.value.trim();
  if (/^\d+$/.test(unassigned)) {
    options.unassignedAmount = Number(unassigned);
    $('unassigned-error').textContent = '';
  } else {
    $('unassigned-error').textContent = 'Unassigned licenses: enter a whole number (0 or more).';
    valid = false;
  }
  form.price.setAttribute('aria-invalid', String(!/^\d+(\.\d{1,2})?$/.test(price)));
  form.unassigned.setAttribute('aria-invalid', String(!/^\d+$/.test(unassigned)));
  options.excludeStatuses = list(form.excludeStatuses.value);
  options.excludeDomains = list(form.excludeDomains.value);
  const columns = {};
  for (const select of $('column-selects').querySelectorAll('select')) {
    if (select.value) columns[select.name] = select.value;
  }
  if (Object.keys(columns).length) options.columns = columns;
  return valid ? options : undefined;
}

async function rerun() {
  if (!state.bytes) return;
  const options = readOptions();
  // Until the options are valid, nothing may be downloaded or sent that does not match the form.
  $('download').disabled = !options;
  if (!options) {
    $('sync-button').disabled = true;
    return;
  }
  const runId = state.runId + 1;
  const result = await transformInWorker(options);
  if (runId !== state.runId) return; // a newer run started meanwhile
  if (result.error) return showFatal(result.error);
  state.json = result.json;
  state.report = result.report;
  state.page = 0;
  const file = JSON.parse(result.json);
  const licenseStatus = new Map((file.licenses?.[0]?.users ?? []).map((u) => [u.email, u.licenseStatus]));
  const problems = new Map();
  for (const d of result.report.diagnostics) {
    if (d.email) problems.set(d.email, [...(problems.get(d.email) ?? []), d]);
  }
  state.users = file.users.map((u) => ({ ...u, licenseStatus: licenseStatus.get(u.email), problems: problems.get(u.email) ?? [] }));
  $('fatal').hidden = true;
  $('preview').hidden = false;
  $('file-info').textContent = `${state.fileName}: ${result.report.rowsRead} rows read, ${result.report.usersExported} users to send.`;
  renderSummary(result.report);
  renderPage();
  renderDiagnostics(result.report.diagnostics);
  updateSyncButton();
}

function showFatal(error) {
  state.json = null;
  $('preview').hidden = true;
  const box = $('fatal');
  box.hidden = false;
  box.textContent = '';
  const title = document.createElement('p');
  title.innerHTML = '<strong>This file cannot be converted.</strong> ';
  title.append(error.message);
  box.append(title);
  if (error.headersFound) {
    state.headersFound = error.headersFound;
    const p = document.createElement('p');
    p.textContent = `Headers found: ${error.headersFound.join(', ')}. Map the columns under Options.`;
    box.append(p);
    showColumnMap(error.headersFound);
  }
  if (error.report) renderDiagnosticsInto(box, error.report.diagnostics);
  $('file-info').textContent = `${state.fileName}: not converted.`;
  updateSyncButton();
}

function showColumnMap(headers) {
  const holder = $('column-selects');
  if (!$('column-map').hidden && holder.childElementCount) return;
  holder.textContent = '';
  for (const [field, label] of COLUMN_FIELDS) {
    const wrap = document.createElement('label');
    wrap.append(label);
    const select = document.createElement('select');
    select.name = field;
    select.append(new Option('(none)', ''));
    for (const h of headers) select.append(new Option(h, h));
    wrap.append(select);
    holder.append(wrap);
  }
  $('column-map').hidden = false;
}

function renderSummary(report) {
  const box = $('summary');
  box.textContent = '';
  const block = (title, entries) => {
    const div = document.createElement('div');
    const h = document.createElement('h3');
    h.textContent = title;
    const dl = document.createElement('dl');
    for (const [k, v] of entries) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = String(v);
      dl.append(dt, dd);
    }
    div.append(h, dl);
    box.append(div);
  };
  block('Rows', [['read', report.rowsRead], ['users', report.usersExported], ['merged', report.merged],
    ['excluded', report.excluded], ['rejected', report.rejected]]);
  block('By status', Object.entries(report.byStatus));
  block('By license status', Object.entries(report.byLicenseStatus));
  block('By role', Object.entries(report.byRole));
}

function renderPage() {
  const body = $('users').tBodies[0];
  body.textContent = '';
  const pages = Math.max(1, Math.ceil(state.users.length / PAGE_SIZE));
  state.page = Math.min(state.page, pages - 1);
  for (const u of state.users.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE)) {
    const tr = body.insertRow();
    const cells = [u.email, u.firstName, u.lastName, u.status, u.licenseStatus, (u.roles ?? []).join(', '), u.lastUsedDate];
    for (const value of cells) tr.insertCell().textContent = value ?? '';
    const problem = tr.insertCell();
    if (u.problems.length) {
      tr.classList.add('has-problem');
      problem.className = 'problem';
      problem.textContent = `⚠ ${u.problems.map((d) => `line ${d.line}: ${d.code}`).join('; ')}`;
    }
  }
  $('page-info').textContent = `Page ${state.page + 1} of ${pages} (${state.users.length} users)`;
  $('prev-page').disabled = state.page === 0;
  $('next-page').disabled = state.page >= pages - 1;
}

function renderDiagnostics(diagnostics) {
  $('diag-none').hidden = diagnostics.length > 0;
  $('diagnostics').textContent = '';
  renderDiagnosticsInto($('diagnostics'), diagnostics);
}

function renderDiagnosticsInto(container, diagnostics) {
  const ol = container.tagName === 'OL' ? container : container.appendChild(document.createElement('ol'));
  for (const d of diagnostics) {
    const li = document.createElement('li');
    li.className = `level-${d.level}`;
    li.textContent = `Line ${d.line}: ${d.level} ${d.code}: ${d.message}`;
    ol.append(li);
  }
}

async function loadFile(file) {
  state.fileName = file.name;
  state.bytes = new Uint8Array(await file.arrayBuffer());
  $('column-map').hidden = true;
  $('column-selects').textContent = '';
  $('file-info').textContent = `${file.name}: reading…`;
  await rerun();
}

function download() {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([state.json], { type: 'application/json' }));
  link.download = 'stripe-torii.json';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function updateSyncButton() {
  $('sync-button').disabled = !state.json;
}

const lastCountKey = (baseUrl, account) => `stripe-torii-sync:last:${baseUrl.replace(/\/+$/, '')}#${account}`;

function progress(text, className) {
  const li = document.createElement('li');
  li.textContent = text;
  if (className) li.className = className;
  $('sync-progress').append(li);
  return li;
}

async function sync(event) {
  event.preventDefault();
  await coreReady;
  const apiKey = $('api-key').value.trim();
  const appAccountId = $('app-account').value.trim();
  const baseUrl = $('base-url').value.trim();
  if ($('remember-key').checked) sessionStorage.setItem(KEY_STORE, apiKey);
  else sessionStorage.removeItem(KEY_STORE);
  $('sync-progress').textContent = '';
  const result = $('sync-result');
  result.className = '';
  result.textContent = '';
  const stored = localStorage.getItem(lastCountKey(baseUrl, appAccountId));
  const previousUserCount = stored === null ? undefined : Number(stored);
  const config = { apiKey, appAccountId, baseUrl, previousUserCount };
  try {
    const verdict = checkSyncGuard({ previousUserCount, userCount: state.report.usersExported });
    if (!verdict.allowed) {
      if (!window.confirm(`${verdict.message}\n\nSync anyway?`)) {
        result.textContent = 'Sync cancelled: nothing was sent.';
        return;
      }
      config.allowDrop = true;
    }
    $('sync-button').disabled = true;
    let current;
    const outcome = await syncWithFetch(config, state.json, {
      onProgress: (p) => {
        if (p.step === 'wait') {
          progress(`waiting ${(p.ms / 1000).toFixed(1)} s before ${p.reason}`);
          return;
        }
        current?.classList.add('done');
        current = progress(`${p.index}/${p.total} ${p.label}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}`);
      },
    });
    current?.classList.add('done');
    localStorage.setItem(lastCountKey(baseUrl, appAccountId), String(outcome.userCount));
    result.className = 'ok';
    result.textContent = `Synced: file id ${outcome.fileId}, ${outcome.userCount} users ` +
      `(${outcome.requests} requests, ${outcome.retries} retries).`;
  } catch (e) {
    $('sync-progress').lastElementChild?.classList.add('failed');
    result.className = 'failed';
    result.textContent = e.code === 'network'
      ? 'The browser could not reach Torii: it blocked the request or the network failed. Torii\'s API may not ' +
        'accept calls from web pages. You can still sync: use “Download JSON” and upload the file with the command ' +
        'line (node js/cli.mjs sync), or use the Google Sheet.'
      : `Sync failed: ${e.message}${e.code ? ` [${e.code}]` : ''}`;
  } finally {
    updateSyncButton();
  }
}

function wire() {
  $('file-input').addEventListener('change', (e) => e.target.files[0] && loadFile(e.target.files[0]));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (e.dataTransfer.files[0]) loadFile(e.dataTransfer.files[0]);
  });
  $('options').addEventListener('input', rerun);
  $('options').addEventListener('change', rerun);
  $('options').addEventListener('submit', (e) => e.preventDefault());
  $('prev-page').addEventListener('click', () => { state.page -= 1; renderPage(); });
  $('next-page').addEventListener('click', () => { state.page += 1; renderPage(); });
  $('download').addEventListener('click', download);
  $('sync-form').addEventListener('submit', sync);
  const remembered = sessionStorage.getItem(KEY_STORE);
  if (remembered) {
    $('api-key').value = remembered;
    $('remember-key').checked = true;
  }
}

wire();
