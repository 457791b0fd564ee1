// The transform off the main thread, so a 100k-row export keeps the page
// responsive. The worker keeps the file's bytes and the last result: the page
// sends only options on a re-run, fetches one page of table rows at a time,
// and takes the JSON file (tens of MB for 100k rows) only to download or send
// it, as a Blob, which crosses threads without a copy.
//
// Messages in:  {id, type: 'transform', options, bytes?}  (bytes only for a new file)
//               {id, type: 'page', generation, start, count}
//               {id, type: 'file', generation}
// Messages out: {id, generation, report, userCount} | {id, rows} | {id, blob} | {id, error: {code, message, ...}}

import init, { transformBytes } from './pkg/stripe_torii_sync.js';

// A page served without pkg/ (or a browser without WebAssembly) gets a clear error for each request.
const ready = init().catch((e) => {
  throw Object.assign(new Error(`the wasm core could not be loaded: ${e.message}`), { code: 'core_unavailable' });
});
let bytes = null;
let generation = 0;
let rows = [];
let json = '';
let blob = null;

/**
 * The users as table rows: each user with its license status and the
 * diagnostics that name its email.
 */
function tableRows(text, diagnostics) {
  const torii = JSON.parse(text);
  const licenseStatus = new Map((torii.licenses?.[0]?.users ?? []).map((u) => [u.email, u.licenseStatus]));
  const problems = new Map();
  for (const { email, line, level, code } of diagnostics) {
    if (email) problems.set(email, [...(problems.get(email) ?? []), { line, level, code }]);
  }
  return torii.users.map((user) => ({
    ...user,
    licenseStatus: licenseStatus.get(user.email),
    problems: problems.get(user.email) ?? [],
  }));
}

function transform(message) {
  if (message.bytes) bytes = message.bytes;
  // A new generation first, so a failed run also makes the last result stale.
  generation += 1;
  [json, blob, rows] = ['', null, []];
  const result = transformBytes(bytes, message.options);
  json = result.json;
  rows = tableRows(json, result.report.diagnostics);
  return { generation, report: result.report, userCount: rows.length };
}

/** Refuses a request about an older result: it would not match what the page shows. */
function current(wanted) {
  if (wanted !== generation) throw Object.assign(new Error('a newer result replaced this one'), { code: 'stale' });
}

function page({ start, count, generation: wanted }) {
  current(wanted);
  return { rows: rows.slice(start, start + count) };
}

function file({ generation: wanted }) {
  current(wanted);
  blob ??= new Blob([json], { type: 'application/json' });
  return { blob };
}

/** The parts of a core error the page shows; an Error itself cannot be posted with its extra fields. */
function errorInfo(e) {
  return { code: e.code, message: e.message, headersFound: e.headersFound, report: e.report };
}

self.onmessage = async ({ data }) => {
  let answer;
  try {
    await ready;
    answer = { transform, page, file }[data.type](data);
  } catch (e) {
    answer = { error: errorInfo(e) };
  }
  self.postMessage({ id: data.id, ...answer });
};
