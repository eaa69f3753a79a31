// The official `openai` npm client against the gateway, backed by mock providers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { MASTER_KEY, UPSTREAM_KEY, deployment, startGateway, startMock, stop } from '../integration/lib.mjs';

describe('official openai client', () => {
  let mock, failing, gw, client;
  before(async () => {
    mock = await startMock('sdk-dep', ['--chunks', '5']);
    failing = await startMock('broken', ['--error-rate', '1', '--error-status', '503']);
    gw = await startGateway(`model_list:
${deployment('gpt-4o-mini', mock)}${deployment('broken-model', failing)}  - model_name: embedder
    litellm_params:
      model: openai/text-embedding-3-small
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${join(mkdtempSync(join(tmpdir(), 'routeiq-sdk-')), 'keys.db')}"
`);
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
  });
  after(() => stop(gw, mock, failing));

  test('chat completion', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }],
      temperature: 0.2,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, 'mock reply from sdk-dep: gpt-4o-mini');
    assert.ok(r.usage.total_tokens > 0);
  });

  test('chat completion with the raw response headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(response.headers.get('x-litellm-model-group'), 'gpt-4o-mini');
  });

  test('streaming chat with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.choices.length) text += chunk.choices[0].delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'mock reply from sdk-dep: gpt-4o-mini');
    assert.ok(chunks >= 6);
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('embeddings', async () => {
    const r = await client.embeddings.create({ model: 'embedder', input: ['one', 'two', 'three'] });
    assert.equal(r.data.length, 3);
    assert.ok(r.data[0].embedding.length > 0);
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
  });

  test('models list and retrieve', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), ['broken-model', 'embedder', 'gpt-4o-mini']);
    const one = await client.models.retrieve('gpt-4o-mini');
    assert.equal(one.id, 'gpt-4o-mini');
  });

  test('a wrong key is an AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-not-the-key', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
    );
  });

  test('a virtual key works in the client where the master key did, within its models', async () => {
    const made = await fetch(`${gw.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['gpt-4o-mini'], key_alias: 'sdk-test' }),
    });
    const { key } = await made.json();
    const keyed = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
    const stream = await keyed.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.ok(text.length > 0);
    const ids = [];
    for await (const m of keyed.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['gpt-4o-mini']);
    await assert.rejects(
      keyed.embeddings.create({ model: 'embedder', input: 'x' }),
      (e) => e instanceof OpenAI.AuthenticationError && e.status === 401 && /embedder/.test(e.message),
    );
  });

  test('an unknown model is a BadRequestError naming the groups', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.BadRequestError && /gpt-4o-mini/.test(e.message),
    );
  });

  test('an upstream failure surfaces as an APIError with its status', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'broken-model', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof OpenAI.APIError && e.status === 503 && !e.message.includes(failing.base),
    );
  });

  test('the provider validating a request: a bad message role is a 400', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'wizard', content: 'x' }] }),
      (e) => e instanceof OpenAI.BadRequestError,
    );
  });
});
