// Hostile clients, upstreams and configs: raw-socket probes of the server and
// fake upstreams that answer with crafted bytes. Each test names the defect it
// guards against; without its fix, it fails (most of them by a dead process).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, ROUTEIQ_BIN, UPSTREAM_KEY, chatBody, deployment, mockConfig, mockStats, post, sleep,
  startGateway, startMock, startProcess, stop, writeConfig,
} from './lib.mjs';
import { configure, startNodeMock, stats as nodeStats } from '../mocks/lib.mjs';

const auth = `general_settings:\n  master_key: ${MASTER_KEY}\n`;

// --- raw sockets -------------------------------------------------------------

// Sends `bytes`, optionally half-closes, and collects everything until the
// server closes (or `timeoutMs`).
function rawExchange(port, bytes, { halfClose = false, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(bytes);
      if (halfClose) sock.end();
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    sock.on('timeout', reject);
  });
}

const statusLines = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
// The final statuses, without interim 1xx answers.
const finalStatuses = (text) => statusLines(text).filter((s) => s >= 200);

function chatRequest(body, extraHeaders = '') {
  const json = JSON.stringify(body);
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${MASTER_KEY}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extraHeaders}\r\n${json}`;
}

async function alive(gw) {
  const r = await fetch(`${gw.url}/health/liveliness`);
  return r.status === 200;
}

// --- fake upstreams ----------------------------------------------------------

// A TCP server that reads one HTTP request per connection (head + Content-Length
// body) and lets `answer(socket, request)` write whatever bytes it likes.
async function fakeUpstream(answer) {
  const fake = { requests: [], connections: 0, closes: [], sockets: new Set() };
  fake.server = net.createServer((sock) => {
    fake.connections++;
    fake.sockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length).toString();
        buf = buf.subarray(end + 4 + length);
        const [method, target] = head.split(' ');
        const request = { method, target, head, body };
        fake.requests.push(request);
        answer(sock, request);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      fake.sockets.delete(sock);
      fake.closes.push(Date.now());
    });
  });
  await new Promise((res) => fake.server.listen(0, '127.0.0.1', res));
  fake.base = `http://127.0.0.1:${fake.server.address().port}`;
  fake.close = () => {
    for (const s of fake.sockets) s.destroy();
    return new Promise((res) => fake.server.close(res));
  };
  return fake;
}

