// The web page: its static server (MIME types, no traversal, loopback only,
// a sub-path, a deployed copy with pkg/ inside), and the page itself in a
// real browser (Debian's Chromium through playwright-core): the option form
// built from the core's catalog, preview, option re-runs, invalid options,
// several exports at once, drop, column mapping, download (byte for byte the
// core's file), the changes since the last sync (IndexedDB) or since a picked
// file, sync to the local Torii emulator with retries, a wrong key, a blocked
// cross-origin call and the destructive-sync guard, 100k rows, both layouts
// (screenshots), keyboard use, the favicon, and no console errors anywhere.
//
// Expected files come from the core itself (transform(bytes, options).json()
// in Node), not from the CLI.

import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../js/serve.mjs';
import { startEmulator } from '../../js/emulator.mjs';
import { loadCore } from '../../js/core.cjs';
import { exportFile, generateExport } from '../../js/bench/generate.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const noEmail = join(root, 'tests/fixtures/www/no-email-column.csv');
const unrecognised = join(root, 'tests/fixtures/www/unrecognised-headers.csv');
const second = join(root, 'tests/fixtures/www/second-account.csv');
const KEY = 'www-test-key-7f3a';
const ACCOUNT = '321';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];
const tmp = mkdtempSync(join(tmpdir(), 'sts-www-'));
const shots = process.env.WWW_SCREENSHOTS ?? join(tmp, 'screenshots');
mkdirSync(shots, { recursive: true });

let core;
let browser;
let server;
let emulator;
let context;
let page;
let problems;

before(async () => {
  core = loadCore();
  server = await startServer();
  emulator = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
});

/** Resource errors the emulator is told to cause (a 401, a 503, no CORS) are the point of those tests. */
function expectedConsoleError(message) {
  const origin = new URL(emulator.baseUrl).origin;
  return message.location().url.startsWith(origin) || message.text().includes(origin);
}

/** A fresh context and page on `url`, recording console and page errors into `problems`. */
async function openPage(url, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport });
  const tab = await ctx.newPage();
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  tab.on('console', (m) => {
    if (m.type() === 'error' && !expectedConsoleError(m)) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  await tab.goto(url);
  await tab.locator('body[data-ready]').waitFor();
  return { ctx, tab };
}

beforeEach(async () => {
  emulator.clearFaults();
  emulator.setCors(true);
  emulator.requests.length = 0;
  problems = [];
  ({ ctx: context, tab: page } = await openPage(server.url));
});

afterEach(async () => {
  await context?.close();
  assert.deepEqual(problems, [], 'no console errors or page errors');
});

// ---- helpers ------------------------------------------------------------------

async function load(files) {
  await page.getByLabel('Stripe exports').setInputFiles(files);
  await page.locator('#users tbody tr, #fatal:not([hidden])').first().waitFor();
}

const rowCount = () => page.locator('#users tbody tr').count();
const reportText = () => page.locator('#report-text').textContent();
const rowOf = (email) => page.locator('#users tbody tr', { hasText: email });
const cellsOf = async (email) => rowOf(email).locator('th, td').allTextContents();

/** Waits until no transform is running and the result may be downloaded. */
const settled = () => page.waitForFunction(() => document.querySelector('#preview').ariaBusy === 'false'
  && !document.querySelector('#download').disabled);

/** Holds the page's messages to its worker, so that a run started now stays in flight until released. */
const holdWorkerMessages = () => page.evaluate(() => {
  const post = Worker.prototype.postMessage;
  const held = [];
  Worker.prototype.postMessage = function hold(...message) { held.push([this, message]); };
  window.releaseWorkerMessages = () => {
    Worker.prototype.postMessage = post;
    for (const [worker, message] of held) post.apply(worker, message);
  };
});

/** Delivers the messages held since `holdWorkerMessages`, in order. */
const releaseWorkerMessages = () => page.evaluate(() => window.releaseWorkerMessages());

/** Picks `file` and deletes it before the worker may read it; waits for the fatal box that brings. */
async function pickThenDelete(file) {
  await holdWorkerMessages();
  await page.getByLabel('Stripe exports').setInputFiles(file);
  rmSync(file);
  await releaseWorkerMessages();
  await page.locator('#fatal:not([hidden])').waitFor();
}

/** The core's Torii file for `file` with typed options, as text. */
const coreJson = (file, options = {}) =>
  Buffer.from(core.transform(readFileSync(file), options).json()).toString('utf8');

async function downloadJson(button = page.getByRole('button', { name: 'Download JSON' }).first()) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  assert.equal(download.suggestedFilename(), 'stripe-users.json', 'named as Torii names the upload');
  return readFileSync(await download.path(), 'utf8');
}

async function fillSync({ key = KEY } = {}) {
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('App Account ID').fill(ACCOUNT);
  await page.getByLabel('API URL').fill(emulator.baseUrl);
}

/** Loads the sample, fills the sync form and starts a sync; returns once its progress shows `step` ("[2/4]"). */
async function syncUntil(step) {
  await load(sample);
  await fillSync();
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-progress li', { hasText: step }).waitFor();
}

async function syncWith(options) {
  await fillSync(options);
  await page.locator('#sync-result').evaluate((e) => { e.textContent = ''; });
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  return page.locator('#sync-result').textContent();
}

/** The core's error for `act`, which must throw. */
function coreError(act) {
  try {
    act();
  } catch (e) {
    return e;
  }
  throw new Error('expected the core to throw');
}

