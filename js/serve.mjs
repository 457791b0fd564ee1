// A static file server for the web page: www/ at the base path ("/" unless
// told otherwise) and the built wasm package pkg/ at "<base>pkg/", on
// loopback only. Used by `./dev demo`, the browser tests and the page
// benchmark; the page itself needs nothing but static hosting.
//
//   node js/serve.mjs [--port N] [--base /sub/path/] [--dir FOLDER]
//
// --dir serves a folder that already holds the page with pkg/ inside it (a
// copy as it would be deployed) instead of www/ and pkg/ of this repository.

import { createServer } from 'node:http';
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../', import.meta.url));
const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * The mounts of a server: [URL prefix, folder], most specific first.
 * @param {string} base  "/" or "/sub/path/"
 * @param {string | undefined} dir  a folder holding the page and its pkg/
 */
function mounts(base, dir) {
  if (dir) return [[base, resolve(dir)]];
  return [[`${base}pkg/`, join(root, 'pkg')], [base, join(root, 'www')]];
}

/**
 * Maps a request path to a file under one of the mounts, or undefined for a
 * path that would leave it (`..`, also %-encoded) or cannot be decoded.
 * @param {Array<[string, string]>} table
 * @param {string} urlPath
 * @returns {string | undefined}
 */
function resolvePath(table, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined; // a malformed %-escape
  }
  if (path.includes('\0')) return undefined;
  for (const [prefix, dir] of table) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, path.slice(prefix.length) || 'index.html'));
    return file.startsWith(dir + sep) ? file : undefined;
  }
  return undefined;
}

async function handle(table, base, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  // The page's URLs are relative: its folder must be asked for with the trailing slash.
  if (base !== '/' && req.url.split('?')[0] === base.slice(0, -1)) {
    res.writeHead(301, { location: base }).end();
    return;
  }
  const file = resolvePath(table, req.url);
  let body;
  try {
    body = file && (await readFile(file));
  } catch {
    body = undefined; // missing, or a directory
  }
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-store', // the lead rebuilds pkg/ in place; a stale .wasm would mislead
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the server on loopback.
 * @param {{port?: number, host?: string, base?: string, dir?: string}} [options]
 *   port 0 picks a free one; base is the URL path the page lives under ("/sub/" style);
 *   dir, a folder holding the page with pkg/ inside it, replaces www/ and pkg/
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>} url is the page's URL
 */
export async function startServer({ port = 0, host = '127.0.0.1', base = '/', dir } = {}) {
  if (!LOOPBACK.has(host)) throw new Error(`the page server binds loopback only, not ${host}`);
  if (!/^\/(?:[\w.~-]+\/)*$/.test(base)) throw new Error(`the base path must look like / or /sub/path/, not ${base}`);
  const table = mounts(base, dir);
  const server = createServer((req, res) => {
    handle(table, base, req, res).catch(() => res.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}${base}`,
    port: actual,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const invokedDirectly = process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, base: { type: 'string' }, dir: { type: 'string' } } });
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port needs a number from 0 to 65535, got "${values.port}"`);
    process.exit(2);
  }
  const wasm = values.dir ? join(values.dir, 'pkg', 'stripe_torii_sync_bg.wasm') : join(root, 'pkg', 'stripe_torii_sync_bg.wasm');
  if (!existsSync(wasm)) {
    console.error(`${wasm} is missing: run ./dev build first; the page needs the wasm core.`);
  }
  try {
    const server = await startServer({ port, base: values.base ?? '/', dir: values.dir });
    console.log(`serving the page on ${server.url} (Ctrl-C to stop)`);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