const completion = JSON.stringify({
  id: 'chatcmpl-fake', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'fake' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const okHead = (extra = '') => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}`;

function vmHwmKiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime + stime, clock ticks
}

// =============================================================================

describe('hostile client requests', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('m');
    gw = await startGateway(`model_list:
${deployment('g', mock)}  - model_name: "openai/*"
    litellm_params:
      model: "openai/*"
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
${auth}`);
  });
  after(() => stop(gw, mock));

  test('item 1: a chunked request with a 64 KiB trailer field gets 431; the gateway lives', async () => {
    const trailer = `x-big: ${'a'.repeat(70 * 1024)}\r\n`;
    const req = 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `2\r\n{}\r\n0\r\n${trailer}\r\n`;
    const r = await rawExchange(gw.port, req);
    assert.deepEqual(finalStatuses(r.text), [431]);
    assert.ok(await alive(gw), 'the gateway still answers');
  });

  test('item 1: a trailer section that never ends is cut off at the buffer limit', async () => {
    const req = 'POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `2\r\n{}\r\n0\r\n${'x-a: b\r\n'.repeat(40_000)}`;
    const r = await rawExchange(gw.port, req);
    assert.deepEqual(finalStatuses(r.text), [431]);
    assert.ok(r.closed);
    assert.ok(await alive(gw));
  });

  test('item 2: a CR/LF in a wildcard model name is refused and never reaches a header', async () => {
    const r = await rawExchange(gw.port, chatRequest(chatBody('openai/gpt\r\nx-injected: yes')));
    assert.deepEqual(finalStatuses(r.text), [400]);
    assert.doesNotMatch(r.text, /\r\nx-injected/i);
    assert.match(r.text, /control characters/);
    for (const model of ['openai/a\u0000b', 'openai/a\u007fb', 'g\n']) {
      const res = await post(gw, '/v1/chat/completions', chatBody(model));
      assert.equal(res.status, 400, JSON.stringify(model));
    }
  });

  test('item 7: Transfer-Encoding not ending in chunked is 400 and close; the body is not a request', async () => {
    const smuggled = 'GET /health/liveliness HTTP/1.1\r\nHost: gw\r\n\r\n';
    for (const te of ['chunked, identity', 'identity', 'gzip']) {
      const req = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: ${te}\r\n\r\n${smuggled}`;
      const r = await rawExchange(gw.port, req);
      assert.deepEqual(finalStatuses(r.text), [400], te);
      assert.ok(r.closed, te);
    }
    const xchunked = `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: xchunked\r\n` +
      `Content-Length: ${smuggled.length}\r\n\r\n${smuggled}`;
    const r = await rawExchange(gw.port, xchunked);
    assert.deepEqual(finalStatuses(r.text), [400]);
  });

  test('item 13: a client that half-closes after its request is served', async () => {
    const r = await rawExchange(gw.port, chatRequest(chatBody('g')), { halfClose: true });
    assert.deepEqual(finalStatuses(r.text), [200]);
    assert.match(r.text, /mock reply from m: g/);
    // The response says `connection: close` when the FIN was seen before it
    // went out; either way the gateway closes once it has answered.
    assert.ok(r.closed);
  });

  test('item 11: JSON nested 100 levels passes; deeper than 256 is refused', async () => {
    const nest = (n) => (n === 0 ? { type: 'string' } : { type: 'object', properties: { a: nest(n - 1) } });
    const tools = [{ type: 'function', function: { name: 'f', parameters: nest(45) } }];
    const ok = await post(gw, '/v1/chat/completions', chatBody('g', { tools }));
    assert.equal(ok.status, 200, await ok.clone().text());
    const deep = `{"model":"g","messages":[{"role":"user","content":"x"}],"x":${'['.repeat(300)}${']'.repeat(300)}}`;
    const bad = await post(gw, '/v1/chat/completions', deep);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'invalid_json');
  });

  test('item 12: non-finite or out-of-range timeout and num_retries are 400', async () => {
    const cases = [{ timeout: 1e300 }, { timeout: 'nan' }, { timeout: 'inf' }, { timeout: -1 },
      { timeout: 'abc' }, { stream_timeout: 'infinity' }, { num_retries: 1e308 }, { num_retries: -1 }];
    for (const extra of cases) {
      const r = await post(gw, '/v1/chat/completions', chatBody('g', extra));
      assert.equal(r.status, 400, JSON.stringify(extra));
      const body = await r.json();
      assert.equal(body.error.param, Object.keys(extra)[0]);
    }
    const fine = await post(gw, '/v1/chat/completions', chatBody('g', { timeout: '30', num_retries: 2 }));
    assert.equal(fine.status, 200);
  });

  test('item 15: a number out of the range of a double is refused, not sent on', async () => {
    await fetch(`${mock.base}/mock/reset`, { method: 'POST' });
    const body = '{"model":"g","messages":[{"role":"user","content":"x"}],"temperature":1e400}';
    const r = await post(gw, '/v1/chat/completions', body);
    assert.equal(r.status, 400);
    assert.equal((await mockStats(mock)).requests, 0);
  });

  test('item 22: the provider request id reaches the client', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
  });
});

