// The official `openai` client against the gateway, whose deployments are the
// native provider APIs (Anthropic, Gemini, Vertex AI, Bedrock, Cohere) served by
// the strict node mocks in tests/mocks: what comes back must look like OpenAI's
// answers, whatever the provider's wire format was.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway } from '../integration/lib.mjs';
import { startNodeMock, stats, stopAll } from '../mocks/lib.mjs';

const KEYS = { anthropic: 'sk-ant-upstream-1111', gemini: 'gm-upstream-2222', cohere: 'co-upstream-3333' };
const AWS = { id: 'AKIAROUTEIQTEST00001', secret: 'routeiq/test/secret/0000000000000000000' };
const PROJECT = 'mock-project';
const EMAIL = 'routeiq-e2e@mock-project.iam.gserviceaccount.com';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a place',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location', 'unit'],
      additionalProperties: false,
    },
  },
};

// Each provider: its model group, the model the provider sees, the mock's name.
const PROVIDERS = [
  { group: 'claude', model: 'claude-sonnet-4-5', mock: 'anthropic' },
  { group: 'gemini-flash', model: 'gemini-2.5-flash', mock: 'gemini' },
  { group: 'vertex-pro', model: 'gemini-2.5-pro', mock: 'gemini' },
  { group: 'vertex-inline', model: 'gemini-2.5-pro', mock: 'gemini' },
  { group: 'bedrock-claude', model: 'us.anthropic.claude-sonnet-4-5-v1:0', mock: 'bedrock' },
  { group: 'cohere', model: 'command-r-plus', mock: 'cohere' },
];

