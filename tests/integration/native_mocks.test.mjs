// The node provider mocks on their own, driven with official libraries where
// there are some (SigV4 signer and event-stream codec of the AWS SDK, node:crypto
// RS256): they must accept what the real APIs accept and refuse what they refuse,
// or the gateway tests built on them prove nothing.
import assert from 'node:assert/strict';
import { generateKeyPairSync, createSign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sseData } from './lib.mjs';
import { awsSign, configure, decodeEventStream, startNodeMock, stats, stopAll } from '../mocks/lib.mjs';

const json = (body) => JSON.stringify(body);
const postJson = (url, body, headers = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : json(body) });

// "event: x\ndata: {...}" blocks -> [{event, data}]
function sseEvents(text) {
  return text
    .split(/\r?\n\r?\n/)
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      return { event, data: JSON.parse(data) };
    });
}

const WEATHER_TOOL_SCHEMA = { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location', 'unit'] };

describe('anthropic mock', () => {
  let mock;
  const headers = { 'x-api-key': 'sk-ant-mock', 'anthropic-version': '2023-06-01' };
  before(async () => {
    mock = await startNodeMock('anthropic', { api_key: 'sk-ant-mock' });
  });
  after(() => stopAll(mock));

  test('a streamed tool call follows the documented event sequence', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: WEATHER_TOOL_SCHEMA }];
    const r = await postJson(
      `${mock.base}/v1/messages`,
      { model: 'claude-mock-1', max_tokens: 200, stream: true, tools, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] },
      headers,
    );
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const events = sseEvents(await r.text());
    for (const e of events) assert.equal(e.event, e.data.type);
    const types = events.map((e) => e.event);
    assert.deepEqual(types.slice(0, 3), ['message_start', 'content_block_start', 'ping']);
    assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
    const json = events.filter((e) => e.data.delta?.type === 'input_json_delta').map((e) => e.data.delta.partial_json);
    assert.ok(json.length > 5, 'input JSON arrives in many pieces');
    assert.equal(json[0], '');
    assert.deepEqual(JSON.parse(json.join('')), { location: 'Paris', unit: 'celsius' });
    const toolStart = events.find((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use');
    assert.equal(toolStart.data.index, 1);
    assert.match(toolStart.data.content_block.id, /^toolu_/);
    assert.equal(events.at(-2).data.delta.stop_reason, 'tool_use');
  });

  test('prompt caching: the first request writes the prefix, the next one reads it', async () => {
    const body = {
      model: 'claude-mock-1',
      max_tokens: 50,
      system: [{ type: 'text', text: 'A long and stable system prompt. '.repeat(20), cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hello' }],
    };
    const first = await (await postJson(`${mock.base}/v1/messages`, body, headers)).json();
    const second = await (await postJson(`${mock.base}/v1/messages`, body, headers)).json();
    assert.ok(first.usage.cache_creation_input_tokens > 100);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.equal(second.usage.input_tokens, first.usage.input_tokens);
  });

  test('requests the real API refuses get its error shape', async () => {
    const cases = [
      [{ model: 'claude-mock-1', messages: [{ role: 'user', content: 'hi' }] }, /max_tokens: Field required/],
      [{ model: 'claude-mock-1', max_tokens: 5, messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }] }, /Unexpected role "system"/],
      [{ model: 'claude-mock-1', max_tokens: 5, messages: [{ role: 'assistant', content: 'hi' }] }, /first message must use the "user" role/],
      [{ model: 'claude-mock-1', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, /Input tag 'image_url'/],
      [{ model: 'claude-mock-1', max_tokens: 5, stream_options: {}, messages: [{ role: 'user', content: 'hi' }] }, /stream_options: Extra inputs are not permitted/],
      [
        {
          model: 'claude-mock-1',
          max_tokens: 5,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
            { role: 'user', content: 'no result' },
          ],
        },
        /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/,
      ],
      [{ model: 'claude-mock-1', max_tokens: 5, tools: [{ type: 'function', function: { name: 'f' } }], messages: [{ role: 'user', content: 'hi' }] }, /tools\.0: Input tag 'function'/],
      [{ model: 'claude-mock-1', max_tokens: 5, tool_choice: 'auto', messages: [{ role: 'user', content: 'hi' }] }, /tool_choice: Input should be a valid dictionary/],
    ];
    for (const [body, message] of cases) {
      const r = await postJson(`${mock.base}/v1/messages`, body, headers);
      assert.equal(r.status, 400, json(body));
      const e = await r.json();
      assert.equal(e.type, 'error');
      assert.equal(e.error.type, 'invalid_request_error');
      assert.match(e.error.message, message);
    }
  });

  test('headers: key and version are required; the key is redacted in the stats', async () => {
    const body = { model: 'claude-mock-1', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    let r = await postJson(`${mock.base}/v1/messages`, body, { 'anthropic-version': '2023-06-01' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.type, 'authentication_error');
    r = await postJson(`${mock.base}/v1/messages`, body, { ...headers, 'x-api-key': 'wrong' });
    assert.equal(r.status, 401);
    r = await postJson(`${mock.base}/v1/messages`, body, { 'x-api-key': 'sk-ant-mock' });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /anthropic-version/);
    r = await postJson(`${mock.base}/v1/messages/count_tokens`, { model: 'claude-mock-1', messages: [{ role: 'user', content: 'x'.repeat(40) }] }, headers);
    assert.deepEqual(await r.json(), { input_tokens: 10 });
    const s = await stats(mock);
    assert.equal(s.last_request.headers['x-api-key'], 'REDACTED...mock');
    assert.ok(!JSON.stringify(s).includes('sk-ant-mock'));
  });
});

