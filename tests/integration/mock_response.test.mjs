// LiteLLM's mock_response, mock_timeout, mock_delay and mock_testing_fallbacks:
// answers without a provider call, through the same retries, cooldowns,
// fallbacks, encoders and headers as real answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, chatBody, contentOf, deployment, mockStats, post, sleep, sseData, startGateway,
  startMock, stop,
} from './lib.mjs';

const TEXT = 'Hello from a mocked deployment, ünïcode included.';

describe('mock_response', () => {
  let upstream, gw;
  before(async () => {
    upstream = await startMock('real');
    gw = await startGateway(`model_list:
  - model_name: mocked
    litellm_params:
      model: openai/mocked
      mock_response: "${TEXT}"
  - model_name: no-base
    litellm_params: {model: hosted_vllm/llama, mock_response: "no api_base needed"}
  - model_name: limited
    litellm_params: {model: openai/limited, mock_response: litellm.RateLimitError}
  - model_name: broken
    litellm_params: {model: openai/broken, mock_response: {status: 503, message: "mock outage"}}
  - model_name: backup
    litellm_params: {model: openai/backup, mock_response: "from backup"}
${deployment('real', upstream)}router_settings:
  num_retries: 2
  allowed_fails: 1000
  fallbacks: [{"limited": ["backup"]}, {"real": ["backup"]}]
general_settings:
  master_key: ${MASTER_KEY}
`);
  });
  after(() => stop(gw, upstream));

  test('a mocked group answers a chat completion with the usual headers', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('mocked'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-model-group'), 'mocked');
    assert.match(r.headers.get('x-litellm-model-id'), /^[0-9a-f]{32}$/);
    assert.equal(r.headers.get('x-litellm-attempted-retries'), '0');
    assert.ok(r.headers.get('x-litellm-call-id'));
    const body = await r.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'mocked');
    assert.equal(body.choices[0].message.content, TEXT);
    assert.equal(body.id, `chatcmpl-${r.headers.get('x-litellm-call-id')}`);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
    assert.ok(body.usage.completion_tokens >= TEXT.length / 5);
  });

  test('streamed, the chunks add up to the text', async () => {
    const r = await post(gw, '/v1/chat/completions',
      chatBody('mocked', { stream: true, stream_options: { include_usage: true } }));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const events = sseData(await r.text());
    assert.equal(events.at(-1), '[DONE]');
    assert.equal(contentOf(events), TEXT);
    assert.ok(events.length > TEXT.length / 5, `only ${events.length} events`);
    assert.ok(events.at(-2).usage.completion_tokens > 0);
  });

  test('a deployment needing an api_base answers its mock without one', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('no-base'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'no api_base needed');
  });

  test('an error name is retried like a real 429, then falls back', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('limited'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(r.headers.get('x-litellm-model-group'), 'backup');
    assert.equal((await r.json()).choices[0].message.content, 'from backup');

    const alone = await post(gw, '/v1/chat/completions', chatBody('limited', { disable_fallbacks: true }));
    assert.equal(alone.status, 429);
    assert.equal(alone.headers.get('x-litellm-attempted-retries'), '2');
    const body = await alone.json();
    assert.equal(body.error.message, 'this is a mock rate limit error');
    assert.equal(body.error.type, 'rate_limit_error');
  });

  test('an error object gives its status and message', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('broken', { disable_fallbacks: true }));
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.message, 'mock outage');
  });

  test('a per-request mock_response answers without calling the upstream', async () => {
    await fetch(`${upstream.base}/mock/reset`, { method: 'POST' });
    const r = await post(gw, '/v1/chat/completions', chatBody('real', { mock_response: 'not the upstream' }));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'not the upstream');
    const e = await post(gw, '/v1/chat/completions',
      chatBody('real', { mock_response: 'litellm.ContextWindowExceededError' }));
    assert.equal(e.status, 400);
    assert.match((await e.json()).error.message, /context window/);
    assert.equal((await mockStats(upstream)).requests, 0);
    // Without the key the same group calls the upstream.
    const real = await post(gw, '/v1/chat/completions', chatBody('real'));
    assert.equal((await real.json()).choices[0].message.content, 'mock reply from real: real');
    assert.equal((await mockStats(upstream)).requests, 1);
  });

  test('mock_testing_fallbacks fails the requested group only', async () => {
    await fetch(`${upstream.base}/mock/reset`, { method: 'POST' });
    const r = await post(gw, '/v1/chat/completions', chatBody('real', { mock_testing_fallbacks: true }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal((await r.json()).choices[0].message.content, 'from backup');
    assert.equal((await mockStats(upstream)).requests, 0);
  });

  test('mock_timeout times out at the timeout and falls back', async () => {
    let start = Date.now();
    const r = await post(gw, '/v1/chat/completions',
      chatBody('mocked', { mock_timeout: true, timeout: 0.3, num_retries: 0 }));
    const took = Date.now() - start;
    assert.equal(r.status, 504);
    assert.equal((await r.json()).error.type, 'timeout');
    assert.ok(took >= 290 && took < 3000, `took ${took} ms`);

    start = Date.now();
    const fb = await post(gw, '/v1/chat/completions',
      chatBody('mocked', { mock_timeout: true, timeout: 0.3, num_retries: 0, fallbacks: ['real'] }));
    // The per-request mock applies to the fallback too, as in LiteLLM.
    assert.equal(fb.status, 504);
    assert.equal(fb.headers.get('x-litellm-attempted-fallbacks'), '1');
  });

  test('mock_delay delays the answer and counts as provider time', async () => {
    const start = Date.now();
    const r = await post(gw, '/v1/chat/completions', chatBody('mocked', { mock_delay: 0.4 }));
    const took = Date.now() - start;
    assert.equal(r.status, 200);
    assert.ok(took >= 390, `took ${took} ms`);
    assert.ok(Number(r.headers.get('x-litellm-response-duration-ms')) >= 390);
    assert.ok(Number(r.headers.get('x-litellm-overhead-duration-ms')) < 200);
    // A delay past the timeout is a timeout.
    const late = await post(gw, '/v1/chat/completions',
      chatBody('mocked', { mock_delay: 5, timeout: 0.2, num_retries: 0 }));
    assert.equal(late.status, 504);
  });

  test('a bad per-request mock value is a 400', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('mocked', { mock_response: 42 }));
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /mock_response must be/);
  });

  test('/v1/completions, plain and streamed', async () => {
    const r = await post(gw, '/v1/completions', { model: 'mocked', prompt: 'Say hi' });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.object, 'text_completion');
    assert.equal(body.choices[0].text, TEXT);
    const s = await post(gw, '/v1/completions', { model: 'mocked', prompt: 'Say hi', stream: true });
    const events = sseData(await s.text());
    assert.equal(events.at(-1), '[DONE]');
    assert.equal(events.filter((e) => e !== '[DONE]').map((e) => e.choices[0].text).join(''), TEXT);
  });

  test('/v1/embeddings gives a deterministic vector per input', async () => {
    const ask = async (input) => {
      const r = await post(gw, '/v1/embeddings', { model: 'mocked', input, dimensions: 64 });
      assert.equal(r.status, 200);
      return r.json();
    };
    const a = await ask(['red apples', 'green pears']);
    assert.equal(a.data.length, 2);
    assert.equal(a.data[0].embedding.length, 64);
    assert.notDeepEqual(a.data[0].embedding, a.data[1].embedding);
    const b = await ask('red apples');
    assert.deepEqual(b.data[0].embedding, a.data[0].embedding);
    const norm = Math.hypot(...a.data[0].embedding);
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  });

  test('/v1/messages answers in Anthropic form, plain and streamed', async () => {
    const req = { model: 'mocked', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] };
    const r = await post(gw, '/v1/messages', req);
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.type, 'message');
    assert.equal(body.content[0].text, TEXT);
    assert.ok(body.usage.output_tokens > 0);

    const s = await post(gw, '/v1/messages', { ...req, stream: true });
    const text = await s.text();
    const events = [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => [m[1], JSON.parse(m[2])]);
    assert.equal(events[0][0], 'message_start');
    assert.equal(events.at(-1)[0], 'message_stop');
    const streamed = events.filter(([t]) => t === 'content_block_delta').map(([, d]) => d.delta.text).join('');
    assert.equal(streamed, TEXT);

    const err = await post(gw, '/v1/messages', { ...req, model: 'broken', disable_fallbacks: true });
    assert.equal(err.status, 503);
    assert.equal((await err.json()).type, 'error');
  });
});

