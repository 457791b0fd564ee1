/**
 * @file The Apps Script front end, run from appscript/dist/ exactly as
 * pushed, in a sandbox that has only what Apps Script has, against the Torii
 * emulator (in a child process, reached through a synchronous UrlFetchApp).
 */

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppsScript, globalGlue, PUSH_ORDER } from '../../appscript/build.mjs';
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
after(async () => {
  await emulator.stop();
  rmSync(distDir, { recursive: true, force: true });
});

const fixture = (name) => parseCsv(readFileSync(join(root, 'tests/fixtures', name), 'utf8'));

/**
 * The Stripe sample pasted into "Users", two last-login cells as real Dates,
 * the settings saved (the API URL pointing at the emulator).
 */
function pastedSandbox(options = {}) {
  const sandbox = createSandbox({ distDir, ...options });
  const rows = fixture('stripe-sample.csv');
  // Dates of the script's own realm, as Sheets returns for date cells: a
  // date-time, and a date alone (midnight in Europe/Paris, the previous day in UTC).
  rows[1][5] = sandbox.evaluate('new Date(Date.UTC(2024, 11, 30, 9, 15))');
  rows[3][5] = sandbox.evaluate('new Date(Date.UTC(2024, 11, 30, 23, 0))');
  sandbox.addSheet('Users', rows);
  sandbox.addSheet('Configuration', [['Setting', 'Value'], ['License name', 'Stripe Team']]);
  sandbox.properties.user.setProperty('TORII_API_KEY', KEY);
  sandbox.properties.user.setProperty('TORII_APP_ACCOUNT_ID', ACCOUNT);
  sandbox.properties.user.setProperty('TORII_API_URL', emulator.baseUrl);
  return sandbox;
}

const lastCountKey = () => `TORII_LAST_USER_COUNT:${emulator.baseUrl}#${ACCOUNT}`;
const steps = async () => (await emulator.requests()).map((r) => `${r.method} ${r.step}`);
const history = (sandbox) => sandbox.sheets.get('Sync history').values.slice(1);
const alertText = (sandbox) => sandbox.log.alerts.map((a) => `${a.title}: ${a.prompt}`).join('\n');

/** Asserts a message is for people: no stack trace, no key. */
function assertReadable(text, key = KEY) {
  assert.ok(!/\n\s+at |\.js:\d+/.test(text), `a stack trace in: ${text}`);
  assert.ok(!text.includes(key), 'the key is in a message');
}

test('the build lists its files in push order, with the manifest Apps Script needs', () => {
  const clasp = JSON.parse(readFileSync(join(distDir, '.clasp.json'), 'utf8'));
  assert.deepEqual(clasp.filePushOrder, PUSH_ORDER);
  assert.equal(clasp.rootDir, '.');
  const manifest = JSON.parse(readFileSync(join(distDir, 'appsscript.json'), 'utf8'));
  assert.equal(manifest.runtimeVersion, 'V8');
  assert.deepEqual(manifest.oauthScopes, ['spreadsheets.currentonly', 'script.external_request', 'script.container.ui',
    'script.scriptapp'].map((scope) => `https://www.googleapis.com/auth/${scope}`));
  assert.ok(manifest.urlFetchWhitelist.includes('https://api.toriihq.com/'));
  for (const prefix of manifest.urlFetchWhitelist) assert.match(prefix, /^https:\/\/(\*\.)?[a-z0-9.-]+\/$/, prefix);
  const core = readFileSync(join(distDir, '02_core.js'), 'utf8');
  assert.ok(!/^\s*(export|import)\b/m.test(core) && !core.includes('import.meta'));
});

