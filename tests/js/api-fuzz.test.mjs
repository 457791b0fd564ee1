// Class 6 of issue 8: the JS API under hostile input. Random arguments of
// every type to every export and method, random option objects, sync
// configs, clocks and host responses never crash the wasm (a Rust panic
// would surface as a RuntimeError without a code); every error is an Error
// with a `code`; a wrong type is `invalid_argument` naming the argument; a
// call after free() is coded too; and the instance keeps working after any
// bad call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../js/core.cjs';

const VALUES = [undefined, null, 0, -1, 1.5, 1e300, NaN, Infinity, -Infinity, '', 'x', 'active', [], ['a'], [1], {},
  { a: 1 }, { data: 5 }, { name: 3, data: 'x' }, { rows: [[1, {}]] }, true, '\u0000', 'é'.repeat(5), 2 ** 53, -0,
  10n, Symbol('s'), () => 1, new Uint8Array([0xff, 0xfe, 0]), new ArrayBuffer(3), new Map(), new Date(0)];
const OPTION_KEYS = ['licenseName', 'pricePerUserCents', 'unassignedAmount', 'includeLicense', 'dateOrder', 'excludeStatuses',
  'excludeRoles', 'includeDomains', 'excludeDomains', 'columns', 'statusMap', 'delimiter', 'strict', 'bogus', 'appAccountId'];
const CONFIG_KEYS = ['apiKey', 'appAccountId', 'baseUrl', 'fileName', 'apiVersion', 'mode', 'timeBudgetMs',
  'requestTimeoutMs', 'maxDropPercent', 'allowDrop', 'baseline', 'previousFile', 'bogus', 'licenseName'];
const CSV = 'Email,Name,Status,Role,X,Last login\nada@example.com,Ada,Active,Owner,,2024-01-01\n';

/** A seeded generator, so a failure is reproducible. */
function generator(seed) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return (list) => list[Math.floor(next() * list.length)];
}

const describe = (v) => {
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
  } catch {
    return String(v);
  }
};

/** Runs `fn`; an error must be a coded Error from the core, never a crash. */
function coded(fn, context) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error && typeof e.code === 'string', `uncoded ${e?.name}: ${e?.message} for ${describe(context)}`);
    return e;
  }
  return null;
}

test('wrong argument types are invalid_argument errors that name the argument', async () => {
  const core = loadCore();
  const result = core.transform(CSV);
  const session = result.startSync({ apiKey: 'key-0123', appAccountId: '1', baseUrl: 'http://127.0.0.1:9' }, 1);
  const calls = [
    ['transform(input', () => core.transform(123)],
    ['transform(input', () => core.transform(undefined)],
    ['transform(input).data', () => core.transform({})],
    ['transform(options)', () => core.transform(CSV, 7)],
    ['poll(nowMs)', () => session.poll('now')],
    ['handleResponse(nowMs)', () => session.handleResponse(undefined, {})],
    ['confirm(yes)', () => session.confirm(1)],
    ['new SyncSession(fileJson)', () => new core.SyncSession({ apiKey: 'key-0123', appAccountId: '1' }, 123, 1)],
    ['startSync(seed)', () => result.startSync({ apiKey: 'key-0123', appAccountId: '1' }, 'seed')],
    ['nextJsonChunk(maxBytes)', () => result.nextJsonChunk({})],
    ['nextJsonView(maxBytes)', () => result.nextJsonView('1 MiB')],
    ['previewPage(offset)', () => result.previewPage(null, 1)],
    ['compare(previous)', () => result.compare(5)],
    ['sheetSafe(values)', () => core.sheetSafe('x')],
    ['parseOptions(entries)', () => core.parseOptions('cli', 'x')],
    ['parseCommandLine(command)', () => core.parseCommandLine('emulator', [], {})],
    ['parseCommandLine(args)', () => core.parseCommandLine('transform', '--quiet', {})],
    ['parseCommandLine(args)[1]', () => core.parseCommandLine('transform', ['a.csv', 5], {})],
    ['parseCommandLine(hostFlags).quiet', () => core.parseCommandLine('transform', [], { quiet: 'no' })],
    ['checkInputSize(bytes)', () => core.checkInputSize('big')],
  ];
  for (const [argument, call] of calls) {
    const error = coded(call, argument);
    assert.ok(error, `${argument} accepted a wrong type`);
    assert.equal(error.code, 'invalid_argument', `${argument}: ${error.message}`);
    assert.ok(error.message.includes(argument), `${error.message} does not name ${argument}`);
  }
  // A string is text, not bytes claimed to hold a NUL.
  assert.equal(core.transform('Email\nada@example.com\n').userCount, 1);
});

