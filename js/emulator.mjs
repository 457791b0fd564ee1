// A local Torii API emulator, for the tests, the browser and Apps Script
// tests (over HTTP from another process) and `./dev demo`.
//
// It owns a faithful-enough stand-in for the endpoints of Torii's
// custom-integration upload, including the parts that bite in production:
//   GET  /v1.0/files/url              upload_url     presigned-style upload URL
//   PUT  /s3/upload/<token>?X-Amz-…   upload         the "S3" side: no Torii key, a known length, S3 XML errors
//   POST /v1.0/files                  register       the upload is validated HERE
//   POST /v1.0/files/upload           direct_upload  multipart, ≤ 3 MB, validated here too
//   PUT  /v1.0/services/sync/custom   sync
// plus the key check, switchable faults (any status with Retry-After on 429,
// a dropped connection, a slow answer, an expired upload URL, a request never
// answered, an answer whose body stalls part-way: the last two end only when
// the client gives up or the emulator closes, so the core's request timeouts
// can be tested against real sockets), switchable CORS (off = what a browser
// meets at the real Torii) and a control API under /__emulator/.
// Every API request is recorded so tests can assert the exact sequence. It
// binds 127.0.0.1 only and never talks to the network.

import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';

const API_PREFIX = '/v1.0';
const UPLOAD_PREFIX = '/s3/upload/';
const CONTROL_PREFIX = '/__emulator/';
const FILE_TYPE = 'customIntegrationData';
const DIRECT_UPLOAD_MAX_BYTES = 3 * 1024 * 1024;
const STEPS = ['upload_url', 'upload', 'register', 'sync', 'direct_upload'];
const FAULT_KINDS = ['status', 'drop', 'slow', 'expire', 'silent', 'stall'];
const DEFAULT_SLOW_MS = 1000;
const DEFAULT_STALL_BYTES = 10;
const API_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, X-API-Version',
  // Without this a browser hides Retry-After from the page, and a 429 cannot be honoured.
  'access-control-expose-headers': 'Retry-After',
};
const CONTROL_CORS_HEADERS = { ...API_CORS_HEADERS, 'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS' };
const REASONS = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};
const S3_CODES = {
  400: 'InvalidRequest', 403: 'AccessDenied', 404: 'NoSuchKey', 409: 'OperationAborted', 429: 'SlowDown',
  500: 'InternalError', 503: 'SlowDown',
};

/**
 * A switchable fault. Before a request for `step` is handled, the first fault
 * for that step with `times` left is consumed.
 * @typedef {object} Fault
 * @property {'upload_url'|'upload'|'register'|'sync'|'direct_upload'} step  the step it hits
 * @property {'status'|'drop'|'slow'|'expire'|'silent'|'stall'} kind
 *   'status': answer `status` (Torii JSON error body; S3 XML for 'upload'; Retry-After on 429);
 *   'drop': destroy the socket without answering;
 *   'slow': wait `delayMs`, then answer normally;
 *   'expire': on 'upload', refuse the upload as expired; on 'upload_url', hand out a URL that has already expired;
 *   'silent': read and record the request, then never answer, keeping the socket open until the
 *     client closes it or the emulator closes (the recorded status stays 0);
 *   'stall': send the normal answer's status and headers, Content-Length included, and the first
 *     `bytes` of its body, then nothing more, until the client closes or the emulator closes.
 *     Not on 'upload': S3's answer there has no body to stall in
 * @property {number} [status=500]  for kind 'status': an HTTP error status, 400-599
 * @property {string} [retryAfter]  Retry-After value for a 429 (seconds or an HTTP date; default "1")
 * @property {number} [delayMs=1000] for kind 'slow'
 * @property {number} [bytes=10]     for kind 'stall': how much of the body to send; always at least one byte short
 * @property {number} [times=1]      how many requests it hits
 * @property {string} [message]      the error message to send instead of the default
 */

/**
 * One API request as the emulator saw it (control and OPTIONS requests are not recorded).
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path     pathname and query
 * @property {'upload_url'|'upload'|'register'|'sync'|'direct_upload'|'unknown'} step
 * @property {Record<string, string|string[]>} headers  lower-case names
 * @property {string} body     the body as UTF-8 text
 * @property {number} status   the status answered (a 'stall' counts); 0 while pending, dropped or never answered
 * @property {number} at       arrival time, ms since the epoch
 */

