// The sync end to end: the CLI (a real child process) and the wasm fetch
// helper against the local Torii emulator, with every fault switched on one
// at a time. Each run must end synced or with the documented error; the
// request sequence is asserted exactly, the upload never carries the key,
// and the key appears in no output.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../js/emulator.mjs';
import { loadCore } from '../../js/core.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js/cli.mjs');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const KEY = 'sk-test-Zq8vW3-distinctive-key-value';
const ACCOUNT = '777';

let emulator;
let stateDir;

before(async () => {
  emulator = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT] });
});
after(async () => emulator.close());
beforeEach(() => {
  emulator.clearFaults();
  emulator.requests.length = 0;
  stateDir = mkdtempSync(join(tmpdir(), 'sts-sync-'));
});

/**
 * Runs the CLI asynchronously (the emulator lives in this process).
 * `key: null` runs it with no TORII_API_KEY at all.
 */
function runCli(args, { key = KEY } = {}) {
  return new Promise((resolve) => {
    const env = { ...process.env, TORII_API_KEY: key, XDG_CONFIG_HOME: stateDir };
    if (key === null) delete env.TORII_API_KEY;
    const child = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => {
      assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the API key leaked into CLI output');
      resolve({ code, stdout, stderr });
    });
  });
}

const syncArgs = (...extra) => ['sync', sample, '--app-account', ACCOUNT, '--api-url', emulator.baseUrl, '--quiet', ...extra];

/** The request sequence as "METHOD step" strings. */
const sequence = () => emulator.requests.map((r) => `${r.method} ${r.step}`);

const HAPPY = ['GET upload_url', 'PUT upload', 'POST register', 'PUT sync'];

function assertUploadsCarryNoKey() {
  for (const r of emulator.requests) {
    if (r.step === 'upload') assert.equal(r.headers.authorization, undefined, 'upload PUT carried Authorization');
    else assert.equal(r.headers.authorization, `Bearer ${KEY}`);
  }
}

test('CLI sync: the four steps in order, file registered and synced', async () => {
  const r = await runCli(syncArgs());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sequence(), HAPPY);
  assertUploadsCarryNoKey();
  assert.match(r.stderr, /\[1\/4\] upload URL/);
  assert.match(r.stderr, /\[4\/4\] start sync/);
  assert.match(r.stderr, /synced: file id \S+, 9 users/);
  const upload = emulator.requests.find((r) => r.step === 'upload');
  assert.equal(upload.headers['content-type'], 'customIntegrationData');
  assert.equal(JSON.parse(upload.body).users.length, 9);
  const sync = JSON.parse(emulator.requests.at(-1).body);
  assert.equal(String(sync.idAppAccount), ACCOUNT);
  // The state file remembers the count, never the key.
  const state = readFileSync(join(stateDir, 'stripe-torii-sync/state.json'), 'utf8');
  assert.match(state, /"userCount": 9/);
  assert.ok(!state.includes(KEY));
});

const FAULTS = [
  { name: '429 with Retry-After on register', fault: { step: 'register', kind: 'status', status: 429, retryAfter: '1' },
    expect: ['GET upload_url', 'PUT upload', 'POST register', 'POST register', 'PUT sync'] },
  ...[500, 502, 503, 504].map((status) => ({
    name: `${status} on upload URL`, fault: { step: 'upload_url', kind: 'status', status },
    expect: ['GET upload_url', ...HAPPY],
  })),
  { name: '409 once on sync', fault: { step: 'sync', kind: 'status', status: 409 },
    expect: [...HAPPY, 'PUT sync'] },
  { name: 'expired upload URL', fault: { step: 'upload', kind: 'expire' },
    expect: ['GET upload_url', 'PUT upload', ...HAPPY] },
  { name: 'dropped connection on register', fault: { step: 'register', kind: 'drop' },
    expect: ['GET upload_url', 'PUT upload', 'POST register', 'POST register', 'PUT sync'] },
  { name: 'slow response on sync', fault: { step: 'sync', kind: 'slow', delayMs: 300 }, expect: HAPPY },
];

for (const { name, fault, expect } of FAULTS) {
  test(`CLI sync recovers from ${name}`, async () => {
    emulator.setFaults([fault]);
    const r = await runCli(syncArgs());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sequence(), expect);
    assertUploadsCarryNoKey();
    assert.match(r.stderr, /synced: file id/);
  });
}

