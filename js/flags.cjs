// The command line's flags and usage text, generated from the core's option
// table (optionCatalog) plus the few flags of the host itself, so a flag can
// never differ from the option it sets in the page or the Sheet. CommonJS,
// like cli.cjs, for the start-up time (see core.cjs).

/** Flags of the host itself; the rest come from the core's option table. */
const HOST_FLAGS = {
  transform: {
    output: ['FILE', 'write the Torii JSON to FILE instead of stdout'],
    report: ['FILE', 'also write the report as JSON to FILE'],
    compare: ['FILE', 'show what changes against a previous Torii file'],
    quiet: [null, 'print no report'],
  },
  sync: {
    'dry-run': [null, 'transform and show what would be sent, with the change preview; send nothing'],
    'allow-drop': [null, 'confirm a sync the destructive-sync guard would refuse'],
    state: ['PATH', 'where the last sync of each target is kept (default ~/.config/stripe-torii-sync/state.json)'],
  },
};

/** How the usage text names each kind's value. */
const PLACEHOLDER = { text: 'TEXT', count: 'N', percent: 'PERCENT', list: 'VALUE', statusMap: 'TEXT=CLASS', columns: 'FIELD=HEADER,…' };

/** What a switch does to its option, in the usage text. */
const SWITCH_HELP = {
  switch: (o) => o.help,
  switchOff: (o) => `do not ${o.help}`,
  picks: (o) => `${o.label.toLowerCase()} "${o.cliPicks}" instead of "${o.default}" (${o.help})`,
};

/** The usage text, from the catalog. */
function usage(catalog) {
  const line = (flag, arg, help) => `  ${`${flag}${arg ? ` ${arg}` : ''}`.padEnd(30)} ${help}\n`;
  const options = (scope) => catalog.filter((o) => o.scope === scope).map((o) => (o.cliForm === 'value'
    ? line(o.cliFlag, PLACEHOLDER[o.kind] ?? o.allowed.join('|'), `${o.help} (default ${o.default}${o.repeatable ? '; repeatable' : ''})`)
    : line(o.cliFlag, '', SWITCH_HELP[o.cliForm](o)))).join('');
  const host = (command) => Object.entries(HOST_FLAGS[command]).map(([f, [a, h]]) => line(`--${f}`, a, h)).join('');
  return 'Usage:\n' +
    '  stripe-torii-sync transform FILE... [options]       Stripe exports -> one Torii JSON on stdout, report on stderr\n' +
    '  stripe-torii-sync sync FILE... --app-account ID [options]   transform, then upload and sync to Torii\n' +
    '  stripe-torii-sync emulator [--port N]               run the local Torii emulator\n' +
    '  stripe-torii-sync --version | --help\n' +
    'FILE may be - for standard input. The API key is read from TORII_API_KEY, never from an argument.\n' +
    'Exit codes: 0 done, 1 failed or refused (see the message), 2 usage or configuration error.\n\n' +
    `Transform options:\n${options('transform')}${host('transform')}\nSync options:\n${options('sync')}${host('sync')}`;
}

/** parseArgs options for a command: the catalog's flags of its scopes, plus the host's. */
function flagSpec(catalog, command) {
  const scopes = command === 'sync' ? ['transform', 'sync'] : ['transform'];
  const spec = { help: { type: 'boolean', short: 'h' } };
  for (const o of catalog.filter((o) => scopes.includes(o.scope))) {
    const name = o.cliFlag.slice(2);
    spec[name] = o.cliForm === 'value' ? { type: 'string', multiple: o.repeatable } : { type: 'boolean' };
  }
  for (const c of command === 'sync' ? ['transform', 'sync'] : ['transform']) {
    for (const [name, [arg]] of Object.entries(HOST_FLAGS[c])) spec[name] = { type: arg ? 'string' : 'boolean' };
  }
  return spec;
}

module.exports = { HOST_FLAGS, usage, flagSpec };