/**
 * Starts the emulator on 127.0.0.1.
 * @param {object} [options]
 * @param {number} [options.port=0]             0 picks a free port
 * @param {string} [options.apiKey='test-key']  the one key it accepts, as `Authorization: Bearer <key>`
 * @param {Array<string|number>} [options.appAccountIds]  accepted app accounts, compared as strings (default: any)
 * @param {number} [options.uploadTtlMs=300000] lifetime of a presigned upload URL
 * @param {boolean} [options.cors=true]         send CORS headers on API responses
 * @param {number} [options.syncMs=0]           how long a started sync runs: Torii runs one at a time,
 *   so another sync of the same app account meanwhile gets 409 (0: each sync is over at once)
 * @param {(line: string) => void} [options.log] told one line per API request answered; never headers or the key
 * @returns {Promise<{
 *   baseUrl: string, port: number, requests: RecordedRequest[], files: Map<number, object>,
 *   syncs: Array<{ idFile: unknown, idAppAccount: unknown }>, setFaults(faults: Fault[]): void,
 *   clearFaults(): void, setCors(enabled: boolean): void, inFlight(): number,
 *   close(): Promise<void> }>}
 *   `requests` may be emptied in place (`requests.length = 0`); `files` maps file id -> parsed file.
 */
export async function startEmulator({
  port = 0, apiKey = 'test-key', appAccountIds, uploadTtlMs = 300_000, cors = true, syncMs = 0, log,
} = {}) {
  const state = {
    apiKey,
    accounts: appAccountIds?.map(String),
    uploadTtlMs,
    cors: Boolean(cors),
    syncMs,
    running: new Map(), // app account -> when its sync ends
    faults: [],
    slots: new Map(), // upload token -> { filePath, signature, expiresAt }
    uploaded: new Map(), // filePath -> file text
    nextFileId: 1000,
    timers: new Set(), // pending 'slow' waits, cancelled by close() or the client leaving
    inFlight: 0, // requests whose answer is not finished and whose socket is still open
  };
  const requests = [];
  const files = new Map();
  const syncs = [];
  const ctx = { state, requests, files, syncs, log, origin: '' };

  const server = createServer((req, res) => {
    state.inFlight += 1;
    // 'close' comes once the answer is sent or the socket is gone, whichever is first.
    res.once('close', () => { state.inFlight -= 1; });
    readBody(req)
      .then((body) => handle(ctx, req, res, body))
      // Only a client that went away mid-request gets here; there is no one left to answer.
      .catch(() => req.socket.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  ctx.origin = `http://127.0.0.1:${actualPort}`;

  return {
    baseUrl: `${ctx.origin}${API_PREFIX}`,
    port: actualPort,
    requests,
    files,
    syncs,
    /** Replaces the fault list; throws a TypeError on a malformed fault. @param {Fault[]} faults */
    setFaults(faults) { state.faults = checkFaults(faults); },
    /** Removes every fault. */
    clearFaults() { state.faults = []; },
    /** Turns CORS headers on API responses on or off (off: a browser blocks the calls). */
    setCors(enabled) { state.cors = Boolean(enabled); },
    /**
     * How many requests have arrived and are not fully answered, held ones ('slow', 'silent',
     * 'stall') included; a client that gives up and closes its socket takes its own off at once.
     * (Not a socket count: Node's fetch opens a spare idle connection after every abort.)
     */
    inFlight() { return state.inFlight; },
    /** Stops the server, cutting open connections, pending slow answers and silent or stalled requests. */
    close() {
      for (const timer of state.timers) clearTimeout(timer);
      state.timers.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => { if (!req.complete) reject(new Error('request aborted')); });
  });
}

async function handle(ctx, req, res, bodyBytes) {
  const url = new URL(req.url, ctx.origin);
  if (url.pathname.startsWith(CONTROL_PREFIX)) return control(ctx, req, res, url, bodyBytes.toString('utf8'));
  if (req.method === 'OPTIONS') {
    res.writeHead(204, ctx.state.cors ? API_CORS_HEADERS : {}).end();
    return;
  }
  const step = stepOf(req.method, url.pathname);
  const record = {
    method: req.method,
    path: url.pathname + url.search,
    step,
    headers: { ...req.headers },
    body: bodyBytes.toString('utf8'),
    status: 0,
    at: Date.now(),
  };
  ctx.requests.push(record);
  const logLine = (outcome = record.status || 'dropped') => ctx.log?.(`${record.method} ${url.pathname} ${step} -> ${outcome}`);
  const fault = takeFault(ctx.state, step);
  const stallBytes = fault?.kind === 'stall' ? fault.bytes : undefined;
  const reply = (status, payload, headers) => {
    record.status = status;
    send(ctx, res, status, payload, headers, stallBytes);
    logLine(stallBytes === undefined ? status : `${status} stalled`);
  };

  if (fault?.kind === 'drop') {
    req.socket.destroy();
    logLine();
    return;
  }
  // Nothing to hold or clean up: the socket just stays open until the client or close() ends it.
  if (fault?.kind === 'silent') {
    logLine('silent');
    return;
  }
  if (fault?.kind === 'slow' && !(await sleep(ctx.state, res, fault.delayMs ?? DEFAULT_SLOW_MS))) return;
  if (fault?.kind === 'status') return replyFault(step, fault, reply);
  try {
    route(ctx, req, url, bodyBytes, record.body, step, fault?.kind === 'expire', reply);
  } catch (error) {
    reply(500, toriiError(500, `emulator error: ${error.message}`));
  }
}

function route(ctx, req, url, bodyBytes, body, step, expire, reply) {
  if (step === 'upload') {
    return expire ? reply(403, s3Error('AccessDenied', 'Request has expired')) : upload(ctx, req, url, body, reply);
  }
  const underApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
  // Like a gateway, the key is checked before the route is looked up.
  if (underApi && req.headers.authorization !== `Bearer ${ctx.state.apiKey}`) {
    return reply(401, toriiError(401, 'Invalid or missing API key'));
  }
  if (step === 'upload_url') return uploadUrl(ctx, url, expire, reply);
  if (step === 'register') return register(ctx, body, reply);
  if (step === 'direct_upload') return directUpload(ctx, req, bodyBytes, reply);
  if (step === 'sync') return sync(ctx, body, reply);
  return reply(404, toriiError(404, `Cannot ${req.method} ${url.pathname}`));
}

function stepOf(method, path) {
  if (method === 'GET' && path === `${API_PREFIX}/files/url`) return 'upload_url';
  if (method === 'PUT' && path.startsWith(UPLOAD_PREFIX)) return 'upload';
  if (method === 'POST' && path === `${API_PREFIX}/files`) return 'register';
  if (method === 'POST' && path === `${API_PREFIX}/files/upload`) return 'direct_upload';
  if (method === 'PUT' && path === `${API_PREFIX}/services/sync/custom`) return 'sync';
  return 'unknown';
}

/** Checks and copies a fault list, so a typo fails loudly instead of silently never firing. */
function checkFaults(faults) {
  if (!Array.isArray(faults)) throw new TypeError('faults must be an array');
  return faults.map((fault, i) => {
    const at = `faults[${i}]`;
    if (!isObject(fault)) throw new TypeError(`${at} must be an object`);
    if (!STEPS.includes(fault.step)) throw new TypeError(`${at}.step must be one of ${STEPS.join(', ')}`);
    if (!FAULT_KINDS.includes(fault.kind)) throw new TypeError(`${at}.kind must be one of ${FAULT_KINDS.join(', ')}`);
    const copy = { ...fault, times: fault.times ?? 1 };
    if (!Number.isInteger(copy.times) || copy.times < 1) throw new TypeError(`${at}.times must be a positive integer`);
    if (copy.kind === 'status') {
      copy.status = fault.status ?? 500;
      if (!Number.isInteger(copy.status) || copy.status < 400 || copy.status > 599) {
        throw new TypeError(`${at}.status must be an HTTP error status (400-599)`);
      }
    }
    if (copy.kind === 'slow' && copy.delayMs !== undefined && !(copy.delayMs >= 0)) {
      throw new TypeError(`${at}.delayMs must be a non-negative number`);
    }
    if (copy.kind === 'expire' && copy.step !== 'upload' && copy.step !== 'upload_url') {
      throw new TypeError(`${at}: kind "expire" only applies to step "upload" or "upload_url"`);
    }
    if (copy.kind === 'stall') {
      // A successful S3 PUT answers with an empty body, so a stall there would quietly be a normal answer.
      if (copy.step === 'upload') throw new TypeError(`${at}: kind "stall" does not apply to step "upload" (no body to stall in)`);
      copy.bytes = fault.bytes ?? DEFAULT_STALL_BYTES;
      if (!Number.isInteger(copy.bytes) || copy.bytes < 0) throw new TypeError(`${at}.bytes must be a non-negative integer`);
    }
    if (copy.retryAfter !== undefined) copy.retryAfter = String(copy.retryAfter);
    return copy;
  });
}

function takeFault(state, step) {
  const fault = state.faults.find((f) => f.step === step && f.times > 0);
  if (fault) fault.times -= 1;
  return fault;
}

/**
 * Resolves true after `ms`, or false as soon as the client goes away (an
 * abort, or close() cutting the socket), so an abandoned wait holds no timer.
 */
function sleep(state, res, ms) {
  return new Promise((resolve) => {
    const finish = (answer) => {
      clearTimeout(timer);
      state.timers.delete(timer);
      res.off('close', gone);
      resolve(answer);
    };
    const gone = () => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    state.timers.add(timer);
    res.once('close', gone);
  });
}

function replyFault(step, fault, reply) {
  const { status } = fault;
  const headers = status === 429 ? { 'retry-after': fault.retryAfter ?? '1' } : {};
  if (step === 'upload') {
    return reply(status, s3Error(S3_CODES[status] ?? 'InternalError', fault.message ?? REASONS[status] ?? 'Error'), headers);
  }
  const fallback = status === 409 ? 'A sync is already in progress for this app account' : REASONS[status] ?? 'Error';
  return reply(status, toriiError(status, fault.message ?? fallback), headers);
}

function uploadUrl(ctx, url, expired, reply) {
  const name = url.searchParams.get('name');
  if (!name) return reply(400, toriiError(400, 'name is required'));
  if (url.searchParams.get('type') !== FILE_TYPE) return reply(400, toriiError(400, `type must be "${FILE_TYPE}"`));
  const token = randomUUID();
  const signature = randomBytes(32).toString('hex');
  const filePath = `uploads/${token}/${name}`;
  // An 'expire' fault hands out a URL that died a moment ago.
  const ttlMs = expired ? -1 : ctx.state.uploadTtlMs;
  ctx.state.slots.set(token, { filePath, signature, expiresAt: Date.now() + ttlMs });
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Expires': String(Math.max(0, Math.ceil(ttlMs / 1000))),
    'X-Amz-SignedHeaders': 'content-type;host',
    'X-Amz-Signature': signature,
  });
  return reply(200, { uploadFileParameters: { url: `${ctx.origin}${UPLOAD_PREFIX}${token}?${query}`, filePath } });
}

