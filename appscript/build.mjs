/**
 * @file Builds appscript/dist/ from the wasm package in pkg/: the files to
 * `clasp push`, in load order, and the same script as one file to paste.
 *
 *   00_polyfill.js  UTF-8 TextEncoder/TextDecoder (Apps Script has none)
 *   01_wasm.js      the .wasm as a base64 constant
 *   02_core.js      wasm-bindgen's glue, rewritten from an ES module into one
 *                   global `StripeToriiCore` object
 *   03_loader.js    compiles the wasm once per execution, on first use
 *   10_menu.js      the Torii menu and every entry point
 *   11_settings.js  the user's key, account and API URL; the guard's baseline
 *   12_sync.js      the sync driver and UrlFetchApp
 *   13_sheets.js    the Users and Configuration sheets, and setting them up
 *   14_records.js   the preview, hidden last-sync and history sheets
 *   15_dialogs.js   the HTML dialogs
 *   Code.gs         all of the above, concatenated in that order, for a
 *                   copy-and-paste install (clasp ignores it: .claspignore)
 *   appsscript.json the manifest; .clasp.json the clasp project template
 *
 *   node appscript/build.mjs [--out DIR]
 *
 * Apps Script loads every file into one global scope, so the glue must not
 * use module syntax; the rewrite checks each pattern it relies on and fails
 * loudly when wasm-bindgen's output changes shape, rather than emitting a
 * script that breaks in the user's spreadsheet.
 */

import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = fileURLToPath(new URL('./', import.meta.url));
const pkg = fileURLToPath(new URL('../pkg/', import.meta.url));

/** The files in the order Apps Script must load them. */
export const PUSH_ORDER = ['00_polyfill.js', '01_wasm.js', '02_core.js', '03_loader.js', '10_menu.js',
  '11_settings.js', '12_sync.js', '13_sheets.js', '14_records.js', '15_dialogs.js'];

/** The pushed files copied from appscript/src/, by their source name. */
const SOURCES = {
  '00_polyfill.js': 'polyfill.js',
  '03_loader.js': 'loader.js',
  '10_menu.js': 'menu.js',
  '11_settings.js': 'settings.js',
  '12_sync.js': 'sync.js',
  '13_sheets.js': 'sheets.js',
  '14_records.js': 'records.js',
  '15_dialogs.js': 'dialogs.js',
};

/** The one-file script for pasting into the editor. */
export const ONE_FILE = 'Code.gs';

/**
 * clasp pushes every script file under its rootDir; this keeps Code.gs (the
 * same code again) out of the push. Everything is ignored except the
 * manifest and the .js files, so the rule holds whichever way a clasp
 * version reads negations.
 */
const CLASP_IGNORE = '**/**\n!appsscript.json\n!*.js\n';

/** What the shim needs from the core; the build fails without them. */
const REQUIRED_EXPORTS = ['transform', 'TransformResult', 'SyncSession', 'version', 'optionCatalog',
  'parseOptions', 'targetKey', 'sheetSafe', 'connectionProbe', 'connectionResult'];

/** Exports left out of the global object (none today: `runWithFetch` is a method Apps Script never calls). */
const OMITTED_EXPORTS = [];

const SCRIPT_ID_PLACEHOLDER = 'PASTE-YOUR-SCRIPT-ID';

/** Throws a build error naming the glue pattern that was not as expected. */
function expect(condition, what) {
  if (!condition) throw new Error(`appscript build: ${what}; has wasm-bindgen's --target web output changed?`);
}

/**
 * Rewrites wasm-bindgen's `--target web` glue for a script that shares one
 * global scope: no `export`, no `import.meta`, no async fetch-based loader
 * (`__wbg_load`, `__wbg_init`); `initSync` stays. The exports become the
 * properties of one `StripeToriiCore` object, so no name can collide with
 * the shim's.
 * @param {string} source pkg/stripe_torii_sync.js
 * @returns {string} the script text of 02_core.js
 */