/** A pattern for a core text in which numbers (times, ids) may differ. */
const shapeOf = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\d+/g, '\\d+')}`);

/** The sync result's error code (`data-code`), '' after a success. */
const resultCode = () => page.locator('#sync-result').getAttribute('data-code');

/**
 * The same sync run by the core in Node against the emulator: its progress
 * texts, outcome or error, for comparing with what the page shows. Leaves
 * the emulator's request log empty.
 */
async function coreSync(file, config, onConfirm) {
  const texts = [];
  const session = core.transform(readFileSync(file), {})
    .startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl, ...config }, 1);
  const verdict = session.verdict();
  try {
    const outcome = await session.runWithFetch({ onProgress: (p) => texts.push(p.text), onConfirm });
    return { texts, outcome, verdict };
  } catch (error) {
    return { texts, error, verdict };
  } finally {
    emulator.requests.length = 0;
  }
}

/** Cuts the stored last sync of ACCOUNT down by hand, in IndexedDB, to its fields in `keep`. */
const cutLastSync = (keep) => page.evaluate(({ key, keep }) => new Promise((resolve, reject) => {
  const open = indexedDB.open('stripe-torii-sync');
  open.onsuccess = () => {
    const store = open.result.transaction('lastSync', 'readwrite').objectStore('lastSync');
    const read = store.get(key);
    read.onsuccess = () => {
      const put = store.put(Object.fromEntries(keep.map((field) => [field, read.result[field]])), key);
      put.onsuccess = () => resolve(open.result.close());
      put.onerror = () => reject(put.error);
    };
  };
  open.onerror = () => reject(open.error);
}), { key: core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT }), keep });

/** The page's IndexedDB store of last syncs, file bytes as text; {} while the worker has not created it. */
const lastSyncs = () => page.evaluate(async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === 'stripe-torii-sync')) return {};
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('stripe-torii-sync');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const all = await new Promise((resolve) => {
    const out = {};
    const cursor = db.transaction('lastSync').objectStore('lastSync').openCursor();
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at) return resolve(out);
      out[at.key] = { baseline: at.value.baseline, file: new TextDecoder().decode(at.value.file) };
      return at.continue();
    };
  });
  db.close();
  return all;
});

/** One raw request, so the client does not normalise `..` away. */
function rawGet(base, path, method = 'GET') {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

// ---- the static server ---------------------------------------------------------

test('the server sends each file type with its MIME type', async () => {
  const expected = {
    '/': 'text/html; charset=utf-8',
    '/app.js': 'text/javascript; charset=utf-8',
    '/worker.js': 'text/javascript; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/favicon.svg': 'image/svg+xml',
    '/pkg/stripe_torii_sync.js': 'text/javascript; charset=utf-8',
    '/pkg/stripe_torii_sync_bg.wasm': 'application/wasm',
  };
  for (const [path, type] of Object.entries(expected)) {
    assert.deepEqual((await rawGet(server.url, path)).type, type, path);
  }
  assert.equal((await rawGet(server.url, '/', 'HEAD')).status, 200);
  assert.equal((await rawGet(server.url, '/', 'POST')).status, 405);
  assert.equal(new URL(server.url).hostname, '127.0.0.1');
});

test('the server refuses paths outside www/ and pkg/', async () => {
  for (const path of ['/../Cargo.toml', '/%2e%2e/Cargo.toml', '/pkg/..%2fCargo.toml', '/pkg/%2e%2e%2fsrc%2flib.rs',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%5c..%5cCargo.toml', '/app.js%00.html', '/%E0%A4%A', '/pkg/', '/nope.html']) {
    assert.equal((await rawGet(server.url, path)).status, 404, path);
  }
  await assert.rejects(startServer({ host: '0.0.0.0' }), /loopback only/);
  await assert.rejects(startServer({ base: 'no-slash' }), /base path/);
});

test('node js/serve.mjs prints the URL it serves, under --base too', async () => {
  const child = spawn(process.execPath, [join(root, 'js/serve.mjs'), '--port', '0', '--base', '/tools/'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((resolve, reject) => {
      child.stdout.once('data', (chunk) => resolve(String(chunk)));
      child.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    });
    const url = /http:\/\/127\.0\.0\.1:\d+\/tools\//.exec(line)?.[0];
    assert.ok(url, line);
    const res = await fetch(url);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await res.text(), /Stripe exports/);
    assert.equal((await fetch(`${url}pkg/stripe_torii_sync_bg.wasm`)).headers.get('content-type'), 'application/wasm');
  } finally {
    child.kill();
  }
});

test('a copy of the page with pkg/ inside works under a sub-path, favicon included', async () => {
  const site = join(tmp, 'site');
  cpSync(join(root, 'www'), site, { recursive: true });
  cpSync(join(root, 'pkg'), join(site, 'pkg'), { recursive: true });
  const copy = await startServer({ dir: site, base: '/tools/torii/' });
  const other = await openPage(copy.url);
  try {
    assert.deepEqual(await rawGet(copy.url, '/tools/torii'), { status: 301, type: undefined, location: '/tools/torii/' });
    const tab = other.tab;
    const icon = await tab.locator('link[rel="icon"]').evaluate((link) => link.href);
    assert.equal(icon, `${copy.url}favicon.svg`);
    assert.equal((await fetch(icon)).status, 200);
    await tab.getByLabel('Stripe exports').setInputFiles(sample);
    await tab.locator('#users tbody tr').first().waitFor();
    assert.equal(await tab.locator('#users tbody tr').count(), 9);
  } finally {
    await other.ctx.close();
    await copy.close();
  }
});

// ---- the form --------------------------------------------------------------------

test('every option of the core\'s catalog has a labelled control with the catalog\'s default', async () => {
  await page.locator('details summary').click();
  const catalog = core.optionCatalog();
  assert.ok(catalog.length >= 20);
  for (const option of catalog) {
    const control = page.getByLabel(option.label, { exact: true });
    assert.equal(await control.count(), 1, option.label);
    assert.equal(await control.getAttribute('name'), option.jsName);
    assert.equal(await control.isVisible(), true, option.label);
    const form = option.scope === 'transform' ? '#options' : '#sync-form';
    assert.equal(await page.locator(`${form} [name="${option.jsName}"]`).count(), 1, `${option.jsName} in ${form}`);
    const describedBy = await control.getAttribute('aria-describedby');
    assert.equal(await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent(), option.help);
    if (option.kind === 'flag') {
      assert.equal(await control.isChecked(), option.default === 'true', option.jsName);
    } else if (option.kind === 'choice') {
      const values = await control.locator('option').evaluateAll((list) => list.map((o) => o.value).filter(Boolean));
      assert.deepEqual(values, option.allowed);
      assert.equal(await control.inputValue(), option.allowed.includes(option.default) ? option.default : '');
    } else {
      assert.equal(await control.getAttribute('placeholder'), option.default, option.jsName);
      assert.equal(await control.inputValue(), '');
    }
  }
  assert.equal(await page.getByLabel('Stripe exports').getAttribute('multiple'), '');
});

test('the favicon is a real file the page links to', async () => {
  const href = await page.locator('link[rel="icon"]').evaluate((link) => link.href);
  const res = await fetch(href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/svg+xml');
  assert.match(await res.text(), /^<svg /);
});

// ---- the preview -------------------------------------------------------------------

test('a fixture export shows its users, its file counts, the report and problems as text', async () => {
  await load(sample);
  assert.equal(await rowCount(), 9);
  assert.match(await page.locator('#file-status').textContent(), /stripe-sample\.csv: 9 users to send/);
  assert.deepEqual(await page.locator('#files tbody td, #files tbody th').allTextContents(),
    ['stripe-sample.csv', '12', '9', '1', '0', '2']);
  const expected = core.transform({ name: 'stripe-sample.csv', data: readFileSync(sample) }, {});
  assert.equal(await reportText(), expected.reportText(), 'the core\'s report text, as it is');
  const preview = expected.previewPage(0, 100);
  assert.deepEqual(await page.locator('#users thead th').allTextContents(), preview.columns);
  for (const row of preview.rows) assert.deepEqual(await cellsOf(row.email), row.cells, 'the core\'s cells, as they are');
  assert.equal(await page.locator('#users td[scope], #files td[scope]').count(), 0, 'scope is for header cells only');
  assert.equal(await page.locator('#users tbody th[scope="row"]').count(), 9, 'each row is headed by its email');
  const marked = page.locator('#users tr.has-problem');
  assert.equal(await marked.count(), 1);
  const problemsAt = preview.columns.indexOf('Problems');
  assert.match((await marked.locator('th, td').allTextContents())[problemsAt], /^⚠ .*unknown_status/, 'marked by text');
  assert.deepEqual((await cellsOf('alan@example.com')).slice(0, 7),
    ['alan@example.com', 'Alan', 'Turing', 'active', 'Invited', 'inactive', 'Developer']);
});

test('changing an option re-runs the transform at once; an invalid one blocks download and sync', async () => {
  await load(sample);
  await page.getByLabel('Exclude statuses').fill('invited');
  await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length === 8);
  const named = { name: 'stripe-sample.csv', data: readFileSync(sample) };
  assert.equal(await reportText(), core.transform(named, { excludeStatuses: ['invited'] }).reportText());
  await page.getByLabel('Exclude domains').fill('contractor.example.org');
  await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length === 7);
  const price = page.getByLabel('Price per user in cents');
  for (const bad of ['-3', '12.50']) {
    const error = coreError(() => core.parseOptions('sheet', [['Price per user in cents', bad]]));
    assert.equal(error.option, 'pricePerUserCents');
    await price.fill(bad);
    await page.locator('#field-pricePerUserCents-error', { hasText: error.message }).waitFor();
    assert.equal(await price.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByRole('button', { name: 'Download JSON' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Sync to Torii' }).isDisabled(), true);
  }
  await price.fill('1250');
  await settled();
  assert.equal(await page.locator('#field-pricePerUserCents-error').textContent(), '');
  assert.equal(await price.getAttribute('aria-invalid'), null);
  // A value the text parses but the transform refuses is shown at its field too.
  const refused = coreError(() => core.transform(named, { statusMap: { Frozen: 'sleeping' } }));
  assert.equal(refused.option, 'statusMap');
  await page.getByLabel('Status map').fill('Frozen=sleeping');
  await page.locator('#field-statusMap-error', { hasText: refused.message }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Download JSON' }).isDisabled(), true);
  await page.getByLabel('Status map').fill('Frozen=inactive');
  await settled();
  assert.deepEqual((await cellsOf('katherine@example.com')).slice(3, 6), ['active', 'Frozen', 'inactive']);
});

test('with Strict, the preview says the file is refused, with the core\'s message and code, and it cannot be downloaded', async () => {
  await load(sample);
  await page.getByLabel('Strict').check();
  const refusal = core.transform({ name: 'stripe-sample.csv', data: readFileSync(sample) }, { strict: true }).refusal();
  await page.locator('#file-status', { hasText: refusal.message }).waitFor();
  assert.match(await page.locator('#file-status').textContent(), /cannot be downloaded and a sync would stop here: .*\[rows_rejected\]$/);
  assert.equal(await page.getByRole('button', { name: 'Download JSON' }).first().isDisabled(), true);
  await page.getByLabel('Strict').uncheck();
  await page.locator('#file-status', { hasText: /9 users to send\.$/ }).waitFor();
  await settled();
});

test('a file with a broken quote says before the sync that a sync would stop, though it can be downloaded', async () => {
  const stray = join(root, 'tests/fixtures/hostile/stray-quote.csv');
  await load(stray);
  const expected = core.transform({ name: 'stray-quote.csv', data: readFileSync(stray) }, {}).syncRefusal();
  assert.equal(expected.code, 'broken_file');
  await page.locator('#file-status', { hasText: 'A sync would stop here' }).waitFor();
  assert.ok((await page.locator('#file-status').textContent()).endsWith(` A sync would stop here: ${expected.message} [broken_file]`));
  await settled();
  assert.equal(await page.getByRole('button', { name: 'Download JSON' }).first().isDisabled(), false, 'only Strict refuses the download');
});

test('the download is byte for byte the core\'s file for the same options', async () => {
  await load(sample);
  await page.getByLabel('License name').fill('Stripe Team');
  await page.getByLabel('Price per user in cents').fill('1250');
  await page.getByLabel('Unassigned licenses').fill('4');
  await page.getByLabel('Date order').selectOption('dmy');
  await page.getByLabel('Exclude statuses').fill('deleted, invited');
  await settled();
  const downloaded = await downloadJson();
  assert.equal(downloaded, coreJson(sample, { licenseName: 'Stripe Team', pricePerUserCents: 1250, unassignedAmount: 4,
    dateOrder: 'dmy', excludeStatuses: ['deleted', 'invited'] }));
  assert.equal(JSON.parse(downloaded).licenses[0].pricePerUser, 1250);
  await page.getByLabel('Include license').uncheck();
  await settled();
  assert.equal(await downloadJson(), coreJson(sample, { licenseName: 'Stripe Team', pricePerUserCents: 1250,
    unassignedAmount: 4, dateOrder: 'dmy', excludeStatuses: ['deleted', 'invited'], includeLicense: false }));
});

test('the download carries the name the core gives the upload, trimmed as the core trims it', async () => {
  await load(sample);
  // U+0085 (a line break some editors paste) is whitespace to the core, not to String.prototype.trim.
  await page.locator('details summary').click(); // File name is under Advanced
  await page.getByLabel('File name').fill('team.json\u0085');
  await page.getByLabel('File name').press('Tab'); // leaving a sync field re-runs: the download waits for it
  await settled();
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download JSON' }).first().click()]);
  assert.equal(download.suggestedFilename(), core.parseOptions('sheet', [['File name', 'team.json\u0085']]).fileName);
  assert.equal(download.suggestedFilename(), 'team.json');
});

test('one click on Download right after typing in a sync field downloads the file', async () => {
  await load(sample);
  await settled();
  await page.getByLabel('App Account ID').fill(ACCOUNT);
  // The press moves focus off the field, which starts a run; it stays in flight until the click is
  // done, as a large export's run does. The button must not be disabled under the pointer.
  await holdWorkerMessages();
  const downloaded = page.waitForEvent('download', { timeout: 5_000 });
  await page.getByRole('button', { name: 'Download JSON' }).first().click();
  await releaseWorkerMessages();
  assert.equal(readFileSync(await (await downloaded).path(), 'utf8'), coreJson(sample));
});

test('several exports picked at once go into one file, each listed with its counts', async () => {
  await load([sample, second]);
  assert.equal(await rowCount(), 11);
  assert.deepEqual(await page.locator('#files tbody tr').evaluateAll((rows) => rows.map((r) => r.innerText.split('\t'))),
    [['stripe-sample.csv', '12', '9', '1', '0', '2'], ['second-account.csv', '3', '2', '1', '0', '0']]);
  const files = [sample, second].map((path) => ({ name: path.split('/').pop(), data: readFileSync(path) }));
  assert.equal(await reportText(), core.transform(files, {}).reportText());
  assert.match(await reportText(), /second-account\.csv line 4: /, 'diagnostics name their file');
  assert.equal(await downloadJson(), Buffer.from(core.transform(files, {}).json()).toString('utf8'));
});

test('exports dropped on the page are read like picked ones, several at once', async () => {
  const texts = [readFileSync(sample, 'utf8'), readFileSync(second, 'utf8')];
  const transfer = await page.evaluateHandle(([a, b]) => {
    const data = new DataTransfer();
    data.items.add(new File([a], 'dropped.csv', { type: 'text/csv' }));
    data.items.add(new File([b], 'other.csv', { type: 'text/csv' }));
    return data;
  }, texts);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
  assert.equal(await page.locator('#drop-zone.dragging').count(), 1);
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
  await page.locator('#users tbody tr').first().waitFor();
  assert.match(await page.locator('#file-status').textContent(), /dropped\.csv, other\.csv: 11 users to send/);
  assert.deepEqual(await page.locator('#files tbody th').allTextContents(), ['dropped.csv', 'other.csv']);
  assert.equal(await page.locator('#drop-zone.dragging').count(), 0);
});

test('a file with no email column shows the fatal message and the headers found; Columns maps them', async () => {
  await load(noEmail);
  const named = { name: 'no-email-column.csv', data: readFileSync(noEmail) };
  const missing = coreError(() => core.transform(named, {}));
  const text = await page.locator('#fatal').textContent();
  assert.ok(text.includes(`${missing.message} [missing_email_column]`), text);
  assert.match(text, /Headers found: Name, Role, Last login/);
  assert.equal(await page.locator('#preview').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Sync to Torii' }).isDisabled(), true);
  await page.getByRole('link', { name: /Columns option/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'columns');
  await page.keyboard.type('email=1');
  await page.locator('#fatal', { hasText: 'no_valid_users' }).waitFor();
  const none = coreError(() => core.transform(named, { columns: { email: 1 } }));
  assert.ok((await page.locator('#fatal').textContent()).includes(`${none.message} [no_valid_users]`));
});

test('unrecognised headers can be mapped, and the download matches the core', async () => {
  await load(unrecognised);
  assert.match(await page.locator('#fatal').textContent(), /Headers found: Member, Contact, State, Access, Seen/);
  await page.getByLabel('Columns', { exact: true }).fill('email=Contact, name=Member, status=State, roles=Access, lastUsed=5');
  await settled();
  assert.equal(await page.locator('#fatal').isVisible(), false);
  assert.equal(await rowCount(), 3);
  assert.deepEqual((await cellsOf('grace@example.com')).slice(0, 7),
    ['grace@example.com', 'Grace', 'Hopper', 'active', 'Invited', 'inactive', 'Developer']);
  assert.equal(await downloadJson(), coreJson(unrecognised,
    { columns: { email: 'Contact', name: 'Member', status: 'State', roles: 'Access', lastUsed: 5 } }));
});

test('an export deleted after it was picked is named, with a code, and can be picked again', async () => {
  const gone = join(tmp, 'gone.csv');
  writeFileSync(gone, readFileSync(sample));
  await pickThenDelete(gone);
  assert.equal(await page.locator('#fatal').textContent(), '✗ These exports cannot be converted. cannot read gone.csv: '
    + 'it is a folder, or it was moved or deleted after it was chosen; choose it again [no_such_file]');
  await page.getByLabel('Stripe exports').setInputFiles(sample);
  await page.locator('#file-status', { hasText: 'stripe-sample.csv: 9 users to send.' }).waitFor();
  assert.equal(await rowCount(), 9);
});

test('exports that could not be read are not replaced by the ones before them when an option changes', async () => {
  const gone = join(tmp, 'gone-again.csv');
  writeFileSync(gone, readFileSync(second));
  await load(sample);
  await pickThenDelete(gone);
  await page.evaluate(() => document.querySelector('#fatal').append(Object.assign(document.createElement('i'), { id: 'marker' })));
  await page.getByLabel('License name').fill('Stripe seats');
  // The next run's answer either redraws the fatal box (the marker goes) or shows a preview.
  await page.waitForFunction(() => !document.querySelector('#marker')
    || /users to send/.test(document.querySelector('#file-status').textContent));
  assert.match(await page.locator('#file-status').textContent(), /^Not converted/, 'no earlier export comes back');
  assert.match(await page.locator('#fatal').textContent(), /cannot read gone-again\.csv: .* \[no_such_file\]$/);
  assert.equal(await page.locator('#sync-button').isDisabled(), true, 'nothing to sync');
});

test('a 100k-row export is paginated and the main thread never stalls', async () => {
  const big = exportFile(100_000);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask' });
  });
  const started = Date.now();
  await page.getByLabel('Stripe exports').setInputFiles(big);
  await page.locator('#page-info', { hasText: /^Page 1 of 993 / }).waitFor({ timeout: 60_000 });
  const shownAfter = Date.now() - started;
  await page.getByLabel('License name').pressSequentially('Stripe Team');
  await settled();
  assert.equal(await rowCount(), 100);
  await page.getByRole('button', { name: 'Next' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#page-info', { hasText: /^Page 2 of 993/ }).waitFor();
  assert.equal(await rowCount(), 100);
  assert.match(await reportText(), /^100000 rows read: 99249 exported/);
  const longest = await page.evaluate(() => Math.max(0, ...window.longTasks));
  // Loose sanity bounds only; js/bench/page.mjs measures the real numbers.
  assert.ok(longest < 1000, `a main-thread task took ${Math.round(longest)} ms`);
  assert.ok(shownAfter < 30_000, `the preview took ${shownAfter} ms`);
});

// ---- layout and keyboard ------------------------------------------------------------

test('layouts at 1280 and 390 px: no page overflow, the table scrolls in its box with the email in view', async (t) => {
  await load(sample);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(shots, `page-${width}.png`), fullPage: true });
    const layout = await page.evaluate(() => {
      const box = (sel) => document.querySelector(sel).getBoundingClientRect();
      const wrap = document.querySelector('.users-wrap');
      window.scrollTo(0, wrap.getBoundingClientRect().top + window.scrollY - 10); // elementFromPoint sees the viewport only
      wrap.scrollLeft = wrap.scrollWidth;
      const email = document.querySelector('#users tbody th').getBoundingClientRect();
      const atEmail = document.elementFromPoint(email.left + 4, email.top + 4);
      return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        input: box('#file-input'), zone: box('#drop-zone'),
        scrolls: wrap.scrollWidth > wrap.clientWidth, scrolled: wrap.scrollLeft,
        wrap: wrap.getBoundingClientRect(), email, emailShown: Boolean(atEmail?.closest('#users tbody th')),
      };
    });
    assert.ok(layout.overflow <= 0, `the page overflows by ${layout.overflow}px at ${width}px`);
    assert.ok(layout.input.left >= layout.zone.left && layout.input.right <= layout.zone.right, `file input fits at ${width}`);
    if (width === 390) {
      assert.ok(layout.scrolls && layout.scrolled > 0, 'the users table scrolls inside its own box');
      await page.locator('.users-wrap').screenshot({ path: join(shots, 'users-390-scrolled.png') });
    }
    assert.ok(layout.email.left >= layout.wrap.left - 1 && layout.email.right <= layout.wrap.right + 1, 'email column in view');
    assert.ok(layout.emailShown, `the email cell is on top at ${width}px`);
    await page.locator('.users-wrap').evaluate((e) => { e.scrollLeft = 0; });
  }
  t.diagnostic(`screenshots in ${shots}`);
});

test('every control is reachable by keyboard at 1280 and 390 px, with visible focus', async () => {
  await load(sample);
  await page.locator('details summary').focus();
  await page.keyboard.press('Enter'); // opens Advanced
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const wanted = await page.evaluate(() => [...document.querySelectorAll('input, select, button, summary, a[href], [tabindex="0"]')]
      .filter((e) => !e.disabled && e.getClientRects().length > 0)
      .map((e, i) => { e.dataset.tabProbe = String(i); return e.dataset.tabProbe; }));
    await page.evaluate(() => document.activeElement?.blur());
    const reached = new Set();
    for (let i = 0; i < wanted.length + 10; i++) {
      await page.keyboard.press('Tab');
      const probe = await page.evaluate(() => {
        const e = document.activeElement;
        return { id: e?.dataset.tabProbe, outline: getComputedStyle(e).outlineStyle };
      });
      if (probe.id) {
        reached.add(probe.id);
        assert.notEqual(probe.outline, 'none', 'focus is visible');
      }
    }
    assert.deepEqual(wanted.filter((id) => !reached.has(id)), [], `unreachable at ${width}px`);
  }
  await page.locator('h1').click(); // where sequential focus navigation starts
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'file-input');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'licenseName');
  await page.keyboard.type('Stripe Team');
  await settled();
  assert.equal(JSON.parse(await downloadJson()).licenses[0].name, 'Stripe Team');
});

// ---- sync --------------------------------------------------------------------------

test('sync shows each step and the outcome, sends the downloaded bytes and remembers them in IndexedDB', async () => {
  const expected = await coreSync(sample, {});
  await load(sample);
  const downloaded = await downloadJson();
  const result = await syncWith();
  assert.match(result, shapeOf(`✓ ${expected.outcome.text}`), 'the outcome\'s text');
  assert.equal(await resultCode(), '');
  assert.deepEqual(await page.locator('#sync-progress li').allTextContents(), expected.texts, 'the core\'s progress texts');
  assert.equal(expected.texts.length, 4);
  assert.deepEqual(emulator.requests.map((r) => r.step), ['upload_url', 'upload', 'register', 'sync']);
  assert.equal(emulator.requests[1].headers.authorization, undefined);
  assert.equal(emulator.requests[1].body, downloaded);
  const key = core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  const stored = await lastSyncs();
  assert.deepEqual(Object.keys(stored), [key]);
  assert.equal(stored[key].file, downloaded);
  assert.equal(stored[key].baseline.userCount, 9);
  assert.deepEqual(await page.evaluate(() => ({ ...localStorage })), {}, 'nothing in localStorage');
  assert.deepEqual(await page.evaluate(() => ({ ...sessionStorage })), {}, 'the key is in no storage');
  assert.ok(!JSON.stringify(stored).includes(KEY));
});

test('a sync that went through but could not be remembered here says so in the core\'s words', async () => {
  await load(sample);
  // The browser's storage refuses the record (a full quota); the rest of IndexedDB works.
  await Promise.all(page.workers().map((w) => w.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      if (value && value.baseline !== undefined) throw new DOMException('the quota is used up', 'QuotaExceededError');
      return put.call(this, value, key);
    };
  })));
  const result = await syncWith();
  assert.match(result, /^✓ synced: .* \(the sync went through, but its record could not be saved \(this browser's storage: the quota is used up\), so the next sync of this target is checked against the record before it, or, if there is none, against nothing\)$/);
  assert.equal(emulator.requests.filter((r) => r.step === 'sync').length, 1);
  assert.deepEqual(await lastSyncs(), {}, 'nothing remembered');
});

test('a sync refuses to start when the record of the last sync cannot be read', async () => {
  // A database of a later version than the page's own: the worker cannot open it.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('stripe-torii-sync', 5);
    open.onupgradeneeded = () => open.result.createObjectStore('other');
    open.onsuccess = () => resolve(open.result.close());
    open.onerror = () => reject(open.error);
  }));
  await load(sample);
  const result = await syncWith();
  assert.equal(await resultCode(), 'last_sync_unreadable');
  assert.match(result, /cannot read the last sync from this browser \(IndexedDB: .*\), which the destructive-sync guard needs, so nothing was sent/);
  assert.deepEqual(emulator.requests, [], 'nothing sent');
});

test('a record of the last sync emptied in IndexedDB is not a first sync: the guard asks', async () => {
  await load(sample);
  assert.match(await syncWith(), /^✓ /);
  await cutLastSync([]);
  emulator.requests.length = 0;
  const messages = [];
  page.once('dialog', (d) => {
    messages.push(d.message());
    d.dismiss();
  });
  const result = await syncWith();
  assert.equal(await resultCode(), 'cancelled', result);
  assert.match(messages[0] ?? '', /unreadable/, 'the guard asked');
  assert.deepEqual(emulator.requests, [], 'nothing sent');
});

test('a stored last sync with its file but no record says the record cannot be read, as the guard finds it', async () => {
  await load(sample);
  assert.match(await syncWith(), /^✓ /);
  await cutLastSync(['file']); // the baseline cut away by hand
  await page.getByLabel('Exclude statuses').fill('frozen'); // a new run, which reads the stored last sync again
  await page.locator('#changes-source', { hasText: 'cannot be read' }).waitFor();
  assert.equal(await page.locator('#changes-source').textContent(),
    'Compared with the last sync from this browser: a record that cannot be read (it is not a record).');
});

test('the changes since the last sync from this browser are shown, and marked in the table as text', async () => {
  await load(sample);
  await syncWith();
  await page.locator('#changes-source', { hasText: 'the last sync from this browser: 9 users' }).waitFor();
  // The core's words for the stored record: its active users, file id and time.
  assert.match(await page.locator('#changes-source').textContent(),
    /^Compared with the last sync from this browser: 9 users \(\d+ active\), file id \S+, synced at \d{4}-\d\d-\d\dT[\d:]+Z\.$/);
  assert.match(await page.locator('#changes').innerText(), /Added \(new users\): 0\s+Removed: 0\s+Changed: 0\s+Unchanged: 9/);
  await page.getByLabel('Exclude statuses').fill('invited');
  await page.getByLabel('Status map').fill('Frozen=inactive');
  await settled(); // the run for both fields, not an earlier one for the first
  const changes = await page.locator('#changes').innerText();
  assert.match(changes, /removed: alan@example\.com/);
  assert.match(changes, /Changed: 1\s+changed: katherine@example\.com \(licenseStatus\)/);
  assert.match(await reportText(), /changes since the last sync from this browser: 0 added, 1 removed, 1 changed/);
  assert.equal((await cellsOf('katherine@example.com'))[8], 'changed: licenseStatus');
  assert.equal((await cellsOf('ada@example.com'))[8], 'unchanged');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(shots, `changes-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  // Another App Account has no earlier sync here: nothing to compare with.
  await page.getByLabel('App Account ID').fill('999');
  await page.getByLabel('App Account ID').blur();
  await settled();
  assert.match(await page.locator('#changes-source').textContent(), /Nothing to compare with/);
  assert.equal((await cellsOf('katherine@example.com'))[8], '');
});

