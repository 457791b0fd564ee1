// The Apps Script front end, run from appscript/dist/ exactly as pushed, in
// a sandbox that has only what Apps Script has, against the Torii emulator.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppsScript, PUSH_ORDER } from '../../appscript/build.mjs';
import { createSandbox, parseCsv, startEmulatorProcess } from './appscript-sandbox.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'gas-test-key-9b1c-secret';
const ACCOUNT = '4242';
const distDir = mkdtempSync(join(tmpdir(), 'sts-gas-'));
let emulator;

before(async () => {
  buildAppsScript({ outDir: distDir });
  emulator = await startEmulatorProcess(KEY);
});
after(() => emulator.stop());

/** The Stripe sample pasted into "Users", one last-login cell as a real Date, settings saved. */
function pastedSandbox(options = {}) {
  const sandbox = createSandbox({ distDir, ...options });
  const rows = parseCsv(readFileSync(join(root, 'tests/fixtures/stripe-sample.csv'), 'utf8'));
  // Dates of the script's own realm, as Sheets returns for date cells: a
  // date-time, and a date alone (midnight in Europe/Paris, the previous day in UTC).
  rows[1][5] = sandbox.evaluate('new Date(Date.UTC(2024, 11, 30, 9, 15))');
  rows[3][5] = sandbox.evaluate('new Date(Date.UTC(2024, 11, 30, 23, 0))');
  sandbox.addSheet('Users', rows);
  sandbox.addSheet('Configuration', [['Setting', 'Value'], ['API URL', emulator.baseUrl], ['License name', 'Stripe Team']]);
  sandbox.properties.user.setProperty('TORII_API_KEY', KEY);
  sandbox.properties.user.setProperty('TORII_APP_ACCOUNT_ID', ACCOUNT);
  return sandbox;
}

const steps = async () => (await emulator.requests()).map((r) => `${r.method} ${r.step}`);
const history = (sandbox) => sandbox.sheets.get('Sync history').values.slice(1);

test('the build lists its files in push order, with the manifest Apps Script needs', () => {
  const clasp = JSON.parse(readFileSync(join(distDir, '.clasp.json'), 'utf8'));
  assert.deepEqual(clasp.filePushOrder, PUSH_ORDER);
  const manifest = JSON.parse(readFileSync(join(distDir, 'appsscript.json'), 'utf8'));
  assert.equal(manifest.runtimeVersion, 'V8');
  for (const scope of ['spreadsheets.currentonly', 'script.external_request', 'script.container.ui', 'script.scriptapp']) {
    assert.ok(manifest.oauthScopes.includes(`https://www.googleapis.com/auth/${scope}`), scope);
  }
  assert.ok(manifest.urlFetchWhitelist.includes('https://api.toriihq.com/'));
  const core = readFileSync(join(distDir, '02_core.js'), 'utf8');
  assert.ok(!/^\s*(export|import)\b/m.test(core) && !core.includes('import.meta'));
});

test('the sandbox has only what Apps Script has', () => {
  const bare = createSandbox({ distDir, load: false });
  for (const name of ['TextEncoder', 'TextDecoder', 'fetch', 'setTimeout', 'require', 'process', 'Buffer', 'module']) {
    assert.equal(bare.evaluate(`typeof ${name}`), 'undefined', name);
  }
  assert.equal(bare.evaluate('typeof WebAssembly'), 'object');
  bare.close();
});

test('the UTF-8 polyfill round-trips every kind of character', () => {
  const sandbox = createSandbox({ distDir });
  const text = 'Zoë 😀 中文 \u0000 end';
  const back = sandbox.evaluate('(t) => new TextDecoder("utf-8").decode(new TextEncoder().encode(t))')(text);
  assert.equal(back, text);
  const bytes = sandbox.evaluate('(t) => Array.from(new TextEncoder().encode(t))')(text);
  assert.deepEqual([...bytes], [...Buffer.from(text, 'utf8')]);
  assert.equal(sandbox.evaluate('new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82]))'), 'a\ufffdb\ufffd');
  sandbox.close();
});

