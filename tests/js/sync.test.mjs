// The sync end to end: the CLI (a real child process) and the core's fetch
// driver against the local Torii emulator, with every fault switched on one
// at a time. Each run must end synced or with the documented error; the
// request sequence is asserted exactly, the upload never carries the key,
// the key appears in no output, and the guard cannot be sidestepped.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../js/emulator.mjs';
import { loadCore } from '../../js/core.cjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js/cli.cjs');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const hostile = join(root, 'tests/fixtures/hostile');
const KEY = 'sk-test-Zq8vW3-distinctive-key-value';
const ACCOUNT = '777';
const OTHER_ACCOUNT = '778'; // a second target, for what one target's sync does to another's record

let emulator;
let stateDir;

before(async () => {
  emulator = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT, OTHER_ACCOUNT] });
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
    const started = Date.now();
    const child = spawn(process.execPath, [cli, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => {
      assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY), 'the API key leaked into CLI output');
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const syncArgs = (...extra) => ['sync', sample, '--app-account', ACCOUNT, '--api-url', emulator.baseUrl, '--quiet', ...extra];
const statePath = () => join(stateDir, 'stripe-torii-sync/state.json');

/** The request sequence as "METHOD step" strings. */
const sequence = () => emulator.requests.map((r) => `${r.method} ${r.step}`);

const HAPPY = ['GET upload_url', 'PUT upload', 'POST register', 'PUT sync'];

function assertUploadsCarryNoKey() {
  for (const r of emulator.requests) {
    if (r.step === 'upload') assert.equal(r.headers.authorization, undefined, 'upload PUT carried Authorization');
    else assert.equal(r.headers.authorization, `Bearer ${KEY}`);
  }
}

/** A copy of the sample keeping only the first `n` users' rows. */
function smallerExport(n, replace = (text) => text) {
  const [header, ...rows] = readFileSync(sample, 'utf8').trim().split('\n');
  const path = join(stateDir, `export-${n}.csv`);
  writeFileSync(path, replace([header, ...rows.slice(0, n)].join('\n')));
  return path;
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
  // The state remembers the baseline and the file, never the key.
  const state = readFileSync(statePath(), 'utf8');
  assert.match(state, /"userCount": 9/);
  assert.ok(!state.includes(KEY));
  const { targets } = JSON.parse(state);
  const [entry] = Object.values(targets);
  assert.equal(readFileSync(join(stateDir, 'stripe-torii-sync', entry.file), 'utf8'), upload.body);
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
  { name: 'a silent server once on register', fault: { step: 'register', kind: 'silent' },
    expect: ['GET upload_url', 'PUT upload', 'POST register', 'POST register', 'PUT sync'], args: ['--request-timeout-ms', '400'] },
];

for (const { name, fault, expect, args = [] } of FAULTS) {
  test(`CLI sync recovers from ${name}`, async () => {
    emulator.setFaults([fault]);
    const r = await runCli(syncArgs(...args));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sequence(), expect);
    assertUploadsCarryNoKey();
    assert.match(r.stderr, /synced: file id/);
  });
}

test('class 5: a server that accepts and never answers ends the sync within budget + one timeout', async () => {
  emulator.setFaults([{ step: 'register', kind: 'silent', times: 50 }]);
  const r = await runCli(syncArgs('--request-timeout-ms', '500', '--time-budget-ms', '2500'));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /step 3\/4 \(register file\)/);
  assert.match(r.stderr, /budget_exceeded|timeout/);
  assert.match(r.stderr, /no complete answer within 0\.5 s/);
  assert.ok(r.ms < 2500 + 500 + 2500, `took ${r.ms} ms`);
});

test('class 5: a response body that stalls counts as a timeout', async () => {
  emulator.setFaults([{ step: 'upload_url', kind: 'stall', times: 50 }]);
  const r = await runCli(syncArgs('--request-timeout-ms', '400', '--time-budget-ms', '1500'));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /step 1\/4 \(upload URL\)/);
  assert.match(r.stderr, /no complete answer within 0\.4 s/);
  assert.ok(r.ms < 1500 + 400 + 2500, `took ${r.ms} ms`);
});

test('CLI sync: 409 that never clears fails with the documented message', async () => {
  emulator.setFaults([{ step: 'sync', kind: 'status', status: 409, times: 20 }]);
  const r = await runCli(syncArgs('--time-budget-ms', '120000'));
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

test('CLI sync: the guard refuses a destructive sync, --allow-drop confirms (a version 1 state file)', async () => {
  const path = join(stateDir, 'state.json');
  writeFileSync(path, JSON.stringify({ [`${emulator.baseUrl}#${ACCOUNT}`]: { userCount: 100 } }));
  const refused = await runCli(syncArgs('--state', path));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused/);
  assert.match(refused.stderr, /100/);
  assert.match(refused.stderr, /--allow-drop/);
  assert.deepEqual(sequence(), []);
  const confirmed = await runCli(syncArgs('--state', path, '--allow-drop'));
  assert.equal(confirmed.code, 0, confirmed.stderr);
  assert.deepEqual(sequence(), HAPPY);
  const { targets } = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(targets[`${emulator.baseUrl}#${ACCOUNT}`].baseline.userCount, 9);
});

test('CLI sync: a sync that went through but could not record itself says so with a code, and exits 1', async () => {
  const dir = join(stateDir, 'unsaved');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'files'), 'not a folder'); // where the synced file would be kept
  const r = await runCli(syncArgs('--state', join(dir, 'state.json')));
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(sequence(), HAPPY);
  assert.match(r.stderr, /^error: the sync went through, but its record could not be saved \(.*unsaved\/state\.json: .*\), so the next sync of this target is checked against the record before it, or, if there is none, against nothing \[last_sync_unsaved\]$/m);
});

