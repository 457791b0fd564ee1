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
 * Takes the lease on `key` for `owner`, in one transaction so two tabs
 * cannot both take it. @returns {Promise<number | undefined>} when the
 * lease another tab holds ends, or undefined once `owner` holds it
 */
export async function takeLease(key, owner) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    let heldUntil;
    const get = store.get(`lease ${key}`);
    get.onsuccess = () => {
      const now = Date.now();
      if (get.result && get.result.until > now) heldUntil = get.result.until;
      else store.put({ owner, until: now + LEASE_MS }, `lease ${key}`);
    };
    tx.oncomplete = () => resolve(heldUntil);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * Moves the end of `owner`'s lease on `key` to `ms` from now.
 * @returns {Promise<boolean>} false when the lease is no longer `owner`'s
 * (it ran out and another tab took it), which is then left alone
 */
export async function extendLease(key, owner, ms) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    let kept = false;
    const get = store.get(`lease ${key}`);
    get.onsuccess = () => {
      kept = get.result?.owner === owner;
      if (kept) store.put({ owner, until: Date.now() + ms }, `lease ${key}`);
    };
    tx.oncomplete = () => resolve(kept);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** @returns {Promise<{owner: string, until: number} | undefined>} the lease on `key`, run out or not */
export const loadLease = (key) => run('readonly', (store) => store.get(`lease ${key}`));

/** Ends `owner`'s lease on `key`; another's is left alone. */
export async function dropLease(key, owner) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    const get = store.get(`lease ${key}`);
    get.onsuccess = () => {
      if (get.result?.owner === owner) store.delete(`lease ${key}`);
    };
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
