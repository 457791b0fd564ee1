// The CLI's memory of past syncs, per sync target (the core's targetKey):
// the baseline record the core returned after the last successful sync, and
// the file that was uploaded, for the destructive-sync guard and the change
// preview. Nothing here is a secret: the state never holds the API key.
//
//   state.json            {"version": 2, "targets": {"<key>": {"baseline": {...}, "file": "files/<hash>.json"}}}
//   files/<hash>.json     the last file synced to that target
//
// A state rebuilt after a broken one was moved aside also names that file
// ("recoveredFrom"): any target's record may have been in it, so a target
// the rebuilt state does not hold is no first sync but a record unreadable.
//
// What a baseline means, and whether a stored one is usable, is the core's
// decision: this module only stores and finds it.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** The default state file: $XDG_CONFIG_HOME/stripe-torii-sync/state.json, or under ~/.config. */
export function defaultStatePath(env = process.env) {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'stripe-torii-sync', 'state.json');
}

/**
 * The state file: `{state}`, its JSON (`{}` when there is none), or
 * `{corrupt}`, its text when that is not JSON (a write cut short). A file
 * that cannot be read at all (a folder, no permission) is an error.
 */
function readState(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return { state: {} };
    throw Object.assign(new Error(`cannot read the sync state file ${path} (${e.message}); fix or delete it`),
      { code: 'last_sync_unreadable' });
  }
  try {
    return { state: JSON.parse(text) };
  } catch {
    return { corrupt: text };
  }
}

const isRecord = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether `state` is a state file this program reads: a version-1 map, or a
 * version-2 state whose targets, if any, are a map.
 */
const isState = (state) => isRecord(state) && (state.version === undefined || (state.version === 2 && (state.targets === undefined || isRecord(state.targets))));

/**
 * What was stored where a record should be, as text the core cannot read
 * as one. A missing or null baseline would be "no record" to the core, and a
 * corrupt state would pass for the target's first sync, unguarded; as
 * text, the core's guard finds it unreadable and asks for confirmation.
 */
const unreadable = (found) => JSON.stringify(found ?? null);

/**
 * What is remembered for `key`: `{baseline, previousFile}`, either of which
 * may be missing, `missingFile`, the path of a last file the state names
 * but that is gone, and `lostIn` for a target not in a rebuilt state:
 * `{file}`, the broken state file kept aside that may have held its record,
 * and `gone` when that file is no longer there (`file` null when the state
 * names no such file). A state file from version 1 (a flat map
 * of keys to `{userCount, …}`) is read as baselines. Only a missing state
 * file, or a state without this target that was not rebuilt, is no record;
 * anything else malformed is given to the core as a baseline it cannot read
 * (the text of a file that is not JSON as it is, for the core to say so).
 * A state of a later version throws `last_sync_unreadable`, as this sync's
 * record could not be written, unless `dryRun`, which writes none.
 * @param {string} path the state file
 * @param {string} key the core's targetKey
 * @param {{dryRun?: boolean}} [options]
 * @returns {{baseline?: unknown, previousFile?: string, missingFile?: string, lostIn?: {file: ?string, gone: boolean}}}
 */
export function loadTarget(path, key, { dryRun = false } = {}) {
  const { state, corrupt } = readState(path);
  if (corrupt !== undefined) return { baseline: corrupt };
  // Known before anything is sent: this sync's record could not be written.
  // A dry run writes none: the guard finds the record unreadable, as it is here.
  if (isOtherVersion(state) && !dryRun) throw Object.assign(otherVersion(state, path), { code: 'last_sync_unreadable' });
  if (!isState(state)) return { baseline: unreadable(state) };
  const v1 = state.version === undefined;
  const entry = v1 ? state[key] : state.targets?.[key];
  if (entry === undefined && state.recoveredFrom !== undefined) {
    return { baseline: unreadable(null), lostIn: keptAsideFile(path, state.recoveredFrom) };
  }
  if (entry === undefined) return {};
  if (v1) return { baseline: entry ?? unreadable(entry) };
  const found = { baseline: isRecord(entry) && entry.baseline != null ? entry.baseline : unreadable(entry?.baseline) };
  if (typeof entry?.file === 'string') {
    const file = join(dirname(path), entry.file);
    try {
      found.previousFile = readFileSync(file, 'utf8');
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      found.missingFile = file; // the baseline still guards; the caller says why no changes are shown
    }
  }
  return found;
}

/**
 * The file kept aside that a rebuilt state names: only a sibling named as
 * keepAside names them (state.json.corrupt, .corrupt.1, …), so a hand-edited
 * value is neither followed elsewhere nor printed.
 */
