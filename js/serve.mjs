// A static file server for the web page: www/ at "/" and the built wasm
// package pkg/ at "/pkg/", on loopback only. Used by `./dev demo` and the
// browser tests; the page itself needs nothing but static hosting.
//
//   node js/serve.mjs [--port N]

import { createServer } from 'node:http';
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../', import.meta.url));
const MOUNTS = [['/pkg/', join(root, 'pkg')], ['/', join(root, 'www')]];
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
 * Maps a request path to a file under one of the mounts, or undefined for a
 * path that would leave it (`..`, also %-encoded) or cannot be decoded.
 * @param {string} urlPath
 * @returns {string | undefined}
 */
function resolvePath(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined; // a malformed %-escape
  }
  if (path.includes('\0')) return undefined;
  for (const [prefix, dir] of MOUNTS) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(dir, path.slice(prefix.length) || 'index.html'));
    return file.startsWith(dir + sep) ? file : undefined;
  }
  return undefined;
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = resolvePath(req.url);
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
 * @param {{port?: number, host?: string}} [options] port 0 picks a free one
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>}
 */
export async function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  if (!LOOPBACK.has(host)) throw new Error(`the page server binds loopback only, not ${host}`);
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const invokedDirectly = process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port needs a number from 0 to 65535, got "${values.port}"`);
    process.exit(2);
  }
  if (!existsSync(join(root, 'pkg', 'stripe_torii_sync_bg.wasm'))) {
    console.error('pkg/ is not built yet: run ./dev build first; the page needs the wasm core.');
  }
  const server = await startServer({ port });
  console.log(`serving the page on ${server.url} (Ctrl-C to stop)`);
}
