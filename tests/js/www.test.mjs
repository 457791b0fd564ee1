// The web page in a real browser (Debian's Chromium through playwright-core):
// preview, options, download, sync with faults, a wrong key, a blocked
// cross-origin call, a fatal file, both layouts, and no console errors.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../js/serve.mjs';
import { startEmulator } from '../../js/emulator.mjs';
import { exportFile } from '../../js/bench/generate.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const noEmail = join(root, 'tests/fixtures/www/no-email-column.csv');
const KEY = 'www-test-key-7f3a';
const ACCOUNT = '321';

let browser;
let server;
let emulator;
let page;
let problems;

before(async () => {
  server = await startServer();
  emulator = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
});

beforeEach(async () => {
  emulator.clearFaults();
  emulator.setCors(true);
  emulator.requests.length = 0;
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Error statuses the emulator is told to send show up as resource errors; they are the point of those tests.
    if (m.type() === 'error' && !/Failed to load resource|blocked by CORS policy|net::ERR_FAILED/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(server.url);
});

async function load(file) {
  await page.getByLabel('Stripe export').setInputFiles(file);
}

const rowCount = () => page.locator('#users tbody tr').count();

async function syncWith({ key = KEY } = {}) {
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('App Account ID').fill(ACCOUNT);
  await page.locator('details summary').click();
  await page.getByLabel('API base URL').fill(emulator.baseUrl);
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-result:not(:empty)').waitFor({ timeout: 30_000 });
  return page.locator('#sync-result').textContent();
}

test('a fixture export shows its users, counts and diagnostics', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  assert.equal(await rowCount(), 9);
  assert.match(await page.locator('#file-info').textContent(), /stripe-sample\.csv: 12 rows read, 9 users/);
  const summary = await page.locator('#summary').textContent();
  assert.match(summary, /merged1/);
  assert.match(summary, /rejected2/);
  const diagnostics = await page.locator('#diagnostics li').allTextContents();
  assert.ok(diagnostics.some((d) => /^Line 8: info duplicate_email/.test(d)), diagnostics.join('\n'));
  assert.ok(diagnostics.some((d) => /^Line 9: error invalid_email/.test(d)));
  assert.ok(await page.locator('#users tr.has-problem').count() >= 1);
  assert.match(await page.locator('#users tr.has-problem .problem').first().textContent(), /⚠ line \d+/);
  assert.deepEqual(problems, []);
});

test('changing an option re-runs the transform', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  await page.getByLabel('Excluded statuses').fill('invited');
  await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length < 9);
  assert.ok(await rowCount() < 9);
  assert.match(await page.locator('#summary').textContent(), /excluded[1-9]/);
  await page.getByLabel('Price per user (dollars)').fill('-3');
  assert.match(await page.locator('#price-error').textContent(), /not negative/);
  assert.equal(await page.getByRole('button', { name: 'Download JSON' }).isDisabled(), true);
  await page.getByLabel('Price per user (dollars)').fill('3');
  await page.waitForFunction(() => !document.querySelector('#download').disabled);
});

test('the download is byte for byte the CLI output', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  await page.getByLabel('License name').fill('Stripe Team');
  await page.getByLabel('Price per user (dollars)').fill('12.50');
  await page.waitForFunction(() => document.querySelector('#summary')?.textContent.includes('users9'));
  await page.waitForTimeout(200);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
  const downloaded = readFileSync(await download.path(), 'utf8');
  const cli = execFileSync(process.execPath, [join(root, 'js/cli.mjs'), 'transform', sample, '--quiet',
    '--license-name', 'Stripe Team', '--price-per-user-cents', '1250'], { encoding: 'utf8' });
  assert.equal(downloaded, cli);
  assert.equal(JSON.parse(downloaded).licenses[0].pricePerUser, 1250);
});

test('sync shows each step and the file id', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  const result = await syncWith();
  assert.match(result, /Synced: file id \d+, 9 users/);
  const steps = await page.locator('#sync-progress li').allTextContents();
  assert.deepEqual(steps, ['1/4 upload URL', '2/4 upload', '3/4 register file', '4/4 start sync']);
  assert.deepEqual(emulator.requests.map((r) => r.step), ['upload_url', 'upload', 'register', 'sync']);
  assert.equal(emulator.requests[1].headers.authorization, undefined);
  assert.deepEqual(problems, []);
});

