// POST /utils/token_counter with the real binary: counts by the model's OpenAI
// tokenizer without calling a provider, model_used from the model group's deployment,
// LiteLLM's answer shape, its 400s and its auth (any valid key). Expected counts come
// from tests/data/tokens/expected.json, the ids the real tiktoken gave.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, REPO_ROOT, UPSTREAM_KEY, mockStats, post, startGateway, startMock, stop } from './lib.mjs';

const FIXTURE = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'data', 'tokens', 'expected.json'), 'utf8'));
const textCase = (text) => FIXTURE.cases.find((c) => c.text === text);
const chatCases = FIXTURE.cases.filter((c) => c.messages);

function config(mock, db) {
  const entry = (group, model) => `  - model_name: ${group}
    litellm_params: {model: ${model}, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}`;
  return `model_list:
${entry('smart', 'openai/gpt-4o')}
${entry('classic', 'openai/gpt-4')}
${entry('team-*', 'openai/gpt-4o-*')}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${db}"
`;
}

async function count(gw, body, opts) {
  const r = await post(gw, '/utils/token_counter', body, opts);
  return { status: r.status, body: await r.json() };
}

describe('/utils/token_counter', () => {
  let mock, gw;

  before(async () => {
    mock = await startMock('tokens-up');
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-tokens-'));
    gw = await startGateway(config(mock, join(dir, 'keys.db')));
  });
  after(() => stop(gw, mock));

  test("a prompt is counted by the group's deployment model, in LiteLLM's shape", async () => {
    const c = textCase('中文分词测试：你好，世界！');
    const r = await count(gw, { model: 'smart', prompt: c.text });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, {
      total_tokens: c.o200k_base.length,
      request_model: 'smart',
      model_used: 'gpt-4o',
      tokenizer_type: 'openai_tokenizer',
      count_source: 'local_estimate',
      original_response: null,
      error: false,
      error_message: null,
      status_code: null,
    });
    const classic = await count(gw, { model: 'classic', prompt: c.text });
    assert.equal(classic.body.total_tokens, c.cl100k_base.length);
    assert.equal(classic.body.model_used, 'gpt-4');
    assert.notEqual(c.cl100k_base.length, c.o200k_base.length, 'the case tells the encodings apart');
  });

  test('messages count 3 per message, 1 per name and 3 for the reply', async () => {
    for (const c of chatCases) {
      const o200k = await count(gw, { model: 'smart', messages: c.messages });
      assert.equal(o200k.status, 200, JSON.stringify(o200k.body));
      assert.equal(o200k.body.total_tokens, c.o200k_base, JSON.stringify(c.messages));
      const cl100k = await count(gw, { model: 'classic', messages: c.messages });
      assert.equal(cl100k.body.total_tokens, c.cl100k_base, JSON.stringify(c.messages));
    }
  });

  test('a model outside the config is counted by its own name', async () => {
    const c = textCase('The quick brown fox jumps over the lazy dog.');
    const unknown = await count(gw, { model: 'some-local-llm', prompt: c.text });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.body.model_used, 'some-local-llm');
    assert.equal(unknown.body.total_tokens, c.cl100k_base.length);  // the default encoding
    const named = await count(gw, { model: 'gpt-4o-mini', prompt: c.text });
    assert.equal(named.body.total_tokens, c.o200k_base.length);
    // A wildcard group substitutes the matched part into the deployment model.
    const wild = await count(gw, { model: 'team-mini', prompt: c.text });
    assert.equal(wild.body.model_used, 'gpt-4o-mini');
    assert.equal(wild.body.request_model, 'team-mini');
  });

  test('the /v1 path answers too, and no provider is called', async () => {
    const r = await post(gw, '/v1/utils/token_counter', { model: 'smart', prompt: 'hello world' });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).total_tokens, textCase('hello world').o200k_base.length);
    assert.equal((await mockStats(mock)).requests, 0);
  });

  test('a bad body is a 400 in the OpenAI dialect', async () => {
    const refused = async (body, says) => {
      const r = await count(gw, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.type, 'invalid_request_error');
      assert.match(r.body.error.message, says);
    };
    await refused({ model: 'smart' }, /prompt or messages or contents must be provided/);
    await refused({ prompt: 'hi' }, /'model' is required/);
    await refused({ model: 'smart', messages: 'hi' }, /'messages' must be a list/);
    await refused({ model: 'smart', prompt: 42 }, /'prompt' must be a string/);
    await refused({ model: 'smart', prompt: 'a', messages: [{ role: 'user', content: 'b' }] },
      /prompt cannot be sent with messages/);
    await refused({ model: 'smart', messages: [{ role: 'user', content: [{ type: 'audio' }] }] },
      /messages\[0\]: Invalid content item type: audio/);
    await refused({ model: 'smart\n', prompt: 'x' }, /control characters/);
    const r = await post(gw, '/utils/token_counter', '{"model": "smart", "prompt": ');
    assert.equal(r.status, 400);
  });

  test('any valid key may count; a key limited to other models may not count for this one', async () => {
    assert.equal((await count(gw, { model: 'smart', prompt: 'x' }, { key: null })).status, 401);
    assert.equal((await count(gw, { model: 'smart', prompt: 'x' }, { key: 'sk-not-a-key' })).status, 401);
    const made = async (body) => (await (await post(gw, '/key/generate', body)).json()).key;
    const plain = await made({});
    const llmOnly = await made({ key_type: 'llm_api' });
    const classicOnly = await made({ models: ['classic'] });
    for (const key of [plain, llmOnly, classicOnly]) {
      const r = await count(gw, { model: 'classic', prompt: 'hello world' }, { key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total_tokens, textCase('hello world').cl100k_base.length);
    }
    const refused = await count(gw, { model: 'smart', prompt: 'x' }, { key: classicOnly });
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
  });
});
