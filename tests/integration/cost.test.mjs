// x-litellm-response-cost: the cost of each answer from its real usage, for
// every usage shape (OpenAI with cached and reasoning tokens, Anthropic's
// cache reads and writes, Gemini, Bedrock Converse), whole and streamed (the
// stream's cost comes as a trailer after the last chunk). Prices come from a
// price file in LiteLLM's format (litellm_settings.model_cost_map) laid over
// the built-in table, with round numbers so each expectation is computed here
// by hand from the usage the client itself was given.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, UPSTREAM_KEY, post, startGateway, startMock, stop } from './lib.mjs';
import { startNodeMock, stopAll } from '../mocks/lib.mjs';

const KEYS = { anthropic: 'sk-ant-cost-1111', gemini: 'gm-cost-2222' };
const AWS = { id: 'AKIAROUTEIQCOST00001', secret: 'routeiq/cost/secret/0000000000000000000000' };

// USD per token, chosen so that sums are exact in binary-friendly steps.
const PRICES = {
  'gpt-cost': { litellm_provider: 'openai', input_cost_per_token: 1e-6, output_cost_per_token: 4e-6, cache_read_input_token_cost: 5e-7 },
  'claude-sonnet-4-5': {
    litellm_provider: 'anthropic',
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
    cache_read_input_token_cost: 3e-7,
    cache_creation_input_token_cost: 3.75e-6,
  },
  'gemini/gemini-2.5-flash': { litellm_provider: 'gemini', input_cost_per_token: 3e-7, output_cost_per_token: 2.5e-6 },
  'anthropic.claude-sonnet-4-5-v1:0': { litellm_provider: 'bedrock', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 },
};

function priceFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'routeiq-cost-')), 'prices.json');
  writeFileSync(path, JSON.stringify(PRICES));
  return path;
}

function config(m, prices) {
  return `model_list:
  - model_name: openai
    litellm_params: {model: openai/gpt-cost, api_base: "${m.openai.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: own-price
    litellm_params: {model: openai/gpt-cost, api_base: "${m.openai.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {input_cost_per_token: 2e-6, output_cost_per_token: 8e-6}
  - model_name: unpriced
    litellm_params: {model: openai/no-such-price, api_base: "${m.openai.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: anthropic
    litellm_params: {model: anthropic/claude-sonnet-4-5, api_base: "${m.anthropic.base}", api_key: ${KEYS.anthropic}}
  - model_name: gemini
    litellm_params: {model: gemini/gemini-2.5-flash, api_base: "${m.gemini.base}", api_key: ${KEYS.gemini}}
  - model_name: bedrock
    litellm_params: {model: bedrock/us.anthropic.claude-sonnet-4-5-v1:0, api_base: "${m.bedrock.base}",
                     aws_region_name: us-east-1, aws_access_key_id: ${AWS.id}, aws_secret_access_key: "${AWS.secret}"}
litellm_settings:
  model_cost_map: "${prices}"
general_settings:
  master_key: ${MASTER_KEY}
`;
}

// The cost of an OpenAI-shaped usage at `p`, as LiteLLM computes it.
function expectedCost(p, usage) {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  const read = usage.cache_read_input_tokens ?? cached;
  const plain = usage.prompt_tokens - read - written;
  return (
    plain * p.input_cost_per_token +
    read * (p.cache_read_input_token_cost ?? p.input_cost_per_token) +
    written * (p.cache_creation_input_token_cost ?? p.input_cost_per_token) +
    usage.completion_tokens * p.output_cost_per_token
  );
}

function assertCost(header, expected) {
  assert.ok(header !== null && header !== undefined, 'x-litellm-response-cost is sent');
  assert.ok(Math.abs(Number(header) - expected) <= 1e-12 + expected * 1e-9, `cost ${header}, expected ${expected}`);
  assert.ok(expected > 0);
}