test('the changes since a picked previous Torii file are shown; the pick can be dropped again', async () => {
  const previous = join(tmp, 'previous.json');
  writeFileSync(previous, coreJson(sample, { excludeStatuses: ['invited'], statusMap: { Frozen: 'inactive' } }));
  await load(sample);
  await page.getByLabel('Compare with a previous Torii file').setInputFiles(previous);
  await settled(); // the table's page comes after the summary: wait for the whole run
  assert.match(await page.locator('#changes').innerText(), /Added \(new users\): 1/);
  assert.match(await page.locator('#changes-source').textContent(), /Compared with previous\.json\./);
  assert.match(await page.locator('#changes').innerText(), /new: alan@example\.com[\s\S]*changed: katherine@example\.com \(licenseStatus\)/);
  assert.equal((await cellsOf('alan@example.com'))[8], 'added');
  assert.equal((await cellsOf('katherine@example.com'))[8], 'changed: licenseStatus');
  assert.equal(await rowOf('alan@example.com').getAttribute('class'), 'change-added');
  await page.getByRole('button', { name: 'Compare with the last sync instead' }).focus();
  await page.keyboard.press('Enter');
  await settled();
  assert.match(await page.locator('#changes-source').textContent(), /Nothing to compare with/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'previous-input',
    'the button hides itself: the keyboard goes to the file picker, not back to the top of the page');
  assert.equal((await cellsOf('alan@example.com'))[8], '');
  // A file that is no Torii file is said so, without breaking the preview.
  await page.getByLabel('Compare with a previous Torii file').setInputFiles(sample);
  await settled();
  assert.match(await page.locator('#changes-source').textContent(), /Cannot compare with stripe-sample\.csv/);
  assert.match(await page.locator('#changes-source').textContent(), /not_torii_file/);
  assert.equal(await rowCount(), 9);
});

