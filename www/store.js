// The last successful sync per target, in IndexedDB: `{baseline, file}`
// (the outcome's baseline and the exact bytes uploaded) under the core's
// targetKey; while a tab without Web Locks syncs it, its lease under
// `lease <targetKey>`; and from the request that starts a sync until that
// sync ends, `{sentAt}` under `started <targetKey>`, which a tab closed in
// between leaves behind. Used by the worker; the API key is never stored here.

const DB_NAME = 'stripe-torii-sync';
const STORE = 'lastSync';
let opening;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  opening.catch(() => { opening = undefined; }); // a later call tries again
  return opening;
}

async function run(mode, act) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = act(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** @returns {Promise<{baseline: object, file: Uint8Array} | undefined>} */
export const loadLastSync = (key) => run('readonly', (store) => store.get(key));

/** @param {{baseline: object, file: Uint8Array}} value */
export const saveLastSync = (key, value) => run('readwrite', (store) => store.put(value, key));

/** Notes that the request starting a sync of `key` went out at `sentAt` (ms since the epoch). */
export const markSyncSent = (key, sentAt) => run('readwrite', (store) => store.put({ sentAt }, `started ${key}`));

/** Forgets that note once the sync has ended, whatever its end. */
export const clearSyncSent = (key) => run('readwrite', (store) => store.delete(`started ${key}`));

/** @returns {Promise<{sentAt: number} | undefined>} the note of a sync of `key` not seen to end */
export const loadSyncSent = (key) => run('readonly', (store) => store.get(`started ${key}`));

/**
 * How long a lease first holds: a tab closed mid-sync cannot release it.
 * The syncing tab extends it to the core's longest run of its sync.
 */
const LEASE_MS = 10 * 60_000;

/**
 * Reads the lease on `key` and acts on it in one readwrite transaction, so
 * two tabs cannot both act on what they read. `act(lease, store, name)` is
 * given the lease as stored (or undefined); its result is the promise's,
 * once the transaction has completed.
 */
async function onLease(key, act) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const name = `lease ${key}`;
    let result;
    const get = store.get(name);
    get.onsuccess = () => {
      result = act(get.result, store, name);
    };
    tx.oncomplete = () => resolve(result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * Takes the lease on `key` for `owner`, in one transaction so two tabs
 * cannot both take it. @returns {Promise<number | undefined>} when the
 * lease another tab holds ends, or undefined once `owner` holds it
 */
export const takeLease = (key, owner) => onLease(key, (lease, store, name) => {
  const now = Date.now();
  if (lease && lease.until > now) return lease.until;
  store.put({ owner, until: now + LEASE_MS }, name);
  return undefined;
});

/**
 * Moves the end of `owner`'s lease on `key` to `ms` from now.
 * @returns {Promise<boolean>} false when the lease is no longer `owner`'s
 * (it ran out and another tab took it), which is then left alone
 */
export const extendLease = (key, owner, ms) => onLease(key, (lease, store, name) => {
  const kept = lease?.owner === owner;
  if (kept) store.put({ owner, until: Date.now() + ms }, name);
  return kept;
});

/** @returns {Promise<{owner: string, until: number} | undefined>} the lease on `key`, run out or not */
export const loadLease = (key) => run('readonly', (store) => store.get(`lease ${key}`));

/** Ends `owner`'s lease on `key`; another's is left alone. */
export const dropLease = (key, owner) => onLease(key, (lease, store, name) => {
  if (lease?.owner === owner) store.delete(name);
});
