// The official `@anthropic-ai/sdk` client against the gateway's Anthropic
// endpoint (/v1/messages), backed by an OpenAI upstream (the C++ mock: the
// request and answer are translated), by the Anthropic mock (same format both
// sides) and by the Bedrock mock (translated twice). The first suite points the
// SDK at the Anthropic mock directly: it proves the mock speaks what the SDK reads.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { MASTER_KEY, deployment, startGateway, startMock } from '../integration/lib.mjs';
import { startNodeMock, stats, stopAll } from '../mocks/lib.mjs';

const ANTHROPIC_KEY = 'sk-ant-upstream-4444';
const AWS = { id: 'AKIAROUTEIQSDK000001', secret: 'routeiq/sdk/secret/000000000000000000000' };
const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Current weather of a place',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location', 'unit'],
  },
};

// Runs a messages.stream and returns the final message and the raw event types.
async function streamed(client, params) {
  const stream = client.messages.stream(params);
  const events = [];
  stream.on('streamEvent', (e) => events.push(e.type === 'content_block_delta' ? `delta:${e.delta.type}` : e.type));
  let text = '';
  stream.on('text', (t) => {
    text += t;
  });
  const message = await stream.finalMessage();
  return { message, events, text };
}

const errorOf = (promise) =>
  promise.then(
    () => null,
    (e) => e,
  );

