// Loads the wasm core for Node hosts (the CLI, the tests, the benchmark).
//
// The core is built once with `wasm-pack build --target web` into pkg/; the
// browser page loads the same files. Node loads the CommonJS form of the same
// glue (pkg/stripe_torii_sync.cjs, written by js/build/patch-glue.mjs), and
// the bytes are read from disk and compiled and instantiated synchronously:
// no `fetch`, no promise, so a one-shot CLI pays only for the compile itself.
//
// This file, flags.cjs and cli.cjs are CommonJS on purpose. A run of the CLI
// on a typical export is over in a few milliseconds of work, and Node 20's
// ES-module loader costs about as much again: measured on this machine, the
// CLI's whole process on a 100-row export was about 10 ms faster once its
// start-up path loaded no ES module (see js/bench/analysis.md). What is not
// on that path (the state file, the emulator) stays ESM and is imported when
// a command needs it.

'use strict';

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const pkgDir = join(__dirname, '..', 'pkg');
const wasmPath = join(pkgDir, 'stripe_torii_sync_bg.wasm');
const gluePath = join(pkgDir, 'stripe_torii_sync.cjs');

let loaded;

/**
 * Returns the initialised core module (its exports: transform,
 * optionCatalog, parseOptions, targetKey, SyncSession, version, …), loading
 * it on the first call. Synchronous: compiling the .wasm is all it waits for.
 * @returns {typeof import('../pkg/stripe_torii_sync.js')}
 */
function loadCore() {
  if (loaded) return loaded;
  let bytes;
  try {
    bytes = readFileSync(wasmPath);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    throw new Error(`the wasm core is not built (${wasmPath} is missing); run ./dev build`);
  }
  const glue = require(gluePath);
  glue.initSync({ module: bytes });
  loaded = glue;
  return glue;
}

module.exports = { loadCore };
