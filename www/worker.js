// Everything that touches the core runs here, off the main thread: the
// option parsing, the transform, preview pages, the comparison with an
// earlier file and the sync. The worker holds the exports' bytes and the
// TransformResult; the page gets the report's file list, the report text,
// one page of rows at a time, and the Torii file only as a Blob.
//
// In:  {id, type: 'catalog'}
//      {id, type: 'run', entries, target, files?, previous?}   files/previous: File objects (previous: null clears it)
//      {id, type: 'page', generation, offset, limit}
//      {id, type: 'download', generation, entries}              entries: the sync form's, for the file's name
//      {id, type: 'sync', generation, entries, apiKey, seed}
//      {type: 'confirmed', yes}                                 the answer to a 'confirm' event
//      {type: 'cancel'}                                         stops the sync in flight
// Out: {id, ...answer} or {id, error: {code, message, option?, field?, headersFound?, syncSent?}};
//      during a sync also {id, event: 'progress' | 'confirm' | 'changes', ...}

import init, { checkInputSize, describeBaseline, optionCatalog, parseOptions, targetKey, transform, unsavedRecordText, version } from './pkg/stripe_torii_sync.js';
import { clearSyncSent, dropLease, extendLease, loadLastSync, loadLease, loadSyncSent, markSyncSent, saveLastSync, takeLease } from './store.js';

const LAST_SYNC = 'the last sync from this browser';
const LIST_LIMIT = 200; // users listed per kind of change; the counts are always whole

// A page served without pkg/ (or a browser without WebAssembly) gets a clear error for each request.
const ready = init().catch((e) => {
  throw Object.assign(new Error(`the wasm core could not be loaded: ${e.message}`), { code: 'core_unavailable' });
});

let inputs = []; // [{name, data}]: the exports
let unread = null; // why the exports last chosen could not be read: every run says so until others are chosen
let picked = null; // {name, data}: a previous Torii file the person chose to compare with
let result = null;
let generation = 0;
let blob = null;
let syncing = null; // the result a sync in flight holds
let answerConfirm = null;
let stopSync = null; // the AbortController of the sync in flight

/** Reads picked files; the core refuses files too large for it by their size, before they are read into memory. */
const read = (files) => {
  checkInputSize(files.reduce((total, f) => total + f.size, 0));
  return Promise.all(files.map(async (f) => {
    try {
      return { name: f.name, data: new Uint8Array(await f.arrayBuffer()) };
    } catch (e) {
      throw unreadable(f, e);
    }
  }));
};

/** A picked file the browser cannot read any more, named, with the CLI's code for a file that is gone. */
function unreadable(file, e) {
  const gone = e?.name === 'NotFoundError';
  const why = gone ? 'it is a folder, or it was moved or deleted after it was chosen' : `the browser could not read it (${e?.message ?? e})`;
  return Object.assign(new Error(`cannot read ${file.name}: ${why}; choose it again`),
    { code: gone ? 'no_such_file' : 'not_readable' });
}

function replace(next) {
  if (result && result !== syncing) result.free();
  result = next;
  generation += 1;
  blob = null;
}

/** Refuses a request about an older result: it would not match what the page shows. */
function current(wanted) {
  if (!result || wanted !== generation) {
    throw Object.assign(new Error('a newer result replaced this one'), { code: 'stale' });
  }
  return result;
}

/**
 * The target's key and its stored last sync (undefined when there is none).
 * A store that cannot be read is an error, not "no last sync": the guard
 * would otherwise take the sync for the target's first, and ask nothing.
 */
async function lastSyncFor(settings) {
  const key = targetKey(settings);
  try {
    return { key, stored: await loadLastSync(key) };
  } catch (e) {
    throw unreadableStore(e);
  }
}

function unreadableStore(e) {
  return Object.assign(new Error(`cannot read ${LAST_SYNC} (IndexedDB: ${e?.message ?? e}), which the `
    + 'destructive-sync guard needs, so nothing was sent; allow this site to store data, or clear its data to start afresh'),
  { code: 'last_sync_unreadable' });
}

const BUSY = 'another tab of this browser is syncing this App Account: nothing was sent; wait until it has ended, then sync again';

