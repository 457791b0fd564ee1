// The artefacts `./dev package` builds into dist/, used as a user gets them:
// the npm tarball installed globally into a fresh HOME and prefix with a
// PATH that has Node and npm but no Rust, then run from an empty folder
// (transform, sync to the local emulator, --version, --help); dist/web
// served by `python3 -m http.server` at the root and under a sub-path in
// Chromium; dist/appscript as the clasp files plus the one-file Code.gs.
// Versions and licenses agree across Cargo.toml, package.json and the core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadCore } from '../../js/core.cjs';
import { startEmulator } from '../../js/emulator.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const tarball = join(dist, `stripe-torii-sync-${cargoVersion}.tgz`);
const KEY = 'package-test-key-51c2';
const ACCOUNT = '4242';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

let core;
before(async () => {
  assert.ok(existsSync(tarball), `${tarball} is missing: run ./dev package`);
  core = loadCore();
});

/** Runs the repository's CLI, for comparing the installed one against. */
function repoCli(args) {
  return spawnSync(process.execPath, [join(root, 'js/cli.cjs'), ...args], { encoding: 'utf8' });
}

test('versions and licenses agree: Cargo.toml, package.json, package-lock.json and the core', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const cargoLicense = /^license\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
  assert.equal(pkg.version, cargoVersion);
  assert.equal(lock.packages[''].version, cargoVersion);
  assert.equal(core.version(), cargoVersion);
  assert.equal(cargoLicense, 'MIT OR Apache-2.0');
  assert.equal(pkg.license, cargoLicense);
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /MIT OR Apache-2\.0/);
  assert.match(readFileSync(join(root, 'LICENSE-MIT'), 'utf8'), /^MIT License/);
  assert.match(readFileSync(join(root, 'LICENSE-APACHE'), 'utf8'), /Apache License\s+Version 2\.0/);
});

test('the npm tarball installs and runs with Node alone: no Rust, no repository', async (t) => {
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'sts-npm-')));
  const prefix = join(home, 'prefix');
  const work = join(home, 'work');
  mkdirSync(work);
  const npm = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
  // Node and npm, the prefix's bin and the system's basics; never ~/.cargo/bin.
  const path = [join(prefix, 'bin'), dirname(process.execPath), dirname(npm), '/usr/bin', '/bin']
    .filter((d) => !d.includes(`${sep}.cargo`)).join(':');
  const env = {
    HOME: home, PATH: path, npm_config_prefix: prefix, npm_config_cache: join(home, '.npm'),
    npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false',
  };
  assert.notEqual(spawnSync('sh', ['-c', 'command -v cargo || command -v rustc || command -v wasm-pack'], { env }).status, 0,
    'no Rust tool on the PATH');

  // --offline: the package has no dependencies, so it must install with no registry at all.
  execFileSync(npm, ['install', '-g', '--offline', tarball], { env, cwd: work, stdio: 'pipe' });
  const bin = join(prefix, 'bin', 'stripe-torii-sync');
  const installed = realpathSync(bin);
  assert.ok(installed.startsWith(join(prefix, 'lib', 'node_modules', 'stripe-torii-sync') + sep), installed);
  const run = (args, extra = {}) => new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...env, ...extra }, cwd: work });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });

  const version = await run(['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.toString(), `stripe-torii-sync ${cargoVersion} (core ${cargoVersion})\n`);

  const help = await run(['--help']);
  assert.equal(help.status, 0);
  assert.equal(help.stdout.toString(), repoCli(['--help']).stdout, 'the usage text, from the core it carries');

  cpSync(sample, join(work, 'export.csv'));
  const transform = await run(['transform', 'export.csv']);
  assert.equal(transform.status, 0, transform.stderr);
  assert.deepEqual(transform.stdout, Buffer.from(core.transform(readFileSync(sample)).json()), 'byte for byte the core\'s file');
  assert.match(transform.stderr, /^12 rows read: 9 exported/);

  const emulator = await startEmulator({ apiKey: KEY, appAccountIds: [ACCOUNT] });
  t.after(() => emulator.close());
  const sync = await run(['sync', 'export.csv', '--app-account', ACCOUNT, '--api-url', emulator.baseUrl],
    { TORII_API_KEY: KEY });
  assert.equal(sync.status, 0, sync.stderr);
  assert.match(sync.stderr, /\[4\/4\] start sync/);
  assert.ok(!sync.stderr.includes(KEY), 'the key is never printed');
  assert.equal(emulator.syncs.length, 1);
  const state = JSON.parse(readFileSync(join(home, '.config', 'stripe-torii-sync', 'state.json'), 'utf8'));
  assert.equal(state.targets[core.targetKey({ baseUrl: emulator.baseUrl, appAccountId: ACCOUNT })].baseline.userCount, 9,
    'the last sync is recorded under the fresh HOME');

  const missingKey = await run(['sync', 'export.csv', '--app-account', ACCOUNT]);
  assert.equal(missingKey.status, 2);
  assert.match(missingKey.stderr, /TORII_API_KEY/);

  // The package's own export, from a project that depends on it, by require and by import.
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(join(prefix, 'lib', 'node_modules', 'stripe-torii-sync'), join(work, 'node_modules', 'stripe-torii-sync'));
  for (const script of [
    "console.log(require('stripe-torii-sync').loadCore().version())",
    "import('stripe-torii-sync').then(({ loadCore }) => console.log(loadCore().version()))",
  ]) {
    const loaded = spawnSync(process.execPath, ['-e', script], { env, cwd: work, encoding: 'utf8' });
    assert.equal(loaded.stdout, `${cargoVersion}\n`, `${script}: ${loaded.stderr}`);
  }
});