// A streamed chat through node:http, which exposes trailers (fetch does not).
function streamWithTrailers(gw, body) {
  const url = new URL(`${gw.url}/v1/chat/completions`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, trailers: res.trailers, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function lastUsage(sse) {
  let usage = null;
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const event = JSON.parse(line.slice(6));
    if (event.usage) usage = event.usage;
  }
  return usage;
}

const messages = [{ role: 'user', content: 'What does a gateway cost per request?' }];

describe('x-litellm-response-cost', () => {
  const m = {};
  let gw;
  before(async () => {
    m.openai = await startMock('cost', ['--api-key', UPSTREAM_KEY]);
    m.anthropic = await startNodeMock('anthropic', { api_key: KEYS.anthropic });
    m.gemini = await startNodeMock('gemini', { api_key: KEYS.gemini });
    m.bedrock = await startNodeMock('bedrock', { access_key_id: AWS.id, secret_access_key: AWS.secret });
    gw = await startGateway(config(m, priceFile()));
  });
  after(async () => {
    await stop(gw, m.openai);
    stopAll(m.anthropic, m.gemini, m.bedrock);
  });

  const priceOf = {
    openai: PRICES['gpt-cost'],
    anthropic: PRICES['claude-sonnet-4-5'],
    gemini: PRICES['gemini/gemini-2.5-flash'],
    bedrock: PRICES['anthropic.claude-sonnet-4-5-v1:0'],
  };
  for (const group of Object.keys(priceOf)) {
    test(`${group}: a whole answer costs its usage at the table's prices`, async () => {
      const r = await post(gw, '/v1/chat/completions', { model: group, messages, max_tokens: 40 });
      assert.equal(r.status, 200);
      const body = await r.json();
      assertCost(r.headers.get('x-litellm-response-cost'), expectedCost(priceOf[group], body.usage));
    });

    test(`${group}: a stream's cost follows its last chunk as a trailer`, async () => {
      const r = await streamWithTrailers(gw, { model: group, messages, stream: true, stream_options: { include_usage: true } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-litellm-response-cost'], undefined, 'unknown when the headers go');
      assert.equal(r.headers.trailer, 'x-litellm-response-cost');
      const usage = lastUsage(r.text);
      assert.ok(usage, 'the stream reports its usage');
      assertCost(r.trailers['x-litellm-response-cost'], expectedCost(priceOf[group], usage));
    });
  }

  test('anthropic: cache writes and reads are priced apart from plain input', async () => {
    const system = 'A long and stable system prompt about cost accounting. '.repeat(30);
    const body = {
      model: 'anthropic',
      max_tokens: 30,
      messages: [
        { role: 'system', content: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'Hello' },
      ],
    };
    const first = await post(gw, '/v1/chat/completions', body);
    const firstBody = await first.json();
    const second = await post(gw, '/v1/chat/completions', body);
    const secondBody = await second.json();
    assert.ok(firstBody.usage.cache_creation_input_tokens > 100, 'the first call writes the cache');
    assert.ok(secondBody.usage.cache_read_input_tokens > 100, 'the second reads it');
    const p = priceOf.anthropic;
    assertCost(first.headers.get('x-litellm-response-cost'), expectedCost(p, firstBody.usage));
    assertCost(second.headers.get('x-litellm-response-cost'), expectedCost(p, secondBody.usage));
    assert.ok(Number(second.headers.get('x-litellm-response-cost')) < Number(first.headers.get('x-litellm-response-cost')), 'a cache read is cheaper than a write');
  });

  test("a deployment's own model_info prices replace the table's", async () => {
    const r = await post(gw, '/v1/chat/completions', { model: 'own-price', messages });
    const body = await r.json();
    const own = { input_cost_per_token: 2e-6, output_cost_per_token: 8e-6 };
    assertCost(r.headers.get('x-litellm-response-cost'), expectedCost(own, body.usage));
  });

  test('a model with no price gets no cost header rather than a made-up zero', async () => {
    const r = await post(gw, '/v1/chat/completions', { model: 'unpriced', messages });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-response-cost'), null);
  });
});
