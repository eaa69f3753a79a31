// The gateway against mock providers: relaying, auth, errors, headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, UPSTREAM_KEY, chatBody, contentOf, deployment, mockStats, post, sseData,
  startGateway, startMock, stop,
} from './lib.mjs';

describe('OpenAI endpoints through the gateway', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('dep-a', ['--chunks', '6']);
    gw = await startGateway(`model_list:
${deployment('gpt-4o', mock)}
  - model_name: text-embedding-3-small
    litellm_params:
      model: openai/text-embedding-3-small
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
    model_info:
      id: embed-1
      mode: embedding
router_settings:
  model_group_alias:
    gpt4: gpt-4o
general_settings:
  master_key: ${MASTER_KEY}
`);
  });
  after(() => stop(gw, mock));

  test('non-streaming chat is relayed with LiteLLM headers', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'));
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, 'mock reply from dep-a: gpt-4o');
    assert.match(r.headers.get('x-litellm-call-id'), /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.get('x-litellm-model-group'), 'gpt-4o');
    assert.ok(r.headers.get('x-litellm-model-id').length > 0);
    assert.equal(r.headers.get('x-litellm-model-api-base'), `${mock.base}/v1`);
    assert.equal(r.headers.get('x-litellm-attempted-retries'), '0');
    assert.equal(r.headers.get('x-litellm-attempted-fallbacks'), '0');
    assert.ok(Number(r.headers.get('x-litellm-response-duration-ms')) > 0);
    assert.ok(Number(r.headers.get('x-litellm-overhead-duration-ms')) >= 0);
  });

  test('only the model is rewritten; the upstream gets its own key', async () => {
    await post(gw, '/chat/completions', chatBody('gpt4', { temperature: 0.5, user: 'u1' }));
    const last = (await mockStats(mock)).last_request;
    const sent = last.body;
    assert.equal(sent.model, 'gpt-4o');
    assert.equal(sent.temperature, 0.5);
    assert.equal(sent.user, 'u1');
    assert.deepEqual(sent.messages, chatBody('x').messages);
    assert.ok(last.headers.authorization.endsWith(UPSTREAM_KEY.slice(-4)), 'upstream key sent');
  });

  test('streaming chat flushes every chunk, ends with [DONE], honours include_usage', async () => {
    const r = await post(gw, '/v1/chat/completions',
      chatBody('gpt-4o', { stream: true, stream_options: { include_usage: true } }));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const events = sseData(await r.text());
    assert.equal(events.at(-1), '[DONE]');
    assert.equal(contentOf(events), 'mock reply from dep-a: gpt-4o');
    const usage = events.filter((e) => e !== '[DONE]' && e.usage);
    assert.equal(usage.length, 1);
    assert.ok(usage[0].usage.total_tokens > 0);
    assert.equal((await mockStats(mock)).last_request.body.stream_options.include_usage, true);
  });

  test('embeddings and legacy completions are relayed', async () => {
    const e = await post(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] });
    assert.equal(e.status, 200);
    const eb = await e.json();
    assert.equal(eb.data.length, 2);
    assert.equal(e.headers.get('x-litellm-model-id'), 'embed-1');
    const c = await post(gw, '/v1/completions', { model: 'gpt-4o', prompt: 'Once upon' });
    assert.equal(c.status, 200);
    assert.equal((await c.json()).object, 'text_completion');
  });

  test('models, model by id and model info (without secrets)', async () => {
    const auth = { authorization: `Bearer ${MASTER_KEY}` };
    const models = await (await fetch(`${gw.url}/v1/models`, { headers: auth })).json();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ['gpt-4o', 'gpt4', 'text-embedding-3-small']);
    const one = await fetch(`${gw.url}/models/gpt-4o`, { headers: auth });
    assert.equal(one.status, 200);
    assert.equal((await one.json()).id, 'gpt-4o');
    const missing = await fetch(`${gw.url}/v1/models/nope`, { headers: auth });
    assert.equal(missing.status, 404);
    const infoText = await (await fetch(`${gw.url}/model/info`, { headers: auth })).text();
    assert.ok(!infoText.includes(UPSTREAM_KEY), 'model/info must not leak the api key');
    const info = JSON.parse(infoText);
    assert.equal(info.data.length, 2);
    assert.equal(info.data[0].litellm_params.model, 'openai/gpt-4o');
    assert.equal(info.data[1].model_info.mode, 'embedding');
  });

  test('health endpoints answer without auth', async () => {
    for (const p of ['/health/liveliness', '/health/liveness', '/_health/live']) {
      const r = await fetch(gw.url + p);
      assert.equal(r.status, 200, p);
      assert.equal(await r.json(), "I'm alive!");
    }
    for (const p of ['/health/readiness', '/_health/ready']) {
      const r = await fetch(gw.url + p);
      assert.equal(r.status, 200, p);
      assert.equal((await r.json()).status, 'healthy');
    }
  });

  test('master key accepted in Authorization, x-litellm-api-key and api-key', async () => {
    for (const headers of [{ 'x-litellm-api-key': `Bearer ${MASTER_KEY}` }, { 'api-key': MASTER_KEY }]) {
      const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: null, headers });
      assert.equal(r.status, 200, JSON.stringify(headers));
    }
    for (const key of [null, 'sk-wrong', MASTER_KEY + 'x']) {
      const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key });
      assert.equal(r.status, 401);
      const body = await r.json();
      assert.equal(body.error.type, 'auth_error', 'LiteLLM\'s type for a refused key');
      assert.ok(!JSON.stringify(body).includes(MASTER_KEY));
    }
  });

  test('invalid JSON is a 400 naming the position', async () => {
    const r = await post(gw, '/v1/chat/completions', '{"model": "gpt-4o",\n "messages": [}');
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /line 2 column \d+/);
  });

  test('unknown model is a 400 listing the available groups', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-5-ultra'));
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.error.param, 'model');
    assert.match(body.error.message, /gpt-5-ultra/);
    assert.match(body.error.message, /gpt-4o/);
    assert.match(body.error.message, /text-embedding-3-small/);
  });

  test('a request the provider rejects keeps its status and message', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o', { not_an_openai_param: 1 }));
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.match(body.error.message, /not_an_openai_param/);
    assert.ok(!JSON.stringify(body).includes(mock.base), 'no upstream URL in errors');
  });

  test('unknown path is 404 and wrong method 405, in OpenAI error shape', async () => {
    const r = await fetch(`${gw.url}/v1/nothing-here`);
    assert.equal(r.status, 404);
    assert.ok((await r.json()).error.message);
    const m = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    assert.equal(m.status, 405);
  });
});

