// Loads the wasm core for Node hosts (the CLI, the tests, the benchmark).
//
// The core is built once with `wasm-pack build --target web` into pkg/; the
// browser page loads the same files. Here the bytes are read from disk and
// compiled and instantiated synchronously: no `fetch`, no promise, so a
// one-shot CLI pays only for the compile itself.

import { readFileSync } from 'node:fs';

const pkgDir = new URL('../pkg/', import.meta.url);
const wasmUrl = new URL('stripe_torii_sync_bg.wasm', pkgDir);
const glueUrl = new URL('stripe_torii_sync.js', pkgDir);

let loaded;

/**
 * Returns the initialised core module (its exports: transform,
 * optionCatalog, parseOptions, targetKey, SyncSession, version, …). Loads
 * it on the first call.
 * @returns {Promise<typeof import('../pkg/stripe_torii_sync.js')>}
 */
export async function loadCore() {
  if (loaded) return loaded;
  let bytes;
  try {
    bytes = readFileSync(wasmUrl);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    throw new Error(`the wasm core is not built (${wasmUrl.pathname} is missing); run ./dev build`);
  }
  const glue = await import(glueUrl.href);
  glue.initSync({ module: bytes });
  loaded = glue;
  return glue;
}