test('CLI sync: a state file of a later version stops the sync before anything is sent, as its record could not be written', async () => {
  const path = join(stateDir, 'later.json');
  writeFileSync(path, JSON.stringify({ version: 3, targets: {} }));
  for (const extra of [[], ['--allow-drop']]) {
    emulator.requests.length = 0;
    const r = await runCli(syncArgs('--state', path, ...extra));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: the sync state file .*later\.json is version 3, which this version of stripe-torii-sync cannot update; update stripe-torii-sync, or pass another --state \[last_sync_unreadable\]$/m);
    assert.deepEqual(sequence(), [], `${extra}: nothing is sent`);
  }
  // A dry run writes no record: it shows the plan, and the guard's word on a record it cannot read.
  const dry = await runCli(syncArgs('--state', path, '--dry-run'));
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, /unreadable/);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 3, 'a later version is left alone');
  // Another version number than a later one is no state at all: the guard asks, as for any broken file.
  writeFileSync(path, JSON.stringify({ version: 1.5, targets: {} }));
  const odd = await runCli(syncArgs('--state', path));
  assert.equal(odd.code, 1, odd.stderr);
  assert.match(odd.stderr, /unreadable .*\[destructive_sync\]/);
});

test('CLI sync: upgrading a version 1 state file keeps the baselines of the other targets', async () => {
  const path = join(stateDir, 'state.json');
  const other = 'https://api.toriihq.com/v1.0#42';
  writeFileSync(path, JSON.stringify({ [`${emulator.baseUrl}#${ACCOUNT}`]: { userCount: 9 }, [other]: { userCount: 250 } }));
  const r = await runCli(syncArgs('--state', path));
  assert.equal(r.code, 0, r.stderr);
  const { version, targets } = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(version, 2);
  assert.equal(targets[`${emulator.baseUrl}#${ACCOUNT}`].baseline.userCount, 9);
  assert.deepEqual(targets[other], { baseline: { userCount: 250 } }, 'the other target keeps its guard');
});

/** Records a sync of `key` in the state file `path` from a process of its own; resolves to its exit code. */
function saveInChild(path, key) {
  return new Promise((resolve) => {
    const code = `import { saveTarget } from ${JSON.stringify(join(root, 'js/state.mjs'))};
      saveTarget(process.argv[1], process.argv[2], { baseline: { userCount: 1 }, file: new Uint8Array([123, 125]) });`;
    spawn(process.execPath, ['--input-type=module', '-e', code, path, key], { stdio: 'inherit' }).on('close', resolve);
  });
}

test('CLI state: syncs finishing at once keep every target, and a later version is not rewritten', async () => {
  const path = join(stateDir, 'concurrent/state.json');
  const keys = Array.from({ length: 8 }, (_, i) => `https://api.toriihq.com/v1.0#${i}`);
  assert.deepEqual(await Promise.all(keys.map((key) => saveInChild(path, key))), keys.map(() => 0));
  const { targets } = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(Object.keys(targets).sort(), keys.sort(), 'no sync lost another one\'s baseline');
  assert.ok(!existsSync(`${path}.lock`), 'the lock is released');
  const { saveTarget } = await import('../../js/state.mjs');
  writeFileSync(path, JSON.stringify({ version: 3, targets: {}, future: true }));
  assert.throws(() => saveTarget(path, keys[0], { baseline: {}, file: new Uint8Array() }), /version 3, which this version .* cannot update/);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).future, true, 'left as it was');
  writeFileSync(path, JSON.stringify({ version: 2 }));
  saveTarget(path, keys[0], { baseline: { userCount: 2 }, file: new Uint8Array([123, 125]) });
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).targets[keys[0]].baseline.userCount, 2, 'a state with no targets yet');
});

test('CLI state: a lock left by a sync that died is broken once, and a fresh one never', async () => {
  const dir = join(stateDir, 'stale-lock');
  const path = join(dir, 'state.json');
  const lock = `${path}.lock`;
  mkdirSync(dir, { recursive: true });
  const staleSince = new Date(Date.now() - 5 * 60_000);
  writeFileSync(lock, 'a sync that died');
  utimesSync(lock, staleSince, staleSince);
  const keys = Array.from({ length: 6 }, (_, i) => `https://api.toriihq.com/v1.0#stale-${i}`);
  assert.deepEqual(await Promise.all(keys.map((key) => saveInChild(path, key))), keys.map(() => 0), 'no sync waits out a dead one');
  const { targets } = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(Object.keys(targets).sort(), keys.sort(), 'no sync lost another one\'s baseline');
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.lock')), [], 'no lock and no break-lock is left');

  // The race a slower sync could lose: it found the old lock stale, but by
  // the time it breaks it a faster sync holds a fresh one.
  const { breakStaleLock } = await import('../../js/state.mjs');
  writeFileSync(lock, 'the faster sync');
  breakStaleLock(lock);
  assert.equal(readFileSync(lock, 'utf8'), 'the faster sync', 'a fresh lock is looked at again and kept');
  utimesSync(lock, staleSince, staleSince);
  // Another sync is breaking it (its break-lock is fresh): this one waits.
  writeFileSync(`${lock}.break`, 'another sync');
  breakStaleLock(lock);
  assert.ok(existsSync(lock), 'only the holder of the break-lock breaks the lock');
  // A break-lock left by a sync that died while breaking is cleared first.
  utimesSync(`${lock}.break`, staleSince, staleSince);
  breakStaleLock(lock);
  assert.ok(!existsSync(`${lock}.break`) && existsSync(lock), 'the dead break-lock goes, the lock on the next try');
  breakStaleLock(lock);
  assert.ok(!existsSync(lock), 'a stale lock is removed');
  breakStaleLock(lock);
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.lock')), [], 'breaking a lock already gone is a no-op');
});

