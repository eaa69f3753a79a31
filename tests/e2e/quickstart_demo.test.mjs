// The official `openai` (and `@anthropic-ai/sdk`) clients against
// config/quickstart.yaml as written, with no provider key: the demo groups
// answer through mock_response, errors are retried and fall back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { quickstartMockText, startQuickstart, stop } from '../integration/lib.mjs';

const KEY = 'sk-routeiq-local';
const HELLO = [{ role: 'user', content: 'Hello' }];

describe('official clients against the quickstart demo, no provider key', () => {
  let gw, client;
  before(async () => {
    gw = await startQuickstart();
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
  });
  after(() => stop(gw));

  test('chat completion', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'demo', messages: HELLO })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'demo');
    assert.equal(data.choices[0].message.content, quickstartMockText('demo'));
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.ok(data.usage.completion_tokens > 0);
    assert.equal(response.headers.get('x-litellm-model-group'), 'demo');
  });

  test('streaming chat with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'demo', messages: HELLO, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.choices.length) {
        text += chunk.choices[0].delta?.content ?? '';
        finish = chunk.choices[0].finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, quickstartMockText('demo'));
    assert.ok(chunks > 10, `${chunks} chunks`);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  test('a rate-limit mock is retried, then falls back to demo', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'demo-rate-limited', messages: HELLO })
      .withResponse();
    assert.equal(data.choices[0].message.content, quickstartMockText('demo'));
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(response.headers.get('x-litellm-model-group'), 'demo');

    // Without fallbacks the client sees the 429 after the gateway's retries.
    const error = await client.chat.completions
      .create({ model: 'demo-rate-limited', messages: HELLO, disable_fallbacks: true })
      .then(() => null, (e) => e);
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.headers.get('x-litellm-attempted-retries'), '2');
    assert.match(error.message, /mock rate limit error/);
  });

  test('a per-request mock_response answers for a real group without its key', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: HELLO, mock_response: 'answered without OpenAI',
    });
    assert.equal(r.choices[0].message.content, 'answered without OpenAI');
    assert.equal(r.model, 'gpt-4o-mini');
  });

  test('embeddings: deterministic unit vectors, base64 (the default) and float alike', async () => {
    const input = ['the quick brown fox', 'the quick brown fox', 'a slow green turtle'];
    const r = await client.embeddings.create({ model: 'demo', input });
    assert.equal(r.data.length, 3);
    const [a, b, c] = r.data.map((d) => d.embedding);
    assert.equal(a.length, 1536);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-5);
    const floats = await client.embeddings.create({ model: 'demo', input: input[0], encoding_format: 'float' });
    assert.deepEqual(floats.data[0].embedding, a);
    const small = await client.embeddings.create({ model: 'demo', input: input[0], dimensions: 8 });
    assert.equal(small.data[0].embedding.length, 8);
  });

  test('the Anthropic client gets the demo answer from /v1/messages', async () => {
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'demo', max_tokens: 64, messages: HELLO });
    assert.equal(m.type, 'message');
    assert.equal(m.content[0].text, quickstartMockText('demo'));
    let text = '';
    const stream = anthropic.messages.stream({ model: 'demo', max_tokens: 64, messages: HELLO });
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    assert.equal(text, quickstartMockText('demo'));
    assert.equal(final.stop_reason, 'end_turn');
  });
});