describe('gemini and vertex mock', () => {
  let mock;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = 'routeiq-test@mock-project.iam.gserviceaccount.com';
  before(async () => {
    mock = await startNodeMock('gemini', {
      api_key: 'gm-key',
      client_email: email,
      public_key: publicKey.export({ type: 'spki', format: 'pem' }),
      project: 'mock-project',
    });
  });
  after(() => stopAll(mock));

  function assertion(claims = {}, key = privateKey) {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o) => Buffer.from(json(o)).toString('base64url');
    const input = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({
      iss: email,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: `${mock.base}/token`,
      iat: now,
      exp: now + 3600,
      ...claims,
    })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  }
  const tokenRequest = (a) =>
    fetch(`${mock.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: a }),
    });

  test('AI Studio: key in the header or the query; OpenAI fields refused', async () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }], generationConfig: { maxOutputTokens: 50 } };
    let r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:generateContent`, body, { 'x-goog-api-key': 'gm-key' });
    assert.equal(r.status, 200);
    const reply = await r.json();
    assert.equal(reply.candidates[0].content.parts[0].text, 'mock reply from gemini: gemini-2.5-flash');
    assert.equal(reply.candidates[0].finishReason, 'STOP');
    assert.ok(reply.usageMetadata.promptTokenCount > 0);
    r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:generateContent?key=gm-key`, body);
    assert.equal(r.status, 200);
    r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:generateContent?key=bad`, body);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.details[0].reason, 'API_KEY_INVALID');
    r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:generateContent`, body);
    assert.equal(r.status, 403);
    for (const [bad, message] of [
      [{ messages: [{ role: 'user', content: 'hi' }] }, /Unknown name "messages": Cannot find field/],
      [{ ...body, generationConfig: { max_tokens: 5 } }, /Unknown name "max_tokens" at 'generation_config'/],
      [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /valid role: user, model/],
      [{ ...body, tools: [{ type: 'function', function: { name: 'f' } }] }, /Unknown name "type" at 'tools\[0\]'/],
      [
        { ...body, tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', additionalProperties: false } }] }] },
        /Unknown name "additionalProperties"/,
      ],
      [{ contents: [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }, /function response turn comes immediately after a function call turn/],
    ]) {
      r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:generateContent`, bad, { 'x-goog-api-key': 'gm-key' });
      assert.equal(r.status, 400, json(bad));
      const e = (await r.json()).error;
      assert.equal(e.code, 400);
      assert.equal(e.status, 'INVALID_ARGUMENT');
      assert.match(e.message, message);
    }
  });

  test('function calling, streamed as SSE', async () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'What is the weather in Tokyo?' }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: WEATHER_TOOL_SCHEMA }] }],
    };
    const r = await postJson(`${mock.base}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, body, { 'x-goog-api-key': 'gm-key' });
    assert.equal(r.status, 200);
    const chunks = sseData(await r.text());
    const call = chunks.flatMap((c) => c.candidates[0].content.parts).find((p) => p.functionCall);
    assert.deepEqual(call.functionCall, { name: 'get_weather', args: { location: 'Tokyo', unit: 'celsius' } });
    assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
  });

  test('Vertex: token from a signed service-account assertion, then bearer calls', async () => {
    const url = `${mock.base}/v1/projects/mock-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent`;
    const body = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
    let r = await postJson(url, body, { authorization: 'Bearer not-issued' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.status, 'UNAUTHENTICATED');

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const hourAgo = Math.floor(Date.now() / 1000) - 7200;
    for (const [a, description] of [
      [assertion({}, other), /Invalid JWT Signature/],
      [assertion({ aud: 'https://oauth2.googleapis.com/token' }), /audience/],
      [assertion({ iat: hourAgo, exp: hourAgo + 3600 }), /short-lived token/],
      [assertion({ iss: 'someone@else.iam.gserviceaccount.com' }), /account not found/],
    ]) {
      r = await tokenRequest(a);
      assert.equal(r.status, 400);
      const e = await r.json();
      assert.equal(e.error, 'invalid_grant');
      assert.match(e.error_description, description);
    }
    r = await tokenRequest(assertion());
    assert.equal(r.status, 200);
    const token = await r.json();
    assert.equal(token.token_type, 'Bearer');
    assert.ok(token.expires_in > 3000);
    r = await postJson(url, body, { authorization: `Bearer ${token.access_token}` });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).candidates[0].content.parts[0].text, 'mock reply from gemini: gemini-2.5-pro');
    r = await postJson(url.replace('mock-project', 'other-project'), body, { authorization: `Bearer ${token.access_token}` });
    assert.equal(r.status, 403);
    const s = await stats(mock);
    assert.equal(s.tokens_issued, 1);
    assert.ok(!JSON.stringify(s).includes(token.access_token));
  });
});

describe('bedrock mock', () => {
  let mock;
  const creds = { accessKeyId: 'AKIAMOCKTEST00000001', secretAccessKey: 'mock-secret-0123456789' };
  const modelPath = `/model/${encodeURIComponent('us.anthropic.claude-sonnet-4-5-v1:0')}`;
  before(async () => {
    mock = await startNodeMock('bedrock', { access_key_id: creds.accessKeyId, secret_access_key: creds.secretAccessKey, credential_ttl: 2 });
  });
  after(() => stopAll(mock));

  async function converse(body, { credentials = creds, date, path = `${modelPath}/converse`, tamper } = {}) {
    const url = `${mock.base}${path}`;
    const text = json(body);
    const headers = await awsSign({ url, headers: { 'content-type': 'application/json' }, body: text, credentials, date });
    return fetch(url, { method: 'POST', headers, body: tamper ? tamper(text) : text });
  }
  const hello = { messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { maxTokens: 100 } };

  test('a request signed by @smithy/signature-v4 is accepted', async () => {
    const r = await converse(hello);
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.deepEqual(body.output.message.content, [{ text: 'mock reply from bedrock: us.anthropic.claude-sonnet-4-5-v1:0' }]);
    assert.equal(body.stopReason, 'end_turn');
    assert.equal(body.usage.totalTokens, body.usage.inputTokens + body.usage.outputTokens);
  });

  test('wrong secret, changed body or stale date -> 403 like AWS', async () => {
    let r = await converse(hello, { credentials: { ...creds, secretAccessKey: 'wrong' } });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('x-amzn-errortype'), /^InvalidSignatureException/);
    assert.match((await r.json()).message, /The request signature we calculated does not match/);
    r = await converse(hello, { tamper: (t) => t.replace('Hello', 'Hellp') });
    assert.equal(r.status, 403);
    r = await converse(hello, { date: new Date(Date.now() - 6 * 60_000) });
    assert.equal(r.status, 403);
    assert.match((await r.json()).message, /Signature expired/);
    r = await converse(hello, { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('x-amzn-errortype'), /^UnrecognizedClientException/);
    r = await fetch(`${mock.base}${modelPath}/converse`, { method: 'POST', body: json(hello) });
    assert.equal(r.status, 403);
  });

  test('OpenAI-shaped bodies are refused', async () => {
    for (const body of [
      { messages: [{ role: 'user', content: 'Hello' }] },
      { ...hello, max_tokens: 5 },
      { messages: [{ role: 'system', content: [{ text: 'x' }] }] },
      { ...hello, inferenceConfig: { max_tokens: 5 } },
    ]) {
      const r = await converse(body);
      assert.equal(r.status, 400, json(body));
      assert.match(r.headers.get('x-amzn-errortype'), /^ValidationException/);
    }
  });

  test('converse-stream frames decode with @smithy/eventstream-codec; tool input reassembles', async () => {
    const body = {
      messages: [{ role: 'user', content: [{ text: 'What is the weather in Lima?' }] }],
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: WEATHER_TOOL_SCHEMA } } }] },
    };
    const r = await converse(body, { path: `${modelPath}/converse-stream` });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    const messages = decodeEventStream(new Uint8Array(await r.arrayBuffer()));
    const types = messages.map((m) => m.headers[':event-type']);
    assert.equal(types[0], 'messageStart');
    assert.deepEqual(types.slice(-2), ['messageStop', 'metadata']);
    assert.ok(types.includes('contentBlockStart'));
    const input = messages.filter((m) => m.payload.delta?.toolUse).map((m) => m.payload.delta.toolUse.input);
    assert.ok(input.length > 3);
    assert.deepEqual(JSON.parse(input.join('')), { location: 'Lima', unit: 'celsius' });
    assert.equal(messages.at(-2).payload.stopReason, 'tool_use');
    assert.ok(messages.at(-1).payload.usage.outputTokens > 0);
  });

  test('an exception frame on demand', async () => {
    await configure(mock, { stream_exception: 'throttlingException', stream_exception_after: 2 });
    const r = await converse(hello, { path: `${modelPath}/converse-stream` });
    await configure(mock, { stream_exception: '' });
    const messages = decodeEventStream(new Uint8Array(await r.arrayBuffer()));
    const last = messages.at(-1);
    assert.equal(last.headers[':message-type'], 'exception');
    assert.equal(last.headers[':exception-type'], 'throttlingException');
    assert.equal(messages.filter((m) => m.headers[':event-type'] === 'contentBlockDelta').length, 2);
  });

  test('STS, IMDSv2 and ECS hand out credentials the converse endpoint accepts until they expire', async () => {
    const form = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/mock-bedrock-role',
      RoleSessionName: 'routeiq-test',
      WebIdentityToken: 'mock-web-identity-token',
    });
    let r = await fetch(`${mock.base}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(r.status, 200);
    const xml = await r.text();
    const tag = (name) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)[1];
    const fromSts = { accessKeyId: tag('AccessKeyId'), secretAccessKey: tag('SecretAccessKey'), sessionToken: tag('SessionToken') };
    assert.ok(new Date(tag('Expiration')) > new Date());
    assert.equal((await converse(hello, { credentials: fromSts })).status, 200);
    assert.equal((await converse(hello, { credentials: { ...fromSts, sessionToken: 'wrong' } })).status, 403);

    form.set('WebIdentityToken', 'forged');
    r = await fetch(`${mock.base}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>InvalidIdentityToken<\/Code>/);

    assert.equal((await fetch(`${mock.base}/latest/meta-data/iam/security-credentials/`)).status, 401);
    const imdsToken = await (await fetch(`${mock.base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } })).text();
    const auth = { 'x-aws-ec2-metadata-token': imdsToken };
    const role = await (await fetch(`${mock.base}/latest/meta-data/iam/security-credentials/`, { headers: auth })).text();
    const imds = await (await fetch(`${mock.base}/latest/meta-data/iam/security-credentials/${role}`, { headers: auth })).json();
    assert.equal(imds.Code, 'Success');
    const fromImds = { accessKeyId: imds.AccessKeyId, secretAccessKey: imds.SecretAccessKey, sessionToken: imds.Token };
    assert.equal((await converse(hello, { credentials: fromImds })).status, 200);

    const ecs = await (await fetch(`${mock.base}/ecs/credentials`)).json();
    const fromEcs = { accessKeyId: ecs.AccessKeyId, secretAccessKey: ecs.SecretAccessKey, sessionToken: ecs.Token };
    assert.equal((await converse(hello, { credentials: fromEcs })).status, 200);

    await new Promise((res) => setTimeout(res, 2100)); // credential_ttl is 2 s
    r = await converse(hello, { credentials: fromEcs });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('x-amzn-errortype'), /^ExpiredTokenException/);
    const s = await stats(mock);
    assert.deepEqual([s.issued_sts, s.issued_imds, s.issued_ecs], [1, 1, 1]);
    assert.ok(!JSON.stringify(s).includes(fromSts.secretAccessKey));
  });
});