describe('hostile model names and upstream URLs', () => {
  let fake, gw;
  before(async () => {
    fake = await fakeUpstream((sock) => sock.write(`${okHead()}Content-Length: ${completion.length}\r\n\r\n${completion}`));
    gw = await startGateway(`model_list:
  - model_name: "azure/*"
    litellm_params:
      model: "azure/*"
      api_base: ${fake.base}
      api_key: az-key-1234
      api_version: "2024-10-21"
  - model_name: "gemini/*"
    litellm_params:
      model: "gemini/*"
      api_base: ${fake.base}
      api_key: gm-key-1234
${auth}`);
  });
  after(async () => {
    await stop(gw);
    await fake.close();
  });

  test('item 3: CR/LF through azure/* cannot inject a request upstream', async () => {
    fake.requests.length = 0;
    const evil = 'azure/dep/chat/completions?api-version=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /evil';
    const r = await post(gw, '/v1/chat/completions', chatBody(evil));
    assert.equal(r.status, 400);
    await sleep(100);
    assert.equal(fake.requests.length, 0);
  });

  test('item 3: the wildcard part is one percent-encoded path segment', async () => {
    fake.requests.length = 0;
    const r = await post(gw, '/v1/chat/completions', chatBody('azure/my dep/../../x?y=1'));
    assert.equal(r.status, 200);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].target,
      '/openai/deployments/my%20dep%2F..%2F..%2Fx%3Fy%3D1/chat/completions?api-version=2024-10-21');
  });

  test('item 3: ../ and ? through gemini/* stay inside the model segment', async () => {
    fake.requests.length = 0;
    await post(gw, '/v1/chat/completions', chatBody('gemini/../../v1beta/files?x='));
    assert.equal(fake.requests.length, 1);
    const target = fake.requests[0].target;
    assert.ok(target.startsWith('/v1beta/models/..%2F..%2Fv1beta%2Ffiles%3Fx%3D:generateContent'), target);
    assert.doesNotMatch(target, /\/\.\.\//);
  });

  test('item 3: a model that is a dot-segment is refused', async () => {
    fake.requests.length = 0;
    for (const model of ['gemini/..', 'azure/.', 'azure/..']) {
      const r = await post(gw, '/v1/chat/completions', chatBody(model));
      assert.equal(r.status, 400, model);
    }
    assert.equal(fake.requests.length, 0);
  });
});

describe('a single-deployment group and 429s (item 4)', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('solo', ['--error-rate', '1', '--error-status', '429', '--retry-after', '7']);
    gw = await startGateway(`model_list:
${deployment('solo', mock)}router_settings:
  num_retries: 0
  cooldown_time: 60
${auth}`);
  });
  after(() => stop(gw, mock));

  test('the 429 reaches the client with its Retry-After, and the deployment stays in service', async () => {
    const limited = await post(gw, '/v1/chat/completions', chatBody('solo'));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    await mockConfig(mock, { error_rate: 0 });
    const next = await post(gw, '/v1/chat/completions', chatBody('solo'));
    assert.equal(next.status, 200, 'not 503: the only deployment was not cooled down');
  });
});

