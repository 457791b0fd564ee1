// The page's form values as the core's TransformOptions, and the command line
// that does the same job. Pure functions with no DOM, so the page and the
// Node tests run the same code.

/** The default API base URL, as in the core. */
export const DEFAULT_BASE_URL = 'https://api.toriihq.com/v1.0';

/** Fields of the core's `columns` option, with the label the page shows. */
export const COLUMN_FIELDS = [['email', 'Email'], ['name', 'Full name'], ['firstName', 'First name'],
  ['lastName', 'Last name'], ['status', 'Status'], ['roles', 'Roles'], ['lastUsed', 'Last used']];

/**
 * A price typed in dollars ("12.50", "$12", ".5", blank for 0) as whole cents.
 * Parsed as text, not as a float, so "0.29" is exactly 29.
 * @param {string} text
 * @returns {{cents: number} | {error: string}}
 */
export function parseDollars(text) {
  const value = text.trim().replace(/^\$/, '');
  if (value === '') return { cents: 0 };
  if (value.startsWith('-')) return { error: 'Price per user cannot be negative.' };
  const match = /^(\d*)(?:\.(\d*))?$/.exec(value);
  if (!match || (match[1] === '' && !match[2])) {
    return { error: 'Price per user: enter an amount in dollars, like 12 or 12.50.' };
  }
  const decimals = match[2] ?? '';
  if (decimals.length > 2) return { error: 'Price per user: at most 2 decimals (whole cents), like 12.50.' };
  const cents = Number(match[1] || '0') * 100 + Number(decimals.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return { error: 'Price per user is too large.' };
  return { cents };
}

/**
 * A count typed by the user (blank for 0).
 * @param {string} text
 * @param {string} what the field's name, for the message
 * @returns {{value: number} | {error: string}}
 */
export function parseCount(text, what) {
  const value = text.trim();
  if (value === '') return { value: 0 };
  if (/^-\d/.test(value)) return { error: `${what} cannot be negative.` };
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    return { error: `${what}: enter a whole number, like 0 or 5.` };
  }
  return { value: Number(value) };
}

/** "invited, expired," -> ["invited", "expired"]. */
export const commaList = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * Builds TransformOptions from the form's raw values.
 * @param {{licenseName: string, price: string, unassigned: string, dateOrder: string,
 *   excludeStatuses: string, excludeDomains: string, columns: Record<string, number>}} form
 * @returns {{options?: object, errors: {price?: string, unassigned?: string}}}
 *   `options` only when every field is valid.
 */
export function transformOptions(form) {
  const price = parseDollars(form.price);
  const unassigned = parseCount(form.unassigned, 'Unassigned licenses');
  const errors = {};
  if (price.error) errors.price = price.error;
  if (unassigned.error) errors.unassigned = unassigned.error;
  if (Object.keys(errors).length) return { errors };
  const options = {
    // A blank name would make a nameless license, which Torii refuses.
    licenseName: form.licenseName.trim() || 'Stripe',
    pricePerUserCents: price.cents,
    unassignedAmount: unassigned.value,
    dateOrder: form.dateOrder,
    excludeStatuses: commaList(form.excludeStatuses),
    excludeDomains: commaList(form.excludeDomains),
  };
  if (Object.keys(form.columns).length) options.columns = { ...form.columns };
  return { options, errors };
}

/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `node js/cli.mjs sync` command that sends the same file as the page
 * (the key comes from TORII_API_KEY, never from the command line).
 * @param {{fileName: string, options: object, appAccountId: string, baseUrl: string}} sync
 * @returns {string}
 */
export function cliSyncCommand({ fileName, options, appAccountId, baseUrl }) {
  const args = ['node', 'js/cli.mjs', 'sync', fileName || 'export.csv', '--app-account', appAccountId || 'ID'];
  if (baseUrl && baseUrl.replace(/\/+$/, '') !== DEFAULT_BASE_URL) args.push('--api-url', baseUrl);
  if (options.licenseName !== 'Stripe') args.push('--license-name', options.licenseName);
  if (options.pricePerUserCents) args.push('--price-per-user-cents', String(options.pricePerUserCents));
  if (options.unassignedAmount) args.push('--unassigned', String(options.unassignedAmount));
  if (options.dateOrder !== 'mdy') args.push('--date-order', options.dateOrder);
  for (const status of options.excludeStatuses) args.push('--exclude-status', status);
  for (const domain of options.excludeDomains) args.push('--exclude-domain', domain);
  if (options.columns) {
    args.push('--columns', Object.entries(options.columns).map(([field, column]) => `${field}=${column}`).join(','));
  }
  return args.map(shellQuote).join(' ');
}