test('a picked file\'s removed emails are listed as the core writes them: an override or a line break in one is shown escaped', async () => {
  const previous = join(tmp, 'spoofed.json');
  const removed = Array.from({ length: 203 }, (_, i) => `gone${i}@example.com`);
  removed[0] = 'moc.elpmaxe@\u202eeve';
  removed[1] = 'mallory@example.com\nnew: trusted@example.com';
  writeFileSync(previous, JSON.stringify({ users: removed.map((email) => ({ email, status: 'active' })) }));
  await load(sample);
  await page.getByLabel('Compare with a previous Torii file').setInputFiles(previous);
  await settled();
  const items = await page.locator('#changes li').allTextContents();
  assert.ok(items.includes('removed: moc.elpmaxe@\\u{202e}eve'), 'the override is written out, not applied');
  assert.ok(items.includes('removed: mallory@example.com\\nnew: trusted@example.com'), 'one item, one line');
  assert.ok(!items.some((item) => /[\u202e\n]/.test(item)));
  // The counts are whole; the list is cut by the core, as the page asks.
  assert.match(await page.locator('#changes').innerText(), /Removed: 203[\s\S]*… and 3 more/);
  assert.equal(items.filter((item) => item.startsWith('removed: ')).length, 200);
});

test('the key is kept in no storage of the page; one an earlier version left in sessionStorage is removed', async () => {
  assert.equal(await page.getByLabel(/Remember the key/).count(), 0, 'nothing offers to store it');
  await page.getByLabel('API key').fill(KEY);
  const stored = () => page.evaluate(() => JSON.stringify([{ ...sessionStorage }, { ...localStorage }]));
  assert.ok(!(await stored()).includes(KEY));
  await page.evaluate((key) => sessionStorage.setItem('stripe-torii-sync:api-key', key), KEY);
  await page.reload();
  await page.locator('body[data-ready]').waitFor();
  assert.equal(await page.getByLabel('API key').inputValue(), '', 'a reload forgets the key');
  assert.equal(await stored(), '[{},{}]');
});