test('the build keeps a filled-in script ID and fails loudly on glue it does not recognise', () => {
  const out = mkdtempSync(join(tmpdir(), 'sts-gas-id-'));
  buildAppsScript({ outDir: out });
  const clasp = JSON.parse(readFileSync(join(out, '.clasp.json'), 'utf8'));
  writeFileSync(join(out, '.clasp.json'), JSON.stringify({ ...clasp, scriptId: 'my-script-id' }));
  buildAppsScript({ outDir: out });
  assert.equal(JSON.parse(readFileSync(join(out, '.clasp.json'), 'utf8')).scriptId, 'my-script-id');
  rmSync(out, { recursive: true, force: true });

  const glue = readFileSync(join(root, 'pkg/stripe_torii_sync.js'), 'utf8');
  assert.throws(() => globalGlue(glue.replace('let __wbg_init_promise;', '')), /async init section/);
  assert.throws(() => globalGlue(glue.replace('function initSync(', 'function initSyncX(')), /initSync/);
  assert.throws(() => globalGlue(glue.replace('export class SyncSession', 'class SyncSession')), /SyncSession/);
});

test('the sandbox has only what Apps Script has', () => {
  const bare = createSandbox({ distDir, load: false });
  for (const name of ['TextEncoder', 'TextDecoder', 'fetch', 'setTimeout', 'setInterval', 'require', 'process', 'Buffer',
    'module', 'crypto']) {
    assert.equal(bare.evaluate(`typeof ${name}`), 'undefined', name);
  }
  assert.equal(bare.evaluate('typeof WebAssembly.Module'), 'function');
  bare.close();
});

test('the core loads from the pushed files; the fetch-based export is left out', () => {
  const sandbox = createSandbox({ distDir });
  assert.match(sandbox.evaluate('toriiCore_().version()'), /^\d+\.\d+\.\d+/);
  assert.equal(sandbox.evaluate('toriiCore_() === toriiCore_()'), true, 'compiled once per execution');
  assert.equal(sandbox.evaluate('typeof StripeToriiCore.syncWithFetch'), 'undefined');
  sandbox.close();
});

test('the UTF-8 polyfill matches the native codec', () => {
  const sandbox = createSandbox({ distDir });
  const text = `Zoë 😀 中文 \u0000 end ${'ascii '.repeat(3000)}é`;
  const encode = (t) => [...sandbox.evaluate('(t) => new TextEncoder().encode(t)')(t)];
  const decode = sandbox.evaluate('(bytes) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array(bytes))');
  assert.deepEqual(encode(text), [...Buffer.from(text, 'utf8')]);
  assert.equal(decode([...Buffer.from(text, 'utf8')]), text);
  const lone = 'a\ud800b';
  assert.deepEqual(encode(lone), [...new TextEncoder().encode(lone)]);
  const malformed = [0x61, 0xff, 0x62, 0xe2, 0x82, 0x63, 0xf0, 0x9f, 0x98, 0xed, 0xa0, 0x80, 0xe2, 0x82];
  assert.equal(decode(malformed), new TextDecoder().decode(new Uint8Array(malformed)));
  assert.equal(sandbox.evaluate('new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))'), 'A', 'BOM stripped');
  const partial = sandbox.evaluate('(() => { var v = new Uint8Array(4); var r = new TextEncoder().encodeInto("ab😀", v); return [r.read, r.written]; })()');
  assert.deepEqual([...partial], [2, 2], 'a character that does not fit is not split');
  sandbox.close();
});

test('onOpen builds the Torii menu', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.call('onOpen');
  const [menu] = sandbox.log.menus;
  assert.equal(menu.title, 'Torii');
  assert.ok(menu.added);
  assert.deepEqual(menu.items.filter(([, fn]) => fn).map(([caption, fn]) => `${caption}=${fn}`), [
    'Sync now=syncNow', 'Preview=previewNow', 'Settings…=showSettings', 'Schedule daily sync…=scheduleDailySync',
    'Stop schedule=stopSchedule', 'Sync history=showHistory',
  ]);
  for (const [, fn] of menu.items.filter(([, f]) => f)) assert.equal(sandbox.evaluate(`typeof ${fn}`), 'function', fn);
  sandbox.close();
});