test('onOpen builds the Torii menu', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.call('onOpen');
  const [menu] = sandbox.log.menus;
  assert.equal(menu.title, 'Torii');
  assert.deepEqual(menu.items.filter(([, fn]) => fn).map(([caption, fn]) => `${caption}=${fn}`), [
    'Sync now=syncNow', 'Preview=previewNow', 'Settings…=showSettings', 'Schedule daily sync…=scheduleDailySync',
    'Stop schedule=stopSchedule', 'Sync history=showHistory',
  ]);
  sandbox.close();
});

test('Sync now sends the sample through the four steps and records the run', async () => {
  await emulator.clearRequests();
  await emulator.setFaults([]);
  const sandbox = pastedSandbox();
  sandbox.call('syncNow');
  assert.deepEqual(await steps(), ['GET upload_url', 'PUT upload', 'POST register', 'PUT sync']);
  const requests = await emulator.requests();
  assert.equal(requests[1].headers.authorization, undefined, 'the upload must not carry the key');
  assert.equal(requests[1].headers['content-type'], 'customIntegrationData');
  const file = JSON.parse(requests[1].body);
  assert.equal(file.users.length, 9);
  assert.equal(file.users[0].lastUsedDate, '2024-12-30', 'the date-time cell was read as a date');
  assert.equal(file.users[2].lastUsedDate, '2024-12-31', 'a date-only cell keeps its calendar date');
  assert.equal(file.licenses[0].name, 'Stripe Team');
  assert.ok(!file.users.some((u) => u.email === 'email'), 'the header row is not a user');
  const [row] = history(sandbox);
  assert.equal(row[1], 'manual');
  assert.equal(row[2], 9);
  assert.equal(row[5], 'synced');
  assert.match(String(row[4]), /^\d+$/);
  assert.deepEqual(sandbox.log.toasts, ['1/4 upload URL', '2/4 upload', '3/4 register file', '4/4 start sync']);
  const dialog = sandbox.log.dialogs.at(-1);
  assert.match(dialog.html, /Users: 9/);
  assert.match(dialog.html, /File id: \d+/);
  assert.match(dialog.html, /#gid=\d+/);
  assert.equal(sandbox.properties.document.getProperty(`TORII_LAST_USER_COUNT:${emulator.baseUrl}#${ACCOUNT}`), '9');
  assert.ok(!sandbox.visibleText().includes(KEY), 'the key leaked into a sheet, log, dialog or document property');
  sandbox.close();
});

test('Preview writes the users and every diagnostic, and sends nothing', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox();
  sandbox.call('previewNow');
  const preview = sandbox.sheets.get('Torii preview').values;
  assert.deepEqual(preview[0], ['Email', 'First name', 'Last name', 'Status', 'License status', 'Roles', 'Last used']);
  assert.equal(preview[1][0], 'ada@example.com');
  const diagnostics = preview.slice(preview.findIndex((r) => r[0] === 'Line') + 1);
  assert.ok(diagnostics.some((r) => r[0] === 8 && r[2] === 'duplicate_email'));
  assert.ok(diagnostics.some((r) => r[0] === 9 && r[2] === 'invalid_email'));
  assert.deepEqual(await steps(), []);
  sandbox.close();
});

test('Settings move the old DocumentProperties to UserProperties', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.properties.document.setProperty('api_key', 'legacy-key-123');
  sandbox.properties.document.setProperty('app_id', '99');
  sandbox.call('showSettings');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_KEY'), 'legacy-key-123');
  assert.equal(sandbox.properties.user.getProperty('TORII_APP_ACCOUNT_ID'), '99');
  assert.equal(sandbox.properties.document.getProperty('api_key'), null);
  assert.equal(sandbox.properties.document.getProperty('app_id'), null);
  const dialog = sandbox.log.dialogs.at(-1).html;
  assert.match(dialog, /type="password"/);
  assert.ok(!dialog.includes('legacy-key-123'), 'the dialog must not echo the key');
  assert.equal(sandbox.call('saveSettings', { apiKey: '', appAccountId: '100' }), 'Saved for your Google account only.');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_KEY'), 'legacy-key-123');
  assert.equal(sandbox.properties.user.getProperty('TORII_APP_ACCOUNT_ID'), '100');
  sandbox.close();
});

