#!/usr/bin/env node
// The Node command line: a thin host around the wasm core.
//
// It parses arguments, reads and writes files, reads the API key from the
// environment and prints results. Every decision about rows, requests,
// retries and the destructive-sync guard is made by the core.

import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCore } from './core.mjs';
import { readState, writeState, defaultStatePath, stateKey } from './state.mjs';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage:
  stripe-torii-sync transform FILE [options]     Stripe export -> Torii JSON on stdout, report on stderr
  stripe-torii-sync sync FILE --app-account ID [--api-url URL] [options]
                                                 transform, then upload and sync to Torii
  stripe-torii-sync emulator [--port N]          run the local Torii emulator
FILE may be - for standard input.

Transform options:
  --license-name S            license name (default "Stripe")
  --price-per-user-cents N    price per user, whole cents (default 0)
  --unassigned N              unassigned licenses (default 0)
  --no-license                write no license
  --date-order mdy|dmy        order of slash dates like 3/4/2025 (default mdy)
  --exclude-status S          skip rows with this status or class (repeatable)
  --exclude-role S            skip rows holding this role (repeatable)
  --include-domain D          keep only these email domains (repeatable)
  --exclude-domain D          skip these email domains (repeatable)
  --status-map TEXT=CLASS     extra status wording, CLASS is active|inactive|deleted (repeatable)
  --columns F=H,...           map fields to headers or 1-based numbers, e.g. email=Work email,lastUsed=6
                              fields: email name firstName lastName status roles lastUsed
  --delimiter ,|;|tab         field delimiter (default: sniffed)
  --report FILE               also write the report as JSON to FILE
  --output FILE               write the Torii JSON to FILE instead of stdout
  --strict                    exit 1 when any row was rejected
  --quiet                     print no report