test('Sync now sends the pasted export through the four steps and records the run', async () => {
  await emulator.clearRequests();
  await emulator.setFaults([]);
  const sandbox = pastedSandbox();
  sandbox.call('syncNow');
  assert.deepEqual(await steps(), ['GET upload_url', 'PUT upload', 'POST register', 'PUT sync']);
  const requests = await emulator.requests();
  assert.equal(requests[0].headers.authorization, `Bearer ${KEY}`);
  assert.equal(requests[1].headers.authorization, undefined, 'the upload must not carry the key');
  assert.equal(requests[1].headers['content-type'], 'customIntegrationData');
  const file = JSON.parse(requests[1].body);
  assert.deepEqual(file.users.map((u) => u.email), ['ada@example.com', 'grace.hopper@example.com', 'mlk@example.com',
    'alan@example.com', 'linus@example.com', 'margaret@example.com', 'dennis@example.com', 'katherine@example.com',
    'edsger@contractor.example.org']);
  assert.equal(file.users[0].lastUsedDate, '2024-12-30', 'the date-time cell was read as a date');
  assert.equal(file.users[2].lastUsedDate, '2024-12-31', 'a date-only cell keeps its calendar date');
  assert.equal(file.licenses[0].name, 'Stripe Team');
  assert.equal(String(JSON.parse(requests[3].body).idAppAccount), ACCOUNT);

  const [row] = history(sandbox);
  assert.ok(row[0] instanceof sandbox.evaluate('Date'), 'started at is a date the sheet shows in its time zone');
  assert.deepEqual(row.slice(1, 4), ['manual', 9, 1]);
  assert.match(String(row[4]), /^\d+$/);
  assert.equal(row[5], 'synced');
  assert.match(row[7], /^Synced 9 users: 4 requests, 0 retries\. 12 rows read: 9 exported/);
  assert.deepEqual(sandbox.log.toasts, ['1/4 upload URL', '2/4 upload', '3/4 register file', '4/4 start sync']);
  const dialog = sandbox.log.dialogs.at(-1);
  assert.match(dialog.html, /Users: 9<br>Licenses: 1<br>File id: \d+<br>Warnings and errors: 4/);
  assert.match(dialog.html, new RegExp(`#gid=${sandbox.sheets.get('Torii preview').getSheetId()}`));
  assert.equal(sandbox.properties.document.getProperty(lastCountKey()), '9');
  assert.ok(!sandbox.visibleText().includes(KEY), 'the key leaked into a sheet, log, toast, dialog or document property');
  assert.equal(sandbox.evaluate('LockService.getDocumentLock().tryLock(0)'), true, 'the lock was released');
  sandbox.close();
});

test('Preview writes the users and every diagnostic with its sheet row, and sends nothing', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox();
  sandbox.call('previewNow');
  const preview = sandbox.sheets.get('Torii preview');
  assert.ok(preview.activated);
  const rows = preview.values;
  assert.deepEqual(rows[0], ['Email', 'First name', 'Last name', 'Status', 'License status', 'Roles', 'Last used', 'Problems']);
  assert.deepEqual(rows[1], ['ada@example.com', 'Ada', 'Lovelace', 'active', 'active', 'Owner', '2024-12-30', '']);
  const katherine = rows.find((r) => r[0] === 'katherine@example.com');
  assert.equal(katherine[7], 'row 12: unknown_status; row 12: unparseable_date');
  const header = rows.findIndex((r) => r[0] === 'Row (Users sheet)');
  const diagnostics = rows.slice(header + 1).map((r) => `${r[0]} ${r[2]} ${r[3]}`);
  assert.deepEqual(diagnostics, ['8 info duplicate_email', '9 error invalid_email', '10 error missing_email',
    '12 warning unknown_status', '12 warning unparseable_date']);
  assert.match(alertText(sandbox), /12 rows read: 9 exported, 1 merged, 0 excluded, 2 rejected\.\n\nNothing was sent/);
  assert.deepEqual(await steps(), []);
  sandbox.close();
});