test('the guard refuses a destructive scheduled sync and says why in the history', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox();
  sandbox.properties.document.setProperty(`TORII_LAST_USER_COUNT:${emulator.baseUrl}#${ACCOUNT}`, '100');
  sandbox.call('scheduledSync');
  assert.deepEqual(await steps(), []);
  const [row] = history(sandbox);
  assert.equal(row[1], 'scheduled');
  assert.equal(row[5], 'refused');
  assert.match(row[7], /last sync sent 100 users/);
  assert.equal(sandbox.log.alerts.length, 0, 'an unattended run shows no dialog');
  sandbox.close();
});

test('an interactive destructive sync asks, and a "no" sends nothing', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox({ alertAnswer: (title) => (title === 'Confirm sync' ? 'NO' : 'OK') });
  sandbox.properties.document.setProperty(`TORII_LAST_USER_COUNT:${emulator.baseUrl}#${ACCOUNT}`, '100');
  sandbox.call('syncNow');
  assert.equal(sandbox.log.alerts[0].title, 'Confirm sync');
  assert.deepEqual(await steps(), []);
  assert.equal(history(sandbox)[0][5], 'cancelled');
  sandbox.close();
});

test('emulator faults end in readable history rows, never with the key', async () => {
  const cases = [
    { faults: [{ step: 'sync', kind: 'status', status: 409, times: 20 }], expect: /another sync is already running for this app account/ },
    { faults: [{ step: 'register', kind: 'status', status: 503, times: 20 }], expect: /step 3\/4 \(register file\) failed 5 times/ },
    { faults: [{ step: 'register', kind: 'status', status: 429, retryAfter: '1' }], expect: /requests, 1 retries/, result: 'synced' },
    { key: 'wrong-key-value', faults: [], expect: /Torii rejected the API key/ },
  ];
  for (const { faults, expect, key, result = 'failed' } of cases) {
    await emulator.setFaults(faults);
    const sandbox = pastedSandbox();
    if (key) sandbox.properties.user.setProperty('TORII_API_KEY', key);
    sandbox.call('scheduledSync');
    const [row] = history(sandbox);
    assert.equal(row[5], result, row[7]);
    assert.match(row[7], expect);
    assert.ok(!/\n\s+at /.test(row[7]), 'no stack trace');
    assert.ok(!sandbox.visibleText().includes(key ?? KEY));
    sandbox.close();
  }
  await emulator.setFaults([]);
});

test('missing settings and a bad Configuration sheet are readable errors', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.addSheet('Users', [['Email'], ['ada@example.com']]);
  sandbox.call('syncNow');
  assert.match(sandbox.log.alerts[0].prompt, /Torii → Settings/);
  sandbox.properties.user.setProperty('TORII_API_KEY', KEY);
  sandbox.properties.user.setProperty('TORII_APP_ACCOUNT_ID', ACCOUNT);
  sandbox.addSheet('Configuration', [['Licence colour', 'blue']]);
  sandbox.call('syncNow');
  assert.match(sandbox.log.alerts[1].prompt, /row 1: unknown setting "Licence colour"/);
  sandbox.close();
});

test('the daily schedule uses the spreadsheet time zone and can be stopped', () => {
  const sandbox = createSandbox({ distDir, promptAnswer: () => '7' });
  sandbox.call('scheduleDailySync');
  assert.equal(sandbox.triggers.length, 1);
  assert.deepEqual({ ...sandbox.triggers[0], getHandlerFunction: undefined },
    { handler: 'scheduledSync', hour: 7, everyDays: 1, timeZone: 'Europe/Paris', getHandlerFunction: undefined });
  sandbox.call('scheduleDailySync');
  assert.equal(sandbox.triggers.length, 1, 'rescheduling replaces the trigger');
  sandbox.call('stopSchedule');
  assert.equal(sandbox.triggers.length, 0);
  sandbox.close();
});
