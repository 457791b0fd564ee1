// The page's side of the worker (worker.js): one request, one answer, and
// the events a sync sends on its way. A worker that cannot start, or that
// crashes, answers every request with a `worker_failed` error instead of
// leaving it waiting; one that crashed is stopped, so a sync it was running
// sends nothing more and records nothing.

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let lastId = 0;
let started = false; // the worker has answered once: an error now is a crash, not a failed start
let failure = null; // the error every request gets once the worker is gone

worker.onmessage = ({ data }) => {
  started = true;
  const waiting = pending.get(data.id);
  if (data.event) {
    if (waiting && data.event === 'progress') waiting.progress = data.progress;
    return waiting?.onEvent(data);
  }
  pending.delete(data.id);
  return waiting?.resolve(data);
};

worker.onerror = (event) => {
  event.preventDefault();
  worker.terminate();
  const message = started ? 'the converter stopped in this browser; reload the page'
    : 'the converter could not start in this browser';
  failure = { code: 'worker_failed', message };
  for (const { resolve, onEvent, progress } of pending.values()) resolve({ error: onEvent ? interrupted(progress) : failure });
  pending.clear();
};

/**
 * A sync cut short by the crash, from its last progress (none: it had sent
 * nothing yet), which carries what the core says stopping there means for
 * the app (`ifStopped`).
 */
function interrupted(progress) {
  if (!progress) return { code: 'worker_failed', message: 'the converter stopped before the sync sent anything; reload the page to sync again' };
  return { code: 'worker_failed',
    message: `the converter stopped during the sync, after "${progress.text}": ${progress.ifStopped}; reload the page to sync again` };
}

/** Sends a request; resolves with the answer (`{error}` on failure); `onEvent` hears a sync's events. */
export function ask(message, onEvent) {
  if (failure) return Promise.resolve({ error: failure });
  const id = ++lastId;
  return new Promise((resolve) => {
    pending.set(id, { resolve, onEvent });
    worker.postMessage({ id, ...message });
  });
}

/** Tells the worker something that needs no answer (the answer to a 'confirm' event). */
export const tell = (message) => worker.postMessage(message);