test('a call after free() is a coded error, and the instance keeps working', async () => {
  const core = loadCore();
  const result = core.transform(CSV);
  const session = result.startSync({ apiKey: 'key-0123', appAccountId: '1', baseUrl: 'http://127.0.0.1:9' }, 1);
  session.free();
  result.free();
  for (const call of [() => result.json(), () => result.report(), () => session.poll(0), () => result.userCount]) {
    const error = coded(call, 'after free');
    assert.ok(error, 'a freed object answered');
    assert.equal(error.code, 'invalid_argument');
    assert.match(error.message, /freed/);
  }
  assert.equal(core.transform(CSV).userCount, 1);
});

test('random options, configs, clocks and responses never crash the core', async () => {
  const core = loadCore();
  const pick = generator(20261201);
  for (let i = 0; i < 3000; i++) {
    const options = {};
    for (let k = 0; k < 3; k++) options[pick(OPTION_KEYS)] = pick(VALUES);
    coded(() => core.transform(pick([CSV, CSV, pick(VALUES), [{ name: 'a', data: CSV }, pick(VALUES)]]), options), options);

    const config = { apiKey: 'key-0123', appAccountId: '1', baseUrl: 'http://127.0.0.1:9' };
    for (let k = 0; k < 2; k++) config[pick(CONFIG_KEYS)] = pick(VALUES);
    coded(() => {
      const session = pick([true, false])
        ? core.transform(CSV).startSync(config, pick(VALUES))
        : new core.SyncSession(config, pick(['{"users":[{}]}', '{"users":[]}', 'x', '{}', pick(VALUES)]), pick(VALUES));
      for (let step = 0; step < 8; step++) {
        const action = session.poll(pick([0, NaN, Infinity, -1, 1e20, Date.now(), pick(VALUES)]));
        if (action.type === 'confirm') {
          coded(() => session.confirm(pick([true, false, pick(VALUES)])), 'confirm');
          continue;
        }
        if (action.type !== 'send') continue;
        session.handleResponse(pick([0, NaN, 5, pick(VALUES)]), pick([
          { status: pick([200, 429, 503, 0, 70000, -1, 1.5, '200']), headers: pick([{}, { 'retry-after': pick(['1', 'x', '999999999999']) }, 5]),
            body: pick(['', '{"id":1}', '{"url":"https://a/b","filePath":"p"}', 'null', 7]) },
          { transportError: 'reset' }, { timeout: true }, {}, { status: '200' }, null, pick(VALUES),
        ]));
      }
    }, config);

    coded(() => core.targetKey(pick([config, pick(VALUES)])), 'targetKey');
    coded(() => core.parseOptions(pick(['cli', 'sheet', pick(VALUES)]), [[pick(['--strict', 'License name', pick(VALUES)]), pick(VALUES)]]), 'parseOptions');
    coded(() => core.sheetSafe([pick(VALUES), [pick(VALUES)]]), 'sheetSafe');
    coded(() => core.parseCommandLine(pick(['transform', 'sync', pick(VALUES)]),
      [pick(['a.csv', '-', '--', '--quiet', '--strict=1', '--license-name', '--output', '-h', pick(VALUES)]), String(pick(VALUES))],
      pick([{ output: true, quiet: false }, pick(VALUES)])), 'parseCommandLine');
    coded(() => core.connectionResult(pick([{ status: 200 }, { timeout: true }, pick(VALUES)]), pick([config, pick(VALUES)])), 'connectionResult');
  }
  // The module still works afterwards: no panic poisoned it.
  assert.equal(JSON.parse(Buffer.from(core.transform(CSV).json()).toString()).users.length, 1);
});

test('no fragment of the key survives in a connection test or a sync error, however long the echo', () => {
  const core = loadCore();
  const apiKey = 'SUPERSECRETKEY0123456789';
  const config = { apiKey, appAccountId: '5', baseUrl: 'http://127.0.0.1:9/v1.0' };
  const echo = JSON.stringify({ message: `${'x'.repeat(270)} got header Bearer ${apiKey}` });
  const probe = core.connectionResult({ status: 500, headers: {}, body: echo }, config);
  assert.doesNotMatch(probe.message, /SUPERSECRET/);
  assert.match(probe.message, /Bearer \[redacted\]/);
  assert.throws(() => core.connectionResult({ status: 500, body: echo }), (e) => e.code === 'invalid_argument');
  const session = core.transform(CSV).startSync(config, 1);
  const action = session.poll(0);
  assert.equal(action.type, 'send');
  session.handleResponse(0, { status: 401, headers: {}, body: echo });
  const failed = session.poll(0);
  assert.equal(failed.type, 'failed');
  assert.doesNotMatch(`${failed.error.message}`, /SUPERSECRET/);
  assert.match(failed.error.message, /\[redacted\]/);
});

