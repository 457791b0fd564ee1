// `./dev bench`: our wasm core against the pipeline it replaces (Torii's
// Google Sheet sample on a JS CSV parser) and against the raw csv-crate parse,
// on generated Stripe-like exports (generate.mjs), in the same run. Writes a
// markdown report with met / NOT met per target (BENCHMARKS.md by default)
// and prints it.
//
// Sections: in process (each contender in a child process of its own, so
// peak memory is per contender); whole process (the CLI against the sample
// as a command, and `node -e 0`, interleaved); the CLI's peak memory on 1M
// rows; the .wasm's size; the Apps Script sandbox; the page in Chromium.
//
// A benchmark, not a test: it reports numbers. A contender that crashes or
// runs out of memory is a result in the table; the exit status is non-zero
// only when the benchmark itself fails.
//
//   node js/bench/run.mjs [--sizes 1k,100k,1m] [--quick] [--out FILE]

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { benchAppsScript } from './appscript.mjs';
import { CONTENDERS, LABELS } from './contenders.mjs';
import { exportFile } from './generate.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const WASM = `${root}pkg/stripe_torii_sync_bg.wasm`;

const SIZES = { '1k': 1_000, '100k': 100_000, '1m': 1_000_000 };
/** Timed runs per measurement: many where a run is short and noisy, one at 1M (seconds, and memory). */
const runsFor = (rows) => (rows <= 10_000 ? 31 : rows <= 100_000 ? 7 : 1);
const TARGETS = {
  inProcessAt100k: 5, shareOfRawParse: 0.4, wholeProcessSmall: 1.0, startupMs: 15, wholeProcessAt100k: 3,
  rssAt1mMb: 400, wasmKb: 150, wasmGzKb: 60,
};
/** Interleaved rounds per whole-process size: a 100-row run is short and this VM's noise is ±20 ms, so many. */
const WHOLE_ROUNDS = { 100: 21, 100_000: 5 };

const { values: args } = parseArgs({
  options: { sizes: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' } },
});
const sizes = (args.quick ? '1k,100k' : args.sizes ?? '1k,100k,1m').split(',').map((s) => {
  const rows = SIZES[s.trim().toLowerCase()];
  if (!rows) throw new Error(`unknown size "${s}" (use ${Object.keys(SIZES).join(', ')})`);
  return { name: s.trim().toLowerCase(), rows };
});
const outFile = args.out ?? `${root}BENCHMARKS.md`;

const num = (n, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n) => Math.round(n).toLocaleString('en-US');
const met = (yes) => (yes ? 'met' : '**NOT met**');
const ok = (m) => m && !m.failed;
const row = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The median and the quartiles (the middle half lies between low and high). */
const spread = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
};
const progress = (s) => process.stderr.write(s);

/** Runs one contender on one file in a child process (measure.mjs). */
function measure(name, file, rows) {
  const child = spawnSync(process.execPath, [here('./measure.mjs'), name, file, String(runsFor(rows))], {
    encoding: 'utf8', maxBuffer: 1 << 20,
  });
  if (child.error) throw child.error;
  const outOfMemory = /out of memory|Allocation failed/i;
  if (child.status === 0) {
    const result = JSON.parse(child.stdout);
    if (!result.crashed) return result;
    return { failed: outOfMemory.test(result.crashed) ? `out of memory (${result.crashed})` : `crashed: ${result.crashed}`, maxRssKb: result.maxRssKb };
  }
  if (outOfMemory.test(child.stderr)) return { failed: 'out of memory' };
  if (child.signal) return { failed: `killed by ${child.signal}` };
  throw new Error(`measure.mjs ${name} failed (exit ${child.status}):\n${child.stderr}`);
}

/** Wall time of one command, stdout to /dev/null; throws on a non-zero exit. */
function timeCommand(argv) {
  const sink = openSync('/dev/null', 'w');
  try {
    const started = process.hrtime.bigint();
    const child = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', sink, 'pipe'], maxBuffer: 64 << 20 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0) throw new Error(`${argv.join(' ')} exited ${child.status}: ${child.stderr}`);
    return ms;
  } finally {
    closeSync(sink);
  }
}