describe('hostile upstreams', () => {
  let fake, gw;
  let behaviour = () => {};
  before(async () => {
    fake = await fakeUpstream((sock, req) => behaviour(sock, req));
    gw = await startGateway(`model_list:
${deployment('g', fake)}router_settings:
  num_retries: 0
  allowed_fails: 1000
${auth}`, ['--max-upstream-body-mb', '1']);
  });
  after(async () => {
    await stop(gw);
    await fake.close();
  });

  test('item 1: an upstream response with a 64 KiB trailer is a 502; the gateway lives', async () => {
    behaviour = (sock) => {
      const chunk = Buffer.byteLength(completion).toString(16);
      sock.write(`${okHead()}Transfer-Encoding: chunked\r\n\r\n${chunk}\r\n${completion}\r\n0\r\nx-big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    };
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 502);
    assert.ok(await alive(gw));
  });

  test('item 17: garbage instead of HTTP is a 502 that says so', async () => {
    behaviour = (sock) => sock.end('garbage garbage\r\n\r\n');
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 502);
    const body = await r.json();
    assert.equal(body.error.type, 'api_error');
    assert.match(body.error.message, /invalid response.*malformed/i);
  });

  test('item 17: a truncated answer is a 502', async () => {
    behaviour = (sock) => sock.end(`${okHead()}Content-Length: 500\r\n\r\n{"id":"x",`);
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 502);
    assert.match((await r.json()).error.message, /cut short/);
  });

  test('item 17: a 200 whose body is not JSON is a 502, not a success', async () => {
    const html = '<html>maintenance</html>';
    behaviour = (sock) => sock.write(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${html.length}\r\n\r\n${html}`);
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 502);
    assert.match((await r.json()).error.message, /not a JSON object/);
  });

  test('item 5: a 300 MiB error body is read to 1 MiB, not held whole', async () => {
    const before = vmHwmKiB(gw.child.pid);
    let sent = 0;
    behaviour = (sock) => {
      const total = 300 * 1024 * 1024;
      sock.write(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n{"error":{"message":"`);
      const piece = Buffer.alloc(1024 * 1024, 'x');
      const pump = () => {
        while (sent < total - piece.length) {
          sent += piece.length;
          if (!sock.write(piece)) return sock.once('drain', pump);
        }
      };
      sock.on('error', () => {});
      pump();
    };
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 500);
    await r.text();
    const grown = vmHwmKiB(gw.child.pid) - before;
    assert.ok(grown < 100 * 1024, `peak RSS grew by ${grown} KiB`);
    assert.ok(sent < 200 * 1024 * 1024, `the upstream sent ${sent >> 20} MiB before the gateway stopped reading`);
  });

  test('item 5: a success body over --max-upstream-body-mb is a 502', async () => {
    const big = JSON.stringify({ id: 'x', pad: 'y'.repeat(3 * 1024 * 1024) });
    behaviour = (sock) => sock.write(`${okHead()}Content-Length: ${big.length}\r\n\r\n${big}`);
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 502);
    assert.match((await r.json()).error.message, /larger than the 1 MiB limit/);
  });

  test('item 5: an endless chunked body ends at the limit', async () => {
    let stopped = false;
    behaviour = (sock) => {
      sock.write(`${okHead()}Transfer-Encoding: chunked\r\n\r\n`);
      const piece = `10000\r\n${'z'.repeat(0x10000)}\r\n`;
      const pump = () => {
        while (!stopped && !sock.destroyed) if (!sock.write(piece)) return sock.once('drain', pump);
      };
      sock.on('close', () => (stopped = true));
      sock.on('error', () => {});
      pump();
    };
    const t0 = Date.now();
    const r = await post(gw, '/v1/chat/completions', chatBody('g'), { signal: AbortSignal.timeout(10_000) });
    assert.equal(r.status, 502);
    assert.ok(Date.now() - t0 < 5000);
    stopped = true;
  });

  test('item 6: timeout holds while bytes keep arriving', async () => {
    let timer;
    behaviour = (sock) => {
      sock.write(`${okHead()}Content-Length: 100000\r\n\r\n`);
      timer = setInterval(() => (sock.destroyed ? clearInterval(timer) : sock.write(' ')), 20);
    };
    const t0 = Date.now();
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { timeout: 1 }), { signal: AbortSignal.timeout(10_000) })
      .finally(() => clearInterval(timer));
    const took = Date.now() - t0;
    clearInterval(timer);
    assert.equal(r.status, 504);
    assert.ok(took < 3000, `answered after ${took} ms`);
  });
});

describe('pooled upstream connections expire when idle (item 16)', () => {
  let fake, gw;
  before(async () => {
    fake = await fakeUpstream((sock) => sock.write(`${okHead()}Content-Length: ${completion.length}\r\n\r\n${completion}`));
    gw = await startGateway(`model_list:\n${deployment('g', fake)}${auth}`, ['--threads', '1', '--upstream-idle-timeout', '0.5']);
  });
  after(async () => {
    await stop(gw);
    await fake.close();
  });

  test('a connection is reused while fresh and closed by the gateway once idle', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await post(gw, '/v1/chat/completions', chatBody('g'))).status, 200);
    assert.equal(fake.connections, 1, 'reused while fresh');
    assert.equal(fake.closes.length, 0);
    await sleep(1500);
    assert.equal(fake.closes.length, 1, 'closed after the idle expiry');
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('g'))).status, 200);
    assert.equal(fake.connections, 2);
  });
});