export function globalGlue(source) {
  const loadStart = source.indexOf('async function __wbg_load(');
  const initSyncStart = source.indexOf('function initSync(');
  const asyncInitStart = source.indexOf('let __wbg_init_promise;');
  expect(loadStart >= 0, 'the async loader `__wbg_load` was not found');
  expect(initSyncStart >= 0, '`initSync` was not found');
  expect(asyncInitStart >= 0, 'the async init section (`__wbg_init_promise`) was not found');
  expect(loadStart < initSyncStart && initSyncStart < asyncInitStart,
    'expected `__wbg_load`, then `initSync`, then the async init');
  expect(/^export \{ initSync, __wbg_init as default \};\s*$/m.test(source.slice(asyncInitStart)),
    'the final `export { initSync, __wbg_init as default }` was not found');

  let body = source.slice(0, loadStart) + source.slice(initSyncStart, asyncInitStart);
  const names = [...body.matchAll(/^export (?:function|class) (\w+)/gm)].map((m) => m[1]);
  const missing = REQUIRED_EXPORTS.filter((name) => !names.includes(name));
  expect(missing.length === 0, `exports missing from the glue: ${missing.join(', ')} (found ${names.join(', ')})`);
  body = body.replace(/^export (function|class) /gm, '$1 ');
  expect(!/^\s*(export|import)\b/m.test(body), 'module syntax is left after the rewrite');
  expect(!/\bimport\.meta\b|__wbg_load\b|__wbg_init\b/.test(body), 'the async loader is still referenced');
  expect(/new TextDecoder\(/.test(body) && /\.encodeInto\(/.test(body),
    'the glue no longer uses TextDecoder/encodeInto as the polyfill expects');

  const members = ['initSync', ...names.filter((name) => !OMITTED_EXPORTS.includes(name))];
  const script = '// Generated by appscript/build.mjs from pkg/stripe_torii_sync.js. Do not edit.\n' +
    'var StripeToriiCore = (function () {\n\'use strict\';\n' +
    `${body}\nreturn { ${members.map((n) => `${n}: ${n}`).join(', ')} };\n})();\n`;
  new vm.Script(script, { filename: '02_core.js' }); // a syntax error fails the build, not the spreadsheet
  return script;
}

/**
 * The clasp project file. A rebuild keeps the script ID already filled in,
 * so `clasp push` keeps working after `./dev build`.
 * @param {string} outDir
 * @returns {string}
 */
function claspJson(outDir) {
  const existing = join(outDir, '.clasp.json');
  let scriptId = SCRIPT_ID_PLACEHOLDER;
  if (existsSync(existing)) {
    try {
      scriptId = JSON.parse(readFileSync(existing, 'utf8')).scriptId || SCRIPT_ID_PLACEHOLDER;
    } catch {
      // An unreadable file is replaced by the template.
    }
  }
  return `${JSON.stringify({ scriptId, rootDir: '.', filePushOrder: PUSH_ORDER }, null, 2)}\n`;
}

/**
 * Writes dist/ from pkg/ and appscript/src/.
 * @param {{outDir?: string}} [options]
 * @returns {string[]} the names of the files written
 */
export function buildAppsScript({ outDir = join(here, 'dist') } = {}) {
  const wasm = readFileSync(join(pkg, 'stripe_torii_sync_bg.wasm'));
  const glue = readFileSync(join(pkg, 'stripe_torii_sync.js'), 'utf8');
  const generated = {
    '01_wasm.js': '// Generated by appscript/build.mjs: the wasm core, base64.\n' +
      `var STRIPE_TORII_WASM_BASE64 = '${wasm.toString('base64')}';\n`,
    '02_core.js': globalGlue(glue),
  };
  const files = {};
  for (const name of PUSH_ORDER) files[name] = generated[name] ?? readFileSync(join(here, 'src', SOURCES[name]), 'utf8');
  files[ONE_FILE] = PUSH_ORDER.map((name) => `// ---- ${name} ----\n${files[name]}`).join('\n');
  files['appsscript.json'] = readFileSync(join(here, 'appsscript.json'), 'utf8');
  files['.clasp.json'] = claspJson(outDir);
  files['.claspignore'] = CLASP_IGNORE;
  // One script: a syntax error, or two files declaring the same top-level
  // let/const, fails the build rather than the spreadsheet.
  new vm.Script(files[ONE_FILE], { filename: ONE_FILE });
  rmSync(outDir, { recursive: true, force: true }); // no stale file may be pushed
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  return Object.keys(files);
}

const invokedDirectly = process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? process.argv[at + 1] : undefined;
  const written = buildAppsScript({ outDir });
  console.log(`appscript/dist: ${written.join(', ')}`);
}
