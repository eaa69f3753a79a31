// The request record: every answered request, whatever wire format its
// deployment speaks, whole or streamed, passed through or translated, knows the
// tokens it used, the model that answered and whether the answer was complete.
// Spend, limits and metrics are built on it, so it must agree with what the
// client itself was told. Read here from the gateway's per-request debug line.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, UPSTREAM_KEY, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startNodeMock, stopAll } from '../mocks/lib.mjs';

const KEYS = { anthropic: 'sk-ant-rec-1111', gemini: 'gm-rec-2222', cohere: 'co-rec-3333' };
const AWS = { id: 'AKIAROUTEIQRECORD001', secret: 'routeiq/record/secret/000000000000000000' };
const PROJECT = 'record-project';
const EMAIL = 'routeiq-record@record-project.iam.gserviceaccount.com';

function serviceAccountFile(tokenUri, privateKey) {
  const dir = mkdtempSync(join(tmpdir(), 'routeiq-record-'));
  const path = join(dir, 'sa.json');
  writeFileSync(
    path,
    JSON.stringify({
      type: 'service_account',
      project_id: PROJECT,
      private_key_id: 'k1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: EMAIL,
      token_uri: tokenUri,
    }),
  );
  return path;
}

// One group per wire format.
function config(m, accountPath) {
  return `model_list:
  - model_name: openai
    litellm_params: {model: openai/gpt-rec, api_base: "${m.openai.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: azure
    litellm_params: {model: azure/rec-deployment, api_base: "${m.openai.base}", api_key: ${UPSTREAM_KEY}, api_version: "2024-10-21"}
  - model_name: anthropic
    litellm_params: {model: anthropic/claude-sonnet-4-5, api_base: "${m.anthropic.base}", api_key: ${KEYS.anthropic}}
  - model_name: gemini
    litellm_params: {model: gemini/gemini-2.5-flash, api_base: "${m.gemini.base}", api_key: ${KEYS.gemini}}
  - model_name: vertex_ai
    litellm_params: {model: vertex_ai/gemini-2.5-pro, api_base: "${m.gemini.base}", vertex_project: ${PROJECT},
                     vertex_location: us-central1, vertex_credentials: "${accountPath}"}
  - model_name: bedrock
    litellm_params: {model: bedrock/us.anthropic.claude-sonnet-4-5-v1:0, api_base: "${m.bedrock.base}",
                     aws_region_name: us-east-1, aws_access_key_id: ${AWS.id}, aws_secret_access_key: "${AWS.secret}"}
  - model_name: cohere
    litellm_params: {model: cohere_chat/command-r-plus, api_base: "${m.cohere.base}", api_key: ${KEYS.cohere}}
  - model_name: openai-cut
    litellm_params: {model: openai/gpt-cut, api_base: "${m.cut.base}/v1", api_key: ${UPSTREAM_KEY}}
router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`;
}

// The gateway's debug line for one call id, parsed into {key: value}.
async function recordOf(gw, callId) {
  for (let i = 0; i < 100; i++) {
    const line = gw
      .stderr()
      .split('\n')
      .find((l) => l.includes(`request call_id=${callId} `));
    if (line) return Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((x) => [x[1], x[2]]));
    await sleep(20);
  }
  throw new Error(`no record line for ${callId}`);
}

// Usage from an SSE body in either dialect: the last usage seen wins, as a client reads it.
function streamUsage(text) {
  let usage = null;
  let model = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const event = JSON.parse(line.slice(6));
    model = event.model ?? event.message?.model ?? model;
    if (event.usage) usage = { ...usage, ...event.usage };
    if (event.message?.usage) usage = { ...usage, ...event.message.usage };
  }
  return { usage, model };
}

const prompt = [{ role: 'user', content: 'Say hello to the record' }];