/**
 * Runs a sync of the target holding this browser's lock on it, from reading
 * its last sync to recording the new one. Two tabs syncing one App Account
 * would each check the guard against the same last sync, and the one
 * remembered could be the file Torii did not keep; the second is refused
 * before it sends anything. Without Web Locks (a page served over plain
 * HTTP from a remote host) the lock is a lease in IndexedDB, which a tab
 * closed mid-sync holds until it runs out. `act(holdFor)` is given
 * `holdFor(ms)`, which makes the lease last `ms` from now (a lock lasts
 * anyway), and throws `sync_busy` if another tab took it meanwhile (it
 * had run out: this tab was frozen, or its question left open for longer).
 */
async function alone(key, act) {
  const busy = (detail = '') => Object.assign(new Error(`${BUSY}${detail}`), { code: 'sync_busy' });
  if (self.navigator.locks) {
    return self.navigator.locks.request(`sync ${key}`, { ifAvailable: true }, (lock) => {
      if (!lock) throw busy();
      return act(async () => {});
    });
  }
  const owner = Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(16)).join('-'); // randomUUID needs HTTPS
  const heldUntil = await takeLease(key, owner).catch((e) => {
    throw unreadableStore(e);
  });
  if (heldUntil !== undefined) {
    throw busy(` (a tab closed while syncing holds it until ${new Date(heldUntil).toLocaleTimeString()})`);
  }
  const holdFor = async (ms) => {
    const kept = await extendLease(key, owner, ms).catch((e) => {
      throw unreadableStore(e);
    });
    if (!kept) throw busy(' (it took over this tab\'s lease, which had run out)');
  };
  try {
    return await act(holdFor);
  } finally {
    await dropLease(key, owner).catch(() => {}); // a lease left behind runs out by itself
  }
}

/**
 * The stored record as the sync config takes it. A record that is there but
 * holds no baseline (emptied, or cut down by hand) is handed over as text the
 * core cannot read as one, so the guard asks; it is never taken for none.
 */
function lastSyncConfig(stored) {
  if (stored === undefined) return {};
  const isRecord = typeof stored === 'object' && stored !== null;
  const found = { baseline: isRecord && stored.baseline != null ? stored.baseline : JSON.stringify(stored?.baseline ?? null) };
  if (isRecord && stored.file !== undefined) found.previousFile = stored.file;
  return found;
}

/** The core's key of the target the sync form names, or null while it names none (no App Account ID yet). */
function formTarget(entries) {
  try {
    return targetKey(parseOptions('sheet', entries).sync);
  } catch {
    return null;
  }
}

/** The stored last sync of `key`, if there is one and the store can be read; the preview then just shows no changes. */
async function lastSyncOf(key) {
  return key === null ? undefined : loadLastSync(key).catch(() => undefined);
}

/** `res`'s changes as the page lists them: the core's listing, and the core's words for the stored record. */
function changesView(res, since, baseline) {
  return { since, baseline: describeBaseline(baseline), ...res.changesListing(LIST_LIMIT) };
}

/**
 * The changes against `source` ({name, data, baseline?}); a file that is no
 * Torii file is reported, not fatal: a sync leaves it out too (the core's rule).
 */
function compared(res, source) {
  try {
    res.compare(source.data, source.name);
    return changesView(res, source.name, source.baseline);
  } catch (e) {
    return { since: source.name, error: errorInfo(e) };
  }
}

/** Compares with the picked file, else with the last sync of the target `key` (null: none). */
async function compareFor(res, key) {
  const stored = picked ? undefined : await lastSyncOf(key);
  const source = picked ?? (stored?.file !== undefined && { name: LAST_SYNC, data: stored.file, baseline: lastSyncConfig(stored).baseline });
  return source ? compared(res, source) : null;
}

/**
 * When a sync of the target `key` (null: none) sent its request to start and
 * was not seen to end (its tab was closed), in ms since the epoch: Torii may
 * have synced that file, which the last sync remembered here is not.
 */
async function unfinishedSyncOf(key) {
  if (key === null) return null;
  try {
    const note = await loadSyncSent(key);
    if (!note) return null;
    // Another tab's sync still running holds the lock or the lease (see alone): its note is no sign of
    // a closed tab. A closed tab's lease hides its note until it runs out; no sync can start before.
    const running = self.navigator.locks
      ? (await self.navigator.locks.query()).held.some((lock) => lock.name === `sync ${key}`)
      : ((await loadLease(key))?.until ?? 0) > Date.now();
    return running ? null : note.sentAt;
  } catch {
    return null; // no store: lastSyncOf says nothing either
  }
}