// ---- dist/web ---------------------------------------------------------------------

/** Serves `dir` with python3's http.server on a free loopback port; resolves to its origin. */
async function pythonServer(t, dir) {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const port = /port (\d+)/.exec(seen)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    });
    child.once('exit', (code) => reject(new Error(`python3 -m http.server exited with ${code}: ${seen}`)));
  });
}

let browser;
after(() => browser?.close());

/** Opens `url`, loads the sample, and returns what went wrong on the way. */
async function useThePage(url) {
  browser ??= await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  try {
    await page.goto(url);
    await page.locator('body[data-ready]').waitFor();
    const icon = await page.locator('link[rel="icon"]').evaluate((link) => link.href);
    assert.equal(icon, `${url}favicon.svg`);
    const favicon = await page.evaluate(async (href) => (await fetch(href)).status, icon);
    assert.equal(favicon, 200, 'the favicon is served from the folder');
    await page.getByLabel('Stripe exports').setInputFiles(sample);
    await page.locator('#users tbody tr').first().waitFor();
    assert.equal(await page.locator('#users tbody tr').count(), 9);
    await page.waitForFunction(() => !document.querySelector('#download').disabled);
  } finally {
    await context.close();
  }
  return problems;
}

test('dist/web is one self-contained folder: the page, its worker, pkg/ and the favicon', () => {
  const web = join(dist, 'web');
  for (const file of ['index.html', 'app.js', 'worker.js', 'style.css', 'favicon.svg',
    'pkg/stripe_torii_sync.js', 'pkg/stripe_torii_sync_bg.wasm']) {
    assert.ok(existsSync(join(web, file)), file);
  }
  assert.deepEqual(readFileSync(join(web, 'pkg/stripe_torii_sync_bg.wasm')), readFileSync(join(root, 'pkg/stripe_torii_sync_bg.wasm')));
  // Every module the page imports is a relative path inside the folder.
  for (const file of readdirSync(web).filter((f) => f.endsWith('.js'))) {
    for (const [, spec] of readFileSync(join(web, file), 'utf8').matchAll(/\bfrom\s+'([^']+)'/g)) {
      assert.match(spec, /^\.\/[\w/.-]+$/, `${file} imports ${spec}`);
      assert.ok(existsSync(join(web, spec)), `${file} imports ${spec}, which is in the folder`);
    }
  }
});

test('dist/web served by python3 -m http.server at the root works with no console errors', async (t) => {
  const origin = await pythonServer(t, join(dist, 'web'));
  assert.deepEqual(await useThePage(`${origin}/`), []);
});

test('dist/web copied under a sub-path and served by python3 -m http.server works too', async (t) => {
  const site = mkdtempSync(join(tmpdir(), 'sts-site-'));
  cpSync(join(dist, 'web'), join(site, 'tools', 'torii'), { recursive: true });
  const origin = await pythonServer(t, site);
  assert.deepEqual(await useThePage(`${origin}/tools/torii/`), []);
});

// ---- dist/appscript ------------------------------------------------------------------

test('dist/appscript holds the clasp files, the one-file Code.gs in load order, and the README', () => {
  const dir = join(dist, 'appscript');
  const clasp = JSON.parse(readFileSync(join(dir, '.clasp.json'), 'utf8'));
  assert.ok(clasp.filePushOrder.length >= 5);
  const concatenated = clasp.filePushOrder.map((f) => readFileSync(join(dir, f), 'utf8'));
  const oneFile = readFileSync(join(dir, 'Code.gs'), 'utf8');
  let at = 0;
  for (const [i, part] of concatenated.entries()) {
    const found = oneFile.indexOf(part, at);
    assert.ok(found >= at, `Code.gs holds ${clasp.filePushOrder[i]} after the files before it`);
    at = found + part.length;
  }
  for (const file of readdirSync(join(root, 'appscript', 'dist'))) {
    assert.deepEqual(readFileSync(join(dir, file)), readFileSync(join(root, 'appscript', 'dist', file)), file);
  }
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8').split('\n## ')[1] ?? '', /Code\.gs/,
    'the README leads with the one-file install');
});
