// The things the benchmark times, each a function from CSV text to output
// text, all run in the same Node process kind (see measure.mjs).
//
// - wasm:        our core's transformJson (string in, JSON string out, report included)
// - csv-raw:     the csv crate alone counting records, in the same wasm (the ceiling)
// - sample-udsv / sample-papaparse: Torii's Google Sheet sample logic
//   (createJsonFile: split on space, new Date, format, JSON.stringify) on rows
//   parsed by a fast JS CSV parser, i.e. the pipeline we replace.

import { loadCore } from '../core.mjs';

const pad = (n) => (n < 10 ? `0${n}` : `${n}`);

/** The sample's date formatting (Utilities.formatDate), done by hand in UTC. */
function formatDate(date) {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Torii's sample createJsonFile, row by row as the sheet script does it. */
function createJsonFile(rows) {
  const users = [];
  const licenseUsers = [];
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i];
    const email = row[0];
    const [firstName, lastName] = String(row[1]).split(' ');
    const status = String(row[2]).toLowerCase() === 'active' ? 'active' : 'deleted';
    const date = new Date(row[5]);
    // The sample crashes on an empty or odd date; the benchmark skips it instead.
    const lastUsedDate = Number.isNaN(date.getTime()) ? undefined : formatDate(date);
    users.push({ email, firstName, lastName, status, roles: [row[3]], lastUsedDate });
    licenseUsers.push({ email, licenseStatus: status });
  }
  return JSON.stringify({ users, licenses: [{ name: 'Stripe', pricePerUser: 0, users: licenseUsers }] });
}

/** @returns {Promise<(text: string) => unknown>} the contender's function */
export async function contender(name) {
  switch (name) {
    case 'wasm': {
      const core = await loadCore();
      return (text) => core.transformJson(text).json;
    }
    case 'csv-raw': {
      const core = await loadCore();
      return (text) => core.countCsvRecords(text);
    }
    case 'sample-udsv': {
      const { inferSchema, initParser } = await import('udsv');
      return (text) => {
        const parser = initParser(inferSchema(text, { trim: false }, 10));
        return createJsonFile([[], ...parser.stringArrs(text)]);
      };
    }
    case 'sample-papaparse': {
      const { default: Papa } = await import('papaparse');
      return (text) => createJsonFile(Papa.parse(text, { skipEmptyLines: true }).data);
    }
    default:
      throw new Error(`unknown contender ${name}`);
  }
}

export const CONTENDERS = ['wasm', 'csv-raw', 'sample-udsv', 'sample-papaparse'];
