// Loads the wasm core for Node hosts (the CLI, the tests, the benchmark).
//
// The core is built once with `wasm-pack build --target web` into pkg/; the
// browser page loads the same files. Here the bytes are read from disk and
// instantiated synchronously, so no `fetch` or `import.meta.url` lookup runs.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkgDir = new URL('../pkg/', import.meta.url);
const wasmPath = fileURLToPath(new URL('stripe_torii_sync_bg.wasm', pkgDir));
const gluePath = new URL('stripe_torii_sync.js', pkgDir);

let loaded;

/**
 * Returns the initialised core module (its exports: transform, transformJson,
 * transformBytes, SyncSession, syncWithFetch, ...). Loads it on first call.
 * @returns {Promise<typeof import('../pkg/stripe_torii_sync.js')>}
 */
export async function loadCore() {
  if (loaded) return loaded;
  if (!existsSync(wasmPath)) {
    throw new Error(`the wasm core is not built (${wasmPath} is missing); run ./dev build`);
  }
  const glue = await import(gluePath.href);
  glue.initSync({ module: readFileSync(wasmPath) });
  loaded = glue;
  return glue;
}

/** Absolute path of the built .wasm file. */
export const WASM_PATH = wasmPath;