test('a 429 and a 503 are retried, then the sync succeeds', async () => {
  emulator.setFaults([
    { step: 'upload_url', kind: 'status', status: 503 },
    { step: 'register', kind: 'status', status: 429, retryAfter: '1' },
  ]);
  await load(sample);
  assert.match(await syncWith(), /^✓ /);
  assert.deepEqual(emulator.requests.map((r) => `${r.step} ${r.status}`),
    ['upload_url 503', 'upload_url 200', 'upload 200', 'register 429', 'register 200', 'sync 200']);
  const steps = await page.locator('#sync-progress li').allTextContents();
  assert.equal(steps.length, 8, `4 requests, 2 retries and 2 waits:\n${steps.join('\n')}`);
  assert.ok(steps.some((s) => /3\/4.*429/.test(s)), steps.join('\n'));
  assert.ok(steps.some((s) => /1\/4.*503/.test(s)), steps.join('\n'));
});

test('the destructive-sync guard asks with the core\'s message; declining sends nothing', async () => {
  const bigger = join(tmp, 'bigger.csv');
  writeFileSync(bigger, generateExport(50));
  await load(bigger);
  assert.match(await syncWith(), /^✓ /);
  const key = core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  const { baseline, file } = (await lastSyncs())[key];
  const declined = await coreSync(sample, { baseline, previousFile: file }, () => false);
  assert.equal(declined.verdict.allowed, false);
  assert.equal(declined.error.code, 'cancelled');
  await load(sample);
  emulator.requests.length = 0;
  const messages = [];
  page.once('dialog', (d) => {
    messages.push(d.message());
    d.dismiss();
  });
  assert.equal(await syncWith(), declined.error.message);
  assert.equal(await resultCode(), 'cancelled');
  assert.match(declined.verdict.question, /^.+\.\n\nSync anyway\?$/s);
  assert.deepEqual(messages, [declined.verdict.question], 'the core\'s question, as the Sheet asks it');
  assert.deepEqual(emulator.requests, []);
  assert.match(await page.locator('#changes').innerText(), /Added \(new users\): 9/, 'the changes were shown before asking');
  page.once('dialog', (d) => d.accept());
  assert.match(await syncWith(), /^✓ .*\b9 users\b/);
  assert.equal((await lastSyncs())[key].baseline.userCount, 9);
});

