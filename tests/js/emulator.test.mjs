// The Torii emulator on its own: the behaviour the sync tests rely on
// (auth, presigned uploads, validation, faults, CORS, control API), checked
// with plain fetch so a fault in the emulator cannot hide behind the core.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, validateFile } from '../../js/emulator.mjs';

const KEY = 'emulator-test-key';
const auth = { authorization: `Bearer ${KEY}` };
const FILE = JSON.stringify({ users: [{ email: 'ada@example.com', status: 'active' }] });
let emu;

before(async () => { emu = await startEmulator({ apiKey: KEY, appAccountIds: ['7'], uploadTtlMs: 200 }); });
after(() => emu.close());
beforeEach(() => { emu.clearFaults(); emu.setCors(true); emu.requests.length = 0; });

async function uploadParams() {
  const r = await fetch(`${emu.baseUrl}/files/url?name=f.json&type=customIntegrationData`, { headers: auth });
  assert.equal(r.status, 200);
  return (await r.json()).uploadFileParameters;
}

const put = (url, headers, body = FILE) => fetch(url, { method: 'PUT', headers, body });
const post = (path, body) => fetch(`${emu.baseUrl}${path}`, {
  method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
});

test('binds 127.0.0.1 and walks the four steps', async () => {
  assert.match(emu.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
  const { url, filePath } = await uploadParams();
  assert.equal((await put(url, { 'content-type': 'customIntegrationData' })).status, 200);
  const { id } = await (await post('/files', { path: filePath, type: 'customIntegrationData' })).json();
  assert.deepEqual(emu.files.get(id), JSON.parse(FILE));
  const sync = await fetch(`${emu.baseUrl}/services/sync/custom`, {
    method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ idFile: id, idAppAccount: 7 }),
  });
  assert.equal(sync.status, 200);
  assert.deepEqual(emu.syncs.at(-1), { idFile: id, idAppAccount: 7 });
  assert.deepEqual(emu.requests.map((r) => `${r.method} ${r.step} ${r.status}`),
    ['GET upload_url 200', 'PUT upload 200', 'POST register 200', 'PUT sync 200']);
});

test('a wrong key is 401 and the message does not echo it', async () => {
  const r = await fetch(`${emu.baseUrl}/files/url?name=f&type=customIntegrationData`, { headers: { authorization: 'Bearer nope-key' } });
  assert.equal(r.status, 401);
  const body = await r.json();
  assert.equal(body.statusCode, 401);
  assert.ok(!JSON.stringify(body).includes('nope-key'));
});

test('the presigned upload refuses Authorization, a wrong type, and expiry', async () => {
  const { url } = await uploadParams();
  const withAuth = await put(url, { ...auth, 'content-type': 'customIntegrationData' });
  assert.equal(withAuth.status, 400);
  assert.match(await withAuth.text(), /Only one auth mechanism/);
  assert.equal((await put(url, { 'content-type': 'application/json' })).status, 403);
  await new Promise((r) => setTimeout(r, 250));
  const late = await put(url, { 'content-type': 'customIntegrationData' });
  assert.equal(late.status, 403);
  assert.match(await late.text(), /Request has expired/);
});

test('a file that breaks the documented format is refused with its path', async () => {
  const { url, filePath } = await uploadParams();
  const bad = JSON.stringify({ users: [{ email: 'a@b.co', status: 'sleeping' }] });
  await put(url, { 'content-type': 'customIntegrationData' }, bad);
  const r = await post('/files', { path: filePath, type: 'customIntegrationData' });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).message, 'users[0].status must be "active" or "deleted"');
  assert.equal(validateFile({ users: [] }), 'users must be a non-empty array');
  assert.equal(validateFile({ users: [{ email: 'a@b.co', firstName: '' }] }), 'users[0].firstName must not be empty or null');
  assert.equal(validateFile({ users: [{ email: 'a@b.co' }], extra: 1 }), 'unknown top-level key "extra"');
  assert.equal(validateFile({ users: [{ email: 'a@b.co', lastUsedDate: 'Invalid Date' }] }), 'users[0].lastUsedDate must be a YYYY-MM-DD date');
  assert.match(validateFile({ users: [{ email: 'a@b.co' }], licenses: [{ name: 'S', pricePerUser: -1 }] }), /pricePerUser/);
  assert.equal(validateFile(JSON.parse(FILE)), undefined);
});

test('direct multipart upload returns an id', async () => {
  const form = new FormData();
  form.set('type', 'customIntegrationData');
  form.set('file', new Blob([FILE], { type: 'application/json' }), 'f.json');
  const r = await fetch(`${emu.baseUrl}/files/upload`, { method: 'POST', headers: auth, body: form });
  assert.equal(r.status, 200);
  assert.deepEqual(emu.files.get((await r.json()).id), JSON.parse(FILE));
});

test('an unknown app account is 404', async () => {
  const r = await fetch(`${emu.baseUrl}/services/sync/custom`, {
    method: 'PUT', headers: auth, body: JSON.stringify({ idFile: 1, idAppAccount: 8 }),
  });
  assert.ok([400, 404].includes(r.status));
});

test('faults: status with Retry-After, counted down', async () => {
  emu.setFaults([{ step: 'upload_url', kind: 'status', status: 429, retryAfter: '7', times: 2 }]);
  const target = `${emu.baseUrl}/files/url?name=f&type=customIntegrationData`;
  for (let i = 0; i < 2; i++) {
    const r = await fetch(target, { headers: auth });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
  }
  assert.equal((await fetch(target, { headers: auth })).status, 200);
});

test('faults: drop, slow and expire', async () => {
  emu.setFaults([
    { step: 'upload_url', kind: 'drop' },
    { step: 'register', kind: 'slow', delayMs: 150 },
    { step: 'upload', kind: 'expire' },
  ]);
  const target = `${emu.baseUrl}/files/url?name=f&type=customIntegrationData`;
  await assert.rejects(fetch(target, { headers: auth }));
  const { url } = await uploadParams();
  assert.equal((await put(url, { 'content-type': 'customIntegrationData' })).status, 403);
  const started = Date.now();
  await post('/files', { path: 'x', type: 'customIntegrationData' });
  assert.ok(Date.now() - started >= 140);
  assert.equal(emu.requests[0].status, 0, 'a dropped request is recorded with status 0');
});

test('CORS can be switched off, and the control API works over HTTP', async () => {
  const origin = emu.baseUrl.replace('/v1.0', '');
  const target = `${emu.baseUrl}/files/url?name=f&type=customIntegrationData`;
  assert.equal((await fetch(target, { headers: auth })).headers.get('access-control-allow-origin'), '*');
  await fetch(`${origin}/__emulator/config`, { method: 'POST', body: JSON.stringify({ cors: false }) });
  assert.equal((await fetch(target, { headers: auth })).headers.get('access-control-allow-origin'), null);
  await fetch(`${origin}/__emulator/faults`, { method: 'POST', body: JSON.stringify([{ step: 'sync', kind: 'status', status: 503 }]) });
  const sync = await fetch(`${emu.baseUrl}/services/sync/custom`, { method: 'PUT', headers: auth, body: '{}' });
  assert.equal(sync.status, 503);
  const recorded = await (await fetch(`${origin}/__emulator/requests`)).json();
  assert.deepEqual(recorded.map((r) => r.step), ['upload_url', 'upload_url', 'sync']);
  await fetch(`${origin}/__emulator/requests`, { method: 'DELETE' });
  assert.equal(emu.requests.length, 0);
  assert.equal(typeof (await (await fetch(`${origin}/__emulator/files`)).json()), 'object');
});