test('CLI state: a sync whose lock was broken while it held it leaves the next holder\'s lock alone', async () => {
  const dir = join(stateDir, 'lost-lock');
  const path = join(dir, 'state.json');
  const lock = `${path}.lock`;
  const { withLock } = await import('../../js/state.mjs');
  const held = withLock(path, () => {
    const own = readFileSync(lock, 'utf8');
    // This sync took over a minute: another found its lock stale, broke it, and holds its own.
    rmSync(lock);
    writeFileSync(lock, 'the next sync');
    return own;
  });
  assert.match(held, /^\d+ [0-9a-f-]{36}$/, 'the lock names its holder');
  assert.equal(readFileSync(lock, 'utf8'), 'the next sync', 'the next holder keeps its lock');
  rmSync(lock);
  withLock(path, () => {});
  assert.ok(!existsSync(lock), 'a holder removes its own lock');
  assert.throws(() => withLock(path, () => { throw new Error('the update failed'); }), /the update failed/);
  assert.ok(!existsSync(lock), 'and removes it when the update throws');
});

/** The target locks beside the state file. */
const targetLocks = () => (existsSync(dirname(statePath())) ? readdirSync(dirname(statePath())) : []).filter((name) => name.endsWith('.sync-lock'));

/** Resolves once a request of `step` has reached the emulator. */
async function reached(step) {
  while (!emulator.requests.some((r) => r.step === step)) await new Promise((resolve) => { setTimeout(resolve, 20); });
}

test('CLI: a second sync of a target while one runs is refused before it sends anything; other targets go on', async () => {
  emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 2_000 }]);
  const first = runCli(syncArgs('--time-budget-ms', '600000'));
  await reached('upload');
  const [lock] = targetLocks();
  const held = JSON.parse(readFileSync(join(dirname(statePath()), lock), 'utf8'));
  // The core's longest run: the budget, one request of 30 s, and 30 s for the records.
  assert.ok(held.until >= Date.now() + 600_000 && held.until <= Date.now() + 660_000, `held until ${held.until}`);
  assert.ok(!JSON.stringify(held).includes(KEY));
  const spelledOtherwise = ['sync', sample, '--app-account', ` ${ACCOUNT}`, '--api-url', `${emulator.baseUrl}/`, '--quiet'];
  const [second, other] = await Promise.all([runCli(spelledOtherwise), runCli(syncArgs().map((a) => (a === ACCOUNT ? OTHER_ACCOUNT : a)))]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /another sync of this target is running \(it holds \S+\.sync-lock until \d{4}-\d\d-\d\dT[\d:.]+Z\): nothing was sent; .* \[sync_busy\]/);
  assert.equal(other.code, 0, other.stderr);
  assert.equal((await first).code, 0);
  assert.deepEqual(emulator.requests.filter((r) => r.step === 'sync').length, 2, 'one sync per target');
  assert.equal(Object.keys(JSON.parse(readFileSync(statePath(), 'utf8')).targets).length, 2, 'both targets recorded');
  assert.deepEqual(targetLocks(), [], 'each sync releases its target');
  assert.equal((await runCli(spelledOtherwise)).code, 0, 'once the first has ended, the target may sync');
});

test('CLI: Ctrl-C or a kill during a sync stops it as cancelled, saying what Torii may have, and releases the target', async () => {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    emulator.requests.length = 0;
    emulator.setFaults([{ step: 'upload', kind: 'slow', delayMs: 5_000 }]);
    const env = { ...process.env, TORII_API_KEY: KEY, XDG_CONFIG_HOME: stateDir };
    const child = spawn(process.execPath, [cli, ...syncArgs()], { env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const done = new Promise((resolve) => { child.on('close', resolve); });
    await reached('upload');
    child.kill(signal);
    assert.equal(await done, 1, stderr);
    assert.match(stderr, /nothing was synced.*\[cancelled\]/, signal);
    assert.deepEqual(targetLocks(), [], `${signal}: the target is released`);
    emulator.clearFaults();
    assert.equal((await runCli(syncArgs())).code, 0, 'the next sync is not refused as busy');
  }
});

test('CLI: a sync breaking an expired target lock leaves alone the one another sync has just made in its place', async () => {
  const { holdTarget } = await import('../../js/state.mjs');
  const key = (await loadCore()).targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  const died = holdTarget(statePath(), key);
  const lock = join(dirname(statePath()), targetLocks()[0]);
  writeFileSync(lock, JSON.stringify({ ...JSON.parse(readFileSync(lock, 'utf8')), until: Date.now() - 1 }));
  // This sync found the expired lock; as it looks again under the break-lock, another has
  // broken that lock and is making its own.
  const original = fs.readFileSync;
  const another = JSON.stringify({ token: 'another', target: key, until: Date.now() + 600_000 });
  let raced = false;
  fs.readFileSync = function racing(path, ...rest) {
    if (!raced && path === lock && existsSync(`${lock}.break`)) {
      raced = true;
      rmSync(lock);
      try {
        return original.call(this, path, ...rest);
      } finally {
        writeFileSync(lock, another, { flag: 'wx' });
      }
    }
    return original.call(this, path, ...rest);
  };
  syncBuiltinESMExports();
  try {
    assert.throws(() => holdTarget(statePath(), key), (e) => e.code === 'sync_busy');
  } finally {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  }
  assert.ok(raced);
  assert.equal(readFileSync(lock, 'utf8'), another, 'the other sync keeps its lock');
  died.release();
  assert.equal(readFileSync(lock, 'utf8'), another, 'and the one that died, released late, removes nothing');
});

test('CLI: a state folder that cannot be written stops the sync before anything is sent', async () => {
  const blocked = join(stateDir, 'a-file');
  writeFileSync(blocked, '');
  const run = await runCli(syncArgs('--state', join(blocked, 'state.json')));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /cannot hold this target beside the sync state file .*nothing was sent.*\[last_sync_unreadable\]/);
  assert.deepEqual(emulator.requests, []);
});

