// Retries, fallbacks, cooldowns, timeouts, cancellation and graceful shutdown,
// with real processes and mocks whose failures are switched on at run time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, chatBody, contentOf, deployment, mockConfig, mockStats, post, sleep, sseData,
  startGateway, startMock, stop,
} from './lib.mjs';

const auth = `general_settings:\n  master_key: ${MASTER_KEY}\n`;

describe('retries within a group', () => {
  let bad, good, gw;
  before(async () => {
    bad = await startMock('bad', ['--error-rate', '1', '--error-status', '503']);
    good = await startMock('good');
    gw = await startGateway(`model_list:
${deployment('gpt-4o', bad, '      weight: 1000\n')}${deployment('gpt-4o', good, '      weight: 1\n')}router_settings:
  num_retries: 2
  allowed_fails: 100
${auth}`);
  });
  after(() => stop(gw, bad, good));

  test('a failing deployment is retried on another one', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'));
      assert.equal(r.status, 200);
      const body = await r.json();
      assert.equal(body.choices[0].message.content, 'mock reply from good: gpt-4o');
      // The heavily weighted bad deployment is picked first almost always.
      if (r.headers.get('x-litellm-attempted-retries') !== '0')
        assert.equal(r.headers.get('x-litellm-attempted-retries'), '1');
    }
    assert.ok((await mockStats(bad)).requests >= 3, 'the bad deployment was tried');
  });

  test('a client error (400) is not retried', async () => {
    await fetch(`${bad.base}/mock/reset`, { method: 'POST' });
    await fetch(`${good.base}/mock/reset`, { method: 'POST' });
    await mockConfig(bad, { error_rate: 0 });
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o', { bogus_param: true }));
    assert.equal(r.status, 400);
    const total = (await mockStats(bad)).requests + (await mockStats(good)).requests;
    assert.equal(total, 1);
    await mockConfig(bad, { error_rate: 1, error_status: 503 });
  });
});

describe('fallbacks', () => {
  let primary, backup, gw;
  before(async () => {
    primary = await startMock('primary', ['--error-rate', '1', '--error-status', '500']);
    backup = await startMock('backup');
    gw = await startGateway(`model_list:
${deployment('gpt-4o', primary)}${deployment('claude-sonnet', backup)}${deployment('solo', primary)}router_settings:
  num_retries: 1
  allowed_fails: 100
  fallbacks: [{"gpt-4o": ["claude-sonnet"]}]
${auth}`);
  });
  after(() => stop(gw, primary, backup));

  test('after the retries fail, the fallback group answers', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'mock reply from backup: claude-sonnet');
    assert.equal(r.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(r.headers.get('x-litellm-model-group'), 'claude-sonnet');
    assert.equal((await mockStats(primary)).requests, 2, 'one call plus one retry');
  });

  test('per-request fallbacks override the config; without any, the error comes back', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('solo', { fallbacks: ['claude-sonnet'] }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-model-group'), 'claude-sonnet');
    const none = await post(gw, '/v1/chat/completions', chatBody('solo'));
    assert.equal(none.status, 500);
    const body = await none.json();
    assert.ok(body.error.message.length > 0);
    assert.equal(none.headers.get('x-litellm-attempted-retries'), '1');
  });
});

describe('cooldowns', () => {
  let flaky, steady, gw;
  before(async () => {
    flaky = await startMock('flaky', ['--error-rate', '1', '--error-status', '500']);
    steady = await startMock('steady');
    gw = await startGateway(`model_list:
${deployment('g', flaky, '      weight: 1000\n')}${deployment('g', steady, '      weight: 1\n')}router_settings:
  num_retries: 1
  allowed_fails: 1
  cooldown_time: 1
${auth}`);
  });
  after(() => stop(gw, flaky, steady));

  test('a deployment failing more than allowed_fails is skipped until cooldown_time passes', async () => {
    // Two failures exceed allowed_fails=1 and start the cooldown.
    for (let i = 0; i < 2; i++) assert.equal((await post(gw, '/v1/chat/completions', chatBody('g'))).status, 200);
    const failedCalls = (await mockStats(flaky)).requests;
    assert.equal(failedCalls, 2);
    for (let i = 0; i < 10; i++) assert.equal((await post(gw, '/v1/chat/completions', chatBody('g'))).status, 200);
    assert.equal((await mockStats(flaky)).requests, failedCalls, 'no calls while cooling down');
    await sleep(1200);
    await mockConfig(flaky, { error_rate: 0 });
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal((await r.json()).choices[0].message.content, 'mock reply from flaky: g');
  });
});

describe('rate limits', () => {
  let limited, gw;
  before(async () => {
    limited = await startMock('limited', ['--rate-limit-every', '1', '--retry-after', '7']);
    gw = await startGateway(`model_list:\n${deployment('g', limited)}router_settings:\n  num_retries: 0\n${auth}`);
  });
  after(() => stop(gw, limited));

  test('a 429 passes through with its Retry-After', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    const body = await r.json();
    assert.equal(body.error.type, 'rate_limit_error');
  });
});