test('Preview names the sheet row even when a cell holds a line break', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.addSheet('Users', fixture('appscript/multiline-users.csv'));
  sandbox.call('previewNow');
  const rows = sandbox.sheets.get('Torii preview').values;
  assert.deepEqual(rows[1].slice(0, 6), ['ada@example.com', 'Ada', 'Lovelace', 'active', 'active', 'Owner, Developer']);
  const header = rows.findIndex((r) => r[0] === 'Row (Users sheet)');
  assert.deepEqual(rows[header + 1].slice(0, 4), [3, 'Email', 'error', 'invalid_email']);
  sandbox.close();
});

test('the Configuration sheet reaches the transform', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.addSheet('Users', fixture('stripe-sample.csv'));
  const config = fixture('appscript/configuration.csv');
  config[3][1] = 1500; // a number cell, as Sheets stores a typed number
  sandbox.addSheet('Configuration', config);
  const out = JSON.parse(JSON.stringify(sandbox.evaluate('transformUsersSheet_(readConfiguration_())')));
  assert.deepEqual(out.file.users.map((u) => u.email), ['ada@example.com', 'grace.hopper@example.com', 'mlk@example.com',
    'margaret@example.com', 'dennis@example.com', 'katherine@example.com']);
  const license = out.file.licenses[0];
  assert.deepEqual([license.name, license.pricePerUser, license.unassignedAmount], ['Stripe Team', 1500, 3]);
  assert.equal(license.users.find((u) => u.email === 'katherine@example.com').licenseStatus, 'inactive');
  assert.ok(!out.report.diagnostics.some((d) => d.code === 'unknown_status'), 'the status map was applied');
  assert.equal(out.report.excluded, 3);
  sandbox.close();
});

test('Configuration mistakes are readable errors naming the row', () => {
  const cases = [
    [['Licence colour', 'blue'], /row 1 \("Licence colour"\): unknown setting/],
    [['Include license', 'maybe'], /row 1 \("Include license"\): needs yes or no, got "maybe"/],
    [['Price per user in cents', 'a lot'], /needs a number/],
    [['Price per user in cents', '-5'], /pricePerUserCents must be a non-negative whole number.*\[invalid_option\]/],
    [['Column mapping', 'mail=2'], /unknown field "mail"/],
    [['API URL', 'https://example.com/v1.0'], /set in Torii → Settings…, not in a sheet/],
  ];
  for (const [row, expected] of cases) {
    const sandbox = createSandbox({ distDir });
    sandbox.addSheet('Users', [['Email'], ['ada@example.com']]);
    sandbox.addSheet('Configuration', [row]);
    sandbox.call('previewNow');
    assert.match(alertText(sandbox), expected);
    assertReadable(alertText(sandbox));
    sandbox.close();
  }
});

test('Settings move the old DocumentProperties to UserProperties and never echo the key', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.properties.document.setProperty('api_key', 'legacy-key-123');
  sandbox.properties.document.setProperty('app_id', '99');
  sandbox.call('showSettings');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_KEY'), 'legacy-key-123');
  assert.equal(sandbox.properties.user.getProperty('TORII_APP_ACCOUNT_ID'), '99');
  assert.deepEqual(sandbox.properties.document.getProperties(), {});
  const dialog = sandbox.log.dialogs.at(-1).html;
  assert.match(dialog, /<input type="password" name="apiKey"/);
  assert.match(dialog, /value="99"/);
  assert.match(dialog, /value="https:\/\/api\.toriihq\.com\/v1\.0"/);
  assert.ok(!dialog.includes('legacy-key-123'), 'the dialog must not echo the key');

  assert.equal(sandbox.call('saveSettings', { apiKey: '', appAccountId: '100', apiUrl: 'https://api.toriihq.com/v1.0/' }),
    'Saved for your Google account only.');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_KEY'), 'legacy-key-123', 'an empty key keeps the saved one');
  assert.equal(sandbox.properties.user.getProperty('TORII_APP_ACCOUNT_ID'), '100');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_URL'), null, "Torii's own URL is the default, not stored");
  sandbox.call('saveSettings', { apiKey: ' new-key-456 ', appAccountId: '100', apiUrl: 'https://eu.api.example.com/v1.0' });
  assert.equal(sandbox.properties.user.getProperty('TORII_API_KEY'), 'new-key-456');
  assert.equal(sandbox.properties.user.getProperty('TORII_API_URL'), 'https://eu.api.example.com/v1.0');

  const refusals = [
    [{ apiKey: 'two words', appAccountId: '1' }, /characters an API key cannot have/],
    [{ apiKey: 'k', appAccountId: '' }, /App Account ID is required/],
    [{ apiKey: 'k', appAccountId: '1', apiUrl: 'http://api.toriihq.com/v1.0' }, /must start with https:\/\//],
  ];
  for (const [form, expected] of refusals) {
    assert.throws(() => sandbox.call('saveSettings', form), (e) => expected.test(e.message) && !e.message.includes(form.apiKey || '\0'));
  }
  assert.throws(() => createSandbox({ distDir }).call('saveSettings', { apiKey: '', appAccountId: '1' }), /API key is required/);
  assert.equal(sandbox.log.logs.length, 0, 'nothing was logged');
  sandbox.close();
});

