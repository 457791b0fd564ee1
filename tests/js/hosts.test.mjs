// One input, three hosts: the CLI (a real child process), the page's calls
// into the core (what www/worker.js does with the form's [label, text]
// pairs) and the Apps Script shim (appscript/dist in its sandbox) must give
// the same Torii file for the same export and options, and treat the same
// pasted key alike. Each host moves bytes; what they become is the core's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppsScript } from '../../appscript/build.mjs';
import { createSandbox, parseCsv, startEmulatorProcess } from './appscript-sandbox.mjs';
import { loadCore } from '../../js/core.cjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js/cli.cjs');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const KEY = 'hosts-test-key-5d2e';
const ACCOUNT = '515';
const distDir = mkdtempSync(join(tmpdir(), 'sts-hosts-'));
let emulator;
let core;

before(async () => {
  core = loadCore();
  buildAppsScript({ outDir: distDir });
  emulator = await startEmulatorProcess(KEY);
});
after(async () => {
  await emulator.stop();
  rmSync(distDir, { recursive: true, force: true });
});

/** The CLI, asynchronously: the emulator's child must keep answering meanwhile. */
function runCli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
  });
}

/** The Apps Script's Sync now on `rows` with `configuration` rows; the file it uploaded, and its history row. */
async function appsScriptSync(rows, configuration, { key = KEY } = {}) {
  await emulator.clearRequests();
  await emulator.setFaults([]);
  const sandbox = createSandbox({ distDir });
  sandbox.addSheet('Users', rows);
  sandbox.addSheet('Configuration', [['Setting', 'Value'], ...configuration]);
  sandbox.properties.user.setProperty('TORII_API_KEY', key);
  sandbox.properties.user.setProperty('TORII_APP_ACCOUNT_ID', ACCOUNT);
  sandbox.properties.user.setProperty('TORII_API_URL', emulator.baseUrl);
  sandbox.call('syncNow');
  const history = sandbox.sheets.get('Sync history').values[1];
  const upload = (await emulator.requests()).find((r) => r.step === 'upload');
  sandbox.close();
  return { history, file: upload?.body };
}

// The same settings as each host takes them: flags, [label, text] pairs from the page's form, Configuration rows.
const SETTINGS = [
  ['--license-name', 'License name', 'Stripe Team'],
  ['--price-per-user-cents', 'Price per user in cents', '1250'],
  ['--exclude-status', 'Exclude statuses', 'invited'],
  ['--date-order', 'Date order', 'dmy'],
];

test('one export and one set of options make the same Torii file in the CLI, the page and the Sheet', async () => {
  const flags = SETTINGS.flatMap(([flag, , value]) => [flag, value]);
  const viaCli = await runCli(['transform', sample, '--quiet', ...flags]);
  assert.equal(viaCli.code, 0, viaCli.stderr);

  const labelled = SETTINGS.map(([, label, value]) => [label, value]);
  const options = core.parseOptions('sheet', labelled).transform; // as the worker does
  const viaPage = Buffer.from(core.transform([{ name: 'stripe-sample.csv', data: readFileSync(sample) }], options).json())
    .toString('utf8');
  assert.equal(viaPage, viaCli.stdout, 'page and CLI');

  const viaSheet = await appsScriptSync(parseCsv(readFileSync(sample, 'utf8')), labelled);
  assert.equal(viaSheet.history[8], 'synced', viaSheet.history[10]);
  assert.equal(viaSheet.file, viaCli.stdout, 'Sheet and CLI');
});

test('a key pasted with a space or a line break at its edge works in every host alike', async () => {
  const pasted = `${KEY} \n`;
  const viaSheet = await appsScriptSync(parseCsv(readFileSync(sample, 'utf8')), [], { key: pasted });
  assert.equal(viaSheet.history[8], 'synced', viaSheet.history[10]);

  const state = join(mkdtempSync(join(tmpdir(), 'sts-hosts-state-')), 'state.json');
  const viaCli = await runCli(['sync', sample, '--quiet', '--app-account', ACCOUNT, '--api-url', emulator.baseUrl,
    '--state', state], { TORII_API_KEY: pasted });
  assert.equal(viaCli.code, 0, viaCli.stderr);

  // The page hands the key field's value to startSync as it is.
  const result = core.transform(readFileSync(sample), {});
  const session = result.startSync({ apiKey: pasted, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  const action = session.poll(0);
  assert.equal(action.request.headers.authorization ?? action.request.headers.Authorization, `Bearer ${KEY}`);
  session.free();
  result.free();
});

test('a session sends nothing when the host\'s run ends too soon for the sync, and a run limit given wrong is refused', () => {
  const result = core.transform(readFileSync(sample), {});
  const config = { apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl };
  const budget = core.parseOptions('configuration', [['Time budget in ms', '90000']]).sync;
  // 90 s of budget, one request of up to 60 s, 30 s for the records.
  const fits = result.startSync({ ...config, ...budget, runEndsAtMs: 1000 + 180000, longestRequestMs: 60000 }, 1);
  assert.equal(fits.poll(1000).type, 'send');
  const late = result.startSync({ ...config, ...budget, runEndsAtMs: 1000 + 179999, longestRequestMs: 60000 }, 1);
  const failed = late.poll(1000);
  assert.equal(failed.type, 'failed');
  assert.equal(failed.error.code, 'host_limit');
  assert.match(failed.error.message, /^nothing was sent: 179\.9 s are left of this run .* may take 180 s \(its time budget of 90 s, one request of up to 60 s, and 30 s for the records\)/);
  assert.equal(failed.error.syncSent, false);
  for (const [given, pattern] of [
    [{ runEndsAtMs: Number.NaN }, /startSync\(config\)\.runEndsAtMs must be a finite number/],
    [{ runEndsAtMs: '1000' }, /startSync\(config\)\.runEndsAtMs must be a finite number, got a string/],
    [{ longestRequestMs: 60000 }, /longestRequestMs is given without startSync\(config\)\.runEndsAtMs/],
    [{ runEndsAtMs: 0, longestRequestMs: -1 }, /the longest request must be a finite, non-negative number/],
  ]) assert.throws(() => result.startSync({ ...config, ...given }, 1), pattern);
  for (const session of [fits, late]) session.free();
  result.free();
});

test('a last synced file that cannot be read holds no sync back in the CLI, as in the Sheet: the baseline guards', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sts-hosts-state-'));
  const state = join(dir, 'state.json');
  const args = ['sync', sample, '--quiet', '--app-account', ACCOUNT, '--api-url', emulator.baseUrl, '--state', state];
  const first = await runCli(args, { TORII_API_KEY: KEY });
  assert.equal(first.code, 0, first.stderr);
  const [kept] = readdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', kept), '{"users":[{"email":'); // cut short
  const again = await runCli(args, { TORII_API_KEY: KEY });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /note: the file of the last sync in .* cannot be read \(.*\[not_torii_file\]\), so no changes are shown/);
  assert.match(again.stderr, /synced: file id/);

  const result = core.transform(readFileSync(sample), {});
  const plan = result.plan({ appAccountId: ACCOUNT, baseline: '{"userCount":100}', previousFile: '{"users":[' });
  assert.equal(plan.verdict.allowed, false, 'the baseline still guards');
  result.free();
});
