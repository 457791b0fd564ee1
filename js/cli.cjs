#!/usr/bin/env node
// The Node command line: a thin host around the wasm core.
//
// It reads files and the environment, writes files and the terminal, and
// keeps the sync state. Its flags and usage text come from the core's option
// table; every decision about rows, options, requests, the guard and the
// wording of reports is the core's. CommonJS, for the start-up time of a
// one-shot run (see core.cjs).

'use strict';

const { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync, writeFileSync, writeSync } = require('node:fs');
const { basename, dirname, join, resolve } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { loadCore } = require('./core.cjs');

/** Flags of the host itself, per command: [placeholder of the value (null: a switch), help]. */
const HOST_FLAGS = {
  transform: {
    output: ['FILE', 'write the Torii JSON to FILE instead of stdout'],
    report: ['FILE', 'also write the report as JSON to FILE'],
    compare: ['FILE', 'show what changes against a previous Torii file (transform only: sync compares with the last sync)'],
    quiet: [null, 'print no report'],
  },
  sync: {
    'dry-run': [null, 'transform and show what would be sent, with the change preview; send nothing'],
    'allow-drop': [null, 'confirm a sync the destructive-sync guard would refuse'],
    state: ['PATH', 'where the last sync of each target is kept (default ~/.config/stripe-torii-sync/state.json)'],
  },
};

const EXIT = { ok: 0, failed: 1, usage: 2 };
const CHUNK_BYTES = 1 << 20;
/** A command line that cannot be run as given (exit 2, code `usage`). */
class UsageError extends Error {
  code = 'usage';
}

/**
 * Reads a file straight into the core's memory (an InputBuffer), so a large
 * export is not held twice; a pipe, or a file whose size changed while it
 * was read, is read to its end instead (readPipe).
 */
function readInput(file, io) {
  try {
    if (file === '-') return { name: 'stdin', data: io.readStdin(io.core) };
    const fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return { name: file, data: readPipe(fd, io.core) }; // a pipe has no size to trust
      const { size } = stat;
      const buffer = new io.core.InputBuffer(size); // refuses a file too large for the core, before reading it
      const view = buffer.view(); // valid until the next call into the core
      let filled = 0;
      for (let n; filled < size && (n = readSync(fd, view, filled, size - filled, null)) > 0;) filled += n;
      if (filled === size && readSync(fd, Buffer.alloc(1), 0, 1, null) === 0) return { name: file, data: buffer };
      buffer.free();
      return { name: file, data: readPipe(fd, io.core, 0) };
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    // Of several inputs, the one too large is named; the core's message knows no names.
    if (e?.code === 'input_too_large') e.message = `reading ${file === '-' ? 'standard input' : file}: ${e.message}`;
    throw fileError(e, `read ${file}`);
  }
}

/**
 * A file system error on a file named on the command line, as an error
 * naming what was done to it (`read --compare x.json`) with a stable code:
 * `no_such_file`, `is_a_directory`, or the system's code. Other errors
 * (the core's) are returned as they are.
 */
function fileError(e, doing) {
  if (!e?.syscall) return e;
  const writing = doing.startsWith('write');
  const [code, why] = {
    ENOENT: ['no_such_file', writing ? 'its folder does not exist' : 'no such file'],
    EISDIR: ['is_a_directory', 'it is a directory'],
  }[e.code] ?? [e.code, e.message];
  return Object.assign(new Error(`cannot ${doing}: ${why}`), { code });
}

/** Runs `act` on a file a flag names; a failure is a fileError naming the flag. */
function onFile(doing, flag, path, act) {
  try {
    return act(path);
  } catch (e) {
    throw fileError(e, `${doing} ${flag} ${path}`);
  }
}

/**
 * Reads `fd` to its end (from `position`, or where it stands when null)
 * into an InputBuffer. Its size is not known up front, so the core is asked
 * (checkInputSize) as the total grows: an input over the core's limit stops
 * being read as soon as it is over, not once gigabytes are held.
 */