test('nextJsonChunk and nextJsonView hand out json() in pieces of whole users, then undefined', () => {
  const core = loadCore();
  const rows = Array.from({ length: 50 }, (_, i) => `user${i}@example.com,User ${i},Active,Owner,,2024-01-01`);
  const csv = `Email,Name,Status,Role,X,Last login\n${rows.join('\n')}\n`;
  const whole = Buffer.from(core.transform(csv).json());
  for (const method of ['nextJsonChunk', 'nextJsonView']) {
    const result = core.transform(csv);
    const pieces = [];
    // Each piece is copied at once: a view is valid only until the next call.
    for (let piece; (piece = result[method](512)) !== undefined;) pieces.push(Buffer.from(piece));
    assert.ok(pieces.length > 5, `${method} cut the file in pieces`);
    assert.ok(pieces.slice(1, -1).every((p) => p[0] === 0x2c), `${method} cuts between users`);
    assert.deepEqual(Buffer.concat(pieces), whole, method);
    assert.equal(result[method](512), undefined, `${method} stays done`);
  }
});

test('an InputBuffer filled by the host is taken by transform without a copy, once', async () => {
  const core = loadCore();
  const bytes = new TextEncoder().encode(CSV);
  const buffer = new core.InputBuffer(bytes.length);
  assert.equal(buffer.byteLength, bytes.length);
  buffer.view().set(bytes);
  const fromBuffer = core.transform([{ name: 'a.csv', data: buffer }]);
  assert.deepEqual(fromBuffer.json(), core.transform([{ name: 'a.csv', data: bytes }]).json());
  assert.equal(fromBuffer.report().files[0].name, 'a.csv');
  assert.throws(() => buffer.view(), (e) => e.code === 'invalid_argument', 'the buffer is used up');
  const alone = new core.InputBuffer(bytes.length);
  alone.view().set(bytes);
  assert.deepEqual(core.transform(alone).json(), fromBuffer.json(), 'a buffer is an input by itself too');
  assert.throws(() => core.transform(buffer), (e) => e.code === 'invalid_argument', 'and cannot be given twice');
  for (const size of [-1, 1.5, NaN, 'x', undefined, {}]) {
    assert.throws(() => new core.InputBuffer(size), (e) => e.code === 'invalid_argument' && /InputBuffer\(size\)/.test(e.message), String(size));
  }
  assert.throws(() => new core.InputBuffer(2 ** 40), (e) => e.code === 'input_too_large');
  assert.equal(core.transform(CSV).userCount, 1, 'the instance keeps working');
});

test('the input size limit holds for the InputBuffers alive at once, which a host fills before one transform', () => {
  // A host allocates one buffer per file first; eight just under the limit
  // would exhaust wasm memory and trap, so the core counts them together.
  const core = loadCore();
  const MiB = 1024 * 1024;
  const large = new core.InputBuffer(400 * MiB);
  assert.throws(() => new core.InputBuffer(200 * MiB), (e) => e.code === 'input_too_large' && /512 MiB/.test(e.message));
  large.free();
  const taken = new core.InputBuffer(200 * MiB);
  assert.throws(() => core.transform([{ name: 'zeros.csv', data: taken }]), (e) => typeof e.code === 'string');
  const again = new core.InputBuffer(400 * MiB);
  assert.equal(again.byteLength, 400 * MiB, 'a freed buffer and one transform took no longer count');
  again.free();
  assert.equal(core.transform(CSV).userCount, 1, 'the instance keeps working');
});