test('CLI: a target lock whose hold has run out (its sync died) is taken over; a live one, or one just made, is not', async () => {
  assert.equal((await runCli(syncArgs('--dry-run'))).code, 0);
  assert.deepEqual(targetLocks(), [], 'a dry run holds nothing');
  assert.equal((await runCli(syncArgs())).code, 0);
  const { holdTarget } = await import('../../js/state.mjs');
  const key = (await loadCore()).targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT });
  const hold = holdTarget(statePath(), key);
  const [name] = targetLocks();
  const lock = join(dirname(statePath()), name);
  const died = JSON.parse(readFileSync(lock, 'utf8'));
  assert.equal((await runCli(syncArgs())).code, 1, 'a hold of a minute from its start');
  writeFileSync(lock, JSON.stringify({ ...died, until: Date.now() - 1 }));
  const after = await runCli(syncArgs());
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(targetLocks(), []);
  hold.release();
  assert.deepEqual(targetLocks(), [], 'a holder whose lock was taken over removes nothing');
  // A holder that died before writing its hold: the first minute from the file's time.
  writeFileSync(lock, '');
  assert.match((await runCli(syncArgs())).stderr, /\[sync_busy\]/);
  const longAgo = new Date(Date.now() - 5 * 60_000);
  utimesSync(lock, longAgo, longAgo);
  assert.equal((await runCli(syncArgs())).code, 0);
  assert.deepEqual(targetLocks(), []);
});

test('class 2: spelling the target differently checks the same baseline', async () => {
  assert.equal((await runCli(syncArgs())).code, 0);
  emulator.requests.length = 0;
  const fewer = smallerExport(4);
  for (const [account, url] of [[' 777', `${emulator.baseUrl}/`], ['0777', emulator.baseUrl.toUpperCase().replace('/V1.0', '/v1.0')]]) {
    const r = await runCli(['sync', fewer, '--app-account', account, '--api-url', url, '--quiet']);
    assert.equal(r.code, 1, `${account} ${url}: ${r.stderr}`);
    assert.match(r.stderr, /refused/);
    assert.match(r.stderr, /destructive_sync/);
  }
  assert.deepEqual(sequence(), [], 'nothing was sent');
});

test('class 2: respelling the API URL the way URL parsing reads it checks the same baseline, or is refused', async () => {
  const path = join(stateDir, 'st/state.json');
  const big = join(stateDir, 'big.csv');
  const tiny = join(stateDir, 'tiny.csv');
  const users = Array.from({ length: 100 }, (_, i) => `u${i}@example.com,User ${i},Active`);
  writeFileSync(big, `Email,Name,Status\n${users.join('\n')}\n`);
  writeFileSync(tiny, `Email,Name,Status\n${users[0]}\n`);
  const { origin } = new URL(emulator.baseUrl);
  const port = new URL(emulator.baseUrl).port;
  const sync = (file, url) => runCli(['sync', file, '--app-account', ACCOUNT, '--api-url', url, '--state', path]);
  const first = await sync(big, emulator.baseUrl);
  assert.equal(first.code, 0, first.stderr);
  emulator.requests.length = 0;
  for (const url of [
    emulator.baseUrl,
    `${origin}/./v1.0`,
    `${origin}/v1.0/.`,
    `${origin}/v1.0/x/..`,
    `${origin}/%2e/v1.0`,
    `${origin}/%76%31.0`,
    `http://127.0.0.1:0${port}/v1.0`,
    `http://127.1:${port}/v1.0`,
    `HTTP://127.0.0.1.:${port}/V1.0/../v1.0/`,
  ]) {
    const r = await sync(tiny, url);
    assert.equal(r.code, 1, `${url}: ${r.stderr}`);
    assert.match(r.stderr, /destructive_sync/, url);
  }
  for (const url of [`${origin}\\v1.0`, `http://u@127.0.0.1:${port}/v1.0`, `${origin}//v1.0`]) {
    const r = await sync(tiny, url);
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.match(r.stderr, /invalid_config/, url);
    assert.match(r.stderr, /API base URL/, url);
  }
  assert.deepEqual(sequence(), [], 'nothing was sent');
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, 'utf8')).targets), [`${emulator.baseUrl}#${ACCOUNT}`]);
});