function keptAsideFile(path, name) {
  const aside = `${basename(path)}.corrupt`;
  const kept = typeof name === 'string' && name.startsWith(aside) && /^(\.[1-9][0-9]*)?$/.test(name.slice(aside.length));
  if (!kept) return { file: null, gone: false };
  const file = join(dirname(path), name);
  return { file, gone: !existsSync(file) };
}

function writeAtomically(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

/** How long a sync waits for another one to finish writing the state. */
const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a process that died; it is taken over. */
const STALE_LOCK_MS = 60_000;
/** A break-lock (see breakStaleLock) older than this was left by a process that died breaking a lock. */
const STALE_BREAK_MS = 10_000;

/**
 * Runs `update` holding `path`.lock, so two syncs that finish at the same
 * moment (cron jobs for two accounts) cannot each write the state they read
 * before the other's write, and so lose the other's baseline. The lock file
 * holds a token of its holder's, so that a holder only ever removes its own.
 * Exported for the tests.
 * @param {string} path the state file
 * @param {function(): T} update
 * @return {T} what `update` returns
 * @template T
 */
export function withLock(path, update) {
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  const token = `${process.pid} ${randomUUID()}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!tryLock(lock, token)) {
    if (Date.now() > deadline) throw new Error(`the sync state file ${path} is locked by another sync (${lock}); if none is running, delete the lock`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
  try {
    return update();
  } finally {
    release(lock, token);
  }
}

/** Takes the lock if it is free; breaks it, for the next try, if its holder died. */
function tryLock(lock, token) {
  if (createLock(lock, token)) return true;
  if (isStaleLock(lock)) breakStaleLock(lock);
  return false;
}

/** Creates `lock` holding `text`, unless it exists. */
function createLock(lock, text) {
  try {
    writeFileSync(lock, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    return false;
  }
}

const isStaleLock = (lock) => ageMs(lock) > STALE_LOCK_MS;

/** How long a sync holds its target before the core has said how long the sync may take (see holdTarget). */
const FIRST_HOLD_MS = 60_000;

/**
 * Holds the target `key` of the state file `path` for one sync, from
 * reading its record to writing the new one. Two syncs of one target at
 * once (a person and a cron job, or two cron runs that overlap) would each
 * check the guard against the same record, and the one remembered could be
 * the file Torii did not keep; so the second is refused before it sends
 * anything, as a second tab of the page and a second run of the Sheet are.
 * Syncs of other targets are not held up. The hold is a lock file beside
 * the state that says when it ends; once that has passed (its sync died),
 * the next sync takes it over. `extend(ms)` moves the end to `ms` from now:
 * the session's `longestRunMs`, once the core has said it.
 * @param {string} path the state file
 * @param {string} key the core's targetKey
 * @returns {{extend(ms: number): void, release(): void}}
 */
export function holdTarget(path, key) {
  const lock = `${path}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}.sync-lock`;
  const token = `${process.pid} ${randomUUID()}`;
  const hold = (ms) => JSON.stringify({ token, target: key, until: Date.now() + ms });
  const take = () => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      return createLock(lock, hold(FIRST_HOLD_MS));
    } catch (e) {
      throw Object.assign(new Error(`cannot hold this target beside the sync state file ${path} (${e.message}), which `
        + 'keeps two syncs of it apart, so nothing was sent; make its folder writable, or pass another --state'),
      { code: 'last_sync_unreadable' });
    }
  };
  if (!take()) {
    breakStaleLock(lock, (file) => {
      const { until } = targetHold(file);
      return Number.isFinite(until) && until < Date.now(); // one gone meanwhile may be another's, just made: look again
    });
    if (!take()) throw targetBusy(lock);
  }
  return {
    extend(ms) {
      if (!Number.isFinite(ms) || ms <= 0) throw new TypeError(`a target is held for a positive number of ms, not ${ms}`);
      // Called as the sync starts, well within the first hold, which nobody breaks while it lasts.
      if (targetHold(lock).token !== token) throw targetBusy(lock);
      writeFileSync(lock, hold(ms), { mode: 0o600 });
    },
    release() {
      if (targetHold(lock).token === token) rmSync(lock, { force: true });
    },
  };
}

/**
 * What a target's lock file says: `{token, until}`; `until` is -Infinity
 * once it is gone, and for one whose holder died before writing it, the
 * first hold from when it was made.
 */
function targetHold(lock) {
  let text;
  try {
    text = readFileSync(lock, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return { until: -Infinity };
    throw e;
  }
  try {
    const { token, until } = JSON.parse(text);
    if (typeof token === 'string' && Number.isFinite(until)) return { token, until };
  } catch {
    // not JSON: read as below
  }
  return { until: statSync(lock).mtimeMs + FIRST_HOLD_MS };
}

function targetBusy(lock) {
  const { until } = targetHold(lock);
  const ends = Number.isFinite(until) ? ` until ${new Date(until).toISOString()}` : '';
  return Object.assign(new Error(`another sync of this target is running (it holds ${lock}${ends}): nothing was sent; `
    + 'wait until it has ended, then sync again, or delete the lock file if no sync is running'), { code: 'sync_busy' });
}

/**
 * Removes a lock whose holder died. Two syncs can find the same stale
 * lock, and by the time the slower one acts the faster one may already
 * hold a fresh lock in its place; so a lock is not removed on the strength
 * of a first look. A sync removes another's lock only while it holds
 * `lock.break` (created exclusively, so one sync at a time), and only if
 * the lock is still stale when looked at again under it. A break-lock is
 * held for an instant; one left by a sync that died holding it is removed
 * once it is STALE_BREAK_MS old, and only that case (a crash within that
 * instant, and two syncs racing after it) can let two syncs in at once.
 * Exported for the tests.
 * @param {string} lock the lock file
 * @param {function(string): boolean} [isStale] whether the lock's holder died
 */
export function breakStaleLock(lock, isStale = isStaleLock) {
  const breaker = `${lock}.break`;
  try {
    writeFileSync(breaker, `${process.pid}`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    if (ageMs(breaker) > STALE_BREAK_MS) rmSync(breaker, { force: true });
    return; // another sync is breaking it: try again
  }
  try {
    if (isStale(lock)) rmSync(lock, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** Removes the lock if it is still this holder's. */
function release(lock, token) {
  try {
    if (readFileSync(lock, 'utf8') === token) rmSync(lock, { force: true });
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
}

function ageMs(file) {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0; // just released: try again
  }
}

/** A state file of a later version, which this program does not write; another version number is no state. */
const isOtherVersion = (state) => isRecord(state) && Number.isInteger(state.version) && state.version > 2;

const otherVersion = (state, path) => new Error(`the sync state file ${path} is version ${JSON.stringify(state.version)}, which this version of stripe-torii-sync cannot update; update stripe-torii-sync, or pass another --state`);

/**
 * The state in version 2. A version-1 file maps keys straight to baselines:
 * they are kept as the targets' baselines, or every other target would lose
 * its guard when one of them syncs. A later version is not this program's
 * to rewrite: writing it back in version 2 would drop what it holds.
 */
function upgraded(state, path) {
  if (state.version === 2) return { ...state, targets: state.targets ?? {} };
  if (state.version !== undefined) throw otherVersion(state, path);
  return { version: 2, targets: Object.fromEntries(Object.entries(state).map(([key, baseline]) => [key, { baseline }])) };
}

/**
 * Records a successful sync of `key`: the core's baseline record and the
 * uploaded file, each written atomically, under a lock for the read, update
 * and write of the state.
 * @param {string} path the state file
 * @param {string} key the core's targetKey
 * @param {{baseline: object, file: Uint8Array}} sync
 * @returns {string | undefined} where a state file that was not a valid state was moved
 */
export function saveTarget(path, key, { baseline, file }) {
  const name = `files/${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
  return withLock(path, () => {
    let { state, corrupt } = readState(path);
    let keptAside;
    // A state of another version is refused by upgraded; one that is no
    // state at all, or not JSON (the guard asked for confirmation of this
    // sync because of it), is moved aside for the user to look at, not
    // overwritten.
    if (corrupt !== undefined || (!isState(state) && !isOtherVersion(state))) {
      keptAside = keepAside(path);
      state = { version: 2, recoveredFrom: basename(keptAside) };
    }
    const next = upgraded(state, path);
    writeAtomically(join(dirname(path), name), file);
    next.targets[key] = { baseline, file: name };
    writeAtomically(path, `${JSON.stringify(next, null, 2)}\n`);
    return keptAside;
  });
}

/** Renames `path` to `path`.corrupt (or .corrupt.1, … when taken, so no earlier one is lost); returns the new name. */
function keepAside(path) {
  let aside = `${path}.corrupt`;
  for (let n = 1; existsSync(aside); n += 1) aside = `${path}.corrupt.${n}`;
  renameSync(path, aside);
  return aside;
}
