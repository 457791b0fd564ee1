// The command line's usage text, generated from the core's option table
// (optionCatalog) and the host's own flags, so a flag can never differ from
// the option it sets in the page or the Sheet. The core reads the flags
// (parseCommandLine); this is loaded only when the text is shown. CommonJS,
// like cli.cjs (see core.cjs).

/** How the usage text names each kind's value. */
const PLACEHOLDER = { text: 'TEXT', count: 'N', percent: 'PERCENT', list: 'VALUE', statusMap: 'TEXT=CLASS', columns: 'FIELD=HEADER,…' };

/** What a switch does to its option, in the usage text. */
const SWITCH_HELP = {
  switch: (o) => o.help,
  switchOff: (o) => `do not ${o.help}`,
  picks: (o) => `${o.label.toLowerCase()} "${o.cliPicks}" instead of "${o.default}" (${o.help})`,
};

/**
 * The usage text, from the catalog and the host's flags.
 * @param {object[]} catalog the core's optionCatalog()
 * @param {Record<string, Record<string, [string|null, string]>>} hostFlags per command: [placeholder, help]
 */
function usage(catalog, hostFlags) {
  const line = (flag, arg, help) => `  ${`${flag}${arg ? ` ${arg}` : ''}`.padEnd(30)} ${help}\n`;
  const options = (scope) => catalog.filter((o) => o.scope === scope).map((o) => (o.cliForm === 'value'
    ? line(o.cliFlag, PLACEHOLDER[o.kind] ?? o.allowed.join('|'), `${o.help} (default ${o.default}${o.repeatable ? '; repeatable' : ''})`)
    : line(o.cliFlag, '', SWITCH_HELP[o.cliForm](o)))).join('');
  const host = (command) => Object.entries(hostFlags[command]).map(([f, [a, h]]) => line(`--${f}`, a, h)).join('');
  return 'Usage:\n' +
    '  stripe-torii-sync transform FILE... [options]       Stripe exports -> one Torii JSON on stdout, report on stderr\n' +
    '  stripe-torii-sync sync FILE... --app-account ID [options]   transform, then upload and sync to Torii\n' +
    '  stripe-torii-sync emulator [--port N]               run the local Torii emulator\n' +
    '  stripe-torii-sync --version | --help\n' +
    'FILE may be - for standard input. The API key is read from TORII_API_KEY, never from an argument.\n' +
    'Exit codes: 0 done, 1 failed or refused (see the message), 2 usage or configuration error.\n\n' +
    `Transform options:\n${options('transform')}${host('transform')}\nSync options:\n${options('sync')}${host('sync')}`;
}

module.exports = { usage };