describe('timeouts', () => {
  let slow, gw;
  before(async () => {
    slow = await startMock('slow', ['--latency-ms', '3000', '--ttft-ms', '0']);
    gw = await startGateway(`model_list:
${deployment('g', slow, '      timeout: 0.3\n')}${deployment('s', slow, '      stream_timeout: 0.3\n')}router_settings:
  num_retries: 0
${auth}`);
  });
  after(() => stop(gw, slow));

  test('a deployment timeout gives 504 quickly', async () => {
    const t0 = Date.now();
    const r = await post(gw, '/v1/chat/completions', chatBody('g'));
    assert.equal(r.status, 504);
    assert.equal((await r.json()).error.type, 'timeout');
    assert.ok(Date.now() - t0 < 2000);
  });

  test('stream_timeout bounds the time to the first byte', async () => {
    const t0 = Date.now();
    const r = await post(gw, '/v1/chat/completions', chatBody('s', { stream: true }));
    assert.equal(r.status, 504);
    await r.text();
    assert.ok(Date.now() - t0 < 2000);
  });

  test('a per-request timeout overrides the config', async () => {
    await mockConfig(slow, { latency_ms: 600 });
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { timeout: 5 }));
    assert.equal(r.status, 200);
    await mockConfig(slow, { latency_ms: 3000 });
  });
});

describe('streams', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('streamer', ['--chunks', '40', '--tokens-per-second', '40']);
    gw = await startGateway(`model_list:\n${deployment('g', mock)}${auth}`, ['--drain-timeout', '10']);
  });
  after(() => stop(gw, mock));

  test('chunks arrive as they are produced, not buffered', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { stream: true }));
    const reader = r.body.getReader();
    const arrivals = [];
    const t0 = Date.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push({ at: Date.now() - t0, bytes: value.length });
    }
    // 40 chunks at 40/s take about a second; the first must arrive long before the end.
    assert.ok(arrivals.length >= 10, `got ${arrivals.length} reads`);
    assert.ok(arrivals[0].at < arrivals.at(-1).at - 500);
  });

  test('a client disconnect cancels the upstream stream', async () => {
    await fetch(`${mock.base}/mock/reset`, { method: 'POST' });
    const ctl = new AbortController();
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { stream: true }), { signal: ctl.signal });
    const reader = r.body.getReader();
    await reader.read();
    ctl.abort();
    let stats;
    for (let i = 0; i < 40; i++) {
      await sleep(50);
      stats = await mockStats(mock);
      if (stats.streams_cancelled > 0) break;
    }
    assert.equal(stats.streams_cancelled, 1);
    assert.equal(stats.streams_completed, 0);
  });

  test('a client disconnect cancels a pending non-streaming call', async () => {
    // An upstream that never answers and records when its connection closes.
    const { createServer } = await import('node:net');
    let closedAt = 0;
    let connected;
    const gotRequest = new Promise((res) => (connected = res));
    const silent = createServer((sock) => {
      sock.once('data', () => connected());
      sock.on('close', () => (closedAt = Date.now()));
      sock.on('error', () => {});
    });
    await new Promise((res) => silent.listen(0, '127.0.0.1', res));
    const base = `http://127.0.0.1:${silent.address().port}`;
    const gw2 = await startGateway(`model_list:\n${deployment('hang', { base })}${auth}`);
    try {
      const ctl = new AbortController();
      const pending = post(gw2, '/v1/chat/completions', chatBody('hang'), { signal: ctl.signal }).catch((e) => e);
      await gotRequest;
      const abortedAt = Date.now();
      ctl.abort();
      await pending;
      for (let i = 0; i < 40 && !closedAt; i++) await sleep(25);
      assert.ok(closedAt > 0, 'the upstream connection was closed');
      assert.ok(closedAt - abortedAt < 1000, `closed ${closedAt - abortedAt} ms after the abort`);
    } finally {
      await stop(gw2);
      silent.close();
    }
  });

  test('a stream that breaks mid-way ends with an error event', async () => {
    await mockConfig(mock, { fail_mid_stream_after: 3, tokens_per_second: 0 });
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { stream: true }));
    assert.equal(r.status, 200);
    const events = sseData(await r.text());
    const last = events.at(-1);
    assert.notEqual(last, '[DONE]');
    assert.ok(last.error, 'final event is an error');
    assert.ok(!JSON.stringify(last).includes(mock.base));
    await mockConfig(mock, { fail_mid_stream_after: -1, tokens_per_second: 40 });
  });

  test('SIGTERM lets an in-flight stream finish, then exits', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('g', { stream: true }));
    const text = r.text();
    await sleep(150);
    const exited = new Promise((res) => gw.child.once('exit', (code) => res(code)));
    gw.child.kill('SIGTERM');
    const events = sseData(await text);
    assert.equal(events.at(-1), '[DONE]');
    assert.equal(contentOf(events), 'mock reply from streamer: g');
    assert.equal(await exited, 0);
    await assert.rejects(fetch(`${gw.url}/health/liveliness`));
  });
});
