// What the benchmark times: each contender is a function from an export to
// its output, run by measure.mjs in a process of its own. Each takes the
// input it naturally has: ours the file's bytes (as the CLI, the page and the
// upload do), the sample the text its CSV parser needs.
//
// - wasm:             our core: transform(bytes), bytes in, the Torii file's bytes out in
//                     1 MiB pieces, each a view over the core's memory (nextJsonView), as the
//                     CLI writes them; the sample's output, a string, is not encoded either
// - csv-raw:          the csv crate alone counting records in the same wasm (the
//                     `baseline` build in pkg-baseline/): the speed ceiling
// - sample-udsv:      Torii's Google Sheet sample (createJsonFile) on rows parsed by uDSV,
//                     the fastest JS CSV parser installed: the pipeline we replace
// - sample-papaparse: the same sample on rows parsed by PapaParse, the most common one

import { readFileSync } from 'node:fs';
import { loadCore } from '../core.cjs';

/** The CLI's output chunk. */
const CHUNK_BYTES = 1 << 20;

/** Contender names, in table order. */
export const CONTENDERS = ['wasm', 'csv-raw', 'sample-udsv', 'sample-papaparse'];

/** Human labels for the table. */
export const LABELS = {
  wasm: 'wasm transform + json (ours)',
  'csv-raw': 'csv crate parse only (same wasm)',
  'sample-udsv': 'sample createJsonFile + uDSV',
  'sample-papaparse': 'sample createJsonFile + PapaParse',
};

const pad = (n) => (n < 10 ? `0${n}` : `${n}`);

/**
 * The sample's `Utilities.formatDate(date, 'GMT', 'YYYY-MM-dd')`, by hand.
 * `YYYY` is Java's week year (weeks start on Sunday, US locale), so the last
 * days of December can carry the next year; the sample had that bug and
 * paid for it, so the emulation does too.
 */
function formatDate(date) {
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  let year = date.getUTCFullYear();
  if (month === 12 && day + 6 - date.getUTCDay() > 31) year += 1;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** Whether a contender takes the file's bytes (or its text). */
export const TAKES_BYTES = new Set(['wasm', 'csv-raw']);

/**
 * Torii's sample createJsonFile, row by row as the sheet script does it:
 * columns by position, the name split on a space, `new Date` on the last
 * login, one user and one license user per row, then JSON.stringify.
 * @param {string[][]} rows parsed CSV rows
 * @param {number} start index of the first data row (after any header)
 * @returns {string} the file body
 */
function createJsonFile(rows, start) {
  const users = [];
  const licenseUsers = [];
  for (let i = start; i < rows.length; i++) {
    const row = rows[i];
    const email = row[0];
    const [firstName, lastName] = String(row[1]).split(' ');
    const status = String(row[2]).toLowerCase() === 'active' ? 'active' : 'deleted';
    const lastLogin = new Date(row[5]);
    // Utilities.formatDate throws on an invalid date and the sample dies with
    // it; here the field is left out so the run reaches the end.
    const lastUsedDate = Number.isNaN(lastLogin.getTime()) ? undefined : formatDate(lastLogin);
    users.push({ email, firstName, lastName, status, roles: [row[3]], lastUsedDate });
    licenseUsers.push({ email, licenseStatus: status });
  }
  return JSON.stringify({ users, licenses: [{ name: 'Stripe', pricePerUser: 0, users: licenseUsers }] });
}

/**
 * Loads a contender.
 * @param {string} name one of CONTENDERS
 * @returns {Promise<(input: string | Buffer) => unknown>}
 */
export async function contender(name) {
  switch (name) {
    case 'wasm': {
      const core = loadCore();
      return (bytes) => {
        const result = core.transform(bytes);
        // A view is valid until the next call into the core: the CLI writes
        // it out before asking for the next; here its length is all we keep.
        let length = 0;
        for (let view; (view = result.nextJsonView(CHUNK_BYTES)) !== undefined;) length += view.length;
        result.free();
        return length;
      };
    }
    case 'csv-raw': {
      const dir = new URL('../../pkg-baseline/', import.meta.url);
      const glue = await import(new URL('stripe_torii_sync.js', dir).href);
      glue.initSync({ module: readFileSync(new URL('stripe_torii_sync_bg.wasm', dir)) });
      return (bytes) => glue.countCsvRecords(bytes);
    }
    case 'sample-udsv': {
      const { inferSchema, initParser } = await import('udsv');
      return (text) => {
        // uDSV needs its schema (header, quoting) inferred first; that is part of parsing.
        const parser = initParser(inferSchema(text, { trim: false }, 10));
        return createJsonFile(parser.stringArrs(text), 0);
      };
    }
    case 'sample-papaparse': {
      const { default: Papa } = await import('papaparse');
      return (text) => createJsonFile(Papa.parse(text, { skipEmptyLines: true }).data, 1);
    }
    default:
      throw new Error(`unknown contender "${name}" (known: ${CONTENDERS.join(', ')})`);
  }
}
