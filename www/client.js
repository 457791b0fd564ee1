// The page's side of the worker (worker.js): one request, one answer, and
// the events a sync sends on its way. A worker that cannot start answers
// every request with a `worker_failed` error instead of leaving it waiting.

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let lastId = 0;

worker.onmessage = ({ data }) => {
  const waiting = pending.get(data.id);
  if (data.event) return waiting?.onEvent(data);
  pending.delete(data.id);
  return waiting?.resolve(data);
};

worker.onerror = (event) => {
  event.preventDefault();
  const error = { code: 'worker_failed', message: 'the converter could not start in this browser' };
  for (const { resolve } of pending.values()) resolve({ error });
  pending.clear();
};

/** Sends a request; resolves with the answer (`{error}` on failure); `onEvent` hears a sync's events. */
export function ask(message, onEvent) {
  const id = ++lastId;
  return new Promise((resolve) => {
    pending.set(id, { resolve, onEvent });
    worker.postMessage({ id, ...message });
  });
}

/** Tells the worker something that needs no answer (the answer to a 'confirm' event). */
export const tell = (message) => worker.postMessage(message);