describe('cooldowns of mocked deployments', () => {
  let gw;
  before(async () => {
    gw = await startGateway(`model_list:
  - model_name: pool
    litellm_params: {model: openai/bad, mock_response: litellm.InternalServerError, weight: 1000}
  - model_name: pool
    litellm_params: {model: openai/good, mock_response: "from the good one", weight: 1}
router_settings:
  num_retries: 2
  allowed_fails: 1
  cooldown_time: 60
general_settings:
  master_key: ${MASTER_KEY}
`);
  });
  after(() => stop(gw));

  test('a failing mocked deployment is cooled down like a real one', async () => {
    const retries = [];
    for (let i = 0; i < 12; i++) {
      const r = await post(gw, '/v1/chat/completions', chatBody('pool'));
      assert.equal(r.status, 200);
      assert.equal((await r.json()).choices[0].message.content, 'from the good one');
      retries.push(r.headers.get('x-litellm-attempted-retries'));
    }
    // The heavy bad deployment is picked first until allowed_fails is used up.
    assert.ok(retries.slice(0, 6).includes('1'), retries.join());
    assert.deepEqual(retries.slice(6), Array(6).fill('0'));
  });

  test('a client that goes away ends a mock_timeout wait at once', async () => {
    const ac = new AbortController();
    const pending = post(gw, '/v1/chat/completions',
      chatBody('pool', { mock_timeout: true, timeout: 120 }), { signal: ac.signal }).catch((e) => e);
    await sleep(300);
    ac.abort();
    assert.equal((await pending).name, 'AbortError');
    await sleep(200);
    // SIGTERM drains in-flight requests: a wait still running would hold the exit.
    const start = Date.now();
    const exited = new Promise((res) => gw.child.once('exit', res));
    gw.child.kill('SIGTERM');
    await exited;
    assert.ok(Date.now() - start < 5000, `exit took ${Date.now() - start} ms`);
  });
});
