// One measurement in a fresh process, so peak memory belongs to one
// contender: `node measure.mjs CONTENDER FILE RUNS` prints
// {"ms": median, "maxRssKb": ...} as JSON on stdout.

import { readFileSync } from 'node:fs';
import { contender } from './contenders.mjs';

const [name, file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg);
const text = readFileSync(file, 'utf8');
const run = await contender(name);
if (runs > 1) run(text); // warm-up: JIT and wasm tier-up
const times = [];
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint();
  run(text);
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ ms: times[Math.floor(times.length / 2)], maxRssKb: process.resourceUsage().maxRSS }));