function readPipe(fd, core, position = null) {
  const chunks = [];
  let total = 0;
  for (let chunk = Buffer.allocUnsafe(CHUNK_BYTES), filled = 0; ;) {
    let n;
    try {
      n = readSync(fd, chunk, filled, chunk.length - filled, position === null ? null : position + total);
    } catch (e) {
      if (e.code === 'EAGAIN') { // a non-blocking pipe with nothing in it yet
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (e.code !== 'EOF') throw e; // the end of a pipe, on Windows
      n = 0;
    }
    if (n === 0) {
      chunks.push(chunk.subarray(0, filled));
      break;
    }
    filled += n;
    total += n;
    core.checkInputSize(total);
    if (filled === chunk.length) { // full chunks only, so a pipe's small reads do not each hold a chunk
      chunks.push(chunk);
      chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      filled = 0;
    }
  }
  const buffer = new core.InputBuffer(total);
  const view = buffer.view(); // valid until the next call into the core
  for (let i = 0, at = 0; i < chunks.length; at += chunks[i].length, i += 1) view.set(chunks[i], at);
  return buffer;
}

/**
 * Writes the file a chunk at a time, so a million users never sit in one
 * string. Each chunk is a view over the core's memory (nextJsonView), not a
 * copy, so it is written out before the core is called again.
 */
async function writeJson(result, path, io) {
  const fd = path ? onFile('write', '--output', path, (p) => openSync(p, 'w')) : null;
  try {
    for (let chunk; (chunk = result.nextJsonView(CHUNK_BYTES)) !== undefined;) {
      if (fd !== null) writeAll(fd, chunk);
      else await io.stdout(chunk).catch((e) => { throw Object.assign(new Error(`cannot write the Torii file to stdout (${e.message})`), { code: e.code }); });
    }
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** writeSync until every byte is written (it may write fewer). */
function writeAll(fd, bytes) {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** The transform's flags that sync does not take: it compares with the last sync itself. */
const TRANSFORM_ONLY = new Set(['compare']);

/**
 * The host's flags of a command (sync takes the transform's too, but those
 * of TRANSFORM_ONLY), each true when it takes a value, and null for those
 * of the other command only, which the core refuses naming that command:
 * what the core's command-line grammar needs of them.
 */
function hostGrammar(command) {
  const own = command === 'sync' ? { ...HOST_FLAGS.transform, ...HOST_FLAGS.sync } : HOST_FLAGS.transform;
  const grammar = Object.fromEntries(Object.entries(own).map(([name, [arg]]) => [name, arg !== null]));
  for (const name of command === 'sync' ? TRANSFORM_ONLY : Object.keys(HOST_FLAGS.sync)) grammar[name] = null;
  return grammar;
}

/** The usage text, from the core's option table; only loaded when it is shown. */
const usageText = (core) => require('./flags.cjs').usage(core.optionCatalog(), HOST_FLAGS);

/**
 * Refuses, before anything is read or written, an output that names the
 * same file as another output, an input FILE, or the `compare` file: the
 * later write would silently replace it. `outputs` are [flag, path] pairs,
 * unset ones skipped. Only --output may name the `compare` file: it is read
 * before the output is written, so a run can update the file it compared with.
 */
function refuseCollisions(files, outputs, compare, { fileOnStdout = false } = {}) {
  if (outputs.every(([, path]) => path === undefined)) return; // nothing is written but stdout
  const seen = new Map(); // identity of a file -> what names it
  for (const file of files) if (file !== '-') for (const id of identities(file)) seen.set(id, `the input FILE ${file}`);
  // `--report /dev/stdout | jq` would get the report and the Torii file in one stream.
  if (fileOnStdout) for (const id of streamIdentities(fstatSync(1))) seen.set(id, 'standard output, where the Torii file goes');
  const compared = compare === undefined ? [] : identities(compare);
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    for (const id of identities(path)) {
      const other = seen.get(id) ?? (flag !== '--output' && compared.includes(id) ? `--compare ${compare}` : undefined);
      if (other) throw new UsageError(`${flag} ${path} is the same file as ${other}; give each its own file`);
      seen.set(id, `${flag} ${path}`);
    }
  }
}

/**
 * What names one stream whatever path reaches it: the device and inode of a
 * file, pipe or socket. A character device has none: writing /dev/null twice
 * is fine, and a terminal shows both.
 */
const streamIdentities = (stat) => (stat.isFile() || stat.isFIFO() || stat.isSocket() ? [`${stat.dev}:${stat.ino}`] : []);

/**
 * A file's identities: its absolute path (its folder's real path, so ./x,
 * x and a path through a symlinked folder agree) and, when it exists, its
 * stream's (a symlink or hard link to it, /dev/stdout for the pipe it is).
 */
function identities(path) {
  const absolute = resolve(path);
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    try {
      return [join(realpathSync(dirname(absolute)), basename(absolute))];
    } catch {
      return [absolute];
    }
  }
  return [...(stat.isFile() ? [realpathSync(absolute)] : []), ...streamIdentities(stat)];
}

function transform({ files, options }, io) {
  if (files.length === 0) throw new UsageError('give at least one FILE (or - for standard input)');
  // Standard input can be read once: a second - would be an empty export.
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('give - (standard input) only once');
  return io.core.transform(files.map((f) => readInput(f, io)), options.transform);
}

function finish(result, values, io) {
  if (values.report) onFile('write', '--report', values.report, (p) => writeFileSync(p, `${JSON.stringify(result.report(), null, 2)}\n`));
  if (!values.quiet) io.stderr(result.reportText());
}

async function cmdTransform(line, io) {
  const values = line.host;
  refuseCollisions(line.files, [['--output', values.output], ['--report', values.report]], values.compare,
    { fileOnStdout: values.output === undefined });
  const result = transform(line, io);
  if (values.compare) result.compare(onFile('read', '--compare', values.compare, readFileSync), values.compare);
  finish(result, values, io);
  const refusal = result.refusal();
  if (refusal) {
    // Fail closed: a refused file must not replace a good --output, nor reach
    // a pipe whose reader does not check the exit code. The report says what was wrong.
    io.stderr(`error: ${refusal.message} [${refusal.code}]`);
    return EXIT.failed;
  }
  await writeJson(result, values.output, io);
  return EXIT.ok;
}

async function cmdSync(line, io) {
  const { host: values, options } = line;
  const state = await import('./state.mjs');
  const statePath = values.state ?? state.defaultStatePath(io.env);
  refuseCollisions(line.files, [['--output', values.output], ['--report', values.report], ['--state', statePath]],
    undefined, { fileOnStdout: Boolean(values['dry-run']) && values.output === undefined });
  const result = transform(line, io);
  const target = io.core.targetKey(options.sync);
  // Held from reading the target's record to writing the new one; a dry run sends nothing and writes no record.
  // Ctrl-C or a kill stops the sync as Stop does on the page (the core says whether Torii may
  // have started it), so the target is released; a second one kills the process. The handlers
  // come before the hold, so no signal finds the target held and the process unguarded.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const dryRun = Boolean(values['dry-run']);
  if (!dryRun) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let hold = null;
  try {
    hold = dryRun ? null : state.holdTarget(statePath, target);
    return await syncTarget(line, io, { state, result, target, statePath, hold, signal: stop.signal });
  } finally {
    hold?.release(); // before the handlers go: a signal from then on kills a process that holds nothing
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** cmdSync once the file is transformed and, unless a dry run, the target held. */
async function syncTarget({ host: values, options }, io, { state, result, target, statePath, hold, signal }) {
  const apiKey = io.env.TORII_API_KEY ?? ''; // whether it is usable is the core's to say (startSync)
  const { loadTarget, saveTarget } = state;
  const { missingFile, lostIn, ...last } = loadTarget(statePath, target, { dryRun: Boolean(values['dry-run']) });
  if (lostIn) {
    const where = !lostIn.file ? 'moved aside' : `moved to ${lostIn.file}${lostIn.gone ? ' (no longer there)' : ''}`;
    io.stderr(`note: ${statePath} was rebuilt when a broken state file was ${where}, which may have held this target's record, `
      + 'so its record counts as unreadable until a confirmed sync of it; once you have looked at that file, delete "recoveredFrom" from the state file');
  }
  if (missingFile) io.stderr(`note: the file of the last sync (${missingFile}) is gone, so no changes are shown; this sync replaces it`);
  if (last.previousFile) {
    try {
      result.compare(last.previousFile, 'the last sync');
    } catch (e) {
      // The core leaves such a file out of the sync too: the baseline guards, and this sync's file replaces it.
      io.stderr(`note: the file of the last sync in ${statePath} cannot be read (${e.message} [${e.code}]), so no changes are shown; this sync replaces it`);
    }
  }
  const config = { ...options.sync, apiKey, allowDrop: Boolean(values['allow-drop']), ...last };
  finish(result, values, io);
  if (values['dry-run']) {
    io.stderr(result.plan(config).text);
    await writeJson(result, values.output, io);
    return EXIT.ok;
  }
  // Started before --output is written: a sync the core refuses to start (no key, strict) writes nothing.
  const session = result.startSync(config, Math.floor(Math.random() * 2 ** 32));
  const file = result.json();
  if (values.output) onFile('write', '--output', values.output, (p) => writeFileSync(p, file));
  hold.extend(session.longestRunMs); // counted from the first request, which comes next
  try {
    const outcome = await session.runWithFetch({ signal, onProgress: (p) => io.stderr(p.text) });
    io.stderr(outcome.text);
    try {
      const keptAside = saveTarget(statePath, target, { baseline: outcome.baseline, file });
      if (keptAside) io.stderr(`note: the sync state file ${statePath} was not a valid state file, so it was moved to ${keptAside} and a new one holds this sync's record`);
    } catch (e) {
      io.stderr(`error: ${io.core.unsavedRecordText(`${statePath}: ${e.message}`)} [last_sync_unsaved]`);
      return EXIT.failed;
    }
    return EXIT.ok;
  } catch (e) {
    if (e.code === 'destructive_sync') {
      e.hint = `pass --allow-drop to sync anyway; the record of the last sync is in ${statePath}`;
    }
    throw e;
  }
}

async function cmdEmulator(args, io) {
  let values;
  try {
    const options = { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
    values = require('node:util').parseArgs({ args, options, strict: true }).values;
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (values.help) { // as for the other commands
    await io.stdout(usageText(io.core));
    return EXIT.ok;
  }
  const { startEmulator } = await import('./emulator.mjs');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number, got "${values.port}"`);
  const emulator = await startEmulator({ port, apiKey: io.env.TORII_API_KEY || undefined });
  await io.stdout(`${emulator.baseUrl}\n`);
  io.stderr(`Torii emulator listening on ${emulator.baseUrl} (Ctrl-C to stop)`);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await emulator.close();
  return EXIT.ok;
}

/**
 * Runs the CLI. `io` is injectable so tests can run it in-process:
 * `{env, stdout(data), stderr(text), readStdin(core), core?}`; readStdin
 * returns the bytes of standard input (a Uint8Array or an InputBuffer). `stdout`'s
 * promise must resolve only once it is done with `data`, which may be a view
 * over the core's memory that the next call into the core overwrites (copy
 * it to keep it), and reject when the data cannot be written.
 * @returns {Promise<number>} the exit code
 */
async function main(argv, io = defaultIo()) {
  const [command, ...rest] = argv;
  try {
    io.core ??= loadCore();
    if (command === '--version' || command === '-V') {
      const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
      await io.stdout(`stripe-torii-sync ${version} (core ${io.core.version()})\n`);
      return EXIT.ok;
    }
    if (!command) { // nothing asked for: the usage text is the diagnostic, as for any usage error
      io.stderr(usageText(io.core));
      return EXIT.usage;
    }
    if (['--help', '-h', 'help'].includes(command)) {
      await io.stdout(usageText(io.core));
      return EXIT.ok;
    }
    if (command === 'emulator') return await cmdEmulator(rest, io);
    if (!HOST_FLAGS[command]) throw new UsageError(`unknown command "${command}"`);
    // The core reads the arguments, by the same option table as the page and the Sheet.
    const line = io.core.parseCommandLine(command, rest, hostGrammar(command));
    if (line.help) {
      await io.stdout(usageText(io.core));
      return EXIT.ok;
    }
    return await (command === 'sync' ? cmdSync : cmdTransform)(line, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message} [${e.code}]\n\n${io.core ? usageText(io.core) : ''}`);
      return EXIT.usage;
    }
    io.stderr(`error: ${e?.message ?? e}${flagOf(e, io.core)}${e?.code ? ` [${e.code}]` : ''}`);
    if (e?.hint) io.stderr(`(${e.hint})`);
    if (typeof e?.reportText === 'string') io.stderr(e.reportText.trimEnd()); // no valid users: the report says why, row by row
    return e?.usage ? EXIT.usage : EXIT.failed; // the core says which of its errors are the command line's
  }
}

/** " (--flag)" for a core error about an option the message does not name by its flag; the key's is its variable. */
function flagOf(e, core) {
  const name = e?.option ?? e?.field;
  const flag = name === 'apiKey' ? 'TORII_API_KEY' : name && core?.optionCatalog().find((o) => o.jsName === name)?.cliFlag;
  return flag && !e.message.includes(flag) ? ` (${flag})` : '';
}

/**
 * Writes to stdout, resolving once the data is written out and no longer
 * needed, so a large file is streamed, not buffered, and a chunk that is a
 * view over the core's memory may be reused after it.
 *
 * A file or a device (`> users.json`, /dev/null, a terminal) is written
 * with writeSync: process.stdout would first load Node's stream modules,
 * about 1.5 ms of a 100-row run. A pipe or a socket, and whatever is left
 * when a write would block, go through process.stdout, which waits for a
 * slow reader instead of failing.
 */
function stdoutWriter() {
  let direct;
  let stream;
  const viaStream = (data) => {
    if (!stream) {
      stream = process.stdout;
      // A write that fails (a reader that closed the pipe) is reported by
      // its callback; without a listener the stream's 'error' event would
      // crash the process with a stack trace instead.
      stream.on('error', () => {});
    }
    return new Promise((resolve, reject) => stream.write(data, (e) => (e ? reject(e) : resolve())));
  };
  return (data) => {
    direct ??= isFileOrDevice(1);
    if (!direct) return viaStream(data);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
      return Promise.resolve();
    } catch (e) {
      if (e.code !== 'EAGAIN') return Promise.reject(e);
      direct = false;
      return viaStream(bytes.subarray(done));
    }
  };
}

function isFileOrDevice(fd) {
  try {
    const stat = fstatSync(fd);
    return stat.isFile() || stat.isCharacterDevice();
  } catch {
    return false;
  }
}

function defaultIo() {
  return {
    env: process.env,
    stdout: stdoutWriter(),
    stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    readStdin: (core) => readPipe(0, core),
  };
}

if (require.main === module) {
  // A one-shot run on a typical export ends before V8's optimising tier
  // could pay off, yet Node waits at exit for the optimising compiles it has
  // queued in the background (about 25 ms of a 100-row run, see
  // BENCHMARKS.md). A larger tiering budget queues them only for code that
  // runs much longer, as on a 100k-row export, which still tiers up.
  setFlagsFromString('--wasm-tiering-budget=100000000');
  // The core is built and checked by us, so each function is validated
  // when it is first compiled, not all of them up front (about 1 ms).
  setFlagsFromString('--wasm-lazy-validation');
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { main };