describe('request limits', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('dep-a');
    gw = await startGateway(`model_list:\n${deployment('gpt-4o', mock)}general_settings:\n  master_key: ${MASTER_KEY}\n`,
      ['--max-body-mb', '0.01']);
  });
  after(() => stop(gw, mock));

  test('a body over the limit is refused with 413', async () => {
    const big = chatBody('gpt-4o', { messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    const r = await post(gw, '/v1/chat/completions', big);
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.type, 'invalid_request_error');
    assert.equal((await mockStats(mock)).requests, 0);
  });
});

describe('start-up', () => {
  test('an invalid config stops start-up with the key path and line', async () => {
    const { spawnSync } = await import('node:child_process');
    const { writeConfig, ROUTEIQ_BIN } = await import('./lib.mjs');
    const path = writeConfig(`model_list:
  - model_name: a
    litellm_params:
      model: openai/a
      timeout: soon
`);
    const r = spawnSync(ROUTEIQ_BIN, ['serve', '--config', path, '--port', '0'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /model_list\[0\]\.litellm_params\.timeout/);
    assert.match(r.stderr, /:5\b/);
  });
});

describe('wildcard and catch-all groups', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('wild');
    gw = await startGateway(`model_list:
  - model_name: "openai/*"
    litellm_params:
      model: "openai/*"
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
  - model_name: "*"
    litellm_params:
      model: "*"
general_settings:
  master_key: ${MASTER_KEY}
`, [], { OPENAI_API_BASE: `${mock.base}/v1`, OPENAI_API_KEY: 'sk-from-env-5555', GROQ_API_BASE: `${mock.base}/v1` });
  });
  after(() => stop(gw, mock));

  test('openai/* sends the matched name upstream', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('openai/gpt-4.1-nano'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'mock reply from wild: gpt-4.1-nano');
    assert.equal(r.headers.get('x-litellm-model-group'), 'openai/gpt-4.1-nano');
  });

  test('"*" takes the provider from the requested model and its key from the environment', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('groq/llama-3.1-8b-instant'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'mock reply from wild: llama-3.1-8b-instant');
    const bare = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'));
    assert.equal(bare.status, 200);
    const last = (await mockStats(mock)).last_request;
    assert.ok(last.headers.authorization.endsWith('5555'));
    const bad = await post(gw, '/v1/chat/completions', chatBody('nosuchprovider/x'));
    assert.equal(bad.status, 400);
  });
});

describe('/v1/messages request checks', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('msg');
    gw = await startGateway(`model_list:\n${deployment('gpt-4o', mock)}general_settings:\n  master_key: ${MASTER_KEY}\n`);
  });
  after(() => stop(gw, mock));

  test('max_tokens is required, as Anthropic requires it, in Anthropic error shape', async () => {
    const r = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /max_tokens/);
    assert.equal((await mockStats(mock)).requests, 0);
  });
});