function serviceAccount(dir, tokenUri, privateKey, email = EMAIL) {
  const account = {
    type: 'service_account',
    project_id: PROJECT,
    private_key_id: 'k1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: email,
    client_id: '1234567890',
    token_uri: tokenUri,
  };
  const path = join(dir, `sa-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(account, null, 2));
  return { path, json: JSON.stringify(account) };
}

function config(m, files) {
  const entry = (group, params) => `  - model_name: ${group}
    litellm_params:
${Object.entries(params)
  .map(([k, v]) => `      ${k}: ${typeof v === 'string' && v.startsWith('{') ? `'${v}'` : JSON.stringify(v)}`)
  .join('\n')}
`;
  const vertex = (group, credentials) =>
    entry(group, {
      model: 'vertex_ai/gemini-2.5-pro',
      vertex_project: PROJECT,
      vertex_location: 'us-central1',
      vertex_credentials: credentials,
      api_base: m.gemini.base,
    });
  const bedrock = (group, secret) =>
    entry(group, {
      model: 'bedrock/us.anthropic.claude-sonnet-4-5-v1:0',
      aws_region_name: 'us-east-1',
      aws_access_key_id: AWS.id,
      aws_secret_access_key: secret,
      api_base: m.bedrock.base,
    });
  return `model_list:
${entry('claude', { model: 'anthropic/claude-sonnet-4-5', api_key: KEYS.anthropic, api_base: m.anthropic.base })}${entry('claude-badkey', {
    model: 'anthropic/claude-sonnet-4-5',
    api_key: 'sk-ant-wrong',
    api_base: m.anthropic.base,
  })}${entry('gemini-flash', { model: 'gemini/gemini-2.5-flash', api_key: KEYS.gemini, api_base: m.gemini.base })}${entry('gemini-badkey', {
    model: 'gemini/gemini-2.5-flash',
    api_key: 'gm-wrong',
    api_base: m.gemini.base,
  })}${vertex('vertex-pro', files.account.path)}${vertex('vertex-inline', files.account.json)}${vertex('vertex-badkey', files.stranger.path)}${bedrock(
    'bedrock-claude',
    AWS.secret,
  )}${bedrock('bedrock-badsecret', 'not-the-secret')}${entry('cohere', {
    model: 'cohere_chat/command-r-plus',
    api_key: KEYS.cohere,
    api_base: m.cohere.base,
  })}${entry('cohere-badkey', { model: 'cohere/command-r-plus', api_key: 'co-wrong', api_base: m.cohere.base })}router_settings:
  num_retries: 0
general_settings:
  master_key: ${MASTER_KEY}
`;
}

// Stream chunks -> {text, calls: [{id, name, arguments}], finish, usage, chunks}
async function collect(stream) {
  const out = { text: '', calls: [], finish: null, usage: null, chunks: 0 };
  for await (const chunk of stream) {
    out.chunks++;
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    out.text += choice.delta?.content ?? '';
    for (const call of choice.delta?.tool_calls ?? []) {
      const slot = (out.calls[call.index] ??= { id: '', name: '', arguments: '' });
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name += call.function.name;
      slot.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) out.finish = choice.finish_reason;
  }
  return out;
}

describe('official openai client against native provider APIs', () => {
  const m = {};
  let gw;
  let client;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-native-'));
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    m.anthropic = await startNodeMock('anthropic', { api_key: KEYS.anthropic });
    m.gemini = await startNodeMock('gemini', {
      api_key: KEYS.gemini,
      client_email: EMAIL,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
      project: PROJECT,
    });
    m.bedrock = await startNodeMock('bedrock', { access_key_id: AWS.id, secret_access_key: AWS.secret });
    m.cohere = await startNodeMock('cohere', { api_key: KEYS.cohere });
    const tokenUri = `${m.gemini.base}/token`;
    const files = {
      account: serviceAccount(dir, tokenUri, privateKey),
      // An account the token endpoint does not know.
      stranger: serviceAccount(dir, tokenUri, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'stranger@other.iam.gserviceaccount.com'),
    };
    gw = await startGateway(config(m, files));
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 15_000 });
  });
  after(() => stopAll(gw, ...Object.values(m)));

  for (const p of PROVIDERS) {
    describe(p.group, () => {
      const expected = `mock reply from ${p.mock}: ${p.model}`;

      test('chat completion with usage', async () => {
        const r = await client.chat.completions.create({
          model: p.group,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Say hello' },
          ],
          max_tokens: 100,
          temperature: 0.2,
        });
        assert.equal(r.object, 'chat.completion');
        assert.equal(r.choices[0].message.role, 'assistant');
        assert.equal(r.choices[0].message.content, expected);
        assert.equal(r.choices[0].finish_reason, 'stop');
        assert.equal(r.usage.completion_tokens, 5); // one token a word in the mocks
        assert.ok(r.usage.prompt_tokens > 0);
        assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
      });

      test('max_tokens truncates with finish_reason length', async () => {
        const r = await client.chat.completions.create({ model: p.group, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 2 });
        assert.equal(r.choices[0].message.content, expected.split(' ').slice(0, 2).join(' '));
        assert.equal(r.choices[0].finish_reason, 'length');
      });

      test('streaming with usage', async () => {
        const out = await collect(
          await client.chat.completions.create({
            model: p.group,
            messages: [{ role: 'user', content: 'Stream please' }],
            stream: true,
            stream_options: { include_usage: true },
          }),
        );
        assert.equal(out.text, expected);
        assert.ok(out.chunks >= 4, `only ${out.chunks} chunks`);
        assert.equal(out.finish, 'stop');
        assert.equal(out.usage?.completion_tokens, 5);
        assert.ok(out.usage.prompt_tokens > 0);
      });

      test('tool call, then the tool result in the next turn', async () => {
        const question = { role: 'user', content: 'What is the weather in Paris?' };
        const r = await client.chat.completions.create({ model: p.group, messages: [question], tools: [WEATHER_TOOL] });
        const choice = r.choices[0];
        assert.equal(choice.finish_reason, 'tool_calls');
        assert.equal(choice.message.tool_calls.length, 1);
        const call = choice.message.tool_calls[0];
        assert.equal(call.type, 'function');
        assert.ok(call.id.length > 0);
        assert.equal(call.function.name, 'get_weather');
        assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris', unit: 'celsius' });

        const followUp = await client.chat.completions.create({
          model: p.group,
          tools: [WEATHER_TOOL],
          messages: [question, choice.message, { role: 'tool', tool_call_id: call.id, content: '18 degrees and sunny' }],
        });
        const text = followUp.choices[0].message.content;
        assert.match(text, /^tool result received: /);
        assert.match(text, /18 degrees and sunny/);
      });

      test('streamed tool call: id, name and JSON arguments reassembled', async () => {
        const out = await collect(
          await client.chat.completions.create({
            model: p.group,
            messages: [{ role: 'user', content: 'What is the weather in Lima?' }],
            tools: [WEATHER_TOOL],
            tool_choice: 'auto',
            stream: true,
          }),
        );
        assert.equal(out.finish, 'tool_calls');
        assert.equal(out.calls.length, 1);
        assert.ok(out.calls[0].id.length > 0);
        assert.equal(out.calls[0].name, 'get_weather');
        assert.deepEqual(JSON.parse(out.calls[0].arguments), { location: 'Lima', unit: 'celsius' });
      });
    });
  }

  test('Vertex AI: one OAuth token serves many requests', async () => {
    const before = (await stats(m.gemini)).tokens_issued ?? 0;
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'vertex-pro', messages: [{ role: 'user', content: `n${i}` }] });
    const after = (await stats(m.gemini)).tokens_issued;
    assert.ok(after >= 1, 'the gateway got a token from the service account');
    assert.ok(after - before <= 1, `${after - before} token requests for 3 calls`);
  });

  test('upstream requests carry the provider credentials, never the master key', async () => {
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] });
    const s = await stats(m.anthropic);
    assert.equal(s.last_request.target, '/v1/messages');
    assert.equal(s.last_request.headers['x-api-key'], `REDACTED...${KEYS.anthropic.slice(-4)}`);
    assert.ok(s.last_request.headers['anthropic-version']);
    assert.equal(s.last_request.body.model, 'claude-sonnet-4-5');
    const auth = s.last_request.headers.authorization ?? '';
    assert.ok(!auth.endsWith(MASTER_KEY.slice(-4)), 'the client key is not forwarded');
  });

  const credentialErrors = [
    ['claude-badkey', OpenAI.AuthenticationError, 401],
    // Google answers a bad key with 400 API_KEY_INVALID; LiteLLM maps it to 401.
    ['gemini-badkey', OpenAI.AuthenticationError, 401],
    ['vertex-badkey', OpenAI.AuthenticationError, 401],
    ['bedrock-badsecret', OpenAI.PermissionDeniedError, 403],
    ['cohere-badkey', OpenAI.AuthenticationError, 401],
  ];
  for (const [group, errorClass, status] of credentialErrors) {
    test(`wrong credentials: ${group} -> ${errorClass.name}`, async () => {
      const err = await client.chat.completions.create({ model: group, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => null,
        (e) => e,
      );
      assert.ok(err instanceof errorClass, `got ${err?.constructor?.name} ${err?.status}: ${err?.message}`);
      assert.equal(err.status, status);
      for (const secret of [...Object.values(KEYS), AWS.secret, 'not-the-secret', 'sk-ant-wrong', 'gm-wrong', 'co-wrong'])
        assert.ok(!err.message.includes(secret), 'no credential in the error');
    });
  }
});
