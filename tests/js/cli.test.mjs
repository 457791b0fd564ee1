// The CLI's transform command, run as a real child process: exit codes,
// stdout/stderr split, stdin, several files, the change preview, the hostile
// inputs of issue 8, and every option of the core's table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../../js/core.cjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js/cli.cjs');
const sample = join(root, 'tests/fixtures/stripe-sample.csv');
const rules = join(root, 'tests/fixtures/rules');
const hostile = join(root, 'tests/fixtures/hostile');
const multi = join(root, 'tests/fixtures/multi');

function run(args, { input, env } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    input,
    env: { ...process.env, ...env },
    encoding: 'buffer',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'sts-cli-'));

test('transform prints the Torii JSON on stdout and the report on stderr', () => {
  const r = run(['transform', sample]);
  assert.equal(r.code, 0, r.stderr);
  const file = JSON.parse(r.stdout);
  assert.equal(file.users.length, 9);
  assert.equal(file.licenses[0].name, 'Stripe');
  assert.match(r.stderr, /12 rows read: 9 exported, 1 merged, 0 excluded, 2 rejected/);
  assert.match(r.stderr, /stripe-sample\.csv line 9: error invalid_email \[Email\]/);
  assert.ok(!r.stdout.includes('rows read'));
});

test('a file of several output chunks is written whole, to a pipe, to a file as stdout and with --output', () => {
  // Over 3 MiB of JSON, so the CLI writes it in several 1 MiB views of the
  // core's memory; each must be written out before the next overwrites it.
  const rows = Array.from({ length: 20000 }, (_, i) => `user${i}@example.com,"Lovelace, Ada ${i}",Active,"Owner, Analyst",Enabled,2024-01-0${1 + (i % 9)}`);
  const dir = tmp();
  const input = join(dir, 'big.csv');
  writeFileSync(input, `Email,Name,Status,Role,Two-step authentication,Last login\n${rows.join('\n')}\n`);
  const expected = Buffer.from(loadCore().transform([{ name: input, data: readFileSync(input) }]).json());
  assert.ok(expected.length > 3 << 20, `${expected.length} bytes`);
  const piped = run(['transform', input, '--quiet']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(piped.raw.equals(expected), 'stdout');
  // A shell's `> file`: stdout is a regular file, written without a stream.
  const redirected = join(dir, 'redirected.json');
  const fd = openSync(redirected, 'w');
  try {
    const r = spawnSync(process.execPath, [cli, 'transform', input, '--quiet'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    closeSync(fd);
  }
  assert.ok(readFileSync(redirected).equals(expected), 'stdout redirected to a file');
  const output = join(dir, 'out.json');
  assert.equal(run(['transform', input, '--quiet', '--output', output]).code, 0);
  assert.ok(readFileSync(output).equals(expected), '--output');
});

test('stdout that cannot be written (a full disk, a closed pipe) is an error line and exit 1, not a crash', { skip: !existsSync('/dev/full') }, () => {
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [cli, 'transform', sample, '--quiet'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot write the Torii file to stdout \(ENOSPC.*\) \[ENOSPC\]\n$/);
  } finally {
    closeSync(full);
  }
});

test('- reads standard input, byte for byte the same as the file', () => {
  const fromFile = run(['transform', sample, '--quiet']);
  const fromStdin = run(['transform', '-', '--quiet'], { input: readFileSync(sample) });
  assert.equal(fromStdin.code, 0);
  assert.equal(fromStdin.stderr, '');
  assert.deepEqual(fromStdin.raw, fromFile.raw);
});

test('the CLI prints exactly the bytes the core writes', async () => {
  const core = loadCore();
  const bytes = core.transform([{ name: sample, data: readFileSync(sample) }]).json();
  assert.deepEqual(run(['transform', sample, '--quiet']).raw, Buffer.from(bytes));
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

test('every option of the core\'s table is a flag of the CLI, documented in --help', async () => {
  const core = loadCore();
  const help = run(['--help']).stdout;
  for (const option of core.optionCatalog()) {
    assert.ok(help.includes(option.cliFlag), `${option.cliFlag} is missing from --help`);
    const command = option.scope === 'sync' ? 'sync' : 'transform';
    const value = { baseUrl: 'http://127.0.0.1:9/v1.0' }[option.jsName] ?? { text: 'x', count: '5', percent: '30',
      list: 'a.example', statusMap: 'Frozen=deleted', columns: 'email=Email', choice: option.allowed.at(-1) }[option.kind];
    const args = [command, sample, '--quiet', option.cliFlag, ...(option.cliForm === 'value' ? [value] : [])];
    if (command === 'sync') args.push('--dry-run', '--app-account', '5');
    const r = run(args, { env: { XDG_CONFIG_HOME: tmp() } });
    assert.notEqual(r.code, 2, `${option.cliFlag} was refused as usage: ${r.stderr}`);
  }
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
  const dir = tmp();
  const r = run(['transform', sample, '--quiet', '--report', join(dir, 'r.json'), '--output', join(dir, 'out.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  assert.equal(report.rowsRead, 12);
  const duplicate = report.diagnostics.find((d) => d.code === 'duplicate_email');
  assert.equal(duplicate.line, 8);
  assert.equal(duplicate.file, sample);
  const out = readFileSync(join(dir, 'out.json'), 'utf8');
  assert.equal(out, run(['transform', sample, '--quiet']).stdout);
});

test('an output naming the same file as another output or an input FILE is a usage error, and nothing is written', () => {
  const dir = tmp();
  const input = join(dir, 'export.csv');
  copyFileSync(sample, input);
  symlinkSync(input, join(dir, 'link.csv'));
  linkSync(input, join(dir, 'hard.csv'));
  mkdirSync(join(dir, 'real'));
  symlinkSync(join(dir, 'real'), join(dir, 'via'));
  const sameAs = (a) => new RegExp(`${a} .* is the same file as `);
  for (const [args, flag] of [
    [[input, '--report', join(dir, 'x.json'), '--output', join(dir, 'x.json')], '--report'],
    [[input, '--output', input], '--output'],
    [[input, '--report', input], '--report'],
    [[input, '--output', join(dir, '.', 'export.csv')], '--output'],
    [[sample, input, '--report', join(dir, 'link.csv')], '--report'],
    [[join(dir, 'hard.csv'), '--output', input], '--output'],
    [[input, '--output', join(dir, 'via/o.json'), '--report', join(dir, 'real/o.json')], '--report'],
  ]) {
    const r = run(['transform', ...args, '--quiet']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, sameAs(flag), args.join(' '));
  }
  assert.equal(readFileSync(input, 'utf8'), readFileSync(sample, 'utf8'), 'the input is untouched');
  assert.ok(!existsSync(join(dir, 'x.json')) && !existsSync(join(dir, 'real/o.json')), 'nothing was written');
  // A device is no file to lose, and one input named twice is read twice.
  assert.equal(run(['transform', input, input, '--quiet', '--output', '/dev/null', '--report', '/dev/null']).code, 0);
});

test('--report naming standard output while the Torii file goes there is a usage error, a pipe or a file', () => {
  const message = /^error: --report \/dev\/stdout is the same file as standard output, where the Torii file goes; give each its own file \[usage\]$/m;
  const piped = run(['transform', sample, '--quiet', '--report', '/dev/stdout']);
  assert.equal(piped.code, 2, piped.stderr);
  assert.match(piped.stderr, message);
  assert.equal(piped.stdout, '', 'nothing half-written to the pipe');
  const out = join(tmp(), 'out.json');
  const fd = openSync(out, 'w');
  try {
    const redirected = spawnSync(process.execPath, [cli, 'transform', sample, '--quiet', '--report', '/dev/stdout'],
      { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    assert.equal(redirected.status, 2, redirected.stderr);
    assert.match(redirected.stderr, message);
  } finally {
    closeSync(fd);
  }
  const dry = run(['sync', sample, '--app-account', '1', '--dry-run', '--quiet', '--report', '/dev/stdout']);
  assert.equal(dry.code, 2, dry.stderr);
  assert.match(dry.stderr, message);
  // With the file elsewhere, standard output is the report's.
  const report = join(tmp(), 'report.json');
  const reportFd = openSync(report, 'w');
  try {
    const reported = spawnSync(process.execPath, [cli, 'transform', sample, '--quiet', '--output', join(tmp(), 'x.json'),
      '--report', '/dev/stdout'], { stdio: ['ignore', reportFd, 'pipe'], encoding: 'utf8' });
    assert.equal(reported.status, 0, reported.stderr);
  } finally {
    closeSync(reportFd);
  }
  assert.equal(JSON.parse(readFileSync(report, 'utf8')).rowsRead, 12);
});

test('--report naming the --compare file is a usage error; --output may name it, as it is read first', () => {
  const dir = tmp();
  const previous = join(dir, 'previous.json');
  writeFileSync(previous, run(['transform', sample, '--quiet']).stdout);
  const kept = readFileSync(previous, 'utf8');
  const r = run(['transform', sample, '--quiet', '--compare', previous, '--report', previous]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: --report .* is the same file as --compare .* \[usage\]$/m);
  assert.equal(readFileSync(previous, 'utf8'), kept, 'the compared file is untouched');
  const updated = run(['transform', sample, '--quiet', '--compare', previous, '--output', previous]);
  assert.equal(updated.code, 0, updated.stderr);
});

test('several exports make one file; diagnostics name file and line; counts add up per file', () => {
  const dir = tmp();
  const r = run(['transform', join(multi, 'eu.csv'), join(multi, 'us.csv'), '--report', join(dir, 'r.json')]);
  assert.equal(r.code, 0, r.stderr);
  const file = JSON.parse(r.stdout);
  assert.deepEqual(file.users.map((u) => u.email), ['ada@example.com', 'grace@example.com', 'alan@example.com']);
  assert.deepEqual(file.users[0].roles, ['Owner', 'Analyst']);
  assert.equal(file.users[0].lastUsedDate, '2025-02-01');
  assert.match(r.stderr, /5 rows read from 2 files: 3 exported, 1 merged, 0 excluded, 1 rejected/);
  assert.match(r.stderr, /us\.csv line 2: info duplicate_email \[Email\]: ada@example\.com also appears on .*eu\.csv line 2/);
  assert.match(r.stderr, /us\.csv line 4: error invalid_email/);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  for (const f of report.files) {
    assert.equal(f.usersExported + f.merged + f.excluded + f.rejected, f.rowsRead, f.name);
  }
  assert.equal(report.files.reduce((n, f) => n + f.rowsRead, 0), report.rowsRead);
  assert.ok(report.diagnostics.every((d) => typeof d.file === 'string' && d.line > 0));
});

test('--compare adds the changes to the report and a summary to the text', () => {
  const dir = tmp();
  const previous = join(dir, 'PREVIOUS.json');
  writeFileSync(previous, run(['transform', sample, '--quiet']).raw);
  const edited = join(dir, 'edited.csv');
  writeFileSync(edited, readFileSync(sample, 'utf8').replace('ada@example.com', 'ada.new@example.com')
    .replace(/Invited/, 'Active'));
  const r = run(['transform', edited, '--compare', previous, '--report', join(dir, 'r.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /changes since .*PREVIOUS\.json: 1 added, 1 removed, 1 changed, 7 unchanged/);
  assert.match(r.stderr, /added: ada\.new@example\.com/);
  const { changes } = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  assert.deepEqual(Object.keys(changes), ['added', 'removed', 'changed', 'unchanged']);
  assert.deepEqual(changes.removed, ['ada@example.com']);
  assert.ok(changes.changed[0].fields.includes('licenseStatus'));
  const bad = run(['transform', sample, '--compare', sample]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not a Torii file/);
});

test('a file with no valid user exits 1 with the core\'s report, each row\'s problem as every host words it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-none-'));
  const file = join(dir, 'none.csv');
  writeFileSync(file, 'Email,Status\nnot-an-email,Active\n,Active\n');
  const r = run(['transform', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: no valid users: 2 rows read, 2 rejected, 0 excluded .*\[no_valid_users\]$/m);
  assert.match(r.stderr, new RegExp(`^${file} line 2: error invalid_email \\[Email\\]: `, 'm'), 'the column, as in the report');
  assert.match(r.stderr, new RegExp(`^${file} line 3: error missing_email \\[Email\\]: `, 'm'));
  assert.match(r.stderr, /^2 errors, 0 warnings, 0 notes$/m);
});

test('a missing email column exits 1 and names the headers found', () => {
  const r = run(['transform', join(rules, 'no_email_column.csv')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Name, Status, Role/);
  assert.match(r.stderr, /missing_email_column/);
  assert.equal(r.stdout, '');
});

test('bytes that are not text exit 1 with the byte offset and the likely encoding', () => {
  const r = run(['transform', '-'], { input: Buffer.from([0x45, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xff, 0xfe]) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /byte 6/);
  const cp1252 = run(['transform', join(hostile, 'windows-1252.csv')]);
  assert.equal(cp1252.code, 1);
  assert.match(cp1252.stderr, /Windows-1252/);
});

test('class 8: UTF-16 with a byte-order mark (Excel "Unicode Text") is read', () => {
  const r = run(['transform', join(hostile, 'unicode-text.txt'), '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const [ada, bob] = JSON.parse(r.stdout).users;
  assert.equal(ada.lastName, 'Ådahl');
  assert.equal(bob.externalStatus, 'Invited');
});

test('class 8: invisible characters, internationalised domains, bad labels and dots', () => {
  const r = run(['transform', join(hostile, 'invisible-and-idn.csv')]);
  assert.equal(r.code, 0, r.stderr);
  const users = JSON.parse(r.stdout).users;
  assert.deepEqual(users.map((u) => u.email), ['ada@example.com', 'bob@bücher.example']);
  assert.match(r.stderr, /6 rows read: 2 exported, 2 merged, 0 excluded, 2 rejected/);
});

test('class 8: an input too large for the core fails at once, naming the size that fits', () => {
  const path = join(tmp(), 'huge.csv');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 600 * 1024 * 1024); // sparse: no disk, no reading
  closeSync(fd);
  const started = Date.now();
  const r = run(['transform', sample, path]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: reading .*huge\.csv: the input is \d+ MiB, more than the 512 MiB .* \[input_too_large\]$/m, 'the file too large is named');
  assert.ok(Date.now() - started < 5000, 'it read the file before refusing it');
});

test('class 8: standard input over the core\'s limit stops being read once it is over, not once it is all held', () => {
  // 1 GiB of zeros through a real pipe into the CLI's main(), which reports
  // its peak memory: the input is refused after the limit's 512 MiB, with
  // about that much held, where reading it whole held it all (and more).
  const probe = `require(${JSON.stringify(cli)}).main(['transform', '-']).then((code) => {
    process.stderr.write('maxRSS ' + (process.resourceUsage().maxRSS >> 10) + ' MiB\\n');
    process.exitCode = code;
  });`;
  const r = spawnSync('sh', ['-c', 'head -c 1073741824 /dev/zero | "$1" -e "$2"', 'sh', process.execPath, probe],
    { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /reading standard input: the input is .*512 MiB.*\[input_too_large\]/);
  const rss = Number(/maxRSS (\d+) MiB/.exec(r.stderr)?.[1]);
  assert.ok(rss < 900, `peak memory ${rss} MiB for a 1024 MiB input`);
});

test('class 1: a stray quote is an unterminated_quote error; --strict exits 1; the other rows are read', () => {
  const stray = join(hostile, 'stray-quote.csv');
  const r = run(['transform', stray]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).users.map((u) => u.email), ['bob@example.com', 'cat@example.com']);
  assert.match(r.stderr, /3 rows read: 2 exported, 0 merged, 0 excluded, 1 rejected/);
  assert.match(r.stderr, /line 2: error unterminated_quote \[Name\]: .*runs to the end of the file, swallowing 2 lines/);
  const strict = run(['transform', stray, '--strict', '--quiet']);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /broken_file/);
  const multiline = run(['transform', join(hostile, 'multiline-name.csv'), '--strict']);
  assert.equal(multiline.code, 0, multiline.stderr);
  assert.equal(JSON.parse(multiline.stdout).users[0].lastName, 'Lovelace');
});

test('--strict exits 1 when rows were rejected and writes no file: not to stdout, not over a good --output', () => {
  const r = run(['transform', sample, '--strict', '--quiet']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /2 rows were rejected/);
  const dir = mkdtempSync(join(tmpdir(), 'strict-'));
  const [output, report] = [join(dir, 'torii.json'), join(dir, 'report.json')];
  writeFileSync(output, 'the last good file');
  const refused = run(['transform', sample, '--strict', '--quiet', '--output', output, '--report', report]);
  assert.equal(refused.code, 1);
  assert.equal(readFileSync(output, 'utf8'), 'the last good file');
  assert.equal(JSON.parse(readFileSync(report, 'utf8')).rejected, 2, 'the report still says what was wrong');
  assert.equal(run(['transform', join(rules, 'tab.tsv'), '--strict', '--quiet']).code, 0);
});

test('class 7: values that would be silently changed are usage errors', () => {
  for (const args of [
    ['--price-per-user-cents', '1e309'],
    ['--price-per-user-cents', 'Infinity'],
    ['--price-per-user-cents', 'NaN'],
    ['--unassigned=-1'],
    ['--exclude-domain', ''],
    ['--include-domain', ' '],
    ['--exclude-status', ''],
    ['--exclude-role', ''],
  ]) {
    const r = run(['transform', sample, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /invalid_option/);
  }
  for (const args of [['--api-url', ''], ['--time-budget-ms', 'Infinity'], ['--max-drop-percent', 'NaN']]) {
    const r = run(['sync', sample, '--app-account', '1', '--dry-run', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
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
    ['transform', sample, '--app-account', '1'],
    // Sync compares with the last sync itself; a --compare it ignored would look honoured.
    ['sync', sample, '--app-account', '1', '--dry-run', '--compare', join(rules, 'nope.json')],
    ['emulator', '--port', 'x'],
  ]) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${args.join(' ')}: the usage text of an error is a diagnostic, on stderr`);
  }
  assert.match(run([]).stderr, /^Usage:$/m, 'no command at all: the usage text');
  // A flag of the other command is refused naming the command that takes it, not as an unknown one.
  assert.match(run(['sync', sample, '--app-account', '1', '--compare', join(rules, 'nope.json')]).stderr,
    /^error: --compare is a flag of transform; sync does not take it \[invalid_option\]/);
  assert.match(run(['transform', sample, '--dry-run']).stderr, /^error: --dry-run is a flag of sync; transform does not take it \[invalid_option\]/);
  const missing = run(['transform', join(rules, 'nope.csv')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
  const second = run(['transform', sample, join(rules, 'nope.csv')]);
  assert.equal(second.code, 1, 'a second FILE is an input, not a usage error');
  const directory = run(['transform', rules]);
  assert.equal(directory.code, 1);
  assert.match(directory.stderr, new RegExp(`^error: cannot read ${rules}: it is a directory \\[is_a_directory\\]$`, 'm'));
  const twice = run(['transform', '-', sample, '-'], { input: readFileSync(sample) });
  assert.equal(twice.code, 2, 'standard input can be read once');
  assert.match(twice.stderr, /give - \(standard input\) only once/);
  assert.equal(twice.stdout, '');
});

test('the core marks the errors that are the command line\'s (usage: true); the CLI exits 2 for those only', () => {
  const core = loadCore();
  const thrown = (act) => {
    try {
      act();
    } catch (e) {
      return e;
    }
    return assert.fail('no error');
  };
  const csv = readFileSync(sample);
  assert.equal(thrown(() => core.transform(csv, { pricePerUserCents: -1 })).usage, true, 'invalid_option');
  assert.equal(thrown(() => core.transform(csv).plan({ appAccountId: ' ' })).usage, true, 'invalid_config');
  assert.equal(thrown(() => core.transform(42)).usage, true, 'invalid_argument');
  assert.equal(thrown(() => core.transform(Buffer.from('Name\nAda\n'))).usage, undefined, 'missing_email_column');
});

test('a --compare, --output, --report or --state file that cannot be used is named with its flag and a stable code', () => {
  const dir = tmp();
  const nope = join(dir, 'nope.json');
  const cases = [
    [['transform', sample, '--compare', nope], `cannot read --compare ${nope}: no such file [no_such_file]`],
    [['transform', sample, '--compare', dir], `cannot read --compare ${dir}: it is a directory [is_a_directory]`],
    [['transform', sample, '--output', join(dir, 'no/o.json')], `cannot write --output ${join(dir, 'no/o.json')}: its folder does not exist [no_such_file]`],
    [['transform', sample, '--report', dir], `cannot write --report ${dir}: it is a directory [is_a_directory]`],
    [['sync', sample, '--app-account', '1', '--dry-run', '--state', dir], `cannot read the sync state file ${dir}`],
  ];
  for (const [args, message] of cases) {
    const r = run([...args, '--quiet']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('error: '));
    assert.ok(line?.startsWith(`error: ${message}`), `${args.join(' ')}: ${r.stderr}`);
    assert.match(line, / \[[a-z_]+\]$/, 'the line ends with a stable code');
  }
});

test('a usage error\'s line ends with its code too; a missing App Account ID is the core\'s invalid_config, naming the flag', () => {
  const dir = tmp();
  for (const [args, env, pattern] of [
    [['frobnicate'], {}, /^error: unknown command "frobnicate" \[usage\]$/],
    [['transform'], {}, /^error: give at least one FILE .* \[usage\]$/],
    [['transform', '-', '-'], {}, /^error: give - \(standard input\) only once \[usage\]$/],
    [['transform', sample, '--output', sample], {}, /^error: --output .* is the same file as .* \[usage\]$/],
    [['sync', sample, '--app-account', '1'], { TORII_API_KEY: '' }, /^error: the Torii API key is empty \(TORII_API_KEY\) \[invalid_config\]$/],
    [['sync', sample, '--app-account', '1', '--output', join(dir, 'o.json')], { TORII_API_KEY: ' ' }, /^error: the Torii API key is empty \(TORII_API_KEY\) \[invalid_config\]$/],
    [['sync', sample, '--state', join(dir, 's.json')], { TORII_API_KEY: 'key-0123' }, /^error: the App Account ID is empty \(--app-account\) \[invalid_config\]$/],
    [['sync', sample, '--app-account', ' ', '--dry-run'], {}, /^error: the App Account ID is empty \(--app-account\) \[invalid_config\]$/],
  ]) {
    const r = run([...args, '--quiet'], { env, input: '' });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], pattern, args.join(' '));
  }
  assert.ok(!existsSync(join(dir, 'o.json')), 'a sync that cannot start writes no --output');
});

test('help and version exit 0', async () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /TORII_API_KEY/);
  for (const args of [['transform', '--help'], ['sync', '-h'], ['emulator', '--help']]) {
    const help = run(args);
    assert.equal(help.code, 0, `${args.join(' ')}: ${help.stderr}`);
    assert.equal(help.stdout, r.stdout, args.join(' '));
  }
  const core = loadCore();
  const v = run(['--version']);
  assert.equal(v.code, 0);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(v.stdout.trim(), `stripe-torii-sync ${version} (core ${core.version()})`);
});

test('a semicolon export from European Excel works unchanged', () => {
  const file = join(tmp(), 'eu.csv');
  writeFileSync(file, '\ufeffEmail;Name;Status\r\nada@example.com;Lovelace, Ada;Active\r\n');
  const r = run(['transform', file, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).users[0], {
    email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', status: 'active', externalStatus: 'Active',
  });
});

test('the README\'s option table lists every option of the catalog with its flag, JS name, label and default', async () => {
  const core = loadCore();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const rows = new Map(readme.split('\n').filter((l) => l.startsWith('| `--')).map((l) => [/`(--[a-z-]+)/.exec(l)[1], l]));
  for (const o of core.optionCatalog()) {
    const row = rows.get(o.cliFlag);
    assert.ok(row, `README lists ${o.cliFlag}`);
    const cells = row.split(' | ');
    assert.equal(cells[1], `\`${o.jsName}\``, o.cliFlag);
    assert.equal(cells[2], o.label, o.cliFlag);
    if (o.jsName !== 'appAccountId') assert.ok(cells[3].replaceAll('`', '') === o.default, `${o.cliFlag}: ${cells[3]} vs ${o.default}`);
  }
  assert.equal(rows.size, core.optionCatalog().length, 'and nothing that is not an option');
});

test('a file named on the command line that is a pipe is read whole, like a regular file', () => {
  const expected = run(['transform', sample, '--quiet']).stdout;
  // A shell pipe, a real one: what `transform <(cat export.csv)` or /dev/stdin give.
  const piped = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" transform /dev/stdin --quiet', 'sh', sample, process.execPath, cli],
    { encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, expected, 'not a byte lost to the size check');
});

test('transform and --help load no ES module: Node 20\'s ES-module loader would add about 10 ms to a small run', () => {
  // A preload that says, at exit, whether Node loaded its ES-module loader
  // (internal/modules/esm/utils is part of every start, CommonJS too).
  const preload = join(tmp(), 'esm-probe.cjs');
  writeFileSync(preload, `process.on('exit', () => {
    const esm = process.moduleLoadList.filter((m) => /internal\\/modules\\/esm\\/(loader|translators|module_job)$/.test(m));
    require('node:fs').writeSync(2, 'ESM modules: ' + (esm.join(', ') || 'none') + '\\n');
  });\n`);
  for (const args of [['transform', sample, '--quiet'], ['--help']]) {
    const run = spawnSync(process.execPath, ['--require', preload, cli, ...args], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^ESM modules: none$/m, `${args.join(' ')}: ${run.stderr}`);
  }
});
