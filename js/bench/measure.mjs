// One measurement in a fresh process, so the peak memory belongs to one
// contender on one file.
//
//   node js/bench/measure.mjs CONTENDER FILE RUNS
//
// The file is read (as bytes, or as text for the contenders that parse
// text) before any timing: a run is the contender's function alone, input in
// to output out. With RUNS > 1 one untimed warm-up
// run comes first (JIT and wasm tier-up). Prints one JSON line on stdout:
//   {"runs", "medianMs", "bestMs", "maxRssKb"}   or, when the contender throws,
//   {"crashed": "<error>", "maxRssKb"}
// A crash of the process itself (V8 out of memory, a signal) is for the
// parent to read from the exit status and stderr.

import { readFileSync } from 'node:fs';
import { contender, TAKES_BYTES } from './contenders.mjs';

const [name, file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg);
if (!name || !file || !Number.isInteger(runs) || runs < 1) {
  throw new Error('usage: node measure.mjs CONTENDER FILE RUNS');
}
const text = TAKES_BYTES.has(name) ? readFileSync(file) : readFileSync(file, 'utf8');
const run = await contender(name);
const maxRssKb = () => process.resourceUsage().maxRSS;

try {
  if (runs > 1) run(text);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    run(text);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ runs, medianMs: times[Math.floor(runs / 2)], bestMs: times[0], maxRssKb: maxRssKb() }));
} catch (error) {
  process.stdout.write(JSON.stringify({ crashed: String(error?.stack ?? error).split('\n')[0], maxRssKb: maxRssKb() }));
}
