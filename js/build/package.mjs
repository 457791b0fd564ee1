/**
 * @file Builds the three installable artefacts into dist/ from what
 * `./dev build` left in pkg/ and appscript/dist/:
 *
 *   dist/stripe-torii-sync-<version>.tgz  the npm package: the CLI, the Node
 *                                         loader and the prebuilt wasm; needs
 *                                         Node >= 20 and nothing else
 *   dist/web/                             the page as one static folder, pkg/
 *                                         inside, for any static server at any path
 *   dist/appscript/                       the clasp files and the one-file Code.gs
 *
 *   node js/build/package.mjs
 *
 * The package's manifest is derived from the repository's package.json
 * (name, version, description, license, engines, bin) without the
 * development dependencies; its version must equal Cargo.toml's, so the CLI
 * and the core it carries are released together.
 */

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const staging = join(root, 'target', 'npm-package');

/** What the page loads of the built core: the ES-module glue and the .wasm. */
const WEB_CORE_FILES = ['stripe_torii_sync.js', 'stripe_torii_sync_bg.wasm'];
/** The built core in the npm package: also the glue's CommonJS form, which the Node loader loads, and the types. */
const CORE_FILES = [...WEB_CORE_FILES, 'stripe_torii_sync.cjs', 'stripe_torii_sync.d.ts'];
/** The Node host: the CLI and everything it imports. */
const NODE_FILES = ['cli.cjs', 'flags.cjs', 'core.cjs', 'state.mjs', 'emulator.mjs'];
const LICENSE_FILES = ['LICENSE', 'LICENSE-MIT', 'LICENSE-APACHE'];

function fail(message) {
  throw new Error(`package: ${message}`);
}

/** The `version` of Cargo.toml's [package] table. */
function cargoVersion() {
  const manifest = readFileSync(join(root, 'Cargo.toml'), 'utf8');
  const table = manifest.split(/^\[/m).find((t) => t.startsWith('package]'));
  return /^version\s*=\s*"([^"]+)"/m.exec(table ?? '')?.[1] ?? fail('Cargo.toml has no [package] version');
}

function requireBuilt() {
  for (const file of CORE_FILES) {
    if (!existsSync(join(root, 'pkg', file))) fail(`pkg/${file} is missing; run ./dev build first`);
  }
  if (!existsSync(join(root, 'appscript', 'dist', 'Code.gs'))) fail('appscript/dist/ is not built; run ./dev build first');
}

/** The published manifest: what an installed CLI needs, nothing for development. */
function packageManifest(repo, version) {
  return {
    name: repo.name,
    version,
    description: repo.description,
    license: repo.license,
    type: 'module',
    engines: repo.engines,
    bin: repo.bin,
    exports: { '.': './js/core.cjs', './cli': './js/cli.cjs', './package.json': './package.json' },
    files: ['js/', 'pkg/', 'README.md', ...LICENSE_FILES],
  };
}

function buildNpmPackage(version) {
  const repo = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (repo.version !== version) fail(`package.json has version ${repo.version} but Cargo.toml has ${version}`);
  const cargoLicense = /^license\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))?.[1];
  if (repo.license !== cargoLicense) fail(`package.json's license "${repo.license}" differs from Cargo.toml's "${cargoLicense}"`);

  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'js'), { recursive: true });
  mkdirSync(join(staging, 'pkg'));
  for (const file of NODE_FILES) cpSync(join(root, 'js', file), join(staging, 'js', file));
  for (const file of CORE_FILES) cpSync(join(root, 'pkg', file), join(staging, 'pkg', file));
  for (const file of LICENSE_FILES) cpSync(join(root, file), join(staging, file));
  cpSync(join(root, 'js', 'PACKAGE.md'), join(staging, 'README.md'));
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(packageManifest(repo, version), null, 2)}\n`);

  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dist], { cwd: staging, encoding: 'utf8' });
  const [{ filename, files }] = JSON.parse(out);
  const packed = new Set(files.map((f) => f.path));
  for (const file of [...NODE_FILES.map((f) => `js/${f}`), ...CORE_FILES.map((f) => `pkg/${f}`)]) {
    if (!packed.has(file)) fail(`npm pack left out ${file}`);
  }
  return filename;
}

function buildWeb() {
  const web = join(dist, 'web');
  cpSync(join(root, 'www'), web, { recursive: true });
  mkdirSync(join(web, 'pkg'));
  for (const file of WEB_CORE_FILES) cpSync(join(root, 'pkg', file), join(web, 'pkg', file));
  return readdirSync(web);
}

function buildAppScript() {
  const from = join(root, 'appscript', 'dist');
  const to = join(dist, 'appscript');
  cpSync(from, to, { recursive: true });
  cpSync(join(root, 'appscript', 'README.md'), join(to, 'README.md'));
  return readdirSync(to, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

function main() {
  requireBuilt();
  const version = cargoVersion();
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist);
  const tarball = buildNpmPackage(version);
  const web = buildWeb();
  const appscript = buildAppScript();
  process.stdout.write(`dist/${tarball}\ndist/web: ${web.join(', ')}\ndist/appscript: ${appscript.join(', ')}\n`);
}

main();