Sync options (the API key is read from TORII_API_KEY, never from an argument):
  --app-account ID            Torii App Account ID (required)
  --api-url URL               API base URL (default https://api.toriihq.com/v1.0)
  --api-version V             send X-API-Version: V
  --file-name NAME            name of the uploaded file (default stripe-users.json)
  --direct                    one multipart upload instead of the presigned-URL sequence (files <= 3 MB)
  --dry-run                   transform and show what would be sent; send nothing
  --state PATH                where the last synced user count is kept (default ${defaultStatePath()})
  --max-drop-percent N        refuse a sync dropping more than N% of users (default 20)
  --allow-drop                confirm a sync that drops more users than that
  --wait-budget-ms N          total time allowed for retry waits (default 60000)
`;

const TRANSFORM_FLAGS = {
  'license-name': { type: 'string' },
  'price-per-user-cents': { type: 'string' },
  unassigned: { type: 'string' },
  'no-license': { type: 'boolean' },
  'date-order': { type: 'string' },
  'exclude-status': { type: 'string', multiple: true },
  'exclude-role': { type: 'string', multiple: true },
  'include-domain': { type: 'string', multiple: true },
  'exclude-domain': { type: 'string', multiple: true },
  'status-map': { type: 'string', multiple: true },
  columns: { type: 'string' },
  delimiter: { type: 'string' },
  report: { type: 'string' },
  output: { type: 'string' },
  strict: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const SYNC_FLAGS = {
  ...TRANSFORM_FLAGS,
  'app-account': { type: 'string' },
  'api-url': { type: 'string' },
  'api-version': { type: 'string' },
  'file-name': { type: 'string' },
  direct: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  state: { type: 'string' },
  'max-drop-percent': { type: 'string' },
  'allow-drop': { type: 'boolean' },
  'wait-budget-ms': { type: 'string' },
};

const COLUMN_FIELDS = {
  email: 'email', name: 'name', firstname: 'firstName', lastname: 'lastName',
  status: 'status', roles: 'roles', role: 'roles', lastused: 'lastUsed', lastlogin: 'lastUsed',
};

class UsageError extends Error {}

/** A number as given, for the core to validate (it refuses 1.5 or -1). */
function numberArg(name, value) {
  if (value === undefined) return undefined;
  if (value.trim() === '' || Number.isNaN(Number(value))) {
    throw new UsageError(`--${name} needs a number, got "${value}"`);
  }
  return Number(value);
}

function parseColumns(spec) {
  const columns = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new UsageError(`--columns expects FIELD=HEADER pairs, got "${part}"`);
    const key = part.slice(0, eq).trim().toLowerCase().replace(/[-_\s]/g, '');
    const field = COLUMN_FIELDS[key];
    if (!field) throw new UsageError(`--columns: unknown field "${part.slice(0, eq)}"`);
    const header = part.slice(eq + 1).trim();
    columns[field] = /^\d+$/.test(header) ? Number(header) : header;
  }
  return columns;
}

/** Builds the core's TransformOptions from parsed flags. */
export function transformOptions(v) {
  const options = {};
  if (v['license-name'] !== undefined) options.licenseName = v['license-name'];
  const price = numberArg('price-per-user-cents', v['price-per-user-cents']);
  if (price !== undefined) options.pricePerUserCents = price;
  const unassigned = numberArg('unassigned', v.unassigned);
  if (unassigned !== undefined) options.unassignedAmount = unassigned;
  if (v['no-license']) options.includeLicense = false;
  if (v['date-order'] !== undefined) {
    if (!['mdy', 'dmy'].includes(v['date-order'])) {
      throw new UsageError(`--date-order must be mdy or dmy, got "${v['date-order']}"`);
    }
    options.dateOrder = v['date-order'];
  }
  if (v['exclude-status']) options.excludeStatuses = v['exclude-status'];
  if (v['exclude-role']) options.excludeRoles = v['exclude-role'];
  if (v['include-domain']) options.includeDomains = v['include-domain'];
  if (v['exclude-domain']) options.excludeDomains = v['exclude-domain'];
  if (v['status-map']) {
    options.statusMap = {};
    for (const pair of v['status-map']) {
      const eq = pair.lastIndexOf('=');
      if (eq < 1) throw new UsageError(`--status-map expects TEXT=CLASS, got "${pair}"`);
      options.statusMap[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  if (v.columns !== undefined) options.columns = parseColumns(v.columns);
  if (v.delimiter !== undefined) options.delimiter = v.delimiter;
  return options;
}

function readInput(file, io) {
  if (file === '-') return io.readStdin();
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

class InputError extends Error {}

/** Runs the transform and writes the JSON, report and report file. */
async function runTransform(core, file, v, io) {
  const bytes = readInput(file, io);
  const options = transformOptions(v);
  const out = core.transformBytes(bytes, options);
  if (v.report) writeFileSync(v.report, JSON.stringify(out.report, null, 2) + '\n');
  if (!v.quiet) io.stderr(out.reportText);
  return out;
}

async function cmdTransform(positionals, v, io) {
  const [file] = positionals;
  if (!file) throw new UsageError('transform needs a FILE (or - for stdin)');
  const core = await loadCore();
  const out = await runTransform(core, file, v, io);
  if (v.output) writeFileSync(v.output, out.json);
  else io.stdout(out.json);
  if (v.strict && out.report.rejected > 0) {
    io.stderr(`--strict: ${out.report.rejected} row(s) rejected`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

async function cmdSync(positionals, v, io) {
  const [file] = positionals;
  if (!file) throw new UsageError('sync needs a FILE (or - for stdin)');
  const appAccountId = v['app-account'];
  if (!appAccountId) throw new UsageError('sync needs --app-account ID');
  const apiKey = io.env.TORII_API_KEY ?? '';
  if (!apiKey && !v['dry-run']) {
    throw new UsageError('set the TORII_API_KEY environment variable to your Torii API key');
  }
  const core = await loadCore();
  const out = await runTransform(core, file, v, io);
  const apiUrl = v['api-url'] ?? 'https://api.toriihq.com/v1.0';
  const statePath = v.state ?? defaultStatePath(io.env);
  const key = stateKey(apiUrl, appAccountId);
  const previous = readState(statePath)[key];
  const config = {
    apiKey,
    appAccountId,
    baseUrl: apiUrl,
    fileName: v['file-name'] ?? 'stripe-users.json',
    mode: v.direct ? 'direct' : 'presigned',
    allowDrop: Boolean(v['allow-drop']),
  };
  if (v['api-version']) config.apiVersion = v['api-version'];
  const maxDrop = numberArg('max-drop-percent', v['max-drop-percent']);
  if (maxDrop !== undefined) config.maxDropPercent = maxDrop;
  const budget = numberArg('wait-budget-ms', v['wait-budget-ms']);
  if (budget !== undefined) config.waitBudgetMs = budget;
  if (previous) config.previousUserCount = previous.userCount;

  const guard = core.checkSyncGuard({
    previousUserCount: previous?.userCount,
    userCount: out.report.usersExported,
    maxDropPercent: config.maxDropPercent,
    allowDrop: config.allowDrop,
  });
  if (v['dry-run']) {
    const steps = config.mode === 'direct'
      ? [`POST ${apiUrl}/files/upload (multipart, ${out.json.length} bytes)`]
      : [
        `GET ${apiUrl}/files/url?name=${encodeURIComponent(config.fileName)}&type=customIntegrationData`,
        `PUT <presigned upload URL> (${out.json.length} bytes, no Authorization header)`,
        `POST ${apiUrl}/files`,
      ];
    steps.push(`PUT ${apiUrl}/services/sync/custom (idAppAccount ${appAccountId})`);
    io.stderr(`dry run: would send ${out.report.usersExported} users to app account ${appAccountId}:`);
    steps.forEach((s, i) => io.stderr(`  ${i + 1}. ${s}`));
    io.stderr(guard.allowed ? '  guard: ok' : `  guard: ${guard.message}`);
    io.stdout(out.json);
    return EXIT_OK;
  }
  if (!guard.allowed) {
    io.stderr(`error: ${guard.message} (pass --allow-drop to confirm)`);
    return EXIT_FAILED;
  }
  const outcome = await core.syncWithFetch(config, out.json, {
    onProgress: (p) => {
      if (p.step === 'wait') {
        io.stderr(`      waiting ${(p.ms / 1000).toFixed(1)} s before ${p.reason}`);
        return;
      }
      const attempt = p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
      io.stderr(`[${p.index}/${p.total}] ${p.label}${attempt}`);
    },
  });
  writeState(statePath, key, {
    userCount: outcome.userCount,
    fileId: outcome.fileId,
    syncedAt: new Date().toISOString(),
  });
  io.stderr(
    `synced: file id ${outcome.fileId}, ${outcome.userCount} users, ` +
    `${outcome.requests} requests, ${outcome.retries} retries, ${outcome.totalMs} ms`,
  );
  return EXIT_OK;
}

async function cmdEmulator(v, io) {
  const { startEmulator } = await import('./emulator.mjs');
  const port = numberArg('port', v.port) ?? 0;
  const emulator = await startEmulator({ port, apiKey: io.env.TORII_API_KEY || undefined });
  io.stdout(`${emulator.baseUrl}\n`);
  io.stderr(`Torii emulator listening on ${emulator.baseUrl} (Ctrl-C to stop)`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await emulator.close();
  return EXIT_OK;
}

/**
 * Runs the CLI. `io` is injectable so tests can run it in-process.
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io = defaultIo()) {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command ? EXIT_OK : EXIT_USAGE;
    }
    const flags = { transform: TRANSFORM_FLAGS, sync: SYNC_FLAGS, emulator: { port: { type: 'string' } } }[command];
    if (!flags) throw new UsageError(`unknown command "${command}"`);
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: flags, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(e.message);
    }
    if (parsed.values.help) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (parsed.positionals.length > 1) {
      throw new UsageError(`unexpected argument "${parsed.positionals[1]}"`);
    }
    if (command === 'transform') return await cmdTransform(parsed.positionals, parsed.values, io);
    if (command === 'sync') return await cmdSync(parsed.positionals, parsed.values, io);
    return await cmdEmulator(parsed.values, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (e?.code === 'invalid_option' || e?.code === 'invalid_config') {
      io.stderr(`error: ${e.message}`);
      return EXIT_USAGE;
    }
    if (e instanceof InputError || typeof e?.code === 'string') {
      io.stderr(`error: ${e.message}${e.code && !(e instanceof InputError) ? ` [${e.code}]` : ''}`);
      if (e.report?.diagnostics?.length) {
        for (const d of e.report.diagnostics) io.stderr(`  line ${d.line}: ${d.level} ${d.code}: ${d.message}`);
      }
      return EXIT_FAILED;
    }
    io.stderr(`error: ${e?.message ?? e}`);
    return EXIT_FAILED;
  }
}

function defaultIo() {
  return {
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    readStdin: () => readFileSync(0),
  };
}

const invokedDirectly = process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