test('a 429 and a 503 are retried, then the sync succeeds', async () => {
  emulator.setFaults([
    { step: 'upload_url', kind: 'status', status: 503 },
    { step: 'register', kind: 'status', status: 429, retryAfter: '1' },
  ]);
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  assert.match(await syncWith(), /Synced: file id \d+/);
  const steps = await page.locator('#sync-progress li').allTextContents();
  assert.ok(steps.includes('1/4 upload URL (attempt 2)'), steps.join('\n'));
  assert.ok(steps.includes('3/4 register file (attempt 2)'));
  assert.ok(steps.some((s) => /^waiting .* HTTP 429/.test(s)));
});

test('the destructive-sync guard asks first; declining sends nothing', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  await page.evaluate(([base, account]) => localStorage.setItem(`stripe-torii-sync:last:${base}#${account}`, '100'),
    [emulator.baseUrl, ACCOUNT]);
  const messages = [];
  page.once('dialog', (d) => { messages.push(d.message()); d.dismiss(); });
  assert.match(await syncWith(), /Sync cancelled: nothing was sent/);
  assert.match(messages[0], /last sync sent 100 users/);
  assert.deepEqual(emulator.requests, []);
  page.once('dialog', (d) => d.accept());
  await page.locator('#sync-result').evaluate((el) => { el.textContent = ''; });
  await page.getByRole('button', { name: 'Sync to Torii' }).click();
  await page.locator('#sync-result:not(:empty)').waitFor();
  assert.match(await page.locator('#sync-result').textContent(), /Synced: file id \d+, 9 users/);
  assert.equal(await page.evaluate(([base, account]) => localStorage.getItem(`stripe-torii-sync:last:${base}#${account}`),
    [emulator.baseUrl, ACCOUNT]), '9');
});

test('a wrong key gives a readable error', async () => {
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  const result = await syncWith({ key: 'not-the-key' });
  assert.match(result, /Sync failed: Torii rejected the API key/);
  assert.ok(!result.includes('not-the-key'));
});

test('a blocked cross-origin call is explained plainly', async () => {
  emulator.setCors(false);
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  const result = await syncWith();
  assert.match(result, /could not reach Torii.*Download JSON.*command line.*Google Sheet/s);
});

test('a file with no email column shows the fatal message and the headers found', async () => {
  await load(noEmail);
  await page.locator('#fatal').waitFor();
  const text = await page.locator('#fatal').textContent();
  assert.match(text, /cannot be converted/);
  assert.match(text, /Headers found: Name, Role, Last login/);
  assert.equal(await page.locator('#column-map').isVisible(), true);
  await page.locator('#column-selects select[name=email]').selectOption('Name');
  await page.locator('#fatal').getByText(/no_valid_users|not an email|email/).first().waitFor();
});

test('a 100k-row export is paginated and the page stays responsive', async () => {
  const big = exportFile(100_000);
  await page.evaluate(() => {
    window.longestStall = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.longestStall = Math.max(window.longestStall, now - last);
      last = now;
    }, 20);
  });
  await load(big);
  await page.waitForFunction(() => /100000 rows read/.test(document.querySelector('#file-info').textContent), null, { timeout: 60_000 });
  assert.equal(await rowCount(), 100);
  assert.match(await page.locator('#page-info').textContent(), /Page 1 of \d+/);
  await page.getByRole('button', { name: 'Next' }).click();
  assert.match(await page.locator('#page-info').textContent(), /Page 2 of/);
  const stall = await page.evaluate(() => window.longestStall);
  assert.ok(stall < 1500, `the main thread stalled for ${Math.round(stall)} ms`);
});

test('layouts at 1280 and 390 px, keyboard reachable, no console errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sts-www-'));
  await load(sample);
  await page.locator('#users tbody tr').first().waitFor();
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(dir, `page-${width}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page overflows horizontally by ${overflow}px at ${width}px`);
  }
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'file-input');
  assert.deepEqual(problems, []);
});