test('while a sync runs, its exports and options stay as sent: inputs are disabled and a drop is refused', async () => {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 3_000 }]);
  await syncUntil('[2/4]');
  const disabled = () => page.evaluate(() => ['#file-input', '#previous-input', '#field-licenseName', '#field-appAccountId']
    .map((s) => document.querySelector(s).disabled));
  assert.deepEqual(await disabled(), [true, true, true, true], 'nothing that would change the preview or the target');
  const transfer = await page.evaluateHandle((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'other.csv', { type: 'text/csv' }));
    return data;
  }, readFileSync(second, 'utf8'));
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
  assert.match(await page.locator('#file-status').textContent(), /sync is running/);
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#sync-result').textContent(), /^✓ .*\b9 users\b/);
  assert.equal(await page.locator('#sync-progress li').count(), 4, 'the sync\'s progress is all still shown');
  assert.equal(await rowCount(), 9, 'the preview is still the file that was sent');
  await settled();
  assert.deepEqual(await disabled(), [false, false, false, false]);
});

for (const locks of [true, false]) {
  test(`a sync whose tab was closed after it asked Torii to start is noted on the next visit, until a sync ends${locks ? '' : ' (no Web Locks: a page over plain HTTP)'}`, async () => {
    await unfinishedSync(locks);
  });
}