describe('the request record on every wire format', () => {
  const m = {};
  let gw;
  before(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    m.openai = await startMock('record', ['--api-key', UPSTREAM_KEY]);
    m.cut = await startMock('record-cut', ['--api-key', UPSTREAM_KEY, '--fail-mid-stream-after', '2']);
    m.anthropic = await startNodeMock('anthropic', { api_key: KEYS.anthropic });
    m.gemini = await startNodeMock('gemini', {
      api_key: KEYS.gemini,
      client_email: EMAIL,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
      project: PROJECT,
    });
    m.bedrock = await startNodeMock('bedrock', { access_key_id: AWS.id, secret_access_key: AWS.secret });
    m.cohere = await startNodeMock('cohere', { api_key: KEYS.cohere });
    const account = serviceAccountFile(`${m.gemini.base}/token`, privateKey);
    gw = await startGateway(config(m, account), [], { ROUTEIQ_LOG_LEVEL: 'debug' });
  });
  after(async () => {
    await stop(gw, m.openai, m.cut);
    stopAll(m.anthropic, m.gemini, m.bedrock, m.cohere);
  });

  for (const group of ['openai', 'azure', 'anthropic', 'gemini', 'vertex_ai', 'bedrock', 'cohere']) {
    test(`${group}: a whole answer's usage and model are recorded as the client saw them`, async () => {
      const r = await post(gw, '/v1/chat/completions', { model: group, messages: prompt, max_tokens: 50 });
      assert.equal(r.status, 200);
      const body = await r.json();
      const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
      assert.equal(rec.status, '200');
      assert.equal(rec.model_group, group);
      assert.equal(rec.complete, 'true');
      assert.equal(rec.stream, 'false');
      assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0);
      assert.equal(Number(rec.prompt_tokens), body.usage.prompt_tokens);
      assert.equal(Number(rec.completion_tokens), body.usage.completion_tokens);
      assert.ok(rec.model.length > 0, 'the answering model is known');
    });

    test(`${group}: a streamed answer's usage is recorded and the stream is complete`, async () => {
      const r = await post(gw, '/v1/chat/completions', {
        model: group,
        messages: prompt,
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(r.status, 200);
      const { usage } = streamUsage(await r.text());
      const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
      assert.equal(rec.stream, 'true');
      assert.equal(rec.complete, 'true');
      assert.ok(usage && usage.completion_tokens > 0, 'the client got usage');
      assert.equal(Number(rec.prompt_tokens), usage.prompt_tokens);
      assert.equal(Number(rec.completion_tokens), usage.completion_tokens);
    });
  }

  test('anthropic through /v1/messages (passed through): usage from the stream events', async () => {
    const r = await post(
      gw,
      '/v1/messages',
      { model: 'anthropic', max_tokens: 50, stream: true, messages: prompt },
      { headers: { 'anthropic-version': '2023-06-01' } },
    );
    assert.equal(r.status, 200);
    const { usage, model } = streamUsage(await r.text());
    const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
    assert.equal(rec.complete, 'true');
    assert.equal(Number(rec.prompt_tokens), usage.input_tokens);
    assert.equal(Number(rec.completion_tokens), usage.output_tokens);
    assert.equal(rec.model, model);
  });

  test('an OpenAI deployment behind /v1/messages (translated): usage recorded', async () => {
    const r = await post(gw, '/v1/messages', { model: 'openai', max_tokens: 50, messages: prompt });
    assert.equal(r.status, 200);
    const body = await r.json();
    const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
    assert.equal(rec.complete, 'true');
    assert.equal(Number(rec.prompt_tokens), body.usage.input_tokens);
    assert.equal(Number(rec.completion_tokens), body.usage.output_tokens);
  });

  test('a pass-through stream cut mid-way is recorded as incomplete', async () => {
    const r = await post(gw, '/v1/chat/completions', { model: 'openai-cut', messages: prompt, stream: true });
    assert.equal(r.status, 200);
    const text = await r.text();
    assert.match(text, /"error"/, 'the client is told the stream broke');
    const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
    assert.equal(rec.complete, 'false');
    assert.equal(rec.stream, 'true');
  });

  test('a refused request is recorded too, with its status', async () => {
    const r = await post(gw, '/v1/chat/completions', { model: 'openai', messages: prompt }, { key: 'sk-wrong' });
    assert.equal(r.status, 401);
    const rec = await recordOf(gw, r.headers.get('x-litellm-call-id'));
    assert.equal(rec.status, '401');
    assert.equal(rec.attempts, '0');
  });
});