/** The presigned PUT, checked in the order S3 does: auth mechanism, body length, signature, expiry, signed headers. */
function upload(ctx, req, url, body, reply) {
  if (req.headers.authorization !== undefined) {
    return reply(400, s3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified'));
  }
  // S3 stores an object of a length known up front: no chunked body, no body of unknown length.
  if (req.headers['transfer-encoding'] !== undefined) {
    return reply(501, s3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', '<Header>Transfer-Encoding</Header>'));
  }
  if (req.headers['content-length'] === undefined) {
    return reply(411, s3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.'));
  }
  const slot = ctx.state.slots.get(url.pathname.slice(UPLOAD_PREFIX.length));
  if (!slot) return reply(403, s3Error('AccessDenied', 'Access Denied'));
  if (url.searchParams.get('X-Amz-Signature') !== slot.signature) {
    return reply(403, s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'));
  }
  if (Date.now() > slot.expiresAt) return reply(403, s3Error('AccessDenied', 'Request has expired'));
  // The content type is part of the signature, so any other one fails the signature check.
  if (req.headers['content-type'] !== FILE_TYPE) {
    return reply(403, s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'));
  }
  ctx.state.uploaded.set(slot.filePath, body);
  return reply(200, '');
}

function register(ctx, body, reply) {
  const request = parseJson(body);
  if (!isObject(request) || typeof request.path !== 'string' || !request.path) {
    return reply(400, toriiError(400, 'path is required'));
  }
  if (request.type !== FILE_TYPE) return reply(400, toriiError(400, `type must be "${FILE_TYPE}"`));
  const text = ctx.state.uploaded.get(request.path);
  if (text === undefined) return reply(400, toriiError(400, `no uploaded file at path ${request.path}`));
  return accept(ctx, text, reply);
}

function directUpload(ctx, req, bodyBytes, reply) {
  const fields = parseMultipart(req.headers['content-type'] ?? '', bodyBytes);
  if (!fields) return reply(400, toriiError(400, 'expected a multipart/form-data body'));
  if (fields.get('type')?.toString('utf8') !== FILE_TYPE) {
    return reply(400, toriiError(400, `type must be "${FILE_TYPE}"`));
  }
  const file = fields.get('file');
  if (!file) return reply(400, toriiError(400, 'file is required'));
  if (file.length > DIRECT_UPLOAD_MAX_BYTES) return reply(413, toriiError(413, 'file is larger than 3 MB; use the presigned upload'));
  return accept(ctx, file.toString('utf8'), reply);
}

/** Validates an uploaded file and registers it under a new id. */
function accept(ctx, text, reply) {
  const file = parseJson(text);
  const problem = file === undefined ? 'the file is not valid JSON' : validateFile(file);
  if (problem) return reply(400, toriiError(400, problem));
  const id = ctx.state.nextFileId++;
  ctx.files.set(id, file);
  return reply(200, { id });
}

function sync(ctx, body, reply) {
  const request = parseJson(body);
  if (!isObject(request) || request.idFile === undefined || request.idAppAccount === undefined) {
    return reply(400, toriiError(400, 'idFile and idAppAccount are required'));
  }
  const { idFile, idAppAccount } = request;
  // Hosts may send the id as a number or a numeric string; both name the same file.
  if (!ctx.files.has(Number(idFile))) return reply(400, toriiError(400, `file ${idFile} not found`));
  if (ctx.state.accounts && !ctx.state.accounts.includes(String(idAppAccount))) {
    return reply(404, toriiError(404, `app account ${idAppAccount} not found`));
  }
  const account = String(idAppAccount);
  const now = Date.now();
  if (ctx.state.running.get(account) > now) {
    return reply(409, toriiError(409, 'A sync is already in progress for this app account'));
  }
  if (ctx.state.syncMs > 0) ctx.state.running.set(account, now + ctx.state.syncMs);
  ctx.syncs.push({ idFile, idAppAccount });
  return reply(200, { success: true });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const string = (value, at) => (typeof value === 'string' ? undefined : `${at} must be a string`);

const email = (value, at) => (typeof value === 'string' && value.includes('@') ? undefined : `${at} must be an email address`);

const nonNegative = (value, at) => (
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : `${at} must be a non-negative number`);

const date = (value, at) => {
  const m = typeof value === 'string' && DATE.exec(value);
  return m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) ? undefined : `${at} must be a YYYY-MM-DD date`;
};

function oneOf(...allowed) {
  const choices = allowed.map((a) => `"${a}"`).join(', ').replace(/, ([^,]*)$/, ' or $1');
  return (value, at) => (allowed.includes(value) ? undefined : `${at} must be ${choices}`);
}

/** Checks an array whose items are neither null nor "", then each item. */
function arrayOf(check, { nonEmpty = false } = {}) {
  return (value, at) => {
    if (!Array.isArray(value) || (nonEmpty && value.length === 0)) return `${at} must be a${nonEmpty ? ' non-empty' : 'n'} array`;
    for (const [i, item] of value.entries()) {
      const problem = item === null || item === '' ? `${at}[${i}] must not be empty or null` : check(item, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Checks an object with only the given fields, none null or "", the required ones present. */
function objectOf(fields, required) {
  return (value, at) => {
    if (!isObject(value)) return `${at || 'the file'} must be an object`;
    const path = (key) => (at ? `${at}.${key}` : key);
    for (const key of required) if (!Object.hasOwn(value, key)) return `${path(key)} is required`;
    for (const [key, field] of Object.entries(value)) {
      if (!Object.hasOwn(fields, key)) return `${at || 'the file'} has an unknown field "${key}"`;
      const problem = field === null || field === '' ? `${path(key)} must not be empty or null` : fields[key](field, path(key));
      if (problem) return problem;
    }
    return undefined;
  };
}

const USER = objectOf({
  email, id: string, firstName: string, lastName: string, externalStatus: string,
  status: oneOf('active', 'deleted'), roles: arrayOf(string), lastUsedDate: date,
}, ['email']);
const LICENSE_USER = objectOf({ email, licenseStatus: oneOf('active', 'inactive', 'deleted') }, ['email']);
const LICENSE = objectOf({
  name: string, pricePerUser: nonNegative, unassignedAmount: nonNegative, users: arrayOf(LICENSE_USER),
}, ['name']);
const FILE = objectOf({ users: arrayOf(USER, { nonEmpty: true }), licenses: arrayOf(LICENSE) }, ['users']);

/**
 * Checks a parsed file against Torii's documented custom-integration format
 * (see the reference: users required and non-empty, licenses optional, no
 * other keys, no null or empty values). The emulator runs it when a file is
 * registered (`POST /files`) or uploaded directly, as Torii refuses a bad
 * file there rather than at sync.
 * @param {unknown} file  the parsed JSON
 * @returns {string|undefined} the first problem, naming its path (e.g. `users[0].status must be "active" or "deleted"`)
 */
export function validateFile(file) {
  return FILE(file, '');
}

function isCalendarDate(year, month, day) {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The fields of a multipart/form-data body as name -> bytes, or undefined if
 * it is not a complete one. Parsed as latin1 so every byte survives the split.
 */
function parseMultipart(contentType, bytes) {
  const match = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  if (!match) return undefined;
  const sections = bytes.toString('latin1').split(`--${match[1] ?? match[2]}`);
  const fields = new Map();
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) return fields;
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const name = /^content-disposition:[^\r\n]*\bname="([^"]*)"/im.exec(section.slice(0, headerEnd))?.[1];
    if (name !== undefined) fields.set(name, Buffer.from(section.slice(headerEnd + 4).replace(/\r\n$/, ''), 'latin1'));
  }
  return undefined; // no closing boundary: the body was cut short
}

function toriiError(statusCode, message) {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message };
}

function s3Error(code, message, extra = '') {
  return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>` };
}

/**
 * Answers with an explicit Content-Length, so a stalled answer (`stallBytes`
 * set) announces the full body and the client knows it is cut short.
 */
function send(ctx, res, status, payload, headers = {}, stallBytes) {
  const all = { ...(ctx.state.cors ? API_CORS_HEADERS : {}), ...headers };
  let body = Buffer.alloc(0);
  if (payload.xml) {
    all['content-type'] = 'application/xml';
    body = Buffer.from(payload.xml);
  } else if (payload !== '') {
    all['content-type'] = 'application/json; charset=utf-8';
    body = Buffer.from(JSON.stringify(payload));
  }
  res.writeHead(status, { ...all, 'content-length': body.length });
  if (stallBytes === undefined) {
    res.end(body);
    return;
  }
  // Headers first even when no byte of the body follows; the rest never comes.
  res.flushHeaders();
  res.write(body.subarray(0, Math.min(stallBytes, body.length - 1)));
}

/** The control API, for other processes and the browser tests. Always CORS-enabled, never recorded. */
function control(ctx, req, res, url, body) {
  const reply = (status, payload) => {
    res.writeHead(status, { ...CONTROL_CORS_HEADERS, 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(payload));
  };
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CONTROL_CORS_HEADERS).end();
    return;
  }
  const route = `${req.method} ${url.pathname.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case 'POST faults':
      try {
        ctx.state.faults = checkFaults(parseJson(body));
      } catch (error) {
        return reply(400, { message: `expected a JSON array of faults: ${error.message}` });
      }
      return reply(200, { faults: ctx.state.faults });
    case 'DELETE faults':
      ctx.state.faults = [];
      return reply(200, { faults: [] });
    case 'GET requests':
      return reply(200, ctx.requests);
    case 'DELETE requests':
      ctx.requests.length = 0;
      return reply(200, []);
    case 'GET files':
      return reply(200, Object.fromEntries(ctx.files));
    case 'POST config': {
      const config = parseJson(body);
      if (!isObject(config) || (config.cors !== undefined && typeof config.cors !== 'boolean')) {
        return reply(400, { message: 'expected a JSON object like {"cors": false}' });
      }
      if (config.cors !== undefined) ctx.state.cors = config.cors;
      return reply(200, { cors: ctx.state.cors });
    }
    default:
      return reply(404, { message: `no control route ${req.method} ${url.pathname}` });
  }
}