test('a caller value whose reading throws is a coded error, and never breaks the object or the instance', () => {
  const core = loadCore();
  const fresh = JSON.parse(Buffer.from(core.transform(CSV).json()).toString());
  const boom = () => { throw new Error('boom'); };
  const revoked = () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; };
  const iterates = () => Object.assign(['x'], { [Symbol.iterator]: boom });
  // Each is a fresh hostile value: a custom iterator, Proxy traps, a
  // revoked Proxy, a getter, a Proxy over a typed array or a buffer.
  const HOSTILE = [
    iterates,
    () => new Proxy({}, { ownKeys: boom }),
    () => new Proxy({}, { get: boom }),
    () => new Proxy({}, { getPrototypeOf: boom }),
    () => new Proxy(['x'], { get: boom }),
    () => new Proxy([['a', 'b']], { get: boom }),
    revoked,
    () => Object.defineProperty({}, 'data', { enumerable: true, get: boom }),
    () => new Proxy(new Uint8Array(3), {}),
    () => new Proxy(new ArrayBuffer(3), { get: boom }),
    () => ({ name: 'a', rows: iterates() }),
    () => ({ name: 'a', rows: [iterates()] }),
    () => ({ data: new Proxy({}, { getPrototypeOf: boom }) }),
    () => ({ status: 200, headers: new Proxy({}, { ownKeys: boom }) }),
    () => ({ toJSON: boom }),
  ];
  const result = core.transform(CSV);
  const session = result.startSync({ apiKey: 'key-0123', appAccountId: '1', baseUrl: 'http://127.0.0.1:9' }, 1);
  assert.equal(session.poll(0).type, 'send');
  const config = (v) => ({ apiKey: 'key-0123', appAccountId: '1', baseUrl: 'http://127.0.0.1:9', ...v });
  const calls = [
    (v) => core.transform(v),
    (v) => core.transform([v]),
    (v) => core.transform({ name: 'a', data: v }),
    (v) => core.transform({ name: 'a', rows: v }),
    (v) => core.transform(CSV, v),
    (v) => core.transform(CSV, { columns: v }),
    (v) => core.transform(CSV, { excludeRoles: v }),
    (v) => core.parseOptions('cli', v),
    (v) => core.parseOptions('cli', [v]),
    (v) => core.parseCommandLine('transform', v, {}),
    (v) => core.parseCommandLine('transform', [], v),
    (v) => core.sheetSafe(v),
    (v) => core.sheetSafe([v]),
    (v) => core.targetKey(v),
    (v) => core.connectionProbe(v),
    (v) => core.connectionResult(v, config()),
    (v) => core.connectionResult({ status: 200 }, v),
    (v) => new core.SyncSession(v, '{"users":[]}', 1),
    (v) => new core.SyncSession(config(), v, 1),
    (v) => new core.SyncSession(config({ previousFile: v }), '{"users":[]}', 1),
    (v) => result.compare(v, 'x'),
    (v) => result.previewPage(0, 1, v),
    (v) => result.diagnosticRows(v),
    (v) => result.startSync(v, 1),
    (v) => result.startSync(config({ baseline: v }), 1),
    (v) => result.startSync(config({ previousFile: v }), 1),
    (v) => result.plan(v),
    (v) => session.handleResponse(0, v),
  ];
  const codes = new Set();
  for (let round = 0; round < 40; round++) {
    for (const hostile of HOSTILE) {
      for (const call of calls) {
        const error = coded(() => call(hostile()), `${call} with ${hostile}`);
        if (error) codes.add(error.code);
      }
    }
  }
  // The reads that threw are refused by name, as wrong types are.
  for (const [call, argument] of [
    [() => core.transform(iterates()), 'transform(input)'],
    [() => result.compare(iterates(), 'x'), 'compare(previous)'],
    [() => core.parseCommandLine('transform', iterates(), {}), 'parseCommandLine(args)'],
    [() => core.transform(CSV, new Proxy({}, { ownKeys: boom })), 'transform(options)'],
    [() => core.transform({ data: revoked() }), 'transform(input).data'],
    [() => core.sheetSafe(revoked()), 'sheetSafe(values)'],
    [() => result.startSync(config({ baseline: { toJSON: boom } }), 1), 'startSync(config).baseline'],
    [() => session.handleResponse(0, { status: 200, headers: new Proxy({}, { ownKeys: boom }) }), 'handleResponse(response).headers'],
  ]) {
    const error = coded(call, argument);
    assert.ok(error, `${argument} accepted a value that throws`);
    assert.equal(error.code, 'invalid_argument', error.message);
    assert.ok(error.message.startsWith(argument), `${error.message} does not name ${argument}`);
  }
  assert.match(coded(() => core.transform(iterates())).message, /could not be read: boom$/);
  assert.ok(codes.has('invalid_argument'));
  // The objects the calls were made on still answer, and so does the instance.
  assert.equal(result.userCount, 1);
  assert.equal(result.compare('{"users":[]}').added.length, 1);
  session.handleResponse(0, { timeout: true });
  assert.ok(['wait', 'send'].includes(session.poll(0).type), 'the session goes on');
  assert.deepEqual(JSON.parse(Buffer.from(core.transform(CSV).json()).toString()), fresh);
  // Thousands of throwing calls in all, more than the shadow stack could
  // lose to unwinding.
  for (let i = 0; i < 3000; i++) coded(() => core.transform(iterates()), 'transform');
  assert.deepEqual(JSON.parse(Buffer.from(core.transform(CSV).json()).toString()), fresh);
});