const handlers = {
  catalog: () => ({ catalog: optionCatalog(), version: version() }),

  async run({ entries, target, files, previous }) {
    if (files) {
      // Exports that cannot be read leave none: the ones before must not come back on the next run.
      unread = null;
      inputs = await read(files).catch((e) => {
        unread = e;
        return [];
      });
    }
    if (previous !== undefined) picked = previous && (await read([previous]))[0];
    replace(null); // a failed run must not leave the last result downloadable
    if (unread) throw unread;
    const options = parseOptions('sheet', entries).transform;
    const next = transform(inputs, options);
    replace(next);
    const key = formTarget(target);
    const changes = await compareFor(next, key);
    return { generation, userCount: next.userCount, files: next.report().files, text: next.reportText(), changes,
      unfinishedSync: await unfinishedSyncOf(key), refusal: next.refusal() ?? null, syncRefusal: next.syncRefusal() ?? null };
  },

  page: ({ generation: wanted, offset, limit }) => current(wanted).previewPage(offset, limit),

  /** The file, named by the core as a sync would upload it. */
  download({ generation: wanted, entries }) {
    const res = current(wanted);
    const { fileName } = parseOptions('sheet', entries);
    blob ??= new Blob([res.json()], { type: 'application/json' });
    return { blob, name: fileName };
  },

  async sync({ id, generation: wanted, entries, apiKey, seed }) {
    const res = current(wanted);
    const post = (event) => self.postMessage({ id, ...event });
    syncing = res; // before the first await: a run meanwhile must not free it
    const stop = new AbortController();
    stopSync = stop;
    try {
      const settings = parseOptions('sheet', entries).sync;
      return await alone(targetKey(settings), async (holdFor) => {
        const { key, stored } = await lastSyncFor(settings);
        const last = lastSyncConfig(stored);
        if (last.previousFile !== undefined) post({ event: 'changes', changes: compared(res, { name: LAST_SYNC, data: last.previousFile, baseline: last.baseline }) });
        const file = res.json();
        const session = res.startSync({ ...settings, apiKey, ...last }, seed);
        // The core's longest run counts from the first request, which comes now or once the question is answered.
        const longest = session.longestRunMs;
        await holdFor(longest).catch((e) => {
          session.free(); // never run: runWithFetch would have used it up
          throw e;
        });
        let noted = null; // the note that the start-sync request went out, kept until the sync ends
        try {
          const outcome = await session.runWithFetch({
            signal: stop.signal,
            onProgress: (progress) => {
              if (progress.syncSent) noted ??= markSyncSent(key, Date.now()).catch(() => {});
              post({ event: 'progress', progress });
            },
            onConfirm: async (verdict) => {
              const renewal = setInterval(() => holdFor(longest).catch(() => {}), longest / 3); // however long the person takes
              try {
                const yes = await new Promise((resolve) => {
                  answerConfirm = resolve;
                  post({ event: 'confirm', verdict });
                });
                if (yes) await holdFor(longest); // lost meanwhile: the sync stops (host_failed, saying why) before sending
                return yes;
              } finally {
                clearInterval(renewal);
              }
            },
          });
          const unsaved = await saveLastSync(key, { baseline: outcome.baseline, file })
            .then(() => '', (e) => unsavedRecordText(`this browser's storage: ${e?.message ?? e}`));
          return { outcome, unsaved };
        } finally {
          if (noted) await noted.then(() => clearSyncSent(key)).catch(() => {});
        }
      });
    } finally {
      stopSync = null;
      syncing = null;
      if (res !== result) res.free();
    }
  },
};

/** The parts of a core error the page shows; an Error itself cannot be posted with its extra fields. */
function errorInfo(e) {
  const { option, field, headersFound, syncSent } = e ?? {};
  const code = typeof e?.code === 'string' ? e.code : 'unexpected'; // a DOMException's code is a number
  return { code, message: e?.message ?? String(e), option, field, headersFound, syncSent };
}

self.onmessage = async ({ data }) => {
  if (data.type === 'cancel') stopSync?.abort();
  if (data.type === 'confirmed' || data.type === 'cancel') {
    answerConfirm?.(Boolean(data.yes));
    answerConfirm = null;
    return;
  }
  let answer;
  try {
    await ready;
    answer = await handlers[data.type](data);
  } catch (e) {
    answer = { error: errorInfo(e) };
  }
  self.postMessage({ id: data.id, ...answer });
};
