// The last successful sync per target, in IndexedDB: `{baseline, file}`
// (the outcome's baseline and the exact bytes uploaded) under the core's
// targetKey. Used by the worker; the API key is never stored here.

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
