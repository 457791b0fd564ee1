#!/usr/bin/env node
// Patches wasm-bindgen's generated glue (pkg/stripe_torii_sync.js) after
// every build, in one place:
//
// wasm-bindgen reports a call on a freed object (or on one a pending call
// still holds) by throwing `new Error("null pointer passed to rust")`, with
// no `code`. Every other error of the core carries a stable `code`, and the
// JS API promises one for misuse too, so the glue's throw helper is
// rewritten to add `code: 'invalid_argument'` and a sentence a developer
// can act on. The build fails if the helper is not where it is expected:
// the pinned wasm-bindgen version (Cargo.toml) is what this was written for.
//
//   node js/build/patch-glue.mjs [pkg/stripe_torii_sync.js]

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MARK = '/* stripe-torii-sync: coded misuse errors */';
const THROW = 'throw new Error(getStringFromWasm0(arg0, arg1));';
const CODED = `${MARK} throw misuseError(getStringFromWasm0(arg0, arg1));`;
const HELPER = `
${MARK}
function misuseError(message) {
    const why = message === 'null pointer passed to rust'
        ? 'this object was freed (or used up by runWithFetch); create a new one'
        : \`\${message}; an object was used while a call on it had not returned\`;
    return Object.assign(new Error(why), { code: 'invalid_argument' });
}
`;

/**
 * Returns the patched glue. Idempotent: patched glue is returned unchanged.
 * @param {string} source
 * @returns {string}
 */
export function patchGlue(source) {
  if (source.includes(MARK)) return source;
  const count = source.split(THROW).length - 1;
  if (count !== 1) {
    throw new Error(`patch-glue: expected one "${THROW}" in the glue, found ${count}; has wasm-bindgen's output changed?`);
  }
  return source.replace(THROW, CODED) + HELPER;
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const path = process.argv[2] ?? fileURLToPath(new URL('../../pkg/stripe_torii_sync.js', import.meta.url));
  writeFileSync(path, patchGlue(readFileSync(path, 'utf8')));
}