/** Peak RSS of a command in MB, by GNU time; `null` where it is not installed. */
function peakRssMb(argv) {
  if (!existsSync('/usr/bin/time')) return null;
  const child = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${argv.join(' ')} exited ${child.status}: ${child.stderr.slice(-500)}`);
  return Number(child.stderr.trim().split('\n').at(-1)) / 1024;
}

const lines = [
  '# Benchmarks',
  '',
  `Generated by \`./dev bench\` (\`node js/bench/run.mjs ${process.argv.slice(2).join(' ')}\`) on ${new Date().toISOString().slice(0, 10)}.`,
  `Node ${process.version} on ${process.platform}/${process.arch}, ${cpus()[0]?.model ?? 'unknown CPU'} `
    + `(${cpus().length} cores, ${num(totalmem() / 2 ** 30, 0)} GB RAM).`,
  'Inputs are generated Stripe team exports (`js/bench/generate.mjs`, cached in `tests/bench-data/`).',
];
const targets = [];

// ---- in process -------------------------------------------------------------

const results = [];
for (const { name, rows } of sizes) {
  const file = exportFile(rows);
  const size = { name, rows, bytes: statSync(file).size, by: {} };
  for (const c of CONTENDERS) {
    progress(`bench ${name}: ${c}... `);
    size.by[c] = measure(c, file, rows);
    progress(size.by[c].failed ? `${size.by[c].failed}\n` : `${num(size.by[c].medianMs)} ms\n`);
  }
  results.push(size);
}
lines.push('', '## In process', '',
  'Each line is one child process: the input is read first (bytes for ours and the raw parse, text for the sample, '
    + 'which parses text), then one untimed warm-up and N timed runs (one run, no warm-up, at 1M rows), input in to '
    + 'output out. MB/s and rows/s are from the median. Peak RSS is the process\'s, input included.', '',
  row(['Rows', 'Input', 'Contender', 'Runs', 'Median ms', 'Best ms', 'MB/s', 'Rows/s', 'Peak RSS (MB)']),
  row(['---:', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:']));
for (const r of results) {
  for (const c of CONTENDERS) {
    const m = r.by[c];
    const cells = ok(m)
      ? [m.runs, num(m.medianMs), num(m.bestMs), num(r.bytes / 1e6 / (m.medianMs / 1000)), int(r.rows / (m.medianMs / 1000)), int(m.maxRssKb / 1024)]
      : [`**${m.failed}**`, '', '', '', '', m.maxRssKb ? int(m.maxRssKb / 1024) : ''];
    lines.push(row([int(r.rows), `${num(r.bytes / 1e6, 2)} MB`, LABELS[c], ...cells]));
  }
}
for (const r of results) {
  const { wasm, 'csv-raw': raw, 'sample-udsv': sample } = r.by;
  if (!ok(wasm) || !ok(raw) || !ok(sample)) {
    targets.push([`in process at ${r.name}`, `ours: ${wasm.failed ?? 'ok'}; raw: ${raw.failed ?? 'ok'}; sample: ${sample.failed ?? 'ok'}`, met(false)]);
    continue;
  }
  const speedup = sample.medianMs / wasm.medianMs;
  const share = raw.medianMs / wasm.medianMs;
  const is100k = r.rows === 100_000;
  targets.push([`${is100k ? '' : '(info) '}in process at ${r.name}: ≥ ${TARGETS.inProcessAt100k}× the sample pipeline (uDSV)`,
    `${num(speedup, 2)}× (${num(wasm.medianMs)} vs ${num(sample.medianMs)} ms)`, is100k ? met(speedup >= TARGETS.inProcessAt100k) : '-']);
  targets.push([`${is100k ? '' : '(info) '}in process at ${r.name}: ≥ ${num(TARGETS.shareOfRawParse * 100, 0)}% of the raw csv parse speed`,
    `${num(share * 100, 0)}% (${num(wasm.medianMs)} vs ${num(raw.medianMs)} ms)`, is100k ? met(share >= TARGETS.shareOfRawParse) : '-']);
}

// ---- whole process ----------------------------------------------------------

const cli = [process.execPath, `${root}js/cli.cjs`, 'transform', '--quiet'];
const sampleCli = [process.execPath, here('./sample-cli.mjs')];
const whole = [];
for (const rows of [100, 100_000]) {
  const file = exportFile(rows);
  const commands = { node: [process.execPath, '-e', '0'], ours: [...cli, file], sample: [...sampleCli, file] };
  const times = { node: [], ours: [], sample: [] };
  progress(`bench whole process, ${int(rows)} rows... `);
  timeCommand(commands.ours); // the page cache, for every contender alike
  const names = Object.keys(commands);
  for (let round = 0; round < WHOLE_ROUNDS[rows]; round++) {
    // Each round starts with another command, so none always runs first.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      times[name].push(timeCommand(commands[name]));
    }
  }
  // The VM's speed drifts between rounds more than the margins judged here,
  // so the ratio and the start-up cost are taken within each round (the
  // commands of one round ran seconds apart) and summarised over rounds.
  const rounds = times.ours.map((ours, r) => ({ ratio: times.sample[r] / ours, over: ours - times.node[r] }));
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  whole.push({
    rows, ...m,
    ratio: spread(rounds.map((r) => r.ratio)),
    over: spread(rounds.map((r) => r.over)),
    won: rounds.filter((r) => r.ratio >= 1).length,
    rounds: rounds.length,
  });
  progress(`ours ${num(m.ours)} ms, sample ${num(m.sample)} ms, node ${num(m.node)} ms\n`);
}
lines.push('', '## Whole process', '',
  `What an admin runs: \`node js/cli.cjs transform FILE --quiet > /dev/null\` against the sample pipeline as a command `
    + `(\`js/bench/sample-cli.mjs\`: read, uDSV, createJsonFile, stdout) and \`node -e 0\`, in `
    + `${Object.entries(WHOLE_ROUNDS).map(([rows, n]) => `${n} interleaved rounds at ${int(Number(rows))} rows`).join(' and ')}, `
    + 'after one untimed run; each round runs the three commands, starting with a different one each time. '
    + 'The times are medians over rounds. "Ours over node" and "sample / ours" are taken within each round and '
    + 'are the median over rounds, with the middle half of the rounds in brackets: the VM\'s speed drifts '
    + 'between rounds by more than these margins, and within a round it mostly cancels.', '',
  row(['Rows', 'node -e 0 ms', 'ours ms', 'sample ms', 'ours over node ms', 'sample / ours', 'rounds ours was faster']),
  row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']));
for (const w of whole) {
  lines.push(row([int(w.rows), num(w.node), num(w.ours), num(w.sample),
    `${num(w.over.median)} [${num(w.over.low)} to ${num(w.over.high)}]`,
    `${num(w.ratio.median, 2)}× [${num(w.ratio.low, 2)} to ${num(w.ratio.high, 2)}]`, `${w.won} of ${w.rounds}`]));
}
const [small, large] = whole;
targets.push([`whole process, 100 rows: at least as fast as the sample (ratio ≥ ${num(TARGETS.wholeProcessSmall, 1)})`,
  `${num(small.ratio.median, 2)}× (faster in ${small.won} of ${small.rounds} rounds)`, met(small.ratio.median >= TARGETS.wholeProcessSmall)]);
targets.push([`whole process, 100 rows: adds ≤ ${TARGETS.startupMs} ms to \`node -e 0\``,
  `${num(small.over.median)} ms (middle half of the rounds: ${num(small.over.low)} to ${num(small.over.high)} ms)`,
  met(small.over.median <= TARGETS.startupMs)]);
targets.push([`whole process, 100k rows: ≥ ${TARGETS.wholeProcessAt100k}× the sample`,
  `${num(large.ratio.median, 2)}× (${num(large.ours)} vs ${num(large.sample)} ms)`, met(large.ratio.median >= TARGETS.wholeProcessAt100k)]);

if (sizes.some((s) => s.rows === 1_000_000)) {
  progress('bench CLI peak RSS, 1M rows... ');
  const rss = peakRssMb([...cli, exportFile(1_000_000)]);
  const sampleRss = peakRssMb([...sampleCli, exportFile(1_000_000)]);
  progress(`${rss === null ? 'no /usr/bin/time' : `${int(rss)} MB`}\n`);
  targets.push([`1M rows: peak RSS of the CLI ≤ ${TARGETS.rssAt1mMb} MB (the sample as a command: ${sampleRss === null ? '?' : `${int(sampleRss)} MB`})`,
    rss === null ? 'not measured (no /usr/bin/time)' : `${int(rss)} MB`, rss === null ? '-' : met(rss <= TARGETS.rssAt1mMb)]);
}

// ---- size -------------------------------------------------------------------

const wasmBytes = readFileSync(WASM);
const wasmKb = wasmBytes.length / 1024;
const wasmGzKb = gzipSync(wasmBytes, { level: 9 }).length / 1024;
targets.push([`optimised .wasm ≤ ${TARGETS.wasmKb} KB (\`pkg/stripe_torii_sync_bg.wasm\`)`, `${num(wasmKb)} KB`, met(wasmKb <= TARGETS.wasmKb)]);
targets.push([`optimised .wasm ≤ ${TARGETS.wasmGzKb} KB gzipped (gzip -9)`, `${num(wasmGzKb)} KB`, met(wasmGzKb <= TARGETS.wasmGzKb)]);
let twiggy = null;
try {
  const named = `${root}target/wasm32-unknown-unknown/release/stripe_torii_sync.wasm`;
  twiggy = execFileSync('twiggy', ['top', '-n', '25', named], { encoding: 'utf8' });
} catch {
  // twiggy is optional (`cargo install twiggy`).
}

lines.push('', '## Targets', '', row(['Target', 'Measured', 'Status']), row(['---', '---', '---']), ...targets.map(row));
if (twiggy) {
  lines.push('', '## What the .wasm is made of', '',
    '`twiggy top` on the release build before wasm-bindgen and wasm-opt (names kept; the optimised file is smaller):', '',
    '```', twiggy.trimEnd(), '```');
}

// ---- Apps Script and the page -----------------------------------------------

let sectionFailed = false;
const sections = [
  {
    title: 'Apps Script',
    intro: 'The built `appscript/dist/` in the test sandbox (only what Apps Script has; the polyfilled UTF-8 codec). '
      + 'Fake services stand in for Google\'s, so `Utilities.base64Decode` costs what our fake costs.',
    run: benchAppsScript,
  },
  {
    title: 'The page',
    intro: 'A 100k-row export picked in the page in headless Chromium (`js/bench/page.mjs`): medians of 3 fresh pages; '
      + 'long tasks from a `PerformanceObserver` on the main thread.',
    run: () => {
      const out = JSON.parse(execFileSync(process.execPath, [here('./page.mjs')], { encoding: 'utf8', maxBuffer: 16 << 20 }));
      const m = out.medians;
      return {
        rows: [...out.targets.map((t) => [t.target, t.measured, met(t.met)]),
          ['re-run after an option changes (median)', `${m.rerunMs} ms`, 'info'],
          ['next preview page (median)', `${m.pageTurnMs} ms`, 'info'],
          ['download of the whole file (median)', `${m.downloadMs} ms`, 'info'],
          ['longest main-thread task over the whole run (median)', `${m.longestTaskWholeRunMs} ms`, 'info']],
      };
    },
  },
];
for (const section of sections) {
  progress(`bench: ${section.title}... `);
  let rows;
  try {
    ({ rows } = await section.run());
    progress('done\n');
  } catch (error) {
    sectionFailed = true;
    progress(`failed\n${error?.stack ?? error}\n`);
    rows = [['this section', `failed: ${String(error?.message ?? error).split('\n')[0]}`, '**failed**']];
  }
  lines.push('', `## ${section.title}`, '', section.intro, '', row(['Target', 'Measured', 'Status']), row(['---', '---', '---']));
  lines.push(...rows.map(row));
}
lines.push('', readFileSync(here('./analysis.md'), 'utf8').trimEnd(), '');

const report = lines.join('\n');
writeFileSync(outFile, report);
process.stdout.write(report);
if (sectionFailed) process.exitCode = 1;
