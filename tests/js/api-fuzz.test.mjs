// The JS API under hostile input: random option objects, sync configs,
// clock values and host responses never crash the wasm (a Rust panic would
// surface as a RuntimeError without a code), and every error carries a code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from '../../js/core.mjs';

const VALUES = [undefined, null, 0, -1, 1.5, 1e300, NaN, Infinity, '', 'x', 'active', [], ['a'], {}, { a: 1 }, true,
  '\u0000', 'é'.repeat(5), 2 ** 53, -0];
const OPTION_KEYS = ['licenseName', 'pricePerUserCents', 'unassignedAmount', 'includeLicense', 'dateOrder', 'excludeStatuses',
  'excludeRoles', 'includeDomains', 'excludeDomains', 'columns', 'statusMap', 'delimiter', 'bogus'];
const CONFIG_KEYS = ['apiKey', 'appAccountId', 'baseUrl', 'fileName', 'apiVersion', 'mode', 'waitBudgetMs',
  'previousUserCount', 'maxDropPercent', 'allowDrop', 'bogus'];
const CSV = 'Email,Name,Status,Role,X,Last login\nada@example.com,Ada,Active,Owner,,2024-01-01\n';

/** A seeded generator, so a failure is reproducible. */
function generator(seed) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return (list) => list[Math.floor(next() * list.length)];
}

/** Runs `fn`; an error must be a coded Error from the core, never a crash. */
function coded(fn, context) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error && typeof e.code === 'string', `uncoded ${e?.name}: ${e?.message} for ${JSON.stringify(context)}`);
  }
}

test('random options, configs, clocks and responses never crash the core', async () => {
  const core = await loadCore();
  const pick = generator(20261124);
  for (let i = 0; i < 3000; i++) {
    const options = {};
    for (let k = 0; k < 3; k++) options[pick(OPTION_KEYS)] = pick(VALUES);
    coded(() => core.transformJson(CSV, options), options);

    const config = { apiKey: 'k', appAccountId: '1', baseUrl: 'http://127.0.0.1:9' };
    for (let k = 0; k < 2; k++) config[pick(CONFIG_KEYS)] = pick(VALUES);
    coded(() => {
      const session = new core.SyncSession(config, pick(['{"users":[{}]}', '{"users":[]}', 'x', '{}']), pick(VALUES) ?? 0);
      for (let step = 0; step < 8; step++) {
        const action = session.poll(pick([0, NaN, Infinity, -1, 1e20, Date.now()]));
        if (action.type !== 'send') continue;
        session.handleResponse(pick([0, NaN, 5]), pick([
          { status: pick([200, 429, 503, 0, 70000, -1, 1.5]), headers: pick([{}, { 'retry-after': pick(['1', 'x', '999999999999']) }]),
            body: pick(['', '{"id":1}', '{"url":"https://a/b","filePath":"p"}', 'null']) },
          { transportError: 'reset' }, {}, { status: '200' }, null,
        ]));
      }
    }, config);

    coded(() => core.checkSyncGuard({ userCount: pick(VALUES), previousUserCount: pick(VALUES), maxDropPercent: pick(VALUES) }));
  }
  // The module still works afterwards: no panic poisoned it.
  assert.equal(JSON.parse(core.transformJson(CSV).json).users.length, 1);
});
