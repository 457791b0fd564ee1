// `./dev demo`: the main job end to end on the bundled sample export.
//
// 1. Transform tests/fixtures/stripe-sample.csv and print the Torii JSON and
//    the report.
// 2. Start the local Torii emulator and sync the file to it, printing each
//    step, the outcome and the requests the emulator saw.
// 3. Sync again with faults switched on, to show the retry policy at work.
// 4. With --serve (the default on a terminal), keep the emulator running and
//    serve the web page beside it until Ctrl-C.
//
// Nothing here talks to the real Torii.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCore } from './core.mjs';
import { startEmulator } from './emulator.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const samplePath = `${root}tests/fixtures/stripe-sample.csv`;
const DEMO_KEY = 'demo-key-not-a-real-torii-key';
const DEMO_ACCOUNT = '4242';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function main(argv) {
  const serve = argv.includes('--serve') || (process.stdout.isTTY && !argv.includes('--no-serve'));
  const core = await loadCore();

  console.log(bold(`\n1. Transform ${samplePath.slice(root.length)}\n`));
  const out = core.transformJson(readFileSync(samplePath, 'utf8'), { licenseName: 'Stripe', pricePerUserCents: 0 });
  console.log(JSON.stringify(JSON.parse(out.json), null, 2));
  console.log(bold('\nReport\n'));
  console.log(out.reportText);

  console.log(bold('2. Sync to the local Torii emulator\n'));
  const emulator = await startEmulator({ apiKey: DEMO_KEY, appAccountIds: [DEMO_ACCOUNT] });
  console.log(`emulator: ${emulator.baseUrl}`);
  const config = { apiKey: DEMO_KEY, appAccountId: DEMO_ACCOUNT, baseUrl: emulator.baseUrl };
  await syncAndShow(core, emulator, config, out.json);

  console.log(bold('\n3. The same sync with faults switched on: a 503, a 429 and an expired upload URL\n'));
  emulator.setFaults([
    { step: 'upload_url', kind: 'status', status: 503 },
    { step: 'upload', kind: 'expire' },
    { step: 'register', kind: 'status', status: 429, retryAfter: '1' },
  ]);
  await syncAndShow(core, emulator, { ...config, previousUserCount: 9 }, out.json);

  console.log(bold('\nApps Script'));
  console.log('appscript/dist/ is built and ready to push to the Google Sheet (see appscript/README.md).');

  if (!serve) {
    await emulator.close();
    return;
  }
  const { startServer } = await import('./serve.mjs');
  const server = await startServer({ port: 0 });
  console.log(bold(`\n4. Web page: ${server.url}`));
  console.log(`   Torii emulator for the sync panel: ${emulator.baseUrl} (the emulator's own test key: "${DEMO_KEY}", app account ${DEMO_ACCOUNT}; not a Torii key)`);
  console.log('   Ctrl-C to stop.');
  await new Promise((resolve) => process.once('SIGINT', resolve));
  await server.close();
  await emulator.close();
}

/** Runs one sync with progress, then prints the outcome and what the emulator saw. */
async function syncAndShow(core, emulator, config, json) {
  emulator.requests.length = 0;
  const outcome = await core.syncWithFetch(config, json, {
    onProgress: (p) => console.log(p.step === 'wait'
      ? `        waiting ${(p.ms / 1000).toFixed(1)} s before ${p.reason}`
      : `  [${p.index}/${p.total}] ${p.label}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}`),
  });
  console.log(`\nsynced: file id ${outcome.fileId}, ${outcome.userCount} users, ${outcome.requests} requests, ` +
    `${outcome.retries} retries, ${outcome.totalMs} ms`);
  for (const s of outcome.steps) console.log(`  ${s.step.padEnd(14)} ${s.attempts} attempt(s) ${s.ms} ms`);
  console.log('\nRequests the emulator received:');
  for (const r of emulator.requests) {
    const auth = r.headers.authorization ? 'with Authorization' : 'no Authorization';
    const path = r.path.replace(/\?.*/, r.step === 'upload' ? '?<signature>' : '?…');
    console.log(`  ${r.method.padEnd(4)} ${path.padEnd(48)} -> ${String(r.status || 'dropped').padEnd(3)}  (${auth})`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`demo failed: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exitCode = 1;
});