test('class 2: every spelling WHATWG URL parsing sends to one endpoint gets one target key, or is refused', () => {
  const core = loadCore();
  const keyOf = (baseUrl) => {
    try {
      return core.targetKey({ baseUrl, appAccountId: ACCOUNT });
    } catch (e) {
      assert.equal(e.code, 'invalid_config', `${baseUrl}: ${e.message}`);
      return undefined;
    }
  };
  const spellings = [];
  const hosts = {
    'api.toriihq.com': ['api.toriihq.com', 'API.ToriiHQ.com', 'api.toriihq.com.', 'api%2etoriihq.com', 'api.toriihq.com..'],
    '127.0.0.1': ['127.0.0.1', '127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '127.0.0.1.', '127.0.0.1..'],
    '[::1]': ['[::1]', '[0:0:0:0:0:0:0:1]', '[::0001]'],
  };
  const paths = ['/v1.0', '/v1.0/', '/./v1.0', '/v1.0/.', '/v1.0/x/..', '/%2e/v1.0', '/%2E%2e/v1.0', '\\v1.0', '/v1.0\\',
    '//v1.0', '/v1.0//', '/%76%31.0', '/v1.0?', '/v1.0#', '/v1.0?x', '/v1%2e0', '', '/', '/..', '/v1.0/..', '\t/v1.0'];
  for (const [scheme, defaultPort] of [['https', '443'], ['http', '80'], ['HtTpS', '443']]) {
    for (const variants of Object.values(hosts)) {
      for (const host of variants) {
        for (const port of ['', ':', `:${defaultPort}`, `:0${defaultPort}`, ':8443', ':08443', ':65536', ':x']) {
          for (const path of paths) {
            for (const userinfo of ['', 'u@', 'u:p@', '@']) spellings.push(`${scheme}://${userinfo}${host}${port}${path}`);
          }
        }
      }
    }
  }
  spellings.push('https:\\\\api.toriihq.com/v1.0', 'https:/api.toriihq.com/v1.0', 'https:api.toriihq.com/v1.0', 'https:///api.toriihq.com/v1.0');
  // Where fetch would send each spelling, by WHATWG URL parsing, with the
  // trailing slashes the core drops before it appends /files.
  const endpoint = (spelling) => {
    let url;
    try {
      url = new URL(spelling);
    } catch {
      return undefined;
    }
    if (url.username || url.password || url.href.includes('?') || url.href.includes('#')) return { where: url.href, extra: true };
    return { where: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, extra: false };
  };
  const keys = new Map();
  let accepted = 0;
  for (const spelling of spellings) {
    const key = keyOf(spelling);
    if (key === undefined) continue;
    accepted += 1;
    const parsed = endpoint(spelling);
    assert.ok(parsed !== undefined, `${spelling} is accepted but is not a URL`);
    assert.ok(!parsed.extra, `${spelling} is accepted with credentials, a query or a fragment`);
    const seen = keys.get(parsed.where);
    if (seen) assert.equal(key, seen.key, `${spelling} and ${seen.spelling} both reach ${parsed.where}`);
    else keys.set(parsed.where, { key, spelling });
  }
  assert.ok(accepted > 500, `${accepted} of ${spellings.length} accepted`);
  assert.equal(keyOf('https://api.toriihq.com:0443/./v1.0'), keyOf('https://api.toriihq.com/v1.0'));
});

test('class 2: a corrupt baseline asks for confirmation, with how to reset it', async () => {
  const path = join(stateDir, 'state.json');
  for (const baseline of [{ userCount: 'NaN' }, { userCount: -3 }, {}, { userCount: null }, 'garbage']) {
    writeFileSync(path, JSON.stringify({ version: 2, targets: { [`${emulator.baseUrl}#${ACCOUNT}`]: { baseline } } }));
    const r = await runCli(syncArgs('--state', path));
    assert.equal(r.code, 1, JSON.stringify(baseline));
    assert.match(r.stderr, /unreadable/);
    assert.match(r.stderr, /--allow-drop/);
  }
  assert.deepEqual(sequence(), []);
  assert.equal((await runCli(syncArgs('--state', path, '--allow-drop'))).code, 0);
  assert.equal((await runCli(syncArgs('--state', path))).code, 0, 'the record was replaced');
});

test('class 2: a corrupt state file is not a first sync: the guard asks, and a confirmed sync keeps the file aside', async () => {
  const path = join(stateDir, 'state.json');
  const key = `${emulator.baseUrl}#${ACCOUNT}`;
  const other = 'https://api.toriihq.com/v1.0#42';
  // Shapes that are no state at all, and text that is not JSON (a write cut short): moved aside by a confirmed sync.
  const files = ['null', '[]', '"x"', '{"version":2,"targets":null}', '{"version":2,"targets":{', 'garbage'];
  // A state holding a broken entry for this target: the sync's record replaces it.
  const entries = [null, {}, { baseline: null }].map((entry) => JSON.stringify({ version: 2, targets: { [key]: entry, [other]: { baseline: { userCount: 5 } } } }));
  entries.push(JSON.stringify({ [key]: null, [other]: { userCount: 5 } })); // version 1
  for (const text of [...files, ...entries]) {
    rmSync(path, { force: true });
    rmSync(`${path}.corrupt`, { force: true });
    writeFileSync(path, text);
    emulator.requests.length = 0;
    const refused = await runCli(syncArgs('--state', path));
    assert.equal(refused.code, 1, `${text}: ${refused.stderr}`);
    assert.match(refused.stderr, /unreadable .*\[destructive_sync\]/, text);
    if (['{"version":2,"targets":{', 'garbage'].includes(text)) assert.match(refused.stderr, /unreadable \(it is not JSON\)/, text);
    assert.match(refused.stderr, /--allow-drop/, text);
    assert.deepEqual(sequence(), [], `${text}: nothing is sent`);
    const confirmed = await runCli(syncArgs('--state', path, '--allow-drop'));
    assert.equal(confirmed.code, 0, `${text}: ${confirmed.stderr}`);
    const state = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(state.targets[key].baseline.userCount, 9, text);
    if (files.includes(text)) {
      assert.equal(readFileSync(`${path}.corrupt`, 'utf8'), text, 'the corrupt file is kept');
      assert.match(confirmed.stderr, /not a valid state file, so it was moved to .*state\.json\.corrupt/);
    } else {
      assert.ok(!existsSync(`${path}.corrupt`), text);
      assert.equal(state.targets[other].baseline.userCount, 5, `${text}: the other target keeps its record`);
    }
    assert.equal((await runCli(syncArgs('--state', path))).code, 0, `${text}: the record was replaced`);
  }
  // A second corrupt file does not overwrite the first one kept aside.
  for (const text of ['null', '[]']) {
    writeFileSync(path, text);
    assert.equal((await runCli(syncArgs('--state', path, '--allow-drop'))).code, 0);
  }
  assert.equal(readFileSync(`${path}.corrupt`, 'utf8'), 'null');
  assert.equal(readFileSync(`${path}.corrupt.1`, 'utf8'), '[]');
});

test('class 2: a broken state file moved aside by one target\'s sync leaves every other target guarded, not a first sync', async () => {
  const path = join(stateDir, 'rebuilt', 'state.json');
  mkdirSync(dirname(path), { recursive: true });
  const otherArgs = (...extra) => ['sync', sample, '--app-account', OTHER_ACCOUNT, '--api-url', emulator.baseUrl, '--quiet', '--state', path, ...extra];
  const first = await runCli(otherArgs());
  assert.equal(first.code, 0, first.stderr);
  // A hand edit leaves a trailing comma: the file is no JSON, and holds both targets' records.
  writeFileSync(path, readFileSync(path, 'utf8').replace(/\}\s*$/, ',}'));
  assert.equal((await runCli(syncArgs('--state', path, '--allow-drop'))).code, 0);
  assert.ok(existsSync(`${path}.corrupt`));
  emulator.requests.length = 0;
  const refused = await runCli(otherArgs());
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /was rebuilt when a broken state file was moved to .*state\.json\.corrupt, which may have held this target's record.*delete "recoveredFrom"/);
  assert.match(refused.stderr, /unreadable .*\[destructive_sync\]/);
  assert.deepEqual(sequence(), [], 'nothing is sent for the target whose record was lost');
  assert.equal((await runCli(otherArgs('--allow-drop'))).code, 0);
  const again = await runCli(otherArgs());
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /rebuilt/, 'a target synced since the rebuild has its record');
  assert.equal((await runCli(syncArgs('--state', path))).code, 0, 'the target whose sync rebuilt the state has its record');
  // A hand-edited mark is still a mark, but a name that is no file kept aside is neither followed nor printed.
  const state = JSON.parse(readFileSync(path, 'utf8'));
  for (const [name, said] of [['../../etc/x\u001b[31mRED', 'moved aside, which'], ['state.json.corrupt.7', 'state.json.corrupt.7 (no longer there)']]) {
    delete state.targets[`${emulator.baseUrl}#${OTHER_ACCOUNT}`];
    writeFileSync(path, JSON.stringify({ ...state, recoveredFrom: name }));
    const marked = await runCli(otherArgs());
    assert.equal(marked.code, 1, marked.stderr);
    assert.ok(marked.stderr.includes(said), marked.stderr);
    assert.ok(!marked.stderr.includes('\u001b') && !marked.stderr.includes('etc/x'), marked.stderr);
  }
});

