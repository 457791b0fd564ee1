#!/usr/bin/env node
// Patches wasm-bindgen's generated glue (pkg/stripe_torii_sync.js) after
// every build, in one place:
//
// wasm-bindgen reports a call on a freed object (or on one a pending call
// still holds) by throwing `new Error("null pointer passed to rust")`, with
// no `code`. Every other error of the core carries a stable `code`, and the
// JS API promises one for misuse too, so the glue's throw helper is
// rewritten to add `code: 'invalid_argument'` and a sentence a developer
// can act on.
//
// wasm-bindgen's `InputBuffer.__unwrap`, which tells an InputBuffer among
// transform's inputs, tests `instanceof` without the `try` its other
// `instanceof` tests have, so a Proxy whose getPrototypeOf trap throws
// would throw through the wasm frames, leaving the core's stack unwound
// (src/wasm/caller.rs says why that breaks the instance). The test is
// wrapped so that anything it cannot read is no InputBuffer.
//
// The build fails if either is not where it is expected: the pinned
// wasm-bindgen version (Cargo.toml) is what this was written for.
//
// It also writes the CommonJS form of the patched glue next to it
// (stripe_torii_sync.cjs), which the Node hosts load (js/core.cjs says why).
// It is the rewrite the Apps Script build makes (no module syntax, the
// exports as one object), exported with `module.exports`.
//
//   node js/build/patch-glue.mjs [pkg/stripe_torii_sync.js]

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { globalGlue } from '../../appscript/build.mjs';

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

const UNWRAP = /( +)if \(!\(jsValue instanceof InputBuffer\)\) \{\n\s*return 0;\n\s*\}\n\s*return jsValue\.__destroy_into_raw\(\);\n/;
const SAFE_UNWRAP = (indent) => `${indent}/* stripe-torii-sync: what cannot be read is no InputBuffer */ try {
${indent}    return jsValue instanceof InputBuffer ? jsValue.__destroy_into_raw() : 0;
${indent}} catch {
${indent}    return 0;
${indent}}
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
  // Near the top (after the `@ts-self-types` line, which must stay first), so
  // the rewrites that keep only the glue's body (Apps Script, CommonJS) keep
  // the helper too.
  if (!UNWRAP.test(source)) {
    throw new Error('patch-glue: expected InputBuffer.__unwrap\'s instanceof test in the glue; has wasm-bindgen\'s output changed?');
  }
  const patched = source.replace(THROW, CODED).replace(UNWRAP, (_, indent) => SAFE_UNWRAP(indent));
  const typesLine = /^\/\* @ts-self-types=.*\*\/\n/.exec(patched)?.[0] ?? '';
  return typesLine + HELPER + patched.slice(typesLine.length);
}

/**
 * Returns the CommonJS module of the (patched) `--target web` glue.
 * @param {string} source
 * @returns {string}
 */
export function commonJsGlue(source) {
  return `// The CommonJS form, written by js/build/patch-glue.mjs.\n${globalGlue(source)}module.exports = StripeToriiCore;\n`;
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const path = process.argv[2] ?? fileURLToPath(new URL('../../pkg/stripe_torii_sync.js', import.meta.url));
  const patched = patchGlue(readFileSync(path, 'utf8'));
  writeFileSync(path, patched);
  writeFileSync(path.replace(/\.js$/, '.cjs'), commonJsGlue(patched));
}
