// Deterministic Stripe-like team exports for the benchmark.
//
// A seeded generator, so every run (and every machine) measures the same
// bytes: a realistic mix of names (suffixes, "Last, First"), statuses,
// several roles per member, last-login dates in the formats Stripe and
// spreadsheets produce, a few duplicates and invalid emails. Files are
// cached under tests/bench-data/ (gitignored), keyed by size and version.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GENERATOR_VERSION = 1;
const dataDir = fileURLToPath(new URL('../../tests/bench-data/', import.meta.url));

const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Ken', 'Radia', 'Donald', 'Margaret', 'John Paul', 'Mary Ann'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Thompson', 'Perlman', 'Knuth', 'Hamilton', 'van Rossum', 'de la Cruz'];
const SUFFIX = ['', '', '', '', '', '', '', '', ' Jr.', ' III'];
const STATUS = ['Active', 'Active', 'Active', 'Active', 'Active', 'Invited', 'Expired', 'Deactivated', 'Pending'];
const ROLES = ['Owner', 'Administrator', 'Developer', 'Analyst', 'View only', 'Support Specialist', 'Tax Analyst', 'IAM Administrator'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Mulberry32: small, fast, seeded. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n) => String(n).padStart(2, '0');
const quote = (cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

function lastLogin(rand) {
  const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(rand() * 1000) * 86_400_000 + Math.floor(rand() * 86_400) * 1000);
  const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
  const time = `${pad(day.getUTCHours())}:${pad(day.getUTCMinutes())}:${pad(day.getUTCSeconds())}`;
  switch (Math.floor(rand() * 8)) {
    case 0: return '';
    case 1: return 'Never';
    case 2: return `${y}-${pad(m)}-${pad(d)}`;
    case 3: return `${y}-${pad(m)}-${pad(d)}T${time}-05:00`;
    case 4: return `${MONTHS[m - 1]} ${d}, ${y}`;
    case 5: return `${m}/${d}/${y}`;
    default: return `${y}-${pad(m)}-${pad(d)} ${time} UTC`;
  }
}

/** The CSV text of an export with `rows` data rows. */
export function generateExport(rows, seed = 20261124) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const lines = ['Email,Name,Status,Role,Two-step authentication,Last login'];
  for (let i = 0; i < rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const name = rand() < 0.1 ? `${last}, ${first}` : `${first} ${last}${pick(SUFFIX)}`;
    let email = `${first.split(' ')[0].toLowerCase()}.${last.replace(/ /g, '').toLowerCase()}${i}@example.com`;
    if (rand() < 0.01) email = `broken${i}@`; // rejected
    if (rand() < 0.01 && i > 0) email = `ada.lovelace${Math.floor(rand() * i)}@example.com`; // maybe a duplicate
    const roles = rand() < 0.2 ? `${pick(ROLES)}, ${pick(ROLES)}` : pick(ROLES);
    const row = [email, name, pick(STATUS), roles, rand() < 0.5 ? 'Enabled' : 'Disabled', lastLogin(rand)];
    lines.push(row.map(quote).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The path of the cached export with `rows` rows, generating it if needed. */
export function exportFile(rows) {
  const path = `${dataDir}stripe-export-${rows}-v${GENERATOR_VERSION}.csv`;
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, generateExport(rows));
  }
  return path;
}
