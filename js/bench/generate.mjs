// Deterministic Stripe-like team exports for the benchmark.
//
// A seeded generator, so every run (and every machine) measures the same
// bytes. The mix follows tests/fixtures/stripe-sample.csv and what is known
// of the export (/work/shared/reference.md): names with suffixes, middle
// names, non-ASCII letters and "Last, First"; the statuses Stripe shows
// (active, invited, invite expired, removed, ...); several roles in one
// quoted cell with varying capitalisation; last-login dates in every
// spelling we have seen (ISO with and without zones, "Dec 29, 2025",
// US dates, empty, "Never"); repeated emails (some in another case) and a
// few invalid or missing ones. Files are cached under tests/bench-data/
// (gitignored), keyed by row count and GENERATOR_VERSION: bump it whenever
// the output changes, so stale files are never measured (and get deleted).

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GENERATOR_VERSION = 2;
const DEFAULT_SEED = 20261124;
const dataDir = fileURLToPath(new URL('../../tests/bench-data/', import.meta.url));

const HEADER = 'Email,Name,Status,Role,Two-step authentication,Last login';
const FIRST = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Ken', 'Radia', 'Donald', 'Margaret',
  'Katherine', 'Dennis', 'José', 'Zoë', 'Søren', 'Chloé', 'Wei', 'Aïcha', 'Mary Ann', 'John Paul'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Liskov', 'Dijkstra', 'Allen', 'Thompson', 'Perlman', 'Knuth',
  'Hamilton', 'Johnson', 'Ritchie', 'García', 'Müller', 'Ødegaard', "O'Brien", 'Nakamura', 'van Rossum', 'de la Cruz'];
const MIDDLE = ['Brewster', 'J.', 'Marie', 'Luther'];
const SUFFIX = ['Jr.', 'Sr.', 'III', 'PhD'];
const DOMAINS = ['example.com', 'example.com', 'example.com', 'corp.example.com', 'contractor.example.org'];
/** [status, weight per mille]: mostly active members, then open and lapsed invites; "Frozen" is unknown to the core. */
const STATUSES = [['Active', 700], ['Invited', 100], ['Invite expired', 80], ['Removed', 50], ['Pending', 33],
  ['Deactivated', 35], ['Frozen', 2]];
const ROLES = ['Owner', 'Super Administrator', 'Administrator', 'IAM Administrator', 'Developer', 'Developer',
  'Analyst', 'Analyst', 'Tax Analyst', 'Support Specialist', 'Support Specialist', 'View only', 'View only',
  'View Only', 'Connect Onboarding Analyst', 'Transfer Analyst'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Emails of recent rows, to repeat: a team export's duplicates sit near each other. */
const RECENT = 64;

/** Mulberry32: small, fast and seeded, so the bytes never depend on Math.random. */
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
const quote = (cell) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
/** ASCII local part of an email from a name ("José de la Cruz" -> "jose.delacruz"). */
const slug = (s) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();

function weighted(rand, table) {
  let r = rand() * table.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, w] of table) {
    r -= w;
    if (r < 0) return value;
  }
  return table[table.length - 1][0];
}

/** A last-login cell: a time in 2023-2025, spelt one of the ways exports and spreadsheets do. */
function lastLogin(rand) {
  const at = new Date(Date.UTC(2023, 0, 1) + Math.floor(rand() * 1095 * 86_400) * 1000);
  const [y, m, d] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()];
  const hh = at.getUTCHours();
  const time = `${pad(hh)}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  const date = `${y}-${pad(m)}-${pad(d)}`;
  switch (Math.floor(rand() * 10)) {
    case 0: return '';
    case 1: return 'Never';
    case 2: return date;
    case 3: return `${date}T${time}-05:00`;
    case 4: return `${date}T${time}Z`;
    case 5: return `${MONTHS[m - 1]} ${d}, ${y}`;
    case 6: return `${MONTHS[m - 1]} ${d}, ${y}, ${hh % 12 || 12}:${pad(at.getUTCMinutes())} ${hh < 12 ? 'AM' : 'PM'}`;
    case 7: return `${m}/${d}/${y}`;
    default: return `${date} ${time} UTC`;
  }
}

function fullName(rand, pick, first, last) {
  const r = rand();
  if (r < 0.02) return '';
  if (r < 0.05) return first;
  if (r < 0.13) return `${last}, ${first}`;
  if (r < 0.19) return `${first} ${last} ${pick(SUFFIX)}`;
  if (r < 0.23) return `${first} ${pick(MIDDLE)} ${last}`;
  return `${first} ${last}`;
}

function roles(rand, pick) {
  const r = rand();
  const count = r < 0.03 ? 3 : r < 0.18 ? 2 : 1;
  return Array.from({ length: count }, () => pick(ROLES)).join(', ');
}

/**
 * The CSV text of an export with `rows` data rows (plus the header), CRLF line ends.
 * @param {number} rows
 * @param {number} [seed]
 * @returns {string}
 */
export function generateExport(rows, seed = DEFAULT_SEED) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const recent = [];
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    let email = `${slug(first)}.${slug(last)}${i}@${pick(DOMAINS)}`;
    const r = rand();
    if (r < 0.004 && recent.length > 0) {
      const earlier = pick(recent);
      email = rand() < 0.5 ? earlier : earlier.toUpperCase(); // merged as a duplicate
    } else if (r < 0.007) {
      email = pick([`${slug(first)}${i}@`, `${slug(first)}${i}.example.com`, `${slug(first)} ${i}@example.com`]); // rejected
    } else if (r < 0.008) {
      email = ''; // rejected: no email
    }
    if (email.includes('@') && !email.endsWith('@')) {
      if (recent.length === RECENT) recent[i % RECENT] = email;
      else recent.push(email);
    }
    const row = [email, fullName(rand, pick, first, last), weighted(rand, STATUSES), roles(rand, pick),
      rand() < 0.7 ? 'Enabled' : 'Disabled', lastLogin(rand)];
    lines.push(row.map(quote).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The path of the cached export with `rows` rows, generated on first use.
 * @param {number} rows
 * @returns {string}
 */
export function exportFile(rows) {
  const path = `${dataDir}stripe-export-${rows}-v${GENERATOR_VERSION}.csv`;
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    for (const stale of readdirSync(dataDir).filter((f) => f.startsWith(`stripe-export-${rows}-v`))) {
      rmSync(`${dataDir}${stale}`);
    }
    // Written aside and renamed, so an interrupted run leaves no truncated cache.
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, generateExport(rows));
    renameSync(partial, path);
  }
  return path;
}