test('class 11: swapping many users for others trips the guard though the count stays the same', async () => {
  assert.equal((await runCli(syncArgs())).code, 0);
  emulator.requests.length = 0;
  const swapped = smallerExport(Infinity, (text) => text.replace(/^(\w+)@example\.com/gm, (m, name) =>
    (['ada', 'grace', 'alan', 'margaret'].includes(name) ? `${name}.new@example.com` : m)));
  const r = await runCli(['sync', swapped, '--app-account', ACCOUNT, '--api-url', emulator.baseUrl]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /changes since the last sync: \d+ added, \d+ removed/);
  assert.match(r.stderr, /last sync sent 7 active users and this one removes [2-7] of them/);
  assert.deepEqual(sequence(), []);
});

test('the guard counts users marked deleted as removed: a status map cannot drop everyone unasked', async () => {
  assert.equal((await runCli(syncArgs())).code, 0);
  emulator.requests.length = 0;
  const r = await runCli([...syncArgs(), '--status-map', 'Active=deleted', '--status-map', 'Invited=deleted']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /refused/);
  assert.match(r.stderr, /this one removes \d+ of them \([\d.]+%, more than the 20% allowed without confirmation\); it marks \d+ of them deleted/);
  assert.deepEqual(sequence(), [], 'nothing was sent');
  const { targets } = JSON.parse(readFileSync(statePath(), 'utf8'));
  const { baseline } = targets[`${emulator.baseUrl}#${ACCOUNT}`];
  assert.equal(baseline.userCount, 9);
  assert.ok(baseline.activeUsers < 9, 'the sample has a removed member');
});

test('the core API: a stored previous file does not override the baseline, and the limit is exact', () => {
  const core = loadCore();
  const one = core.transform('Email,Status\na@x.com,Active\n');
  const row = '{"email":"a@x.com","status":"active"}';
  const refused = one.plan({ appAccountId: '1', baseline: '{"userCount":100}' });
  assert.equal(refused.verdict.allowed, false);
  const both = one.plan({ appAccountId: '1', baseline: '{"userCount":100}', previousFile: [row] });
  assert.equal(both.verdict.allowed, false, both.verdict.message);
  assert.equal(both.verdict.removedUsers, 99);
  // The file without its record is a half-written state: it asks.
  assert.equal(one.plan({ appAccountId: '1', previousFile: [row] }).verdict.reason, 'unreadable_baseline');
  assert.equal(one.plan({ appAccountId: '1', previousFile: [row], baseline: '{"userCount":1,"activeUsers":1}' }).verdict.allowed, true);
  // A previous file cut down to no active user (the hidden sheet's rows deleted) hides nothing either.
  const baseline = '{"userCount":100,"activeUsers":100}';
  for (const previousFile of [[], '{"users":[]}', ['{"email":"z@x.com","status":"deleted"}']]) {
    const emptied = one.plan({ appAccountId: '1', baseline, previousFile }).verdict;
    assert.equal(emptied.allowed, false, `${JSON.stringify(previousFile)}: ${emptied.message}`);
    assert.equal(emptied.removedUsers, 99);
  }

  const rows = Array.from({ length: 2500 }, (_, i) => `{"email":"u${i}@x.com","status":"active"}`);
  const kept = (n) => core.transform(`Email,Status\n${rows.slice(0, n).map((_, i) => `u${i}@x.com,Active`).join('\n')}\n`);
  const last = { appAccountId: '1', previousFile: rows, baseline: '{"userCount":2500,"activeUsers":2500}' };
  const over = kept(1999).plan(last).verdict;
  assert.equal(over.allowed, false, over.message);
  assert.doesNotMatch(over.message, /within|20%, more than the 20%/);
  assert.equal(kept(2000).plan(last).verdict.allowed, true);
});

test('CLI sync --dry-run sends nothing, prints the plan and the change preview', async () => {
  const first = await runCli(syncArgs('--dry-run'));
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(sequence(), []);
  assert.match(first.stderr, /dry run: would sync 9 users/);
  assert.equal(JSON.parse(first.stdout).users.length, 9);
  assert.ok(!existsSync(statePath()));
  assert.equal((await runCli(syncArgs())).code, 0);
  const edited = smallerExport(Infinity, (t) => t.replace('Invited', 'Active'));
  const second = await runCli(['sync', edited, '--app-account', ACCOUNT, '--api-url', emulator.baseUrl, '--dry-run']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /changes since the last sync: 0 added, 0 removed, 1 changed, 8 unchanged/);
  assert.match(second.stderr, /changed: alan@example\.com \(externalStatus, licenseStatus\)/);
});