describe('anthropic SDK directly against the anthropic mock', () => {
  let mock, client;
  before(async () => {
    mock = await startNodeMock('anthropic', { api_key: ANTHROPIC_KEY });
    client = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: mock.base, maxRetries: 0 });
  });
  after(() => stopAll(mock));

  test('create, stream with tool_use, count tokens', async () => {
    const r = await client.messages.create({ model: 'claude-mock-1', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.content[0].text, 'mock reply from anthropic: claude-mock-1');
    const { message, events } = await streamed(client, {
      model: 'claude-mock-1',
      max_tokens: 200,
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user', content: 'What is the weather in Rome?' }],
    });
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content.at(-1).input, { location: 'Rome', unit: 'celsius' });
    assert.ok(events.filter((e) => e === 'delta:input_json_delta').length > 3);
    const count = await client.messages.countTokens({ model: 'claude-mock-1', messages: [{ role: 'user', content: 'x'.repeat(80) }] });
    assert.equal(count.input_tokens, 20);
  });

  test('the SDK sees the error classes of the real API', async () => {
    const bad = await errorOf(client.messages.create({ model: 'claude-mock-1', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(bad instanceof Anthropic.BadRequestError);
    assert.equal(bad.error.error.type, 'invalid_request_error');
    const unauth = await errorOf(
      new Anthropic({ apiKey: 'nope', baseURL: mock.base, maxRetries: 0 }).messages.create({ model: 'claude-mock-1', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }),
    );
    assert.ok(unauth instanceof Anthropic.AuthenticationError);
  });
});

describe('anthropic SDK against the gateway /v1/messages', () => {
  let openaiMock, anthropicMock, bedrockMock, gw, client;
  before(async () => {
    openaiMock = await startMock('openai-up', ['--chunks', '4']);
    anthropicMock = await startNodeMock('anthropic', { api_key: ANTHROPIC_KEY });
    bedrockMock = await startNodeMock('bedrock', { access_key_id: AWS.id, secret_access_key: AWS.secret });
    gw = await startGateway(`model_list:
${deployment('gpt-4o-mini', openaiMock)}  - model_name: claude-sonnet
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: ${ANTHROPIC_KEY}
      api_base: ${anthropicMock.base}
  - model_name: bedrock-claude
    litellm_params:
      model: bedrock/us.anthropic.claude-sonnet-4-5-v1:0
      aws_region_name: us-east-1
      aws_access_key_id: ${AWS.id}
      aws_secret_access_key: ${AWS.secret}
      api_base: ${bedrockMock.base}
router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${join(mkdtempSync(join(tmpdir(), 'routeiq-anthropic-sdk-')), 'keys.db')}"
`);
    client = new Anthropic({ apiKey: MASTER_KEY, baseURL: gw.url, maxRetries: 0, timeout: 15_000 });
  });
  after(() => stopAll(gw, openaiMock, anthropicMock, bedrockMock));

  const TEXT = {
    'gpt-4o-mini': 'mock reply from openai-up: gpt-4o-mini',
    'claude-sonnet': 'mock reply from anthropic: claude-sonnet-4-5',
    'bedrock-claude': 'mock reply from bedrock: us.anthropic.claude-sonnet-4-5-v1:0',
  };
  for (const [model, expected] of Object.entries(TEXT)) {
    test(`messages.create via ${model}`, async () => {
      const r = await client.messages.create({
        model,
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      assert.equal(r.type, 'message');
      assert.equal(r.role, 'assistant');
      assert.equal(r.content.length, 1);
      assert.equal(r.content[0].type, 'text');
      assert.equal(r.content[0].text, expected);
      assert.equal(r.stop_reason, 'end_turn');
      assert.ok(r.id.length > 0);
      assert.ok(r.usage.input_tokens > 0);
      assert.ok(r.usage.output_tokens > 0);
    });

    test(`messages.stream text via ${model}`, async () => {
      const { message, events, text } = await streamed(client, { model, max_tokens: 100, messages: [{ role: 'user', content: 'Stream please' }] });
      assert.equal(text, expected);
      assert.equal(message.content[0].text, expected);
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(events[0], 'message_start');
      assert.equal(events.at(-1), 'message_stop');
      assert.ok(events.filter((e) => e === 'delta:text_delta').length >= 2);
      assert.ok(message.usage.output_tokens > 0);
    });
  }

  for (const model of ['claude-sonnet', 'bedrock-claude']) {
    test(`messages.stream tool_use with input_json_delta via ${model}`, async () => {
      const { message, events } = await streamed(client, {
        model,
        max_tokens: 300,
        tools: [WEATHER_TOOL],
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      });
      assert.equal(message.stop_reason, 'tool_use');
      const use = message.content.find((b) => b.type === 'tool_use');
      assert.ok(use, JSON.stringify(message.content));
      assert.equal(use.name, 'get_weather');
      assert.match(use.id, /^[a-zA-Z0-9_-]+$/);
      assert.deepEqual(use.input, { location: 'Paris', unit: 'celsius' });
      assert.ok(events.filter((e) => e === 'delta:input_json_delta').length >= 2);

      // The tool result goes back in the next user turn.
      const r = await client.messages.create({
        model,
        max_tokens: 100,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: message.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 degrees' }] },
        ],
      });
      assert.match(r.content.map((b) => b.text ?? '').join(''), /^tool result received: 21 degrees/);
    });
  }

  test('the pass-through path reaches the Anthropic API with its own key', async () => {
    await client.messages.create({ model: 'claude-sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'Key check' }] });
    const s = await stats(anthropicMock);
    assert.equal(s.last_request.target, '/v1/messages');
    assert.equal(s.last_request.body.model, 'claude-sonnet-4-5');
    const sent = s.last_request.headers['x-api-key'] ?? s.last_request.headers.authorization;
    assert.ok(sent.endsWith(ANTHROPIC_KEY.slice(-4)), `sent ${sent}`);
  });

  for (const model of ['claude-sonnet', 'gpt-4o-mini']) {
    test(`countTokens via ${model}`, async () => {
      const short = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'Hi' }] });
      const long = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'Hi '.repeat(200) }] });
      assert.ok(short.input_tokens > 0);
      assert.ok(long.input_tokens > short.input_tokens);
    });
  }

  test('the master key in x-api-key is accepted', async () => {
    const viaHeader = new Anthropic({ apiKey: null, authToken: null, defaultHeaders: { 'x-api-key': MASTER_KEY }, baseURL: gw.url, maxRetries: 0 });
    const r = await viaHeader.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.content[0].text, TEXT['gpt-4o-mini']);
  });

  test('unknown model -> an Anthropic-shaped 400/404', async () => {
    const err = await errorOf(client.messages.create({ model: 'no-such-model', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(err instanceof Anthropic.NotFoundError || err instanceof Anthropic.BadRequestError, `got ${err?.constructor?.name}`);
    assert.equal(err.error.type, 'error');
    assert.ok(['not_found_error', 'invalid_request_error'].includes(err.error.error.type));
    assert.match(err.error.error.message, /no-such-model/);
  });

  test('an invalid request (messages not a list) -> BadRequestError', async () => {
    const err = await errorOf(client.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: 'Hi' }));
    assert.ok(err instanceof Anthropic.BadRequestError, `got ${err?.constructor?.name}`);
    assert.equal(err.error.error.type, 'invalid_request_error');
  });

  test('bad key -> AuthenticationError', async () => {
    const bad = new Anthropic({ apiKey: 'sk-not-the-master', baseURL: gw.url, maxRetries: 0 });
    const err = await errorOf(bad.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(err instanceof Anthropic.AuthenticationError, `got ${err?.constructor?.name}`);
    assert.equal(err.status, 401);
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'authentication_error');
  });

  test('a virtual key works in the SDK (sent as x-api-key), within its models', async () => {
    const made = await fetch(`${gw.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['claude-sonnet'], key_alias: 'anthropic-sdk' }),
    });
    assert.equal(made.status, 200);
    const { key } = await made.json();
    const keyed = new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0, timeout: 15_000 });
    const r = await keyed.messages.create({ model: 'claude-sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(r.type, 'message');
    assert.ok(r.content[0].text.length > 0);
    const refused = await errorOf(keyed.messages.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(refused instanceof Anthropic.AuthenticationError, String(refused));
    assert.equal(refused.status, 401);
    assert.match(refused.message, /gpt-4o-mini/);
    const blocked = await fetch(`${gw.url}/key/block`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    assert.equal(blocked.status, 200);
    const afterBlock = await errorOf(keyed.messages.create({ model: 'claude-sonnet', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.ok(afterBlock instanceof Anthropic.AuthenticationError, String(afterBlock));
    assert.match(afterBlock.message, /blocked/);
  });
});
