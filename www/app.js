// The page's glue: hands the exports and the form's text to the worker
// (which runs the core), and shows what comes back. Every rule (options,
// rows, the comparison, requests, retries, the destructive-sync guard) is
// the core's; the worker is reached through client.js, drops come from
// drop.js, and rendering lives in form.js, preview.js, changes.js and
// sync-view.js.

import { showChanges, showUnfinishedSync } from './changes.js';
import { ask, tell } from './client.js';
import { onFileDrop } from './drop.js';
import { buildForm, clearFieldErrors, entries, showFieldError } from './form.js';
import { showFatal, showPage, showResult } from './preview.js';
import { clearSyncOutput, showProgress, showSyncDone, showSyncFailure } from './sync-view.js';

const PAGE_SIZE = 100;
/** Where an earlier version of the page kept the key when asked to; it is only ever removed now. */
const OLD_KEY_STORE = 'stripe-torii-sync:api-key';
const $ = (id) => document.getElementById(id);

const state = {
  loaded: false, // exports were chosen
  files: null, // newly chosen exports (File objects), handed to the worker by the next run
  previous: undefined, // a newly picked previous Torii file (null: forget it), likewise
  picked: false,
  running: false,
  queued: false,
  valid: true, // the options parse
  result: null, // {generation, userCount, files, text, changes, refusal, syncRefusal} on screen; the file stays in the worker
  page: 0,
  syncing: false,
};

// ---- transform and preview ----------------------------------------------------

let runs = Promise.resolve(); // settles when no run is in flight or queued

/** Re-runs for the current form; changes made while a run is in flight collapse into one more run. */
function rerun() {
  if (state.running) {
    state.queued = true;
    return runs;
  }
  state.running = true;
  updateButtons();
  runs = (async () => {
    try {
      do {
        state.queued = false;
        await runOnce();
      } while (state.queued);
    } finally {
      state.running = false;
      updateButtons();
    }
  })();
  return runs;
}

async function runOnce() {
  if (!state.loaded) return;
  const message = { type: 'run', entries: entries($('options')), target: entries($('sync-form')) };
  if (state.files) [message.files, state.files] = [state.files, null];
  if (state.previous !== undefined) [message.previous, state.previous] = [state.previous, undefined];
  const answer = await ask(message);
  if (state.queued) return; // the form changed meanwhile: the next run shows the answer that matches
  clearFieldErrors($('options'));
  state.result = null;
  state.valid = !(answer.error?.code === 'invalid_option' && showFieldError(answer.error));
  if (!state.valid) return;
  if (answer.error) {
    showFatal(answer.error);
    $('file-status').textContent = 'Not converted: see the preview.';
    return;
  }
  state.result = answer;
  // Say before Download or Sync is pressed what Strict refuses, or a sync alone (a broken quote).
  const { refusal, syncRefusal } = answer;
  $('file-status').textContent = `${answer.files.map((f) => f.name).join(', ')}: ${answer.userCount} users to send.`
    + (refusal ? ` Strict refuses the file, so it cannot be downloaded and a sync would stop here: ${refusal.message} [${refusal.code}]`
      : syncRefusal ? ` A sync would stop here: ${syncRefusal.message} [${syncRefusal.code}]` : '');
  showResult(answer);
  showChanges(answer.changes, state.picked);
  showUnfinishedSync(answer.unfinishedSync);
  await showPageAt(0);
}

