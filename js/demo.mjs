// `./dev demo`: the main job end to end on the bundled sample export.
//
// 1. Transform tests/fixtures/stripe-sample.csv and print the Torii JSON and
//    the report.
// 2. Start the local Torii emulator and sync the file to it, printing each
//    step, the outcome and the requests the emulator saw.
// 3. Sync an edited export with faults switched on: the change preview
//    against the last sync, then the retry policy at work.
// 4. Show what is refused: a file with a stray quote, and a truncated export
//    that would remove most users.
// 5. With --serve (the default on a terminal), keep the emulator running and
//    serve the web page beside it until Ctrl-C.
//
// Nothing here talks to the real Torii. Everything shown is the core's own
// text; this file only moves bytes, like every host.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCore } from './core.cjs';
import { startEmulator } from './emulator.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const samplePath = 'tests/fixtures/stripe-sample.csv';
const DEMO_KEY = 'demo-key-not-a-real-torii-key';
const DEMO_ACCOUNT = '4242';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const text = (bytes) => Buffer.from(bytes).toString('utf8');

async function main(argv) {
  const serve = argv.includes('--serve') || (process.stdout.isTTY && !argv.includes('--no-serve'));
  const core = loadCore();
  const sample = readFileSync(`${root}${samplePath}`);

  console.log(bold(`\n1. Transform ${samplePath}\n`));
  const first = core.transform([{ name: samplePath, data: sample }]);
  console.log(JSON.stringify(JSON.parse(text(first.json())), null, 2));
  console.log(bold('\nReport\n'));
  console.log(first.reportText());

  console.log(bold('2. Sync to the local Torii emulator\n'));
  const emulator = await startEmulator({ apiKey: DEMO_KEY, appAccountIds: [DEMO_ACCOUNT] });
  console.log(`emulator: ${emulator.baseUrl}`);
  const config = { apiKey: DEMO_KEY, appAccountId: DEMO_ACCOUNT, baseUrl: emulator.baseUrl };
  let last = await syncAndShow(emulator, first, config);

  console.log(bold('\n3. An edited export, with faults switched on: a 503, an expired upload URL and a 429\n'));
  const edited = core.transform([{ name: 'edited.csv', data: sample.toString().replace('Invited', 'Active') }]);
  edited.compare(last.file, 'the last sync');
  console.log(edited.reportText().split('\n').filter((l) => /^(changes|  )/.test(l)).join('\n'));
  emulator.setFaults([
    { step: 'upload_url', kind: 'status', status: 503 },
    { step: 'upload', kind: 'expire' },
    { step: 'register', kind: 'status', status: 429, retryAfter: '1' },
  ]);
  last = await syncAndShow(emulator, edited, { ...config, ...last.guard });

  console.log(bold('\n4. What is refused\n'));
  const stray = core.transform([{ name: 'tests/fixtures/hostile/stray-quote.csv', data: readFileSync(`${root}tests/fixtures/hostile/stray-quote.csv`) }]);
  console.log(stray.reportText().split('\n').filter((l) => l.includes('unterminated_quote')).join('\n'));
  try {
    stray.startSync(config, 1);
  } catch (e) {
    console.log(`sync: [${e.code}] ${e.message}\n`);
  }
  const truncated = core.transform(sample.toString().split('\n').slice(0, 3).join('\n'));
  const session = truncated.startSync({ ...config, ...last.guard }, 1);
  const action = session.poll(Date.now());
  console.log(`a truncated export of ${truncated.userCount} users: ${action.type === 'confirm' ? action.verdict.message : action.type}`);
  session.free();

  if (!serve) {
    await emulator.close();
    return;
  }
  const { startServer } = await import('./serve.mjs');
  const server = await startServer({ port: 0 });
  console.log(bold(`\n5. Web page: ${server.url}`));
  console.log(`   Torii emulator for the sync panel: ${emulator.baseUrl} (the emulator's own test key: "${DEMO_KEY}", app account ${DEMO_ACCOUNT}; not a Torii key)`);
  console.log('   Ctrl-C to stop.');
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await server.close();
  await emulator.close();
}

/** Runs one sync with progress, prints the outcome and what the emulator saw, and returns the new baseline. */
async function syncAndShow(emulator, result, config) {
  emulator.requests.length = 0;
  const file = result.json();
  const outcome = await result.startSync(config, Math.floor(Math.random() * 2 ** 32))
    .runWithFetch({ onProgress: (p) => console.log(`  ${p.text}`) });
  console.log(`\n${outcome.text}`);
  console.log('\nRequests the emulator received:');
  for (const r of emulator.requests) {
    const auth = r.headers.authorization ? 'with Authorization' : 'no Authorization';
    const path = r.path.replace(/\?.*/, r.step === 'upload' ? '?<signature>' : '?…');
    console.log(`  ${r.method.padEnd(4)} ${path.padEnd(48)} -> ${String(r.status || 'dropped').padEnd(3)}  (${auth})`);
  }
  return { file, guard: { baseline: outcome.baseline, previousFile: text(file) } };
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`demo failed: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exitCode = 1;
});
