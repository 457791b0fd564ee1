// The "Changes since the last sync" section: what the core's compare()
// found against the last sync from this browser (IndexedDB, per target) or
// a previous Torii file the person picked. Counts first, then the users
// added, removed and changed, by name: never by colour alone.

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}) => Object.assign(document.createElement(tag), props);

function list(title, count, items, text) {
  const block = el('div', { className: 'change-list' });
  block.append(el('h3', { textContent: `${title}: ${count}` }));
  if (items.length) {
    const ul = el('ul');
    ul.append(...items.map((item) => el('li', { textContent: text(item) })));
    block.append(ul);
  }
  if (count > items.length) block.append(el('p', { className: 'hint', textContent: `… and ${count - items.length} more` }));
  return block;
}

/** Where the changes are from; `baseline` is the core's description of the stored record, '' for none. */
function describeSource(changes) {
  const { since, baseline } = changes;
  return baseline ? `Compared with ${since}: ${baseline}.` : `Compared with ${since}.`;
}

/**
 * Says that a sync of this App Account sent its request to start at
 * `sentAt` (ms) and was not seen to end, or hides the note (`null`).
 */
export function showUnfinishedSync(sentAt) {
  const note = $('unfinished-sync');
  note.hidden = sentAt === null;
  note.textContent = sentAt === null ? '' : `⚠ A sync of this App Account from this browser sent its request to start `
    + `at ${new Date(sentAt).toLocaleString()} and was not seen to end: its tab was closed or the browser stopped. `
    + 'Torii may have synced that file: check the integration in Torii. The changes here and the destructive-sync '
    + 'guard still go by the last sync seen to end.';
}

/** `changes` as the worker sends it (`null`: nothing to compare with yet). */
export function showChanges(changes, picked) {
  const body = $('changes');
  $('forget-previous').hidden = !picked;
  if (!changes) {
    $('changes-source').textContent = 'Nothing to compare with yet: this browser has no earlier sync of this '
      + 'App Account (enter it under “Sync to Torii”), and no previous Torii file is picked.';
    body.replaceChildren();
    return;
  }
  if (changes.error) {
    $('changes-source').textContent = `✗ Cannot compare with ${changes.since}: ${changes.error.message} [${changes.error.code}]`;
    body.replaceChildren();
    return;
  }
  const { counts } = changes;
  $('changes-source').textContent = describeSource(changes);
  body.replaceChildren(
    list('Added (new users)', counts.added, changes.added, (email) => `new: ${email}`),
    list('Removed', counts.removed, changes.removed, (email) => `removed: ${email}`),
    list('Changed', counts.changed, changes.changed, (c) => `changed: ${c.email} (${c.fields.join(', ')})`),
    el('p', { textContent: `Unchanged: ${counts.unchanged}` }),
  );
}
