// Server plumbing shared by the node provider mocks: flags, settings changed live via
// POST /mock/config, counters and the last request at GET /mock/stats (secrets
// redacted), JSON and SSE replies, and the `listening on 127.0.0.1:<port>` line
// the test harness (tests/integration/lib.mjs) reads from stdout.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';

const SECRET_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'x-amz-security-token',
  'x-aws-ec2-metadata-token',
  'cookie',
]);
// Form/JSON fields that carry secrets (token requests).
const SECRET_FIELDS = new Set([
  'assertion',
  'client_secret',
  'WebIdentityToken',
  'access_token',
  'SecretAccessKey',
  'Token',
  'SessionToken',
]);

export function redact(value) {
  const s = String(value);
  return `REDACTED...${s.slice(-4)}`;
}

function redactObject(obj) {
  if (!obj || typeof obj !== 'object') return obj;
  const out = Array.isArray(obj) ? [] : {};
  for (const [k, v] of Object.entries(obj)) out[k] = SECRET_FIELDS.has(k) ? redact(v) : redactObject(v);
  return out;
}

function recordedHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADERS.has(name) ? redact(value) : value;
  return out;
}

function recordedTarget(url) {
  const u = new URL(url, 'http://mock');
  for (const key of ['key', 'WebIdentityToken']) if (u.searchParams.has(key)) u.searchParams.set(key, redact(u.searchParams.get(key)));
  return u.pathname + u.search;
}

function recordedBody(text, contentType) {
  if (!text) return null;
  if ((contentType ?? '').includes('application/x-www-form-urlencoded'))
    return redactObject(Object.fromEntries(new URLSearchParams(text)));
  try {
    return redactObject(JSON.parse(text));
  } catch {
    return text.length > 4096 ? `${text.slice(0, 4096)}...` : text;
  }
}

// Values may start with dashes themselves (PEM keys, negative numbers).
const isFlag = (arg) => /^--[a-z][a-z0-9-]*$/.test(arg);

// --name x --api-key k -> {name: 'x', api_key: 'k'}; a flag without a value is true.
export function parseFlags(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    if (!isFlag(argv[i])) continue;
    const key = argv[i].slice(2).replaceAll('-', '_');
    const next = argv[i + 1];
    if (next === undefined || isFlag(next)) flags[key] = true;
    else {
      flags[key] = next;
      i++;
    }
  }
  return flags;
}

// Settings are typed by their defaults; unknown keys are refused so a typo in
// a test fails loudly instead of silently testing nothing.
function coerce(key, value, template) {
  const kind = Array.isArray(template) ? 'array' : template === null ? 'any' : typeof template;
  if (kind === 'any') return value;
  if (kind === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`setting ${key}: expected a number`);
    return n;
  }
  if (kind === 'boolean') return value === true || value === 'true' || value === '1';
  if (kind === 'array') return Array.isArray(value) ? value : String(value).split(',').filter(Boolean);
  if (kind === 'object') {
    if (typeof value === 'string') return JSON.parse(value);
    if (value && typeof value === 'object') return value;
    throw new Error(`setting ${key}: expected an object`);
  }
  return String(value);
}