test('the dry-run plan is exactly the requests a sync then sends', async () => {
  const core = loadCore();
  for (const direct of [false, true]) {
    emulator.requests.length = 0;
    const extra = direct ? ['--direct'] : [];
    assert.equal((await runCli([...syncArgs(...extra), '--allow-drop'])).code, 0);
    const result = core.transform([{ name: sample, data: readFileSync(sample) }]);
    const plan = result.plan({ appAccountId: ACCOUNT, baseUrl: emulator.baseUrl, mode: direct ? 'direct' : 'presigned' });
    const sent = emulator.requests;
    assert.equal(plan.requests.length, sent.length);
    plan.requests.forEach((planned, i) => {
      const actual = sent[i];
      assert.equal(planned.method, actual.method);
      if (planned.step === 'upload') {
        assert.equal(planned.url, '<upload URL from step 1>');
      } else {
        assert.equal(emulator.baseUrl.replace(/\/v1\.0$/, '') + actual.path, planned.url);
        assert.equal(planned.headers.Authorization, 'Bearer [redacted]');
      }
      if (planned.step === 'register') {
        const path = JSON.parse(actual.body).path;
        assert.equal(planned.body.replace('<filePath from step 1>', path), actual.body);
      }
      if (planned.step === 'sync') {
        const id = JSON.parse(actual.body).idFile;
        assert.equal(planned.body.replace('"<file id>"', JSON.stringify(id)), actual.body);
      }
    });
  }
});

test('CLI sync says why no changes are shown when the file of the last sync is gone', async () => {
  assert.equal((await runCli(syncArgs())).code, 0);
  const files = join(dirname(statePath()), 'files');
  const [gone] = readdirSync(files);
  rmSync(join(files, gone));
  const again = await runCli(syncArgs('--dry-run'));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`^note: the file of the last sync \\(.*${gone}\\) is gone, so no changes are shown; this sync replaces it$`, 'm'));
  assert.doesNotMatch(again.stderr, /changes since the last sync/);
  assert.match(again.stderr, /guard: the sync removes none of the 7 active users of the last sync/, 'the baseline still guards');
});

test('CLI sync prints the change summary after a successful sync', async () => {
  assert.equal((await runCli(syncArgs())).code, 0);
  const again = await runCli(syncArgs());
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /synced: file id .*\nchanges since the last sync: 0 added, 0 removed, 0 changed, 9 unchanged/);
});

test('class 1 and 9: a broken quote or --strict with rejected rows is never uploaded', async () => {
  const broken = await runCli(['sync', join(hostile, 'stray-quote.csv'), '--app-account', ACCOUNT, '--api-url', emulator.baseUrl]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /broken_file/);
  const strict = await runCli(syncArgs('--strict'));
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /rows_rejected/);
  assert.deepEqual(sequence(), []);
});

test('class 9: sync --output writes exactly the file that is uploaded', async () => {
  const out = join(stateDir, 'uploaded.json');
  const r = await runCli(syncArgs('--output', out));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), emulator.requests.find((q) => q.step === 'upload').body);
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
  const empty = await runCli(['sync', sample, '--app-account', ACCOUNT, '--api-url', '']);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /empty/);
  // The state file is an output too: it may not be an input or another output.
  const state = join(stateDir, 'state.json');
  for (const args of [['--state', sample], ['--state', state, '--output', state], ['--report', state, '--state', state], ['--output', statePath()]]) {
    const r = await runCli(syncArgs(...args));
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /is the same file as/);
  }
  assert.deepEqual(sequence(), []);
});

test('fetch driver: syncs in-process and reports progress per step', async () => {
  const core = loadCore();
  const result = core.transform(readFileSync(sample));
  const progress = [];
  const session = result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  const outcome = await session.runWithFetch({ onProgress: (p) => progress.push(p.text) });
  assert.equal(outcome.userCount, 9);
  assert.deepEqual(sequence(), HAPPY);
  assert.deepEqual(progress, ['[1/4] upload URL', '[2/4] upload', '[3/4] register file', '[4/4] start sync']);
  assert.ok(!JSON.stringify(outcome).includes(KEY));
  assert.deepEqual(emulator.files.get(Number(outcome.fileId)), JSON.parse(Buffer.from(result.json()).toString()));
  assert.throws(() => session.poll(0), (e) => e.code === 'invalid_argument', 'runWithFetch uses the session up');
});

test('fetch driver: an AbortSignal stops a retry wait at once, and a signal that is no object is refused', async () => {
  const core = loadCore();
  const result = core.transform(readFileSync(sample));
  emulator.setFaults([{ step: 'register', kind: 'status', status: 429, retryAfter: '30' }]);
  const stop = new AbortController();
  const session = result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  const started = Date.now();
  await assert.rejects(session.runWithFetch({ signal: stop.signal, onProgress: (p) => p.waitMs && stop.abort() }),
    (e) => e.code === 'cancelled' && /^stopped at step 3\/4 \(register file\): nothing was synced/.test(e.message));
  assert.ok(Date.now() - started < 5_000, 'the 30 s wait was not waited out');
  assert.deepEqual(sequence(), ['GET upload_url', 'PUT upload', 'POST register']);
  emulator.clearFaults();
  const again = result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  await assert.rejects(again.runWithFetch({ signal: 'stop' }), (e) => e.code === 'invalid_argument' && /signal/.test(e.message));
});