test('CLI sync: 409 that never clears fails with the documented message', async () => {
  emulator.setFaults([{ step: 'sync', kind: 'status', status: 409, times: 20 }]);
  const r = await runCli(syncArgs('--wait-budget-ms', '120000'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /another sync is already running for this app account/);
  assert.ok(sequence().filter((s) => s === 'PUT sync').length <= 5);
});

test('CLI sync: a wrong key fails at once with a readable error', async () => {
  const r = await runCli(syncArgs(), { key: 'wrong-key' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Torii rejected the API key/);
  assert.deepEqual(sequence(), ['GET upload_url']);
  assert.ok(!r.stderr.includes('wrong-key'));
});

test('CLI sync: the destructive-sync guard refuses, --allow-drop confirms', async () => {
  const statePath = join(stateDir, 'state.json');
  writeFileSync(statePath, JSON.stringify({ [`${emulator.baseUrl}#${ACCOUNT}`]: { userCount: 100 } }));
  const refused = await runCli(syncArgs('--state', statePath));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused/);
  assert.match(refused.stderr, /100/);
  assert.deepEqual(sequence(), []);
  const confirmed = await runCli(syncArgs('--state', statePath, '--allow-drop'));
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.deepEqual(sequence(), HAPPY);
  assert.equal(JSON.parse(readFileSync(statePath, 'utf8'))[`${emulator.baseUrl}#${ACCOUNT}`].userCount, 9);
});

test('CLI sync --dry-run sends nothing and prints the plan', async () => {
  const r = await runCli(syncArgs('--dry-run'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sequence(), []);
  assert.match(r.stderr, /would send 9 users/);
  assert.equal(JSON.parse(r.stdout).users.length, 9);
  assert.ok(!existsSync(join(stateDir, 'stripe-torii-sync/state.json')));
});

test('CLI sync --direct uses one multipart upload', async () => {
  const r = await runCli(syncArgs('--direct'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(sequence(), ['POST direct_upload', 'PUT sync']);
});

test('CLI sync usage errors exit 2', async () => {
  assert.equal((await runCli(['sync', sample, '--api-url', emulator.baseUrl])).code, 2);
  const noKey = await runCli(syncArgs(), { key: null });
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /TORII_API_KEY/);
  const http = await runCli(['sync', sample, '--app-account', ACCOUNT, '--api-url', 'http://torii.example.com/v1.0']);
  assert.equal(http.code, 2);
  assert.match(http.stderr, /https/);
});

test('fetch helper: syncs in-process and reports progress per step', async () => {
  const core = await loadCore();
  const { json } = core.transformJson(readFileSync(sample, 'utf8'));
  const progress = [];
  const outcome = await core.syncWithFetch(
    { apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl },
    json,
    { onProgress: (p) => progress.push(`${p.index}/${p.total} ${p.step}`) },
  );
  assert.equal(outcome.userCount, 9);
  assert.deepEqual(sequence(), HAPPY);
  assert.deepEqual(progress, ['1/4 upload_url', '2/4 upload', '3/4 register', '4/4 sync']);
  assert.ok(!JSON.stringify(outcome).includes(KEY));
  assert.deepEqual(emulator.files.get?.(outcome.fileId) ?? JSON.parse(json), JSON.parse(json));
});

test('fetch helper: a file Torii rejects surfaces Torii\'s message', async () => {
  const core = await loadCore();
  const bad = JSON.stringify({ users: [{ email: 'ada@example.com', status: 'sleeping' }] });
  await assert.rejects(
    core.syncWithFetch({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, bad),
    (e) => e.code === 'rejected' && /status/.test(e.message) && !e.message.includes(KEY),
  );
});

for (const status of [500, 503]) {
  test(`fetch helper: ${status} on every attempt ends with retries exhausted`, async () => {
    const core = await loadCore();
    const { json } = core.transformJson(readFileSync(sample, 'utf8'));
    emulator.setFaults([{ step: 'upload_url', kind: 'status', status, times: 50 }]);
    await assert.rejects(
      core.syncWithFetch({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl, waitBudgetMs: 120000 }, json),
      (e) => ['retries_exhausted', 'wait_budget_exceeded'].includes(e.code) && !e.message.includes(KEY),
    );
    assert.ok(sequence().length <= 5);
  });
}
