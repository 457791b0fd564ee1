// The CLI's transform command, run as a real child process: exit codes,
// stdout/stderr split, stdin, files, and error messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js/cli.mjs');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const rules = join(root, 'tests/fixtures/rules');

function run(args, { input, env } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    input,
    env: { ...process.env, ...env },
    encoding: 'buffer',
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout };
}

test('transform prints the Torii JSON on stdout and the report on stderr', () => {
  const r = run(['transform', sample]);
  assert.equal(r.code, 0, r.stderr);
  const file = JSON.parse(r.stdout);
  assert.equal(file.users.length, 9);
  assert.equal(file.licenses[0].name, 'Stripe');
  assert.match(r.stderr, /12 rows read: 9 exported, 1 merged, 0 excluded, 2 rejected/);
  assert.match(r.stderr, /line 9: error invalid_email \[Email\]/);
  assert.ok(!r.stdout.includes('rows read'));
});

test('- reads standard input, byte for byte the same as the file', () => {
  const fromFile = run(['transform', sample, '--quiet']);
  const fromStdin = run(['transform', '-', '--quiet'], { input: readFileSync(sample) });
  assert.equal(fromStdin.code, 0);
  assert.equal(fromStdin.stderr, '');
  assert.deepEqual(fromStdin.raw, fromFile.raw);
});

test('options reach the core', () => {
  const r = run([
    'transform', sample, '--quiet', '--license-name', 'Stripe Team', '--price-per-user-cents', '1500',
    '--unassigned', '2', '--exclude-status', 'invited', '--exclude-domain', 'contractor.example.org',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const file = JSON.parse(r.stdout);
  assert.deepEqual(
    [file.licenses[0].name, file.licenses[0].pricePerUser, file.licenses[0].unassignedAmount],
    ['Stripe Team', 1500, 2],
  );
  assert.ok(!file.users.some((u) => u.email === 'alan@example.com'));
  assert.ok(!file.users.some((u) => u.email.endsWith('contractor.example.org')));
  const off = JSON.parse(run(['transform', sample, '--quiet', '--no-license']).stdout);
  assert.equal(off.licenses, undefined);
});

test('--columns maps unrecognised headers, by name or number', () => {
  const r = run([
    'transform', join(rules, 'explicit_columns.csv'), '--quiet',
    '--columns', 'email=Login,name=Who,status=State,roles=4,last-used=When',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [ada] = JSON.parse(r.stdout).users;
  assert.deepEqual(ada, {
    email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'active',
    externalStatus: 'Active', roles: ['Owner'], lastUsedDate: '2025-01-02',
  });
});

test('--report and --output write files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sts-cli-'));
  const r = run(['transform', sample, '--quiet', '--report', join(dir, 'r.json'), '--output', join(dir, 'out.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  assert.equal(report.rowsRead, 12);
  assert.equal(report.diagnostics.find((d) => d.code === 'duplicate_email').line, 8);
  const out = readFileSync(join(dir, 'out.json'), 'utf8');
  assert.equal(out, run(['transform', sample, '--quiet']).stdout);
});

test('a missing email column exits 1 and names the headers found', () => {
  const r = run(['transform', join(rules, 'no_email_column.csv')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Name, Status, Role/);
  assert.match(r.stderr, /missing_email_column/);
  assert.equal(r.stdout, '');
});

test('bytes that are not UTF-8 exit 1 with the byte offset', () => {
  const r = run(['transform', '-'], { input: Buffer.from([0x45, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xff, 0xfe]) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /byte 6/);
});

test('--strict exits 1 when rows were rejected, but still prints the file', () => {
  const r = run(['transform', sample, '--strict', '--quiet']);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).users.length, 9);
  assert.match(r.stderr, /2 row\(s\) rejected/);
  assert.equal(run(['transform', join(rules, 'tab.tsv'), '--strict', '--quiet']).code, 0);
});

test('usage errors exit 2', () => {
  for (const args of [
    [],
    ['frobnicate'],
    ['transform'],
    ['transform', sample, '--no-such-flag'],
    ['transform', sample, '--date-order', 'ymd'],
    ['transform', sample, '--price-per-user-cents', 'ten'],
    ['transform', sample, '--price-per-user-cents', '9.99'],
    ['transform', sample, '--columns', 'colour=Red'],
    ['transform', sample, 'extra-arg'],
  ]) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  const missing = run(['transform', join(rules, 'nope.csv')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
});

test('help exits 0', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /TORII_API_KEY/);
});

test('a semicolon export from European Excel works unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sts-cli-'));
  const file = join(dir, 'eu.csv');
  writeFileSync(file, '\ufeffEmail;Name;Status\r\nada@example.com;Lovelace, Ada;Active\r\n');
  const r = run(['transform', file, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).users[0], {
    email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'active', externalStatus: 'Active',
  });
});
