// The sync's output: the core's progress texts as they come, the outcome's
// text or the core's error message, and, when the browser could not reach
// Torii (often a cross-origin block) before any request to start the sync
// went out, the other ways to send the same users.

const $ = (id) => document.getElementById(id);

export function clearSyncOutput() {
  $('sync-progress').replaceChildren();
  $('sync-help').hidden = true;
  showSyncResult('');
}

/** One line per request and per wait, the core's `progress.text` as it is. */
export function showProgress(progress) {
  $('sync-progress').append(Object.assign(document.createElement('li'), { textContent: progress.text }));
}

/** The result line; a failure also carries its code in `data-code`. */
export function showSyncResult(text, outcome = '', code = '') {
  const result = $('sync-result');
  result.className = outcome;
  result.dataset.code = code;
  result.textContent = text;
}

/** A sync that went through; `unsaved`, the core's words when its record could not be kept here. */
export function showSyncDone({ outcome, unsaved }) {
  showSyncResult(`✓ ${outcome.text}${unsaved ? ` (${unsaved})` : ''}`, 'ok');
}

/**
 * The error as the core words it; no response at all also gets the ways
 * forward, unless a request to start the sync went out (the core's
 * `syncSent`): Torii may have started it, and the same users sent another
 * way could sync twice.
 */
export function showSyncFailure(error) {
  const text = error.code === 'cancelled' ? error.message : `✗ ${error.message} [${error.code}]`;
  const network = error.code === 'network' && !error.syncSent;
  showSyncResult(network ? `${text}. Nothing was lost; send the same users another way: Download JSON, `
    + 'the command line, or the Google Sheet (below).' : text, 'failed', error.code);
  $('sync-help').hidden = !network;
}