async function unfinishedSync(locks) {
  emulator.setFaults([{ step: 'sync', kind: 'slow', delayMs: 8_000 }]);
  if (!locks) await withoutLocks(page);
  await syncUntil('[4/4]');
  const key = core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  await page.waitForFunction(async (k) => { // the note is written as the request goes out
    const db = await new Promise((resolve) => { indexedDB.open('stripe-torii-sync').onsuccess = (e) => resolve(e.target.result); });
    return new Promise((resolve) => {
      db.transaction('lastSync').objectStore('lastSync').get(`started ${k}`).onsuccess = (e) => resolve(Boolean(e.target.result));
    });
  }, key);
  const first = page;
  page = await openTab(); // another tab, while the first one's sync still runs
  if (!locks) await withoutLocks(page);
  await load(sample);
  assert.equal(await page.locator('#unfinished-sync').isVisible(), false, 'no App Account yet: no target to tell of');
  await fillSync();
  await page.getByLabel('API URL').blur();
  await settled();
  const note = page.locator('#unfinished-sync');
  assert.equal(await note.isVisible(), false, 'a sync still running in another tab is not one whose tab was closed');
  await first.close({ runBeforeUnload: false }); // the tab is closed before Torii answers
  if (!locks) {
    await settled();
    assert.equal(await note.isVisible(), false, 'its lease still holds the target: no sync can start');
    await page.evaluate((name) => new Promise((resolve) => { // the lease runs out
      indexedDB.open('stripe-torii-sync').onsuccess = (e) => {
        const store = e.target.result.transaction('lastSync', 'readwrite').objectStore('lastSync');
        store.get(name).onsuccess = (got) => { store.put({ ...got.target.result, until: Date.now() - 1 }, name).onsuccess = resolve; };
      };
    }), `lease ${key}`);
  }
  await page.getByLabel('App Account ID').fill('999');
  await page.getByLabel('App Account ID').blur();
  await settled();
  assert.equal(await note.isVisible(), false, 'another App Account has no such sync');
  await page.getByLabel('App Account ID').fill(ACCOUNT);
  await page.getByLabel('App Account ID').blur();
  await settled();
  assert.match(await note.textContent(), /^⚠ A sync of this App Account from this browser sent its request to start at .+ and was not seen to end: its tab was closed or the browser stopped\. Torii may have synced that file: check the integration in Torii\./);
  emulator.clearFaults();
  assert.match(await syncWith(), /^✓ /);
  await settled();
  assert.equal(await note.isVisible(), false, 'a sync of this App Account that ended clears it');
  assert.deepEqual(Object.keys(await lastSyncs()), [key], 'the note is gone from the store');
}

test('"Stop the sync" cuts the request in flight, sends nothing more and says nothing was synced', async () => {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 20_000 }]);
  await load(sample);
  await fillSync();
  const stop = page.getByRole('button', { name: 'Stop the sync' });
  assert.equal(await stop.isVisible(), false, 'only while a sync runs');
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-progress li', { hasText: '[2/4]' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel-sync', 'the keyboard is on the stop button');
  const started = Date.now();
  await stop.click();
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 5_000 });
  assert.ok(Date.now() - started < 5_000, 'the slow upload was not waited for');
  assert.equal(await resultCode(), 'cancelled');
  assert.equal(await page.locator('#sync-result').textContent(),
    'stopped at step 2/4 (upload): nothing was synced, so the app\'s users in Torii are as they were');
  assert.deepEqual(emulator.requests.map((r) => r.step), ['upload_url', 'upload']);
  assert.equal(await stop.isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Sync to Torii' }).isDisabled(), false);
  assert.deepEqual(await lastSyncs(), {}, 'a stopped sync is not remembered');
});

test('leaving the page while a sync runs asks first', async () => {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 2_000 }]);
  await syncUntil('[2/4]');
  const asked = new Promise((resolve) => {
    page.once('dialog', async (d) => {
      await d.dismiss();
      resolve(d.type());
    });
    page.once('close', () => resolve('closed without asking'));
  });
  await page.close({ runBeforeUnload: true });
  assert.equal(await asked, 'beforeunload');
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#sync-result').textContent(), /^✓ /, 'the sync went on');
});

test('a wrong key gives a readable error', async () => {
  await load(sample);
  const result = await syncWith({ key: 'not-the-key' });
  assert.equal(await resultCode(), 'unauthorized');
  assert.match(result, /^✗ .*API key.*\[unauthorized\]$/);
  assert.ok(!result.includes('not-the-key'));
  assert.deepEqual(await page.locator('#sync-progress li').allTextContents(), ['[1/4] upload URL']);
  assert.equal(await page.locator('#sync-help').isVisible(), false);
  assert.deepEqual(await lastSyncs(), {}, 'a failed sync is not remembered');
});

