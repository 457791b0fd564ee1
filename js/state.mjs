// The CLI's memory of past syncs: the user count of the last successful sync
// per Torii API URL and app account, for the destructive-sync guard.
//
// The file holds counts, file ids and times only; never the API key.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The default state file, beside the user's config: $XDG_CONFIG_HOME or ~/.config. */
export function defaultStatePath(env = process.env) {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'stripe-torii-sync', 'state.json');
}

/** The key of one app account on one Torii API. */
export function stateKey(apiUrl, appAccountId) {
  return `${apiUrl.replace(/\/+$/, '')}#${appAccountId}`;
}

/** Reads the state file; a missing file is an empty state. */
export function readState(path) {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8'));
    return data && typeof data === 'object' ? data : {};
  } catch (e) {
    if (e.code === 'ENOENT') return {};
    throw new Error(`cannot read the sync state file ${path}: ${e.message}`);
  }
}

/** Records one account's last sync, atomically (write then rename). */
export function writeState(path, key, entry) {
  const state = readState(path);
  state[key] = entry;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}