describe('the connection cap and running out of descriptors (item 9)', () => {
  test('beyond --max-connections a client gets 503 and a close', async () => {
    const mock = await startMock('cap');
    const gw = await startGateway(`model_list:\n${deployment('g', mock)}${auth}`, ['--max-connections', '3']);
    const idle = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = net.connect(gw.port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((res) => s.once('connect', res));
        idle.push(s);
      }
      await sleep(100);
      const r = await rawExchange(gw.port, 'GET /health/liveliness HTTP/1.1\r\nHost: gw\r\n\r\n');
      assert.deepEqual(finalStatuses(r.text), [503]);
      assert.match(r.text, /retry-after: 1/i);
      assert.ok(r.closed);
      idle.pop().destroy();
      await sleep(100);
      const ok = await rawExchange(gw.port, 'GET /health/liveliness HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
      assert.deepEqual(finalStatuses(ok.text), [200]);
    } finally {
      for (const s of idle) s.destroy();
      await stop(gw, mock);
    }
  });

  test('at the descriptor limit the accept loop backs off instead of spinning', async () => {
    const mock = await startMock('fd');
    const path = writeConfig(`model_list:\n${deployment('g', mock)}${auth}`);
    const gw = await startProcess('prlimit', ['--nofile=48:48', '--', ROUTEIQ_BIN, 'serve', '--config', path,
      '--port', '0', '--host', '127.0.0.1', '--threads', '2', '--max-connections', '1000']);
    const clients = [];
    try {
      for (let i = 0; i < 80; i++) {
        const s = net.connect(gw.port, '127.0.0.1');
        s.on('error', () => {});
        clients.push(s);
      }
      await sleep(500);
      const t0 = cpuSeconds(gw.child.pid);
      await sleep(2000);
      const used = cpuSeconds(gw.child.pid) - t0;
      assert.ok(used < 0.1, `the gateway used ${used.toFixed(2)} s of CPU in 2 s while out of descriptors`);
      assert.match(gw.stderr(), /cannot accept connections/);
      for (const s of clients) s.destroy();
      await sleep(300);
      const r = await rawExchange(gw.port, 'GET /health/liveliness HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
      assert.deepEqual(finalStatuses(r.text), [200], 'serves again once descriptors are free');
    } finally {
      for (const s of clients) s.destroy();
      await stop(gw, mock);
    }
  });
});

describe('signals (item 8)', () => {
  test('SIGHUP is logged and ignored', async () => {
    const mock = await startMock('hup');
    const gw = await startGateway(`model_list:\n${deployment('g', mock)}${auth}`);
    try {
      gw.child.kill('SIGHUP');
      await sleep(300);
      assert.equal(gw.child.exitCode, null);
      assert.equal(gw.child.signalCode, null);
      assert.ok(await alive(gw));
      assert.match(gw.stderr(), /SIGHUP/);
    } finally {
      await stop(gw, mock);
    }
  });
});

describe('shutdown is bounded by --drain-timeout', () => {
  test('a request waiting out a retry back-off does not hold the exit past the drain', async () => {
    const mock = await startMock('slow429', ['--error-rate', '1', '--error-status', '429', '--retry-after', '30']);
    const gw = await startGateway(`model_list:\n${deployment('g', mock)}router_settings:\n  num_retries: 1\n${auth}`,
      ['--drain-timeout', '1']);
    try {
      const pending = post(gw, '/v1/chat/completions', chatBody('g')).catch((e) => e);
      for (let i = 0; i < 100 && (await mockStats(mock)).requests === 0; i++) await sleep(20);
      const exited = new Promise((res) => gw.child.once('exit', res));
      const t0 = Date.now();
      gw.child.kill('SIGTERM');
      await exited;
      const took = Date.now() - t0;
      assert.ok(took < 5000, `exited ${took} ms after SIGTERM, with a 30 s back-off pending`);
      await pending;
    } finally {
      await stop(gw, mock);
    }
  });
});

describe('/model/info shows no secrets (item 10)', () => {
  test('credentials, tokens and URL userinfo and query are left out', async () => {
    const secrets = ['pw-secret-1111', 'tok-secret-2222', 'AKIASECRET3333', 'userpass-4444', 'sig-secret-5555',
      'hdr-secret-6666', UPSTREAM_KEY];
    const gw = await startGateway(`model_list:
  - model_name: g
    litellm_params:
      model: openai/gpt-4o
      api_base: https://user:${secrets[3]}@llm.internal.example/v1?sig=${secrets[4]}
      api_key: ${UPSTREAM_KEY}
      azure_password: ${secrets[0]}
      aws_web_identity_token: ${secrets[1]}
      aws_access_key_id: ${secrets[2]}
      extra_headers: {x-internal-token: ${secrets[5]}}
      some_future_secret: ${secrets[5]}
      temperature: 0.2
${auth}`);
    try {
      const r = await fetch(`${gw.url}/model/info`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      const text = await r.text();
      assert.equal(r.status, 200);
      for (const s of secrets) assert.ok(!text.includes(s), `leaked ${s}`);
      const info = JSON.parse(text).data[0];
      assert.equal(info.litellm_params.api_base, 'https://llm.internal.example/v1');
      assert.equal(info.litellm_params.temperature, 0.2);
    } finally {
      await stop(gw);
    }
  });
});

describe("LiteLLM's own keys never reach a provider (item 21)", () => {
  let mock, anthropic, gw;
  before(async () => {
    mock = await startMock('strict');
    anthropic = await startNodeMock('anthropic', { api_key: 'sk-ant-upstream-1111' });
    gw = await startGateway(`model_list:
  - model_name: g
    litellm_params:
      model: openai/g
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
      order: 1
      max_parallel_requests: 10
      max_budget: 100
      budget_duration: 30d
      base_model: gpt-4o
      model_id: abc
      vertex_ai_project: p
      vertex_ai_location: l
      ssl_verify: false
      api_type: open_ai
      guardrails: [g1]
      fallbacks: [other]
      mock_timeout: false
      health_check_model: g
      allowed_openai_params: [tools]
      num_retries: 2
      cooldown_time: 5
      input_cost_per_token: 0.000001
      cache_read_input_token_cost: 0.0000001
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_base: ${anthropic.base}
      api_key: sk-ant-upstream-1111
${auth}`);
  });
  after(() => stop(gw, mock, anthropic));

  const litellmBodyKeys = {
    timeout: 30, stream_timeout: 20, num_retries: 0, metadata: { trace: 'x' }, tags: ['t'], caching: false,
    cache: { 'no-cache': true }, disable_fallbacks: true, mock_testing_fallbacks: false, guardrails: [],
  };

  test('litellm_params keys are not copied into an OpenAI-family request', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('g', litellmBodyKeys));
    assert.equal(r.status, 200, await r.clone().text());
  });

  test('request controls are not sent to a native provider', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('claude', litellmBodyKeys));
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await nodeStats(anthropic)).last_request.body;
    for (const key of Object.keys(litellmBodyKeys)) if (key !== 'metadata') assert.ok(!(key in body), key);
    assert.ok(!body.metadata?.trace, "the client's LiteLLM metadata is not Anthropic's");
  });

  test("Anthropic's request-id and its 529 overloaded_error reach the client as they are", async () => {
    const ok = await post(gw, '/v1/chat/completions', chatBody('claude'));
    assert.match(ok.headers.get('request-id') ?? '', /^req_01/);
    await configure(anthropic, { error_status: 529, error_count: 2 });
    const viaOpenAI = await post(gw, '/v1/chat/completions', chatBody('claude', { num_retries: 0 }));
    assert.equal(viaOpenAI.status, 529);
    const viaMessages = await post(gw, '/v1/messages',
      { model: 'claude', max_tokens: 10, num_retries: 0, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(viaMessages.status, 529);
    const body = await viaMessages.json();
    assert.equal(body.error.type, 'overloaded_error');
  });
});