test('bad sync settings are shown at their field and send nothing', async () => {
  await load(sample);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#field-appAccountId-error:not(:empty)').waitFor();
  assert.equal(await resultCode(), 'invalid_config');
  await page.getByLabel('App Account ID').fill(ACCOUNT);
  await page.locator('details summary').click();
  await page.getByLabel('Max drop percent').fill('lots');
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#field-maxDropPercent-error:not(:empty)').waitFor();
  assert.equal(await resultCode(), 'invalid_option');
  assert.equal(await page.getByLabel('Max drop percent').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(emulator.requests, []);
});

test('a blocked cross-origin call is explained plainly, with ways forward', async () => {
  emulator.setCors(false);
  await load(sample);
  await page.getByLabel('Exclude statuses').fill('invited');
  await settled();
  const result = await syncWith();
  assert.equal(await resultCode(), 'network');
  assert.match(result, /^✗ .*\[network\]\. Nothing was lost.*Download JSON.*command line.*Google Sheet/s);
  const help = page.locator('#sync-help');
  assert.equal(await help.isVisible(), true);
  assert.match(await help.textContent(), /TORII_API_KEY/);
  assert.ok(!(await help.textContent()).includes(KEY));
  assert.match(await help.textContent(), /Google Sheet.*Torii → Sync now/);
  const downloaded = await downloadJson(help.getByRole('button', { name: 'Download JSON' }));
  assert.equal(downloaded, coreJson(sample, { excludeStatuses: ['invited'] }));
});

test('a network failure once the start of the sync went out offers no other way to send the same users', async () => {
  emulator.setFaults([{ step: 'sync', kind: 'drop', times: 20 }]);
  await load(sample);
  const result = await syncWith();
  assert.equal(await resultCode(), 'network');
  assert.match(result, /step 4\/4 .*Torii may have started the sync: check the integration in Torii/);
  assert.doesNotMatch(result, /Nothing was lost/);
  assert.equal(await page.locator('#sync-help').isVisible(), false);
});

for (const locks of [true, false]) {
  test(`a second tab syncing the same App Account while one runs is refused, sends nothing, and the first is remembered${locks ? '' : ' (no Web Locks: a page over plain HTTP)'}`, async () => {
    await twoTabs(locks);
  });
}

test('without Web Locks, a syncing tab holds its lease for the core\'s longest run of its sync, a time budget of 20 minutes too', async () => {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 2_000 }]);
  await withoutLocks(page);
  await load(sample);
  await fillSync();
  await page.locator('details summary').click(); // the time budget is under Advanced
  await page.getByLabel('Time budget in ms').fill('1200000');
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-progress li', { hasText: '[2/4]' }).waitFor();
  const key = core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  const lease = await page.evaluate((name) => new Promise((resolve, reject) => {
    const open = indexedDB.open('stripe-torii-sync');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('lastSync').objectStore('lastSync').get(name);
      get.onsuccess = () => resolve({ ...get.result, now: Date.now() });
    };
  }), `lease ${key}`);
  // 20 minutes of budget, one request of up to 30 s and 30 s for the records, from the first request.
  assert.ok(lease.until - lease.now > 20 * 60_000 && lease.until - lease.now <= 21 * 60_000, JSON.stringify(lease));
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#sync-result').textContent(), /^✓ /);
  assert.deepEqual(Object.keys(await lastSyncs()), [key], 'no lease is left behind');
});

/** Another tab of this browser on the page (same origin, same IndexedDB), ready, its page errors recorded. */
async function openTab() {
  const tab = await context.newPage();
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await tab.goto(server.url);
  await tab.locator('body[data-ready]').waitFor();
  return tab;
}

/** Workers of a page over plain HTTP from a remote host have no navigator.locks. */
const withoutLocks = (tab) => Promise.all(tab.workers().map((w) => w.evaluate(() => {
  Object.defineProperty(self.navigator, 'locks', { value: undefined });
})));

async function twoTabs(locks) {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 3_000 }]);
  if (!locks) await withoutLocks(page);
  await syncUntil('[2/4]');
  const first = page;
  page = await openTab();
  try {
    if (!locks) await withoutLocks(page);
    await load(second);
    const result = await syncWith();
    assert.equal(await resultCode(), 'sync_busy');
    assert.match(result, /^✗ another tab of this browser is syncing this App Account: nothing was sent; .*\[sync_busy\]$/);
    assert.deepEqual(await page.locator('#sync-progress li').allTextContents(), []);
    await first.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
    assert.match(await first.locator('#sync-result').textContent(), /^✓ .*\b9 users\b/);
    assert.deepEqual(emulator.requests.map((r) => r.step), ['upload_url', 'upload', 'register', 'sync'], 'only the first tab\'s');
    const key = core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
    assert.equal((await lastSyncs())[key].baseline.userCount, 9, 'the first tab\'s file, which Torii has');
    page.once('dialog', (d) => d.accept()); // the second file drops the first one's users: the guard asks
    assert.match(await syncWith(), /^✓ /, 'once the first has ended, the second tab may sync');
    assert.deepEqual(Object.keys(await lastSyncs()), [key], 'no lease is left behind');
  } finally {
    page = first;
  }
}

test('a worker that crashes mid-sync is reported with what may have reached Torii, and records nothing', async () => {
  // Slow enough that the crash is reported while the upload is still in flight, on a busy machine too.
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 3_000 }]);
  await syncUntil('[2/4]');
  const [worker] = page.workers();
  await worker.evaluate(() => { setTimeout(() => { throw new Error('the worker broke'); }); });
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 5_000 });
  assert.equal(await resultCode(), 'worker_failed');
  assert.match(await page.locator('#sync-result').textContent(),
    /^✗ the converter stopped during the sync, after "\[2\/4\] upload[^"]*": nothing was synced, so the app's users in Torii are as they were; reload the page to sync again \[worker_failed\]$/);
  await new Promise((resolve) => { setTimeout(resolve, 3_500); }); // past the slow upload: a sync still running would go on
  assert.deepEqual(emulator.requests.map((r) => r.step), ['upload_url', 'upload'], 'the crashed worker sent nothing more');
  assert.deepEqual(await lastSyncs(), {}, 'an interrupted sync is not remembered');
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-result', { hasText: 'reload the page' }).waitFor({ timeout: 5_000 });
  assert.equal(await resultCode(), 'worker_failed', 'a later request is answered, not left waiting');
});

test('a sync cut off by going offline says so, with the ways forward, and is not remembered', async () => {
  emulator.setFaults([{ step: 'register', kind: 'slow', delayMs: 1_000 }]);
  await syncUntil('[3/4]');
  await context.setOffline(true);
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  await context.setOffline(false);
  assert.equal(await resultCode(), 'network');
  // The register in flight may still get its answer; the start of the sync then cannot be sent.
  const text = await page.locator('#sync-result').textContent();
  assert.match(text, /^✗ could not reach the server at step [34]\/4 \(.*\) after 5 attempts: .*Check the network/);
  // Other ways to send the same users only while no start of the sync has gone out.
  const sentStart = text.includes('step 4/4');
  if (sentStart) assert.match(text, /Torii may have started the sync: check the integration in Torii/);
  assert.equal(await page.locator('#sync-help').isVisible(), !sentStart);
  assert.ok(!emulator.requests.some((r) => r.step === 'sync'), 'nothing reached Torii offline');
  assert.deepEqual(await lastSyncs(), {}, 'an interrupted sync is not remembered');
});
