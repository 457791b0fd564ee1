// A local Torii API emulator, for the tests and `./dev demo`.
//
// It owns a faithful-enough stand-in for the four endpoints of Torii's
// custom-integration upload (and the direct multipart upload), including the
// parts that bite in production: presigned upload URLs that expire and that
// refuse an Authorization header, the key check, file validation against the
// documented format, and switchable faults (429 with Retry-After, 5xx, 409,
// an expired URL, a dropped connection, a slow answer). It records every
// request so tests can assert the exact sequence. It binds 127.0.0.1 only and
// never talks to the network.

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const FILE_TYPE = 'customIntegrationData';
const DIRECT_UPLOAD_MAX_BYTES = 3 * 1024 * 1024;
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, Accept, X-API-Version',
  'access-control-expose-headers': 'Retry-After',
};
const REASONS = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/**
 * @typedef {object} Fault
 * @property {'upload_url'|'upload'|'register'|'sync'|'direct_upload'} step  the step it hits
 * @property {'status'|'drop'|'slow'|'expire'} kind  answer with `status`; drop the connection;
 *   answer normally after `delayMs`; or refuse the upload as expired
 * @property {number} [status]      for kind 'status'
 * @property {string} [retryAfter]  Retry-After value for a 429 (seconds or an HTTP date; default "1")
 * @property {number} [delayMs]     for kind 'slow' (default 1000)
 * @property {number} [times]       how many requests it hits (default 1)
 * @property {string} [message]     the error message to send
 */

/**
 * Starts the emulator.
 * @param {object} [options]
 * @param {number} [options.port=0]            0 picks a free port
 * @param {string} [options.apiKey='test-key'] the one key it accepts
 * @param {string[]} [options.appAccountIds]   accepted app accounts (default: any)
 * @param {number} [options.uploadTtlMs=300000] lifetime of a presigned upload URL
 * @param {boolean} [options.cors=true]        answer cross-origin requests
 */
