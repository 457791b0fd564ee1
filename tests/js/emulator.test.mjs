// The Torii emulator on its own: the behaviour the sync, browser and Apps
// Script tests rely on (binding, auth, presigned uploads, validation, faults,
// CORS, control API, request records), checked with plain fetch so a fault in
// the emulator cannot hide behind the core.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { startEmulator, validateFile } from '../../js/emulator.mjs';

const KEY = 'emulator-test-key-Qx7';
const ACCOUNT = '7';
const TYPE = 'customIntegrationData';
const auth = { authorization: `Bearer ${KEY}` };
const FILE = { users: [{ email: 'ada@example.com', status: 'active' }] };
const FILE_TEXT = JSON.stringify(FILE);
const logLines = [];
let emu;
let origin;

before(async () => {
  emu = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT], log: (line) => logLines.push(line) });
  origin = emu.baseUrl.replace(/\/v1\.0$/, '');
});
after(() => emu.close());
beforeEach(() => {
  emu.clearFaults();
  emu.setCors(true);
  emu.requests.length = 0;
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Step 1 against any emulator; returns the raw response. */
const getUploadUrl = (target = emu, key = KEY, query = `name=f.json&type=${TYPE}`) =>
  fetch(`${target.baseUrl}/files/url?${query}`, { headers: { authorization: `Bearer ${key}` } });

async function uploadParams(target = emu, key = KEY) {
  const r = await getUploadUrl(target, key);
  assert.equal(r.status, 200);
  return (await r.json()).uploadFileParameters;
}

const put = (url, headers, body = FILE_TEXT) => fetch(url, { method: 'PUT', headers, body });
const upload = (url, body) => put(url, { 'content-type': TYPE }, body);

const api = (method, path, body, target = emu, key = KEY) => fetch(`${target.baseUrl}${path}`, {
  method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const register = (filePath, target) => api('POST', '/files', { path: filePath, type: TYPE }, target);
const startSync = (idFile, idAppAccount = ACCOUNT, target) =>
  api('PUT', '/services/sync/custom', { idFile, idAppAccount }, target);

/** Uploads and registers `body`; returns the register response. */
async function uploadAndRegister(body, target = emu) {
  const { url, filePath } = await uploadParams(target);
  assert.equal((await upload(url, body)).status, 200);
  return register(filePath, target);
}

function directUpload(fileText, { type = TYPE, key = KEY } = {}) {
  const form = new FormData();
  form.set('type', type);
  form.set('file', new Blob([fileText], { type: 'application/json' }), 'f.json');
  return fetch(`${emu.baseUrl}/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
}

const control = (method, path, body) =>
  fetch(`${origin}/__emulator/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });

const steps = () => emu.requests.map((r) => `${r.method} ${r.step} ${r.status}`);

/** Resolves with the connect error, or undefined if the connection was accepted. */
const tryConnect = (host, port) => new Promise((resolve) => {
  const socket = connect({ host, port });
  socket.once('connect', () => { socket.destroy(); resolve(undefined); });
  socket.once('error', resolve);
});

const CLIENT_TIMEOUT_MS = 300;

/**
 * One request per step, each answered 200 while no fault is set; every call
 * takes an optional AbortSignal. Uploads and registers a file first.
 */
async function stepCalls(target = emu) {
  const { url, filePath } = await uploadParams(target);
  assert.equal((await upload(url)).status, 200);
  const { id } = await (await register(filePath, target)).json();
  const json = (method, path, body) => (signal) => fetch(`${target.baseUrl}${path}`, {
    method, signal, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return {
    upload_url: (signal) => fetch(`${target.baseUrl}/files/url?name=f.json&type=${TYPE}`, { headers: auth, signal }),
    upload: (signal) => fetch(url, { method: 'PUT', headers: { 'content-type': TYPE }, body: FILE_TEXT, signal }),
    register: json('POST', '/files', { path: filePath, type: TYPE }),
    sync: json('PUT', '/services/sync/custom', { idFile: id, idAppAccount: ACCOUNT }),
  };
}

/** Asserts that the client's own timeout ended `promise`: no answer came, and the emulator did not cut it. */
const timesOut = (promise) => assert.rejects(promise, (error) => {
  assert.ok(['TimeoutError', 'AbortError'].includes(error.name), `${error.name}: ${error.message}`);
  return true;
});

/** Reads a body until it ends or fails: the text that came, and the error if it failed. */
async function readAll(response) {
  const reader = response.body.getReader();
  const chunks = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: Buffer.concat(chunks).toString('utf8') };
      chunks.push(value);
    }
  } catch (error) {
    return { text: Buffer.concat(chunks).toString('utf8'), error };
  }
}

/** Waits up to 1 s for `target.inFlight()` to reach `count`, then asserts it. */
async function inFlightReaches(target, count) {
  for (const deadline = Date.now() + 1000; target.inFlight() !== count && Date.now() < deadline;) await sleep(5);
  assert.equal(target.inFlight(), count);
}

test('binds 127.0.0.1 only, on an ephemeral port', async () => {
  assert.ok(emu.port > 0);
  assert.equal(emu.baseUrl, `http://127.0.0.1:${emu.port}/v1.0`);
  assert.equal(await tryConnect('127.0.0.1', emu.port), undefined);
  const otherAddresses = Object.values(networkInterfaces()).flat()
    .filter((a) => !a.internal && a.family === 'IPv4').map((a) => a.address);
  for (const host of ['::1', ...otherAddresses]) {
    assert.ok(await tryConnect(host, emu.port), `reachable on ${host}`);
  }
});

test('the four steps: upload URL, presigned PUT, register, sync', async () => {
  const { url, filePath } = await uploadParams();
  assert.match(url, new RegExp(`^${origin}/s3/upload/[^?]+\\?.*X-Amz-Expires=300.*X-Amz-Signature=`));
  assert.match(filePath, /^uploads\/[^/]+\/f\.json$/);
  const put = await upload(url);
  assert.equal(put.status, 200);
  assert.equal(await put.text(), '');
  const registered = await register(filePath);
  assert.equal(registered.status, 200);
  const { id } = await registered.json();
  assert.equal(typeof id, 'number');
  assert.deepEqual(emu.files.get(id), FILE);
  const synced = await startSync(id, 7);
  assert.equal(synced.status, 200);
  assert.deepEqual(await synced.json(), { success: true });
  assert.deepEqual(emu.syncs.at(-1), { idFile: id, idAppAccount: 7 });
  assert.deepEqual(steps(), ['GET upload_url 200', 'PUT upload 200', 'POST register 200', 'PUT sync 200']);
});

test('each request is recorded with method, path, step, lower-case headers, body, status and time', async () => {
  const before = Date.now();
  const { url } = await uploadParams();
  await put(url, { 'Content-Type': TYPE, 'X-Custom': 'yes' }, 'body text ✓');
  const [first, second] = emu.requests;
  assert.equal(first.method, 'GET');
  assert.equal(first.path, `/v1.0/files/url?name=f.json&type=${TYPE}`);
  assert.equal(first.headers.authorization, `Bearer ${KEY}`);
  assert.equal(first.body, '');
  assert.equal(second.step, 'upload');
  assert.equal(second.path, new URL(url).pathname + new URL(url).search);
  assert.equal(second.headers['content-type'], TYPE);
  assert.equal(second.headers['x-custom'], 'yes');
  assert.equal(second.body, 'body text ✓');
  assert.equal(second.status, 200);
  assert.ok(second.at >= before && second.at <= Date.now());
});

test('direct multipart upload returns an id that can be synced', async () => {
  const r = await directUpload(FILE_TEXT);
  assert.equal(r.status, 200);
  const { id } = await r.json();
  assert.deepEqual(emu.files.get(id), FILE);
  assert.equal((await startSync(id)).status, 200);
  assert.deepEqual(steps(), ['POST direct_upload 200', 'PUT sync 200']);
});

test('direct upload takes the core\'s hand-written multipart body, with a quoted boundary', async () => {
  const boundary = '----stripe-torii-sync-00000001';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n${TYPE}\r\n`
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.json"\r\n`
    + `Content-Type: application/json\r\n\r\n${JSON.stringify({ users: [{ email: 'zoë@example.com' }] })}\r\n--${boundary}--\r\n`;
  const r = await fetch(`${emu.baseUrl}/files/upload`, {
    method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary="${boundary}"` }, body,
  });
  assert.equal(r.status, 200);
  assert.equal(emu.files.get((await r.json()).id).users[0].email, 'zoë@example.com');
});

test('direct upload refuses a wrong type, a non-multipart body, a cut-short body and a file over 3 MB', async () => {
  const wrongType = await directUpload(FILE_TEXT, { type: 'other' });
  assert.equal(wrongType.status, 400);
  assert.match((await wrongType.json()).message, /type/);
  const json = await api('POST', '/files/upload', FILE);
  assert.equal(json.status, 400);
  assert.match((await json.json()).message, /multipart/);
  const cut = await fetch(`${emu.baseUrl}/files/upload`, {
    method: 'POST', headers: { ...auth, 'content-type': 'multipart/form-data; boundary=xyz' },
    body: `--xyz\r\nContent-Disposition: form-data; name="type"\r\n\r\n${TYPE}\r\n--xyz\r\nContent-Disposition: form-data; name="file"`,
  });
  assert.equal(cut.status, 400);
  const big = JSON.stringify({ users: [{ email: 'a@b.co', externalStatus: 'x'.repeat(3 * 1024 * 1024) }] });
  const tooBig = await directUpload(big);
  assert.equal(tooBig.status, 413);
  assert.equal((await tooBig.json()).statusCode, 413);
  const badFile = await directUpload(JSON.stringify({ users: [{ email: 'nobody' }] }));
  assert.equal(badFile.status, 400);
  assert.equal((await badFile.json()).message, 'users[0].email must be an email address');
});

test('a wrong or missing key is 401 on every Torii endpoint, and the message never echoes it', async () => {
  const wrong = 'nope-key-3141';
  const attempts = [
    () => getUploadUrl(emu, wrong),
    () => fetch(`${emu.baseUrl}/files/url?name=f&type=${TYPE}`),
    () => api('POST', '/files', { path: 'x', type: TYPE }, emu, wrong),
    () => api('PUT', '/services/sync/custom', { idFile: 1, idAppAccount: ACCOUNT }, emu, wrong),
    () => directUpload(FILE_TEXT, { key: wrong }),
    () => api('GET', '/no/such/route', undefined, emu, wrong),
  ];
  for (const attempt of attempts) {
    const r = await attempt();
    assert.equal(r.status, 401);
    const text = await r.text();
    const body = JSON.parse(text);
    assert.equal(body.statusCode, 401);
    assert.equal(body.error, 'Unauthorized');
    assert.equal(typeof body.message, 'string');
    assert.ok(!text.includes(wrong) && !text.includes(KEY));
  }
  assert.deepEqual(emu.syncs.filter((s) => s.idFile === 1), []);
});

test('unknown routes are 404 JSON', async () => {
  const r = await api('GET', '/no/such/route');
  assert.equal(r.status, 404);
  assert.equal((await r.json()).statusCode, 404);
  assert.equal((await fetch(`${origin}/favicon.ico`)).status, 404);
  assert.deepEqual(emu.requests.map((q) => q.step), ['unknown', 'unknown']);
});

test('the upload URL needs a name and the customIntegrationData type', async () => {
  for (const query of [`type=${TYPE}`, 'name=f.json', 'name=f.json&type=other']) {
    const r = await getUploadUrl(emu, KEY, query);
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.statusCode, 400);
    assert.match(body.message, /name|type/);
  }
});

test('the presigned upload refuses Authorization, a wrong content type, an unknown token and a bad signature', async () => {
  const { url } = await uploadParams();
  const withAuth = await put(url, { ...auth, 'content-type': TYPE });
  assert.equal(withAuth.status, 400);
  assert.equal(withAuth.headers.get('content-type'), 'application/xml');
  assert.match(await withAuth.text(), /<Code>InvalidArgument<\/Code><Message>Only one auth mechanism allowed/);
  const wrongType = await put(url, { 'content-type': 'application/json' });
  assert.equal(wrongType.status, 403);
  assert.match(await wrongType.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  const unknown = await upload(url.replace(/upload\/[^?]+/, 'upload/not-a-token'));
  assert.equal(unknown.status, 403);
  assert.match(await unknown.text(), /AccessDenied/);
  const tampered = await upload(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00'));
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  assert.deepEqual(steps().slice(1), ['PUT upload 400', 'PUT upload 403', 'PUT upload 403', 'PUT upload 403']);
  assert.equal((await upload(url)).status, 200, 'the URL still works after refused attempts');
});

test('the presigned upload refuses a streamed body as S3 does: chunked is not implemented, a length is required', async () => {
  const { url } = await uploadParams();
  const stream = () => new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(FILE_TEXT)); c.close(); } });
  const chunked = await fetch(url, { method: 'PUT', headers: { 'content-type': TYPE }, body: stream(), duplex: 'half' });
  assert.equal(chunked.status, 501);
  assert.match(await chunked.text(), /<Code>NotImplemented<\/Code><Message>A header you provided implies functionality that is not implemented<\/Message><Header>Transfer-Encoding<\/Header>/);
  const { port, pathname, search } = new URL(url);
  const bare = await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname + search, method: 'PUT', headers: { 'content-type': TYPE } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.removeHeader('transfer-encoding');
    req.useChunkedEncodingByDefault = false; // neither Content-Length nor Transfer-Encoding
    req.end();
  });
  assert.equal(bare, 411);
  assert.deepEqual(steps().slice(1), ['PUT upload 501', 'PUT upload 411']);
  assert.equal((await upload(url)).status, 200, 'a body with its length is taken');
});

test('a presigned URL expires after uploadTtlMs', async () => {
  const shortLived = await startEmulator({ apiKey: KEY, uploadTtlMs: 1 });
  try {
    const { url } = await uploadParams(shortLived);
    await sleep(20);
    const late = await upload(url);
    assert.equal(late.status, 403);
    assert.match(await late.text(), /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
  } finally {
    await shortLived.close();
  }
});

test('register refuses an unknown path, a wrong type, a non-JSON file and a file that breaks the format', async () => {
  const unknown = await register('uploads/nothing/here.json');
  assert.equal(unknown.status, 400);
  assert.match((await unknown.json()).message, /uploads\/nothing\/here\.json/);
  const { url, filePath } = await uploadParams();
  await upload(url);
  const wrongType = await api('POST', '/files', { path: filePath, type: 'other' });
  assert.equal(wrongType.status, 400);
  const notJson = await uploadAndRegister('{"users": [');
  assert.equal(notJson.status, 400);
  assert.equal((await notJson.json()).message, 'the file is not valid JSON');
  const bad = await uploadAndRegister(JSON.stringify({ users: [{ email: 'a@b.co', status: 'sleeping' }] }));
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), {
    statusCode: 400, error: 'Bad Request', message: 'users[0].status must be "active" or "deleted"',
  });
  assert.equal(emu.files.size, [...emu.files.values()].length);
});

test('validateFile follows the documented format and names the first bad path', () => {
  const user = { email: 'a@b.co' };
  const cases = [
    [[], 'the file must be an object'],
    [{}, 'users is required'],
    [{ users: [] }, 'users must be a non-empty array'],
    [{ users: [user], extra: 1 }, 'the file has an unknown field "extra"'],
    [{ users: [{}] }, 'users[0].email is required'],
    [{ users: [{ email: 'no-at-sign' }] }, 'users[0].email must be an email address'],
    [{ users: [user, { email: 'b@b.co', firstName: '' }] }, 'users[1].firstName must not be empty or null'],
    [{ users: [{ ...user, lastName: null }] }, 'users[0].lastName must not be empty or null'],
    [{ users: [{ ...user, id: 5 }] }, 'users[0].id must be a string'],
    [{ users: [{ ...user, nickname: 'x' }] }, 'users[0] has an unknown field "nickname"'],
    [{ users: [{ ...user, status: 'Active' }] }, 'users[0].status must be "active" or "deleted"'],
    [{ users: [{ ...user, roles: 'Admin' }] }, 'users[0].roles must be an array'],
    [{ users: [{ ...user, roles: ['Admin', 3] }] }, 'users[0].roles[1] must be a string'],
    [{ users: [{ ...user, roles: [''] }] }, 'users[0].roles[0] must not be empty or null'],
    [{ users: [{ ...user, lastUsedDate: 'Invalid Date' }] }, 'users[0].lastUsedDate must be a YYYY-MM-DD date'],
    [{ users: [{ ...user, lastUsedDate: '2024-02-30' }] }, 'users[0].lastUsedDate must be a YYYY-MM-DD date'],
    [{ users: [{ ...user, lastUsedDate: '03/04/2024' }] }, 'users[0].lastUsedDate must be a YYYY-MM-DD date'],
    [{ users: [user], licenses: {} }, 'licenses must be an array'],
    [{ users: [user], licenses: [{ pricePerUser: 1 }] }, 'licenses[0].name is required'],
    [{ users: [user], licenses: [{ name: 'S', pricePerUser: -1 }] }, 'licenses[0].pricePerUser must be a non-negative number'],
    [{ users: [user], licenses: [{ name: 'S', unassignedAmount: '3' }] }, 'licenses[0].unassignedAmount must be a non-negative number'],
    [{ users: [user], licenses: [{ name: 'S', seats: 3 }] }, 'licenses[0] has an unknown field "seats"'],
    [{ users: [user], licenses: [{ name: 'S', users: [{ email: 'a@b.co', licenseStatus: 'gone' }] }] },
      'licenses[0].users[0].licenseStatus must be "active", "inactive" or "deleted"'],
    [{ users: [user], licenses: [{ name: 'S', users: [{ licenseStatus: 'active' }] }] }, 'licenses[0].users[0].email is required'],
    [{ users: [user], licenses: [{ name: 'S', users: [null] }] }, 'licenses[0].users[0] must not be empty or null'],
  ];
  for (const [file, message] of cases) assert.equal(validateFile(file), message, JSON.stringify(file));

  const full = {
    users: [
      { email: 'a@b.co', id: 'u1', firstName: 'Ada', lastName: 'L', status: 'active', externalStatus: 'Active',
        roles: ['Administrator', 'Developer'], lastUsedDate: '2024-02-29' },
      { email: 'c@d.co', status: 'deleted', lastUsedDate: '2024-03-01T10:20:30.000Z' },
    ],
    licenses: [{ name: 'Stripe', pricePerUser: 0, unassignedAmount: 2,
      users: [{ email: 'a@b.co', licenseStatus: 'active' }, { email: 'c@d.co' }] }],
  };
  assert.equal(validateFile(full), undefined);
  assert.equal(validateFile(FILE), undefined);
});

test('with syncMs, a sync runs that long, and another sync of the same app account meanwhile gets 409', async () => {
  // Long enough that the three requests below, on a busy machine, all
  // land while the first sync runs.
  const busy = await startEmulator({ apiKey: KEY, syncMs: 1500 });
  try {
    const id = (await (await uploadAndRegister(FILE_TEXT, busy)).json()).id;
    assert.equal((await startSync(id, ACCOUNT, busy)).status, 200);
    const again = await startSync(id, ACCOUNT, busy);
    assert.equal(again.status, 409);
    assert.deepEqual(await again.json(),
      { statusCode: 409, error: 'Conflict', message: 'A sync is already in progress for this app account' });
    assert.equal((await startSync(id, 'another', busy)).status, 200, 'another app account is not held up');
    await sleep(1550);
    assert.equal((await startSync(id, ACCOUNT, busy)).status, 200, 'once the sync has run');
    assert.equal(busy.syncs.length, 3, 'a refused sync is not a sync');
  } finally {
    await busy.close();
  }
});

test('sync refuses an unknown file and an unknown app account, and compares accounts as strings', async () => {
  const unknownFile = await startSync(999_999);
  assert.equal(unknownFile.status, 400);
  assert.match((await unknownFile.json()).message, /999999/);
  const { id } = await (await uploadAndRegister(FILE_TEXT)).json();
  const wrongAccount = await startSync(id, 8);
  assert.equal(wrongAccount.status, 404);
  assert.deepEqual(await wrongAccount.json(), { statusCode: 404, error: 'Not Found', message: 'app account 8 not found' });
  assert.equal((await startSync(String(id), '7')).status, 200);
  assert.equal((await api('PUT', '/services/sync/custom', { idFile: id })).status, 400);

  const anyAccount = await startEmulator({ apiKey: KEY });
  try {
    const { id: other } = await (await uploadAndRegister(FILE_TEXT, anyAccount)).json();
    assert.equal((await startSync(other, 'whatever-123', anyAccount)).status, 200);
    assert.deepEqual(anyAccount.syncs, [{ idFile: other, idAppAccount: 'whatever-123' }]);
  } finally {
    await anyAccount.close();
  }
});

test('fault "status": 429 carries Retry-After, times counts down, then normal answers resume', async () => {
  emu.setFaults([{ step: 'upload_url', kind: 'status', status: 429, retryAfter: '7', times: 2 }]);
  for (let i = 0; i < 2; i++) {
    const r = await getUploadUrl();
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.deepEqual(await r.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Too Many Requests' });
  }
  assert.equal((await getUploadUrl()).status, 200);
  emu.setFaults([{ step: 'register', kind: 'status', status: 429 }]);
  const defaulted = await register('x');
  assert.equal(defaulted.headers.get('retry-after'), '1');
  assert.deepEqual(steps(), ['GET upload_url 429', 'GET upload_url 429', 'GET upload_url 200', 'POST register 429']);
});

test('fault "status": 409 on sync says a sync is in progress; on upload it is S3 XML; message overrides', async () => {
  emu.setFaults([
    { step: 'sync', kind: 'status', status: 409 },
    { step: 'upload', kind: 'status', status: 503 },
    { step: 'register', kind: 'status', status: 500, message: 'boom' },
  ]);
  const conflict = await startSync(1);
  assert.equal(conflict.status, 409);
  assert.match((await conflict.json()).message, /sync is already in progress/);
  assert.equal(conflict.headers.get('retry-after'), null);
  const { url } = await uploadParams();
  const s3 = await upload(url);
  assert.equal(s3.status, 503);
  assert.match(await s3.text(), /^<\?xml.*<Error><Code>SlowDown<\/Code>/s);
  assert.equal((await (await register('x')).json()).message, 'boom');
});

test('faults are consumed first-match-first and only by their step', async () => {
  emu.setFaults([
    { step: 'register', kind: 'status', status: 502 },
    { step: 'register', kind: 'status', status: 504 },
  ]);
  assert.equal((await getUploadUrl()).status, 200);
  assert.equal((await register('x')).status, 502);
  assert.equal((await register('x')).status, 504);
  assert.equal((await register('x')).status, 400);
});

test('fault "drop": fetch rejects and the request is recorded with status 0', async () => {
  emu.setFaults([{ step: 'upload_url', kind: 'drop' }]);
  await assert.rejects(getUploadUrl());
  assert.equal(emu.requests.length, 1);
  assert.equal(emu.requests[0].status, 0);
  assert.equal((await getUploadUrl()).status, 200);
});

test('fault "slow": the answer comes after delayMs and is otherwise normal', async () => {
  // A delay far above a loopback round trip, so a busy machine cannot
  // make the second, undelayed answer look delayed.
  emu.setFaults([{ step: 'register', kind: 'slow', delayMs: 1500 }]);
  const started = Date.now();
  const r = await uploadAndRegister(FILE_TEXT);
  assert.ok(Date.now() - started >= 1495);
  assert.equal(r.status, 200);
  const started2 = Date.now();
  await uploadAndRegister(FILE_TEXT);
  assert.ok(Date.now() - started2 < 1000, 'the fault hit once only');
});

test('fault "expire": on upload the PUT is refused as expired; on upload_url the URL is born expired', async () => {
  emu.setFaults([{ step: 'upload_url', kind: 'expire' }]);
  const expiredUrl = (await uploadParams()).url;
  assert.match(expiredUrl, /X-Amz-Expires=0/);
  const late = await upload(expiredUrl);
  assert.equal(late.status, 403);
  assert.match(await late.text(), /Request has expired/);
  emu.setFaults([{ step: 'upload', kind: 'expire' }]);
  const { url } = await uploadParams();
  const refused = await upload(url);
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /Request has expired/);
  assert.equal((await upload(url)).status, 200, 'the fault hit once only');
});

test('setFaults checks its input and does not change the caller\'s objects', () => {
  const fault = { step: 'sync', kind: 'status', status: 503 };
  emu.setFaults([fault]);
  assert.deepEqual(fault, { step: 'sync', kind: 'status', status: 503 });
  for (const bad of [
    {}, [{ step: 'nope', kind: 'drop' }], [{ step: 'sync', kind: 'explode' }], [{ step: 'sync', kind: 'drop', times: 0 }],
    [{ step: 'sync', kind: 'status', status: 200 }], [{ step: 'register', kind: 'expire' }],
  ]) {
    assert.throws(() => emu.setFaults(bad), TypeError, JSON.stringify(bad));
  }
});

test('CORS on: preflight 204 with the allowed methods and headers; every answer allows any origin', async () => {
  const preflight = await fetch(`${emu.baseUrl}/files`, {
    method: 'OPTIONS', headers: { origin: 'http://page.test', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, PUT, OPTIONS');
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-API-Version');
  const { url } = await uploadParams();
  const answers = [await upload(url), await getUploadUrl(emu, 'wrong'), await api('GET', '/nowhere')];
  for (const r of answers) assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.ok(!emu.requests.some((r) => r.method === 'OPTIONS'), 'OPTIONS is not recorded');
});

test('CORS off: no CORS header at all, on answers and preflights; the control API keeps CORS', async () => {
  emu.setCors(false);
  const { url } = await uploadParams();
  const answers = [
    await getUploadUrl(),
    await upload(url),
    await fetch(`${emu.baseUrl}/files`, { method: 'OPTIONS' }),
  ];
  for (const r of answers) {
    assert.deepEqual([...r.headers.keys()].filter((name) => name.startsWith('access-control-')), []);
  }
  assert.equal((await control('GET', 'requests')).headers.get('access-control-allow-origin'), '*');
  const off = await startEmulator({ apiKey: KEY, cors: false });
  try {
    assert.equal((await getUploadUrl(off)).headers.get('access-control-allow-origin'), null);
  } finally {
    await off.close();
  }
});

test('control API: faults, requests, files and config over HTTP; none of it recorded', async () => {
  const preflight = await fetch(`${origin}/__emulator/faults`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-methods'), /DELETE/);

  assert.equal((await control('POST', 'faults', [{ step: 'sync', kind: 'status', status: 503 }])).status, 200);
  assert.equal((await startSync(1)).status, 503);
  assert.equal((await control('POST', 'faults', [{ step: 'sync', kind: 'status', status: 503, times: 5 }])).status, 200);
  assert.equal((await control('DELETE', 'faults')).status, 200);
  assert.equal((await startSync(1)).status, 400, 'faults cleared');
  const invalid = await control('POST', 'faults', { step: 'sync' });
  assert.equal(invalid.status, 400);
  assert.match((await invalid.json()).message, /array/);

  const recorded = await (await control('GET', 'requests')).json();
  assert.deepEqual(recorded.map((r) => `${r.step} ${r.status}`), ['sync 503', 'sync 400']);
  assert.equal(recorded[0].headers.authorization, `Bearer ${KEY}`);
  const requests = emu.requests;
  await control('DELETE', 'requests');
  assert.equal(emu.requests, requests, 'the same array, emptied in place');
  assert.equal(emu.requests.length, 0);

  const { id } = await (await uploadAndRegister(FILE_TEXT)).json();
  assert.deepEqual((await (await control('GET', 'files')).json())[id], FILE);

  assert.deepEqual(await (await control('POST', 'config', { cors: false })).json(), { cors: false });
  assert.equal((await getUploadUrl()).headers.get('access-control-allow-origin'), null);
  await control('POST', 'config', { cors: true });
  assert.equal((await getUploadUrl()).headers.get('access-control-allow-origin'), '*');
  assert.equal((await control('POST', 'config', { cors: 'no' })).status, 400);
  assert.equal((await control('GET', 'nothing')).status, 404);

  assert.ok(emu.requests.every((r) => !r.path.startsWith('/__emulator/')));
  assert.deepEqual(emu.requests.map((r) => r.step), ['upload_url', 'upload', 'register', 'upload_url', 'upload_url']);
});

test('the log option gets one line per answered request, without the key', async () => {
  logLines.length = 0;
  emu.setFaults([{ step: 'register', kind: 'drop' }]);
  await getUploadUrl();
  await assert.rejects(register('x'));
  assert.deepEqual(logLines, ['GET /v1.0/files/url upload_url -> 200', 'POST /v1.0/files register -> dropped']);
  assert.ok(!logLines.join('\n').includes(KEY));
});

test('close() resolves while a slow answer is pending, and the port stops answering', async () => {
  const doomed = await startEmulator({ apiKey: KEY });
  doomed.setFaults([{ step: 'upload_url', kind: 'slow', delayMs: 60_000 }]);
  const pending = getUploadUrl(doomed).catch((e) => e);
  await sleep(30);
  const started = Date.now();
  await doomed.close();
  assert.ok(Date.now() - started < 1000);
  assert.ok((await pending) instanceof Error);
  await assert.rejects(getUploadUrl(doomed));
});

test('fault "silent": on every step the request is read and recorded, never answered, and the client times out', async () => {
  const calls = await stepCalls();
  emu.requests.length = 0;
  logLines.length = 0;
  for (const step of ['upload_url', 'upload', 'register', 'sync']) {
    emu.setFaults([{ step, kind: 'silent' }]);
    await timesOut(calls[step](AbortSignal.timeout(CLIENT_TIMEOUT_MS)));
    const silent = emu.requests.at(-1);
    assert.equal(silent.step, step);
    assert.equal(silent.status, 0);
    assert.equal((await calls[step]()).status, 200, `${step}: the fault hit once only`);
  }
  assert.equal(emu.requests[2].body, FILE_TEXT, 'the upload was read in full');
  assert.match(emu.requests[4].body, /"path":"uploads\//);
  assert.deepEqual(steps(), [
    'GET upload_url 0', 'GET upload_url 200', 'PUT upload 0', 'PUT upload 200',
    'POST register 0', 'POST register 200', 'PUT sync 0', 'PUT sync 200',
  ]);
  assert.equal(logLines[0], 'GET /v1.0/files/url upload_url -> silent');
});

test('fault "stall": status and headers arrive with the full Content-Length, the body stops short and its read times out', async () => {
  const calls = await stepCalls();
  emu.requests.length = 0;
  logLines.length = 0;
  // [step, bytes, how many body bytes arrive]: the default, none, and more than the body (all but its last byte).
  for (const [step, bytes, expected] of [['upload_url', undefined, 10], ['register', 0, 0], ['sync', 10_000, 15]]) {
    emu.setFaults([{ step, kind: 'stall', bytes }]);
    const stalled = await calls[step](AbortSignal.timeout(CLIENT_TIMEOUT_MS));
    assert.equal(stalled.status, 200);
    assert.equal(stalled.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(stalled.headers.get('access-control-allow-origin'), '*');
    const { text, error } = await readAll(stalled);
    assert.ok(['TimeoutError', 'AbortError'].includes(error?.name), `${step}: ${error}`);
    assert.equal(Buffer.byteLength(text), expected, step);

    const normal = await calls[step]();
    const body = await normal.text();
    assert.equal(normal.headers.get('content-length'), String(Buffer.byteLength(body)));
    // The next answer has the same shape, so the same length: the stalled one announced its full body.
    assert.equal(stalled.headers.get('content-length'), normal.headers.get('content-length'), step);
    assert.ok(body.startsWith(text), `${step}: ${text} starts ${body}`);
  }
  assert.deepEqual(steps(), [
    'GET upload_url 200', 'GET upload_url 200', 'POST register 200', 'POST register 200', 'PUT sync 200', 'PUT sync 200',
  ]);
  assert.equal(logLines[0], 'GET /v1.0/files/url upload_url -> 200 stalled');
});

test('faults "silent" and "stall" (set over HTTP) honour times and only hit their step', async () => {
  const calls = await stepCalls();
  emu.requests.length = 0;
  const set = await control('POST', 'faults', [
    { step: 'sync', kind: 'silent', times: 2 },
    { step: 'upload_url', kind: 'stall', times: 2 },
  ]);
  assert.equal(set.status, 200);
  for (let i = 0; i < 2; i++) {
    await timesOut(calls.sync(AbortSignal.timeout(CLIENT_TIMEOUT_MS)));
    assert.equal((await calls.register()).status, 200, 'other steps are answered');
    const stalled = await calls.upload_url(AbortSignal.timeout(CLIENT_TIMEOUT_MS));
    await timesOut(stalled.text());
  }
  assert.equal((await calls.sync()).status, 200);
  assert.equal((await calls.upload_url()).status, 200);
  assert.deepEqual(steps(), [
    'PUT sync 0', 'POST register 200', 'GET upload_url 200', 'PUT sync 0', 'POST register 200', 'GET upload_url 200',
    'PUT sync 200', 'GET upload_url 200',
  ]);
});

test('a client that gives up frees what the emulator held for it, and a cancelled slow wait never answers late', async () => {
  const lines = [];
  const fresh = await startEmulator({ apiKey: KEY, log: (line) => lines.push(line) });
  try {
    const calls = await stepCalls(fresh);
    fresh.requests.length = 0;
    lines.length = 0;
    assert.equal(fresh.inFlight(), 0);
    fresh.setFaults([
      { step: 'upload_url', kind: 'silent' },
      { step: 'register', kind: 'stall' },
      { step: 'sync', kind: 'slow', delayMs: 2 * CLIENT_TIMEOUT_MS },
    ]);
    const started = Date.now();
    const silent = calls.upload_url(AbortSignal.timeout(CLIENT_TIMEOUT_MS));
    const stalled = calls.register(AbortSignal.timeout(CLIENT_TIMEOUT_MS)).then((r) => r.text());
    const slow = calls.sync(AbortSignal.timeout(CLIENT_TIMEOUT_MS));
    await inFlightReaches(fresh, 3);
    await Promise.all([timesOut(silent), timesOut(stalled), timesOut(slow)]);
    await inFlightReaches(fresh, 0);

    await sleep(2 * CLIENT_TIMEOUT_MS + 100 - (Date.now() - started));
    assert.deepEqual(fresh.requests.map((r) => `${r.step} ${r.status}`), ['upload_url 0', 'register 200', 'sync 0']);
    assert.deepEqual(lines, ['GET /v1.0/files/url upload_url -> silent', 'POST /v1.0/files register -> 200 stalled']);
    assert.equal((await calls.sync()).status, 200);
    await inFlightReaches(fresh, 0);
  } finally {
    await fresh.close();
  }
});

test('close() returns promptly with a silent and a stalled request pending', async () => {
  const doomed = await startEmulator({ apiKey: KEY });
  doomed.setFaults([{ step: 'register', kind: 'silent' }, { step: 'upload_url', kind: 'stall' }]);
  const silent = register('x', doomed).catch((e) => e);
  const stalled = await getUploadUrl(doomed);
  assert.equal(stalled.status, 200);
  const body = readAll(stalled);
  for (const deadline = Date.now() + 1000; doomed.requests.length < 2 && Date.now() < deadline;) await sleep(5);
  assert.equal(doomed.inFlight(), 2);
  const started = Date.now();
  await doomed.close();
  assert.ok(Date.now() - started < 1000, `close() took ${Date.now() - started} ms`);
  assert.ok((await silent) instanceof Error);
  assert.ok((await body).error instanceof Error);
  await inFlightReaches(doomed, 0);
  await assert.rejects(getUploadUrl(doomed));
});

test('setFaults refuses an unknown kind, a bad "bytes" and "stall" on upload; so does the control API', async () => {
  const stall = { step: 'sync', kind: 'stall' };
  emu.setFaults([stall, { step: 'upload', kind: 'silent' }, { step: 'register', kind: 'stall', bytes: 0 }]);
  assert.deepEqual(stall, { step: 'sync', kind: 'stall' }, 'the default bytes go on a copy');
  for (const bad of [
    { step: 'sync', kind: 'silence' }, { step: 'sync', kind: 'stalled' }, { step: 'sync', kind: 'Stall' },
    { step: 'sync', kind: 'stall', bytes: -1 }, { step: 'sync', kind: 'stall', bytes: 1.5 },
    { step: 'sync', kind: 'stall', bytes: '10' }, { step: 'sync', kind: 'stall', bytes: Number.NaN },
    { step: 'upload', kind: 'stall' }, { step: 'sync', kind: 'silent', times: 0 },
  ]) {
    assert.throws(() => emu.setFaults([bad]), TypeError, JSON.stringify(bad));
  }
  assert.throws(() => emu.setFaults([{ step: 'sync', kind: 'stall', bytes: -1 }]), /faults\[0\]\.bytes must be a non-negative integer/);
  assert.throws(() => emu.setFaults([{ step: 'upload', kind: 'stall' }]), /"stall" does not apply to step "upload"/);
  const refused = await control('POST', 'faults', [{ step: 'sync', kind: 'stall', bytes: -1 }]);
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).message, /bytes/);
});

test('a port already in use rejects startEmulator', async () => {
  await assert.rejects(startEmulator({ port: emu.port }), /EADDRINUSE/);
});