async function showPageAt(index) {
  const { generation, userCount } = state.result;
  const pages = Math.max(1, Math.ceil(userCount / PAGE_SIZE));
  const page = Math.min(Math.max(index, 0), pages - 1);
  const answer = await ask({ type: 'page', generation, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  if (answer.error || state.result?.generation !== generation) return; // a newer result is on its way
  state.page = page;
  showPage(answer, page, pages);
}

/** Turns the page, keeping keyboard focus on a pager button that is still enabled. */
async function turnPage(delta) {
  if (!state.result) return;
  await showPageAt(state.page + delta);
  if (document.activeElement?.disabled) (delta > 0 ? $('prev-page') : $('next-page')).focus();
}

function loadFiles(list) {
  const files = [...list];
  if (!files.length) return;
  if (state.syncing) {
    $('file-status').textContent = 'A sync is running: choose or drop the exports again once it has ended.';
    return;
  }
  Object.assign(state, { files, loaded: true, result: null });
  clearSyncOutput(); // it was about the previous exports
  $('file-status').textContent = `Reading ${files.map((f) => f.name).join(', ')}…`;
  rerun();
}

// ---- download and sync ----------------------------------------------------------

// A file Strict refuses is not handed out, as the CLI writes none: the preview shows why.
// A run in flight does not disable Download: leaving a sync field starts one, and a click on
// Download is what makes the field lose focus, so the button would go under the pointer and the
// click be lost. download() waits for the run instead.
const exportable = () => Boolean(state.result) && !state.result.refusal && state.valid;

// The sync button stays usable during a run (leaving a sync field starts one): a sync waits for it.
// While a sync runs, nothing that would change its preview or its target can be changed.
function updateButtons() {
  for (const id of ['download', 'help-download']) $(id).disabled = !exportable();
  $('preview').setAttribute('aria-busy', String(state.running));
  $('sync-button').disabled = !state.result || !state.valid || state.syncing;
  const locked = ['#file-input', '#previous-input', '#forget-previous', '#options [data-label]', '#sync-form [data-label]'];
  for (const control of document.querySelectorAll(locked.join())) control.disabled = state.syncing;
  $('cancel-sync').hidden = !state.syncing;
  $('cancel-sync').disabled = false;
}

/** Asks the worker to stop the sync in flight; its answer ends the sync as `cancelled`. */
function cancelSync() {
  $('cancel-sync').disabled = true;
  tell({ type: 'cancel' });
}

/** Saves the worker's Blob, the exact bytes a sync sends, under the name the core gives the upload. */
async function download() {
  await runs; // the file for the form as it is now, not for the run before the last edit
  if (!exportable()) return;
  clearFieldErrors($('sync-form'));
  const answer = await ask({ type: 'download', generation: state.result.generation, entries: entries($('sync-form')) });
  if (answer.error) {
    showFieldError(answer.error); // a sync setting that does not parse; nothing when a newer result replaced this one
    return;
  }
  const url = URL.createObjectURL(answer.blob);
  Object.assign(document.createElement('a'), { href: url, download: answer.name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000); // the download has its copy by then
}

function onSyncEvent({ event, progress, changes, verdict }) {
  if (event === 'progress') showProgress(progress);
  if (event === 'changes') showChanges(changes, state.picked);
  if (event === 'confirm') tell({ type: 'confirmed', yes: window.confirm(verdict.question) });
}

async function sync(event) {
  event.preventDefault();
  if (state.syncing) return;
  state.syncing = true;
  updateButtons();
  await runs;
  if (!exportable()) {
    state.syncing = false;
    return updateButtons();
  }
  clearSyncOutput();
  clearFieldErrors($('sync-form'));
  $('cancel-sync').focus(); // the sync button is disabled: the keyboard stays on what can be pressed
  const [seed] = crypto.getRandomValues(new Uint32Array(1));
  const answer = await ask({ type: 'sync', generation: state.result.generation, entries: entries($('sync-form')),
    apiKey: $('field-apiKey').value, seed }, onSyncEvent);
  state.syncing = false;
  updateButtons();
  if (document.activeElement === document.body) $('sync-button').focus();
  if (answer.error) {
    showFieldError(answer.error);
    showSyncFailure(answer.error);
    return;
  }
  showSyncDone(answer);
  rerun(); // the changes are now the ones since this sync
}

function pickPrevious(file) {
  Object.assign(state, { previous: file, picked: Boolean(file) });
  if (!file) $('previous-input').value = '';
  rerun();
}

// ---- wiring -----------------------------------------------------------------------

async function start() {
  // The exports can be chosen before the form is built: an empty form means the core's defaults.
  $('file-input').addEventListener('change', (event) => loadFiles(event.target.files));
  onFileDrop($('drop-zone'), loadFiles);
  const { catalog, error } = await ask({ type: 'catalog' });
  if (error) {
    $('file-status').textContent = `✗ The page cannot work in this browser: ${error.message} [${error.code}]`;
    return;
  }
  buildForm(catalog, { transform: $('transform-options'), settings: $('sync-settings'), advanced: $('sync-advanced') });
  $('options').addEventListener('input', rerun); // text fields, selects and checkboxes alike, at once
  $('options').addEventListener('submit', (event) => event.preventDefault());
  $('sync-form').addEventListener('change', (event) => event.target.dataset.label && rerun()); // the target may change
  $('sync-form').addEventListener('submit', sync);
  $('cancel-sync').addEventListener('click', cancelSync);
  // Leaving mid-sync would lose its outcome, and the record the next sync's guard compares with.
  window.addEventListener('beforeunload', (event) => state.syncing && event.preventDefault());
  $('previous-input').addEventListener('change', (event) => pickPrevious(event.target.files[0] ?? null));
  $('forget-previous').addEventListener('click', () => {
    $('previous-input').focus(); // the button hides itself: the keyboard stays in this section
    pickPrevious(null);
  });
  $('prev-page').addEventListener('click', () => turnPage(-1));
  $('next-page').addEventListener('click', () => turnPage(1));
  for (const id of ['download', 'help-download']) $(id).addEventListener('click', download);
  // The key lives in this page's memory only: storage outlives the page, and any script of the origin reads it.
  sessionStorage.removeItem(OLD_KEY_STORE);
  document.body.dataset.ready = 'true';
}

start();
