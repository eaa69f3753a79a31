// LiteLLM's rate limits on real requests: rpm_limit, tpm_limit and
// max_parallel_requests of keys, teams, users and end users (a customer's
// budget), model_rpm_limit per model group, and a deployment's own rpm (a
// deployment over it is skipped; all of them over: 429). Refusals are 429s in
// the client's dialect with retry-after and x-ratelimit-* headers; admitted
// answers carry the remaining counts. tpm counts the answer's real tokens.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, UPSTREAM_KEY, chatBody, deployment, mockConfig, mockStats, post, startGateway, startMock, stop } from './lib.mjs';

function config(mock, slow, a, b, db) {
  return `model_list:
${deployment('gpt-4o', mock)}
${deployment('gpt-4o-mini', mock)}
${deployment('slow', slow)}
  - model_name: limited
    litellm_params: {model: openai/limited, api_base: "${a.base}/v1", api_key: ${UPSTREAM_KEY}, rpm: 1}
  - model_name: limited
    litellm_params: {model: openai/limited, api_base: "${b.base}/v1", api_key: ${UPSTREAM_KEY}, rpm: 1}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${db}"
`;
}

async function made(response) {
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

async function keyWith(gw, body) {
  return (await made(await post(gw, '/key/generate', body))).key;
}

async function chat(gw, key, model = 'gpt-4o', extra = {}) {
  return post(gw, '/chat/completions', chatBody(model, extra), { key });
}

async function assertRefused(response, scopeKind, kind) {
  assert.equal(response.status, 429);
  const retry = Number(response.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `retry-after ${response.headers.get('retry-after')}`);
  const body = await response.json();
  assert.equal(body.error.type, 'rate_limit_error');
  assert.match(body.error.message, new RegExp(`rate limit type = ${scopeKind}\\b`));
  assert.match(body.error.message, /Crossed TPM \/ RPM \/ Max Parallel Request Limit/);
  if (kind) assert.ok(body.error.message.includes(`current ${kind}`), body.error.message);
  return body;
}

describe('rate limits', () => {
  let mock, slow, a, b, gw;

  before(async () => {
    [mock, slow, a, b] = await Promise.all([
      startMock('limits-up'), startMock('limits-slow'), startMock('limits-a'), startMock('limits-b'),
    ]);
    const db = join(mkdtempSync(join(tmpdir(), 'routeiq-limits-')), 'limits.db');
    gw = await startGateway(config(mock, slow, a, b, db));
  });
  after(() => stop(gw, mock, slow, a, b));

  test('a key over its rpm_limit gets a 429 with retry-after and x-ratelimit headers', async () => {
    const key = await keyWith(gw, { rpm_limit: 2 });
    const first = await chat(gw, key);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
    const second = await chat(gw, key);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');
    const third = await chat(gw, key);
    assert.equal(third.headers.get('x-ratelimit-limit-requests'), '2');
    assert.equal(third.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.ok(third.headers.get('x-litellm-call-id'));
    await assertRefused(third, 'key', 'rpm: 3');
    // Another key and the master key are not limited by it.
    assert.equal((await chat(gw, await keyWith(gw, {}))).status, 200);
    assert.equal((await chat(gw, MASTER_KEY)).status, 200);
  });

  test('an Anthropic client gets the refusal in its own dialect', async () => {
    const key = await keyWith(gw, { rpm_limit: 1 });
    const body = { model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await post(gw, '/v1/messages', body, { key })).status, 200);
    const refused = await post(gw, '/v1/messages', body, { key });
    assert.equal(refused.status, 429);
    const json = await refused.json();
    assert.equal(json.type, 'error');
    assert.equal(json.error.type, 'rate_limit_error');
    assert.match(json.error.message, /rate limit type = key/);
  });

  test('tpm_limit counts the real tokens of each answer', async () => {
    // The mock bills a prompt at a token per 4 characters: 400 characters, 100 tokens.
    const long = 'word '.repeat(80);
    const key = await keyWith(gw, { tpm_limit: 50 });
    const first = await post(gw, '/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: long }] }, { key });
    const usage = (await made(first)).usage;
    assert.ok(usage.prompt_tokens >= 100, JSON.stringify(usage));
    const refused = await chat(gw, key);
    assert.equal(refused.headers.get('x-ratelimit-limit-tokens'), '50');
    await assertRefused(refused, 'key', 'tpm');
  });

  test('a generous max_tokens estimate is replaced by the real count after the answer', async () => {
    // Reserved before the call: the prompt and max_tokens (5000). Settled: a few tokens.
    const key = await keyWith(gw, { tpm_limit: 1000 });
    assert.equal((await chat(gw, key, 'gpt-4o', { max_tokens: 5000 })).status, 200);
    const next = await chat(gw, key);
    assert.equal(next.status, 200, 'the estimate no longer counts once the answer is in');
    const remaining = Number(next.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(remaining > 900 && remaining < 1000, `remaining tokens ${remaining}`);
  });

  test('max_parallel_requests refuses a request while another is in flight', async () => {
    await mockConfig(slow, { latency_ms: 400 });
    const key = await keyWith(gw, { max_parallel_requests: 1 });
    const [x, y] = await Promise.all([chat(gw, key, 'slow'), chat(gw, key, 'slow')]);
    const statuses = [x.status, y.status].sort();
    assert.deepEqual(statuses, [200, 429]);
    await assertRefused(x.status === 429 ? x : y, 'key', 'max_parallel_requests');
    // Once the first is over, the slot is free again.
    assert.equal((await chat(gw, key, 'slow')).status, 200);
    await mockConfig(slow, { latency_ms: 0 });
  });

  test("a team's rpm_limit is shared by all its keys", async () => {
    await made(await post(gw, '/team/new', { team_id: 'limited-team', rpm_limit: 1 }));
    const one = await keyWith(gw, { team_id: 'limited-team' });
    const two = await keyWith(gw, { team_id: 'limited-team' });
    assert.equal((await chat(gw, one)).status, 200);
    await assertRefused(await chat(gw, two), 'team');
  });

  test("a user's rpm_limit is shared by all the user's keys", async () => {
    await made(await post(gw, '/user/new', { user_id: 'limited-user', rpm_limit: 1 }));
    const one = await keyWith(gw, { user_id: 'limited-user' });
    const two = await keyWith(gw, { user_id: 'limited-user' });
    assert.equal((await chat(gw, one)).status, 200);
    await assertRefused(await chat(gw, two), 'user');
  });

  test('model_rpm_limit limits one model group of a key, not the others', async () => {
    const key = await keyWith(gw, { model_rpm_limit: { 'gpt-4o': 1 } });
    assert.equal((await chat(gw, key, 'gpt-4o')).status, 200);
    await assertRefused(await chat(gw, key, 'gpt-4o'), 'model_per_key');
    assert.equal((await chat(gw, key, 'gpt-4o-mini')).status, 200);
  });

  test("an end user's budget rpm_limit limits requests naming that user", async () => {
    await made(await post(gw, '/customer/new', { user_id: 'cust-limited', rpm_limit: 1 }));
    const key = await keyWith(gw, {});
    assert.equal((await chat(gw, key, 'gpt-4o', { user: 'cust-limited' })).status, 200);
    await assertRefused(await chat(gw, key, 'gpt-4o', { user: 'cust-limited' }), 'end_user');
    assert.equal((await chat(gw, key, 'gpt-4o', { user: 'someone-else' })).status, 200);
  });

  test('a deployment over its rpm is skipped; all of them over is a 429', async () => {
    const before = [(await mockStats(a)).requests ?? 0, (await mockStats(b)).requests ?? 0];
    assert.equal((await chat(gw, MASTER_KEY, 'limited')).status, 200);
    assert.equal((await chat(gw, MASTER_KEY, 'limited')).status, 200);
    const after = [(await mockStats(a)).requests ?? 0, (await mockStats(b)).requests ?? 0];
    assert.deepEqual([after[0] - before[0], after[1] - before[1]], [1, 1], 'one call to each deployment');
    const refused = await chat(gw, MASTER_KEY, 'limited');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '60');
    const body = await refused.json();
    assert.match(body.error.message, /No deployments available for selected model/);
    assert.match(body.error.message, /limited/);
  });
});
