// The mock upstream itself: every other integration test and the benchmarks
// rely on it behaving like OpenAI, so its contract is checked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const BIN = process.env.MOCK_PROVIDER_BIN;
const STARTUP_TIMEOUT_MS = 5000;
// Every test ends on its own well before this; a hang fails instead of blocking the suite.
const BOUNDED = { timeout: 20000 };

// Starts the binary on an ephemeral port; resolves once it printed its address.
function startMock(args = []) {
  if (!BIN) throw new Error('MOCK_PROVIDER_BIN is not set');
  const child = spawn(BIN, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('mock-provider did not print its port'));
    }, STARTUP_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`mock-provider exited early: ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const match = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
      if (!match) return reject(new Error(`unexpected first line: ${line}`));
      const base = `http://127.0.0.1:${match[1]}`;
      resolve({ base, stop: () => stopChild(child) });
    });
  });
}

function stopChild(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

// Runs `body` against a fresh mock and always stops it.
async function withMock(args, body) {
  const mock = await startMock(args);
  try {
    await body(mock.base);
  } finally {
    await mock.stop();
  }
}

const chatBody = (extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello to the mock provider please' }],
  ...extra,
});

function post(base, path, body, headers = {}) {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
}

async function stats(base) {
  const res = await fetch(`${base}/mock/stats`, { signal: AbortSignal.timeout(5000) });
  return res.json();
}

// Splits an SSE body into the JSON payloads of its data: events.
function sseEvents(text) {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

test('a valid chat request gets a deterministic OpenAI-shaped reply', BOUNDED, async () => {
  await withMock(['--name', 'east-1'], async (base) => {
    const res = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(res.status, 200);
    const reply = await res.json();
    assert.match(reply.id, /^chatcmpl-/);
    assert.equal(reply.object, 'chat.completion');
    assert.equal(reply.model, 'gpt-4o-mini');
    assert.equal(typeof reply.created, 'number');
    assert.equal(reply.choices.length, 1);
    const choice = reply.choices[0];
    assert.equal(choice.index, 0);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.logprobs, null);
    assert.deepEqual(
      { role: choice.message.role, content: choice.message.content },
      { role: 'assistant', content: 'mock reply from east-1: gpt-4o-mini' },
    );
    const { prompt_tokens, completion_tokens, total_tokens } = reply.usage;
    assert.ok(prompt_tokens >= 1);
    assert.equal(total_tokens, prompt_tokens + completion_tokens);

    // Same route without the /v1 prefix, and the same usage for the same prompt.
    const again = await (await post(base, '/chat/completions', chatBody())).json();
    assert.equal(again.choices[0].message.content, 'mock reply from east-1: gpt-4o-mini');
    assert.deepEqual(again.usage, reply.usage);
  });
});

test('streaming sends chunks, a stop chunk, a usage chunk and [DONE]', BOUNDED, async () => {
  await withMock(['--name', 'east-1', '--chunks', '5'], async (base) => {
    const res = await post(
      base,
      '/v1/chat/completions',
      chatBody({ stream: true, stream_options: { include_usage: true } }),
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = sseEvents(await res.text());
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.equal(chunks.length, 5 + 2);
    const content = chunks.slice(0, 5);
    assert.equal(content[0].choices[0].delta.role, 'assistant');
    assert.equal(
      content.map((c) => c.choices[0].delta.content).join(''),
      'mock reply from east-1: gpt-4o-mini',
    );
    for (const c of chunks) {
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.id, chunks[0].id);
      assert.equal(typeof c.mock_sent_ns, 'number');
    }
    assert.equal(chunks[5].choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks[6].choices, []);
    assert.equal(chunks[6].usage.completion_tokens, 5);
    assert.equal(
      chunks[6].usage.total_tokens,
      chunks[6].usage.prompt_tokens + chunks[6].usage.completion_tokens,
    );
    const s = await stats(base);
    assert.equal(s.streams_started, 1);
    assert.equal(s.streams_completed, 1);
  });
});