test('the guard refuses a destructive scheduled sync and says why in the history', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox();
  sandbox.properties.document.setProperty(lastCountKey(), '100');
  sandbox.call('scheduledSync');
  assert.deepEqual(await steps(), []);
  const [row] = history(sandbox);
  assert.equal(row[1], 'scheduled');
  assert.equal(row[5], 'refused');
  assert.match(row[7], /the last sync sent 100 users and this one sends 9.*A scheduled sync cannot be confirmed/);
  assert.equal(sandbox.log.alerts.length, 0, 'an unattended run shows no dialog');
  assert.equal(sandbox.properties.document.getProperty(lastCountKey()), '100');
  sandbox.close();
});

test('an interactive destructive sync asks: "no" sends nothing, "yes" syncs', async () => {
  for (const [answer, result, sent] of [['NO', 'cancelled', 0], ['YES', 'synced', 4]]) {
    await emulator.clearRequests();
    await emulator.setFaults([]);
    const sandbox = pastedSandbox({ alertAnswer: (title) => (title === 'Confirm sync' ? answer : 'OK') });
    sandbox.properties.document.setProperty(lastCountKey(), '100');
    sandbox.call('syncNow');
    assert.equal(sandbox.log.alerts[0].title, 'Confirm sync');
    assert.match(sandbox.log.alerts[0].prompt, /dropping 91%/);
    assert.equal((await steps()).length, sent);
    assert.equal(history(sandbox)[0][5], result);
    sandbox.close();
  }
});

test('emulator faults end in readable history rows, never with the key', async () => {
  const cases = [
    { faults: [{ step: 'sync', kind: 'status', status: 409, times: 20 }], expect: /another sync is already running for this app account/ },
    { faults: [{ step: 'register', kind: 'status', status: 503, times: 20 }], expect: /step 3\/4 \(register file\).*5 times/ },
    { faults: [{ step: 'upload_url', kind: 'drop', times: 20 }], expect: /\[network\]$/ },
    { faults: [{ step: 'register', kind: 'status', status: 429, retryAfter: '1' }], expect: /5 requests, 1 retry\./, result: 'synced' },
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
    assertReadable(row[7], key ?? KEY);
    assert.ok(!sandbox.visibleText().includes(key ?? KEY));
    sandbox.close();
  }
  await emulator.setFaults([]);
});

test('a sync that would outlast Apps Script\'s 6 minutes stops in time and says so', async () => {
  await emulator.setFaults([{ step: 'upload_url', kind: 'drop', times: 20 }]);
  const sandbox = pastedSandbox({ fetchLatencyMs: 60_000 }); // every call times out after a minute
  sandbox.call('syncNow');
  const [row] = history(sandbox);
  assert.equal(row[5], 'failed');
  assert.match(row[7], /Stopped before step 1\/4 \(upload URL\): Apps Script ends a run after 6 minutes/);
  assert.ok(row[6] < 300, `it ended after ${row[6]} s`);
  assert.match(alertText(sandbox), /Torii sync: failed: Stopped before step 1\/4/);
  await emulator.setFaults([]);
  sandbox.close();
});