describe('cohere mock', () => {
  let mock;
  const auth = { authorization: 'Bearer co-key' };
  before(async () => {
    mock = await startNodeMock('cohere', { api_key: 'co-key' });
  });
  after(() => stopAll(mock));

  test('chat, auth, and OpenAI-only fields refused', async () => {
    const body = { model: 'command-r-plus', messages: [{ role: 'user', content: 'Hello' }] };
    let r = await postJson(`${mock.base}/v2/chat`, body, auth);
    assert.equal(r.status, 200);
    const reply = await r.json();
    assert.deepEqual(reply.message.content, [{ type: 'text', text: 'mock reply from cohere: command-r-plus' }]);
    assert.equal(reply.finish_reason, 'COMPLETE');
    r = await postJson(`${mock.base}/v2/chat`, body, { authorization: 'Bearer nope' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).message, 'invalid api token');
    for (const bad of [{ ...body, top_p: 0.5 }, { ...body, stream_options: { include_usage: true } }, { ...body, tool_choice: 'auto' }, { ...body, n: 2 }]) {
      r = await postJson(`${mock.base}/v2/chat`, bad, auth);
      assert.equal(r.status, 400, json(bad));
      assert.match((await r.json()).message, /^invalid request: /);
    }
  });

  test('streamed tool call events', async () => {
    const body = {
      model: 'command-r-plus',
      stream: true,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_TOOL_SCHEMA } }],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
    };
    const r = await postJson(`${mock.base}/v2/chat`, body, auth);
    const events = sseEvents(await r.text());
    const types = events.map((e) => e.event);
    assert.equal(types[0], 'message-start');
    assert.equal(types.at(-1), 'message-end');
    assert.ok(types.includes('tool-plan-delta') && types.includes('tool-call-start') && types.includes('tool-call-end'));
    const args = events.filter((e) => e.event === 'tool-call-delta').map((e) => e.data.delta.message.tool_calls.function.arguments);
    assert.deepEqual(JSON.parse(args.join('')), { location: 'Oslo', unit: 'celsius' });
    assert.equal(events.at(-1).data.delta.finish_reason, 'TOOL_CALL');
  });
});

describe('entra id mock', () => {
  let mock;
  before(async () => {
    mock = await startNodeMock('oauth', { tenant_id: 't1', client_id: 'c1', client_secret: 's1' });
  });
  after(() => stopAll(mock));

  const grant = (fields) =>
    fetch(`${mock.base}/t1/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c1', client_secret: 's1', scope: 'https://cognitiveservices.azure.com/.default', ...fields }),
    });

  test('client credentials grant, then the Azure deployment accepts only issued tokens', async () => {
    let r = await grant({ client_secret: 'wrong' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error, 'invalid_client');
    r = await grant({});
    assert.equal(r.status, 200);
    const { access_token: token, token_type: type } = await r.json();
    assert.equal(type, 'Bearer');
    const url = `${mock.base}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`;
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    r = await postJson(url, body, { authorization: 'Bearer forged' });
    assert.equal(r.status, 401);
    r = await postJson(url, body, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'mock reply from azure: gpt-4o');
  });
});