test('unknown parameters and missing messages are rejected like OpenAI', BOUNDED, async () => {
  await withMock([], async (base) => {
    const unknown = await post(base, '/v1/chat/completions', chatBody({ foo: 1 }));
    assert.equal(unknown.status, 400);
    assert.deepEqual(await unknown.json(), {
      error: {
        message: 'Unrecognized request argument supplied: foo',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });

    const missing = await post(base, '/v1/chat/completions', { model: 'gpt-4o-mini' });
    assert.equal(missing.status, 400);
    const err = (await missing.json()).error;
    assert.equal(err.type, 'invalid_request_error');
    assert.equal(err.param, 'messages');
    assert.match(err.message, /messages/);

    const notJson = await post(base, '/v1/chat/completions', '{not json');
    assert.equal(notJson.status, 400);

    const badRole = await post(base, '/v1/chat/completions', {
      model: 'm',
      messages: [{ role: 'robot', content: 'hi' }],
    });
    assert.equal((await badRole.json()).error.param, 'messages[0].role');

    const toolWithoutId = await post(base, '/v1/chat/completions', {
      model: 'm',
      messages: [{ role: 'tool', content: 'result' }],
    });
    assert.equal((await toolWithoutId.json()).error.param, 'messages[0].tool_call_id');

    const optionsWithoutStream = await post(
      base,
      '/v1/chat/completions',
      chatBody({ stream_options: { include_usage: true } }),
    );
    assert.equal(optionsWithoutStream.status, 400);

    assert.equal((await stats(base)).bad_requests, 6);
  });
});

test('--api-key makes requests without the bearer key fail with 401', BOUNDED, async () => {
  await withMock(['--api-key', 'sk-test-4321'], async (base) => {
    const none = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.type, 'invalid_request_error');

    const wrong = await post(base, '/v1/chat/completions', chatBody(), {
      authorization: 'Bearer sk-wrong-0000',
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, 'invalid_api_key');

    const right = await post(base, '/v1/chat/completions', chatBody(), {
      authorization: 'Bearer sk-test-4321',
      'x-trace-id': 'trace-7',
    });
    assert.equal(right.status, 200);
    await right.json();

    const last = (await stats(base)).last_request;
    assert.equal(last.headers.authorization, 'REDACTED...4321');
    assert.equal(last.headers['x-trace-id'], 'trace-7');
    assert.equal(last.body.model, 'gpt-4o-mini');
  });
});

test('--rate-limit-every 1 answers 429 with Retry-After', BOUNDED, async () => {
  await withMock(['--rate-limit-every', '1', '--retry-after', '3'], async (base) => {
    const res = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal((await res.json()).error.code, 'rate_limit_exceeded');
    assert.equal((await stats(base)).rate_limited, 1);
  });
});

test('POST /mock/config switches injected errors on and off live', BOUNDED, async () => {
  await withMock([], async (base) => {
    const before = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(before.status, 200);
    await before.json();

    const config = await post(base, '/mock/config', { error_rate: 1, error_status: 503 });
    assert.equal(config.status, 200);
    assert.equal((await config.json()).error_status, 503);

    const failing = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(failing.status, 503);
    assert.equal((await failing.json()).error.type, 'server_error');

    const typo = await post(base, '/mock/config', { error_rat: 0 });
    assert.equal(typo.status, 400);
    await typo.json();

    await (await post(base, '/mock/config', { error_rate: 0 })).json();
    const after = await post(base, '/v1/chat/completions', chatBody());
    assert.equal(after.status, 200);
    await after.json();
    assert.equal((await stats(base)).errors_injected, 1);
  });
});

test('/mock/stats counts a stream the client abandoned', BOUNDED, async () => {
  // 20 chunks at 20 per second: the stream lasts about a second.
  await withMock(['--chunks', '20', '--tokens-per-second', '20'], async (base) => {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody({ stream: true })),
      signal: controller.signal,
    });
    const reader = res.body.getReader();
    const first = await reader.read();
    assert.ok(first.value.length > 0);
    controller.abort();
    await reader.read().catch(() => {});

    let s = await stats(base);
    const deadline = Date.now() + 3000;
    while (s.streams_cancelled === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      s = await stats(base);
    }
    assert.equal(s.streams_started, 1);
    assert.equal(s.streams_cancelled, 1);
    assert.equal(s.streams_completed, 0);

    const reset = await post(base, '/mock/reset', {});
    assert.equal(reset.status, 200);
    await reset.json();
    assert.equal((await stats(base)).streams_cancelled, 0);
  });
});

test('embeddings, models and unknown routes', BOUNDED, async () => {
  await withMock(['--name', 'emb'], async (base) => {
    const one = await (await post(base, '/v1/embeddings', { model: 'e', input: 'abc' })).json();
    const two = await (await post(base, '/v1/embeddings', { model: 'e', input: ['abc', 'x'] })).json();
    assert.equal(one.object, 'list');
    assert.equal(two.data.length, 2);
    assert.deepEqual(one.data[0].embedding, two.data[0].embedding);
    assert.notDeepEqual(two.data[0].embedding, two.data[1].embedding);

    const b64 = await (
      await post(base, '/v1/embeddings', { model: 'e', input: 'abc', encoding_format: 'base64' })
    ).json();
    const bytes = Buffer.from(b64.data[0].embedding, 'base64');
    const floats = new Float32Array(new Uint8Array(bytes).buffer);
    // The float list is printed at float32 precision: round it back to compare.
    assert.deepEqual(Array.from(floats), one.data[0].embedding.map(Math.fround));

    const models = await (await fetch(`${base}/v1/models`)).json();
    assert.equal(models.data[0].id, 'emb');

    const unknown = await fetch(`${base}/v1/nope`);
    assert.equal(unknown.status, 404);
    await unknown.json();
    const wrongMethod = await fetch(`${base}/v1/chat/completions`);
    assert.equal(wrongMethod.status, 405);
    await wrongMethod.json();
  });
});

test('Azure deployments need api-key and api-version', BOUNDED, async () => {
  await withMock(['--name', 'az'], async (base) => {
    const path = '/openai/deployments/gpt4-prod/chat/completions';
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    const noKey = await post(base, `${path}?api-version=2024-06-01`, body);
    assert.equal(noKey.status, 401);
    await noKey.json();
    const noVersion = await post(base, path, body, { 'api-key': 'k1' });
    assert.equal(noVersion.status, 404);
    await noVersion.json();
    const ok = await post(base, `${path}?api-version=2024-06-01`, body, { 'api-key': 'k1' });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).choices[0].message.content, 'mock reply from az: gpt4-prod');
  });
});