export async function startEmulator({
  port = 0, apiKey = 'test-key', appAccountIds, uploadTtlMs = 300_000, cors = true,
} = {}) {
  const state = {
    apiKey,
    accounts: appAccountIds?.map(String),
    uploadTtlMs,
    cors,
    faults: [],
    uploads: new Map(), // token -> { filePath, expiresAt, body? }
    stored: new Map(), // filePath -> body text
    nextFileId: 1000,
  };
  const requests = [];
  const files = new Map();
  const syncs = [];
  const ctx = { state, requests, files, syncs };

  const server = createServer((req, res) => {
    collectBody(req).then((body) => handle(ctx, req, res, body)).catch((e) => {
      if (!res.headersSent) send(ctx, res, 500, { statusCode: 500, error: 'Internal Server Error', message: e.message });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = server.address().port;
  ctx.origin = `http://127.0.0.1:${actualPort}`;

  return {
    baseUrl: `${ctx.origin}/v1.0`,
    port: actualPort,
    requests,
    files,
    syncs,
    /** Replaces the fault list. @param {Fault[]} faults */
    setFaults(faults) { state.faults = faults.map((f) => ({ times: 1, ...f })); },
    clearFaults() { state.faults = []; },
    /** Turns CORS headers on or off (off: a browser blocks the calls). */
    setCors(enabled) { state.cors = Boolean(enabled); },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function collectBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(ctx, req, res, body) {
  const url = new URL(req.url, ctx.origin);
  if (url.pathname.startsWith('/__emulator/')) return control(ctx, req, res, url, body);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, ctx.state.cors ? CORS_HEADERS : {});
    return res.end();
  }
  const step = stepOf(req.method, url.pathname);
  const record = {
    method: req.method,
    path: url.pathname + url.search,
    step,
    headers: { ...req.headers },
    body,
    status: 0,
    at: Date.now(),
  };
  ctx.requests.push(record);

  const fault = takeFault(ctx.state, step);
  if (fault?.kind === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
  const reply = (status, payload, headers) => {
    record.status = status;
    send(ctx, res, status, payload, headers);
  };
  if (fault?.kind === 'status') return replyFault(step, fault, reply);
  if (fault?.kind === 'expire' && step === 'upload') return reply(403, s3Error('AccessDenied', 'Request has expired'));

  if (step === 'upload') return upload(ctx, req, url, body, reply);
  if (step === 'unknown') return reply(404, toriiError(404, `no route for ${req.method} ${url.pathname}`));
  if (req.headers.authorization !== `Bearer ${ctx.state.apiKey}`) {
    return reply(401, toriiError(401, 'Invalid or missing API key'));
  }
  if (step === 'upload_url') return uploadUrl(ctx, url, reply);
  if (step === 'register') return register(ctx, body, reply);
  if (step === 'direct_upload') return directUpload(ctx, req, body, reply);
  return sync(ctx, body, reply);
}

function stepOf(method, path) {
  if (method === 'GET' && path === '/v1.0/files/url') return 'upload_url';
  if (method === 'PUT' && path.startsWith('/s3/upload/')) return 'upload';
  if (method === 'POST' && path === '/v1.0/files') return 'register';
  if (method === 'POST' && path === '/v1.0/files/upload') return 'direct_upload';
  if (method === 'PUT' && path === '/v1.0/services/sync/custom') return 'sync';
  return 'unknown';
}

function takeFault(state, step) {
  const fault = state.faults.find((f) => f.step === step && f.times > 0);
  if (fault) fault.times -= 1;
  return fault;
}

function replyFault(step, fault, reply) {
  const status = fault.status ?? 500;
  const headers = status === 429 ? { 'retry-after': fault.retryAfter ?? '1' } : {};
  if (step === 'upload') return reply(status, s3Error('ServiceFault', fault.message ?? REASONS[status] ?? 'error'), headers);
  const message = fault.message ?? (status === 409 ? 'A sync is already in progress for this app account' : REASONS[status] ?? 'error');
  return reply(status, toriiError(status, message), headers);
}

function uploadUrl(ctx, url, reply) {
  const name = url.searchParams.get('name');
  if (!name) return reply(400, toriiError(400, 'name is required'));
  if (url.searchParams.get('type') !== FILE_TYPE) return reply(400, toriiError(400, `type must be ${FILE_TYPE}`));
  const token = randomUUID();
  const filePath = `uploads/${token}/${name}`;
  ctx.state.uploads.set(token, { filePath, expiresAt: Date.now() + ctx.state.uploadTtlMs });
  const expires = Math.round(ctx.state.uploadTtlMs / 1000);
  return reply(200, {
    uploadFileParameters: {
      url: `${ctx.origin}/s3/upload/${token}?X-Amz-Expires=${expires}&X-Amz-Signature=${token.slice(0, 8)}`,
      filePath,
    },
  });
}

function upload(ctx, req, url, body, reply) {
  const token = url.pathname.slice('/s3/upload/'.length);
  const slot = ctx.state.uploads.get(token);
  if (req.headers.authorization !== undefined) {
    return reply(400, s3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified'));
  }
  if (!slot) return reply(403, s3Error('AccessDenied', 'Access Denied'));
  if (Date.now() > slot.expiresAt) return reply(403, s3Error('AccessDenied', 'Request has expired'));
  if (req.headers['content-type'] !== FILE_TYPE) {
    return reply(403, s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided'));
  }
  ctx.state.stored.set(slot.filePath, body);
  return reply(200, '');
}

function register(ctx, body, reply) {
  const request = parseJson(body);
  if (!request || typeof request.path !== 'string') return reply(400, toriiError(400, 'path is required'));
  if (request.type !== FILE_TYPE) return reply(400, toriiError(400, `type must be ${FILE_TYPE}`));
  const stored = ctx.state.stored.get(request.path);
  if (stored === undefined) return reply(400, toriiError(400, `no uploaded file at ${request.path}`));
  return accept(ctx, stored, reply);
}

function directUpload(ctx, req, body, reply) {
  if (Buffer.byteLength(body) > DIRECT_UPLOAD_MAX_BYTES + 4096) return reply(413, toriiError(413, 'file is larger than 3 MB'));
  const parts = parseMultipart(req.headers['content-type'] ?? '', body);
  if (!parts) return reply(400, toriiError(400, 'expected multipart/form-data'));
  if (parts.type !== FILE_TYPE) return reply(400, toriiError(400, `type must be ${FILE_TYPE}`));
  if (parts.file === undefined) return reply(400, toriiError(400, 'file is required'));
  return accept(ctx, parts.file, reply);
}

/** Validates a file, and registers it under a new id. */
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
  if (!request || request.idFile === undefined || request.idAppAccount === undefined) {
    return reply(400, toriiError(400, 'idFile and idAppAccount are required'));
  }
  if (!ctx.files.has(Number(request.idFile))) return reply(400, toriiError(400, `unknown file ${request.idFile}`));
  if (ctx.state.accounts && !ctx.state.accounts.includes(String(request.idAppAccount))) {
    return reply(404, toriiError(404, `app account ${request.idAppAccount} not found`));
  }
  ctx.syncs.push({ idFile: request.idFile, idAppAccount: request.idAppAccount });
  return reply(200, { success: true });
}

const USER_KEYS = new Set(['email', 'id', 'firstName', 'lastName', 'status', 'externalStatus', 'roles', 'lastUsedDate']);
const LICENSE_KEYS = new Set(['name', 'pricePerUser', 'unassignedAmount', 'users']);
const DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Checks a file against Torii's documented custom-integration format.
 * @returns {string|undefined} the first problem, naming its path
 */
export function validateFile(file) {
  if (!isObject(file)) return 'the file must be a JSON object';
  for (const key of Object.keys(file)) {
    if (key !== 'users' && key !== 'licenses') return `unknown top-level key "${key}"`;
  }
  if (!Array.isArray(file.users) || file.users.length === 0) return 'users must be a non-empty array';
  for (const [i, user] of file.users.entries()) {
    const problem = validateUser(user, `users[${i}]`);
    if (problem) return problem;
  }
  if (file.licenses === undefined) return undefined;
  if (!Array.isArray(file.licenses)) return 'licenses must be an array';
  for (const [i, license] of file.licenses.entries()) {
    const problem = validateLicense(license, `licenses[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function validateUser(user, at) {
  if (!isObject(user)) return `${at} must be an object`;
  for (const [key, value] of Object.entries(user)) {
    if (!USER_KEYS.has(key)) return `${at} has an unknown field "${key}"`;
    if (value === null || value === '') return `${at}.${key} must not be empty or null`;
  }
  if (typeof user.email !== 'string' || !user.email.includes('@')) return `${at}.email is required`;
  for (const key of ['id', 'firstName', 'lastName', 'externalStatus']) {
    if (user[key] !== undefined && typeof user[key] !== 'string') return `${at}.${key} must be a string`;
  }
  if (user.status !== undefined && user.status !== 'active' && user.status !== 'deleted') {
    return `${at}.status must be "active" or "deleted"`;
  }
  if (user.roles !== undefined && !(Array.isArray(user.roles) && user.roles.every((r) => typeof r === 'string' && r))) {
    return `${at}.roles must be an array of strings`;
  }
  if (user.lastUsedDate !== undefined && !(typeof user.lastUsedDate === 'string' && DATE.test(user.lastUsedDate))) {
    return `${at}.lastUsedDate must be a YYYY-MM-DD date`;
  }
  return undefined;
}

function validateLicense(license, at) {
  if (!isObject(license)) return `${at} must be an object`;
  for (const key of Object.keys(license)) {
    if (!LICENSE_KEYS.has(key)) return `${at} has an unknown field "${key}"`;
  }
  if (typeof license.name !== 'string' || !license.name) return `${at}.name is required`;
  for (const key of ['pricePerUser', 'unassignedAmount']) {
    const v = license[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0)) return `${at}.${key} must be a non-negative number`;
  }
  if (license.users === undefined) return undefined;
  if (!Array.isArray(license.users)) return `${at}.users must be an array`;
  for (const [i, u] of license.users.entries()) {
    if (!isObject(u) || typeof u.email !== 'string' || !u.email.includes('@')) return `${at}.users[${i}].email is required`;
    if (u.licenseStatus !== undefined && !['active', 'inactive', 'deleted'].includes(u.licenseStatus)) {
      return `${at}.users[${i}].licenseStatus must be "active", "inactive" or "deleted"`;
    }
  }
  return undefined;
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The text fields of a multipart/form-data body, or undefined if it is not one. */
function parseMultipart(contentType, body) {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!contentType.startsWith('multipart/form-data') || !boundary) return undefined;
  const fields = {};
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /name="([^"]*)"/.exec(part.slice(0, split))?.[1];
    if (name) fields[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}

function toriiError(statusCode, message) {
  return { statusCode, error: REASONS[statusCode] ?? 'Error', message };
}

function s3Error(code, message) {
  return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>` };
}

function send(ctx, res, status, payload, headers = {}) {
  const all = { ...(ctx.state.cors ? CORS_HEADERS : {}), ...headers };
  if (payload === '') {
    res.writeHead(status, all);
  } else if (payload?.xml) {
    res.writeHead(status, { ...all, 'content-type': 'application/xml' });
    res.write(payload.xml);
  } else {
    res.writeHead(status, { ...all, 'content-type': 'application/json; charset=utf-8' });
    res.write(JSON.stringify(payload));
  }
  res.end();
}

/** The control API, for other processes and the browser tests. Never recorded. */
function control(ctx, req, res, url, body) {
  const reply = (status, payload) => {
    res.writeHead(status, { ...CORS_HEADERS, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(payload));
  };
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'OPTIONS /__emulator/faults':
    case 'OPTIONS /__emulator/requests':
    case 'OPTIONS /__emulator/config':
      res.writeHead(204, CORS_HEADERS);
      return res.end();
    case 'POST /__emulator/faults': {
      const faults = parseJson(body);
      if (!Array.isArray(faults)) return reply(400, { message: 'expected a JSON array of faults' });
      ctx.state.faults = faults.map((f) => ({ times: 1, ...f }));
      return reply(200, { faults: ctx.state.faults });
    }
    case 'DELETE /__emulator/faults':
      ctx.state.faults = [];
      return reply(200, { faults: [] });
    case 'GET /__emulator/requests':
      return reply(200, ctx.requests);
    case 'DELETE /__emulator/requests':
      ctx.requests.length = 0;
      return reply(200, []);
    case 'GET /__emulator/files':
      return reply(200, Object.fromEntries(ctx.files));
    case 'POST /__emulator/config': {
      const config = parseJson(body);
      if (!isObject(config)) return reply(400, { message: 'expected a JSON object' });
      if ('cors' in config) ctx.state.cors = Boolean(config.cors);
      return reply(200, { cors: ctx.state.cors });
    }
    default:
      return reply(404, { message: `no control route ${route}` });
  }
}