test('fetch driver: a callback that throws stops the sync with host_failed, saying what was sent, never the key', async () => {
  const core = loadCore();
  const result = core.transform(readFileSync(sample));
  const start = () => result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  const broken = (p) => {
    if (p.step === 'register') throw new Error(`stderr is closed (EPIPE), key ${KEY}`);
  };
  await assert.rejects(start().runWithFetch({ onProgress: broken }), (e) => {
    assert.equal(e.code, 'host_failed');
    assert.equal(e.message, 'onProgress failed (Error: stderr is closed (EPIPE), key [redacted]); stopped at step 3/4 '
      + '(register file): nothing was synced, so the app\'s users in Torii are as they were');
    return true;
  });
  assert.deepEqual(sequence(), ['GET upload_url', 'PUT upload'], 'nothing sent after the failure');
  emulator.requests.length = 0;
  // At the last step too: the request to start the sync was handed out, and never sent.
  const lastStep = (p) => {
    if (p.step === 'sync') throw new Error('the log is full');
  };
  await assert.rejects(start().runWithFetch({ onProgress: lastStep }), (e) => {
    assert.equal(e.code, 'host_failed');
    assert.equal(e.message, 'onProgress failed (Error: the log is full); stopped at step 4/4 (start sync): nothing was synced, '
      + 'so the app\'s users in Torii are as they were');
    assert.equal(e.syncSent, false, 'the attempt handed out and never sent is not counted');
    return true;
  });
  assert.deepEqual(sequence(), ['GET upload_url', 'PUT upload', 'POST register']);
  emulator.requests.length = 0;
  const truncated = core.transform(`Email,Status\nada@example.com,Active\n`);
  const destructive = truncated.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl,
    baseline: '{"userCount":9,"activeUsers":9}' }, 1);
  await assert.rejects(destructive.runWithFetch({ onConfirm: () => Promise.reject(new TypeError('no dialog')) }),
    (e) => e.code === 'host_failed' && e.message === 'onConfirm failed (TypeError: no dialog); nothing was sent: the sync was stopped');
  assert.deepEqual(sequence(), []);
});

test('fetch driver: a failed sync says whether a request to start it went out (syncSent)', async () => {
  const core = loadCore();
  const result = core.transform(readFileSync(sample));
  const start = () => result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  emulator.setFaults([{ step: 'upload_url', kind: 'drop', times: 20 }]);
  await assert.rejects(start().runWithFetch(), (e) => e.code === 'network' && e.syncSent === false);
  emulator.clearFaults();
  emulator.requests.length = 0;
  emulator.setFaults([{ step: 'sync', kind: 'drop', times: 20 }]);
  await assert.rejects(start().runWithFetch(), (e) => {
    assert.equal(e.code, 'network');
    assert.equal(e.syncSent, true, 'the start of the sync may have reached Torii before the connection dropped');
    assert.match(e.message, /Torii may have started the sync/);
    return true;
  });
  assert.equal(sequence().filter((s) => s === 'PUT sync').length, 5);
  emulator.clearFaults();
});

test('fetch driver: a file Torii rejects surfaces Torii\'s message', async () => {
  const core = loadCore();
  const bad = JSON.stringify({ users: [{ email: 'ada@example.com', status: 'sleeping' }] });
  const session = new core.SyncSession({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, bad, 1);
  await assert.rejects(
    session.runWithFetch(),
    (e) => e.code === 'rejected' && /status/.test(e.message) && !e.message.includes(KEY),
  );
});

for (const status of [500, 503]) {
  test(`fetch driver: ${status} on every attempt ends with retries exhausted`, async () => {
    const core = loadCore();
    emulator.setFaults([{ step: 'upload_url', kind: 'status', status, times: 50 }]);
    const session = core.transform(readFileSync(sample))
      .startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl, timeBudgetMs: 120000 }, 1);
    await assert.rejects(session.runWithFetch(),
      (e) => ['retries_exhausted', 'budget_exceeded'].includes(e.code) && !e.message.includes(KEY));
    assert.ok(sequence().length <= 5);
  });
}

test('fetch driver: a huge answer is read only up to a limit, and is still judged by its status', async () => {
  const { createServer } = await import('node:http');
  const written = [];
  const server = createServer((req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' });
    const at = written.push(0) - 1;
    const chunk = Buffer.alloc(1 << 20, 97);
    const pump = () => {
      while (written[at] < 256 * (1 << 20) && !res.destroyed) {
        written[at] += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      return res.end();
    };
    pump();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const core = loadCore();
    const session = core.transform(readFileSync(sample)).startSync(
      { apiKey: KEY, appAccountId: ACCOUNT, baseUrl: `http://127.0.0.1:${server.address().port}/v1.0`, timeBudgetMs: 120000 }, 1);
    await assert.rejects(session.runWithFetch(), (e) => e.code === 'retries_exhausted' && /HTTP 500: a{10}/.test(e.message));
    assert.equal(written.length, 5);
    assert.ok(written.every((n) => n < 64 * (1 << 20)), `the whole body was read: ${written}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('fetch driver: an upload that never gets an answer names the storage host to check, not the API URL that worked', async () => {
  const core = loadCore();
  const result = core.transform(readFileSync(sample));
  emulator.setFaults([{ step: 'upload', kind: 'drop', times: 5 }]);
  const session = result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: emulator.baseUrl }, 1);
  const storage = new URL(emulator.baseUrl).origin;
  await assert.rejects(session.runWithFetch(), (e) => {
    assert.equal(e.code, 'network');
    assert.match(e.message, /^could not reach the server at step 2\/4 \(upload\) after 5 attempts: /);
    assert.ok(e.message.includes(`Check the network to Torii's file storage (${storage}), the upload URL Torii gave; `
      + 'from a web page, the browser may also have blocked the upload, if that storage does not allow calls from web pages'),
    e.message);
    assert.ok(!/API URL/.test(e.message), e.message);
    assert.ok(!/X-Amz/.test(e.message), 'the signed query is a credential');
    return true;
  });
  assert.deepEqual(sequence(), ['GET upload_url', ...Array(5).fill('PUT upload')]);
});

test('fetch driver: two syncs of one app account at once both end synced, the later retried past Torii\'s 409', async () => {
  const busy = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT], syncMs: 1_500 });
  try {
    const core = loadCore();
    const result = core.transform(readFileSync(sample));
    const run = () => result.startSync({ apiKey: KEY, appAccountId: ACCOUNT, baseUrl: busy.baseUrl }, 1).runWithFetch();
    const outcomes = await Promise.all([run(), run()]);
    assert.deepEqual(outcomes.map((o) => o.userCount), [9, 9]);
    const statuses = busy.requests.filter((r) => r.step === 'sync').map((r) => r.status);
    assert.deepEqual([statuses[0], statuses[1], statuses.at(-1)], [200, 409, 200], statuses.join());
    assert.equal(busy.syncs.length, 2);
  } finally {
    await busy.close();
  }
});