export function applySettings(settings, defaults, changes) {
  for (const [key, value] of Object.entries(changes)) {
    if (!(key in defaults)) throw new Error(`unknown setting: ${key}`);
    settings[key] = coerce(key, value, defaults[key]);
  }
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const randomId = (prefix, bytes = 12) => `${prefix}${randomBytes(bytes).toString('hex')}`;
export { randomUUID };

// Deterministic token counts: ~4 characters a token, like the providers' rule of thumb.
export const tokensOf = (text) => Math.max(1, Math.ceil(String(text ?? '').length / 4));

// Splits text in pieces of `size` code points (never inside a surrogate pair).
export function pieces(text, size) {
  const chars = Array.from(text);
  const out = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

// Deterministic arguments for a tool call from its JSON schema and the prompt:
// strings take the capitalised word after " in " (a place) or "mock".
export function argumentsFor(schema, prompt) {
  const place = /\bin ([A-Z][\p{L}-]+)/u.exec(prompt ?? '')?.[1] ?? 'mock';
  const props = schema?.properties ?? {};
  const required = schema?.required ?? Object.keys(props);
  const out = {};
  for (const name of required) {
    const p = props[name] ?? {};
    const type = Array.isArray(p.type) ? p.type[0] : String(p.type ?? 'string').toLowerCase();
    if (p.enum?.length) out[name] = p.enum[0];
    else if (type === 'number' || type === 'integer') out[name] = 1;
    else if (type === 'boolean') out[name] = true;
    else if (type === 'array') out[name] = [];
    else if (type === 'object') out[name] = argumentsFor(p, prompt);
    else out[name] = place;
  }
  return out;
}

// Picks the tool a prompt asks for: one whose name appears in it, else the
// first one when it mentions the weather (the tests' canonical tool prompt).
export function requestedTool(names, prompt, forced) {
  if (forced) return forced;
  const text = String(prompt ?? '').toLowerCase();
  const named = names.find((n) => text.includes(n.toLowerCase()));
  if (named) return named;
  if (text.includes('weather') || text.includes('use the tool')) return names[0];
  return null;
}

// Cuts `text` at the first stop sequence; returns [text, matched sequence or null].
export function applyStop(text, stops) {
  let cut = -1;
  let hit = null;
  for (const s of stops ?? []) {
    const i = text.indexOf(s);
    if (s && i >= 0 && (cut < 0 || i < cut)) {
      cut = i;
      hit = s;
    }
  }
  return cut < 0 ? [text, null] : [text.slice(0, cut), hit];
}

// Keeps the first `max` words; returns [text, truncated?]. One word = one output token.
export function applyMaxTokens(text, max) {
  const words = text.split(' ');
  if (!max || words.length <= max) return [text, false];
  return [words.slice(0, max).join(' '), true];
}

export const wordsOf = (text) => (text ? text.split(' ').length : 0);

// A mock server. `handle(ctx)` answers provider routes; the /mock/* routes are
// common. ctx.send / ctx.sse write replies, ctx.count(name) bumps a counter.
export function createMock({ name, defaults, handle, describeRequest }) {
  const flags = parseFlags(process.argv.slice(2));
  const settings = { ...defaults };
  const { port = '0', host = '127.0.0.1', ...rest } = flags;
  applySettings(settings, defaults, rest);
  const stats = newStats();

  const server = http.createServer(async (req, res) => {
    let body;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    const url = new URL(req.url, `http://${req.headers.host ?? 'mock'}`);
    if (url.pathname.startsWith('/mock/')) return mockRoute(req, res, url, body);
    const ctx = makeContext(req, res, url, body);
    stats.requests++;
    stats.last_request = {
      method: req.method,
      target: recordedTarget(req.url),
      headers: recordedHeaders(req.headers),
      body: recordedBody(ctx.text, req.headers['content-type']),
      ...(describeRequest ? describeRequest(ctx) : {}),
    };
    try {
      if (settings.latency_ms > 0) await sleep(settings.latency_ms);
      await handle(ctx);
      if (!res.headersSent) ctx.send(404, { error: `no route for ${req.method} ${url.pathname}` });
    } catch (e) {
      process.stderr.write(`${name} mock: ${e.stack}\n`);
      if (!res.headersSent) ctx.send(500, { error: 'mock failure' });
      else res.destroy();
    }
    stats.recent.push({ method: req.method, target: recordedTarget(req.url), status: res.statusCode });
    if (stats.recent.length > 50) stats.recent.shift();
  });

  function makeContext(req, res, url, raw) {
    const text = raw.toString('utf8');
    const ctx = {
      req,
      res,
      url,
      path: url.pathname,
      method: req.method,
      headers: req.headers,
      raw,
      text,
      settings,
      stats,
      port: server.address().port,
      count(counter, by = 1) {
        stats[counter] = (stats[counter] ?? 0) + by;
      },
      send(status, obj, headers = {}) {
        const payload = typeof obj === 'string' ? obj : JSON.stringify(obj);
        const type = typeof obj === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(payload), ...headers });
        res.end(payload);
        stats.status[status] = (stats.status[status] ?? 0) + 1;
      },
      // Starts a streamed reply; returns a writer that resolves false once the client left.
      startStream(status, headers) {
        res.writeHead(status, headers);
        stats.status[status] = (stats.status[status] ?? 0) + 1;
        stats.streams_started++;
        return {
          async write(chunk) {
            if (res.destroyed) return false;
            if (settings.chunk_delay_ms > 0) await sleep(settings.chunk_delay_ms);
            return new Promise((resolve) => res.write(chunk, (err) => resolve(!err)));
          },
          end() {
            if (!res.destroyed) {
              res.end();
              stats.streams_completed++;
            }
          },
        };
      },
    };
    ctx.json = () => {
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch (e) {
        return { ok: false, error: e.message };
      }
    };
    return ctx;
  }

  function mockRoute(req, res, url, body) {
    const reply = (status, obj) => {
      const payload = JSON.stringify(obj);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload);
    };
    if (url.pathname === '/mock/stats' && req.method === 'GET') return reply(200, stats);
    if (url.pathname === '/mock/reset' && req.method === 'POST') {
      Object.assign(stats, newStats());
      return reply(200, stats);
    }
    if (url.pathname === '/mock/config' && req.method === 'GET') return reply(200, publicSettings(settings));
    if (url.pathname === '/mock/config' && req.method === 'POST') {
      try {
        applySettings(settings, defaults, JSON.parse(body.toString('utf8') || '{}'));
      } catch (e) {
        return reply(400, { error: e.message });
      }
      return reply(200, publicSettings(settings));
    }
    return reply(404, { error: `no route for ${req.method} ${url.pathname}` });
  }

  server.keepAliveTimeout = 30_000;
  server.listen(Number(port), host, () => {
    process.stdout.write(`listening on ${host}:${server.address().port}\n`);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
  return { server, settings, stats };
}

function newStats() {
  return { requests: 0, streams_started: 0, streams_completed: 0, status: {}, last_request: null, recent: [] };
}

function publicSettings(settings) {
  const out = {};
  for (const [k, v] of Object.entries(settings)) out[k] = /key|secret|token/i.test(k) && typeof v === 'string' && v ? redact(v) : v;
  return out;
}

// Fault injection shared by the mocks: the next `error_count` inference
// requests (-1: all) fail with `error_status` in the provider's own error shape.
export function takeInjectedError(settings) {
  if (!settings.error_status || settings.error_count === 0) return 0;
  if (settings.error_count > 0) settings.error_count--;
  return settings.error_status;
}