test('a second sync while one is running is skipped, and recorded', async () => {
  await emulator.clearRequests();
  const sandbox = pastedSandbox();
  assert.equal(sandbox.evaluate('LockService.getDocumentLock().tryLock(0)'), true, 'another execution holds the lock');
  sandbox.call('syncNow');
  assert.deepEqual(await steps(), []);
  assert.equal(history(sandbox)[0][5], 'skipped');
  assert.match(alertText(sandbox), /Another sync of this spreadsheet is running; nothing was sent/);
  sandbox.close();
});

test('a history sheet that cannot be written is said in the dialog', async () => {
  await emulator.setFaults([]);
  const sandbox = pastedSandbox();
  sandbox.call('showHistory');
  sandbox.sheets.get('Sync history').appendRow = () => {
    throw new Error('Exception: You are trying to edit a protected cell or object.');
  };
  sandbox.call('syncNow');
  assert.match(sandbox.log.dialogs.at(-1).html,
    /The &quot;Sync history&quot; sheet could not be written: Unexpected error: Exception: You are trying to edit a protected cell/);
  sandbox.close();
});

test('missing settings or sheets are readable errors', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.call('previewNow');
  assert.match(alertText(sandbox), /There is no "Users" sheet/);
  sandbox.addSheet('Users', [['Name'], ['Ada']]);
  sandbox.call('previewNow');
  assert.match(alertText(sandbox), /no email column: the header row has Name.*\[missing_email_column\]/);
  sandbox.call('syncNow');
  assert.match(alertText(sandbox), /Set the Torii API key and App Account ID first/);
  assert.equal(history(sandbox)[0][5], 'failed');
  sandbox.call('scheduleDailySync');
  assert.match(sandbox.log.alerts.at(-1).prompt, /Set the Torii API key/);
  assert.equal(sandbox.triggers.length, 0);
  assertReadable(alertText(sandbox));
  sandbox.close();
});

test('the daily schedule uses the spreadsheet time zone and can be stopped', () => {
  let typed = '7';
  const sandbox = createSandbox({ distDir, promptAnswer: () => typed });
  sandbox.properties.user.setProperty('TORII_API_KEY', KEY);
  sandbox.properties.user.setProperty('TORII_APP_ACCOUNT_ID', ACCOUNT);
  sandbox.call('scheduleDailySync');
  assert.equal(sandbox.triggers.length, 1);
  const { handler, hour, everyDays, timeZone } = sandbox.triggers[0];
  assert.deepEqual({ handler, hour, everyDays, timeZone }, { handler: 'scheduledSync', hour: 7, everyDays: 1, timeZone: 'Europe/Paris' });
  assert.match(sandbox.log.alerts.at(-1).prompt, /every day between 7:00 and 8:00 \(Europe\/Paris\)/);
  typed = '23';
  sandbox.call('scheduleDailySync');
  assert.equal(sandbox.triggers.length, 1, 'rescheduling replaces the trigger');
  assert.equal(sandbox.triggers[0].hour, 23);
  typed = '24';
  sandbox.call('scheduleDailySync');
  assert.match(sandbox.log.alerts.at(-1).prompt, /Enter a whole hour from 0 to 23/);
  typed = null;
  sandbox.call('scheduleDailySync');
  assert.equal(sandbox.triggers[0].hour, 23, 'Cancel changes nothing');
  sandbox.call('stopSchedule');
  assert.equal(sandbox.triggers.length, 0);
  sandbox.call('stopSchedule');
  assert.match(sandbox.log.alerts.at(-1).prompt, /no daily sync scheduled/);
  sandbox.close();
});

test('Sync history opens the history sheet, with its header', () => {
  const sandbox = createSandbox({ distDir });
  sandbox.call('showHistory');
  const sheet = sandbox.sheets.get('Sync history');
  assert.ok(sheet.activated);
  assert.deepEqual(sheet.values, [['Started at', 'Trigger', 'Users', 'Licenses', 'File id', 'Result', 'Duration (s)', 'Message']]);
  sandbox.close();
});
