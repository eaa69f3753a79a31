// Budgets: a key, team, user or customer whose spend has reached its
// max_budget is refused before any provider is called, with LiteLLM's 400
// "budget_exceeded". The request that crosses the budget is served (its cost
// is only known after it); the next one is refused at once, before the spend
// batch reaches the database, and still after it has (the stored spend).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, ok, UPSTREAM_KEY, chatBody, mockStats, post, sleep, startGateway, startMock, stop } from './lib.mjs';

// Every request costs more than the budgets below: 1 USD per prompt token.
function config(mock, db, batchSeconds) {
  return `model_list:
  - model_name: dear
    litellm_params: {model: openai/gpt-dear, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {input_cost_per_token: 1, output_cost_per_token: 1}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${db}"
  proxy_batch_write_at: ${batchSeconds}
`;
}

const chat = (gw, key, extra = {}) => post(gw, '/chat/completions', chatBody('dear', extra), { key });

async function assertOverBudget(response, who) {
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.error.type, 'budget_exceeded');
  assert.match(body.error.message, /^Budget has been exceeded!/);
  if (who) assert.ok(body.error.message.includes(who), body.error.message);
  assert.match(body.error.message, /Current cost: [0-9.]+, Max budget: 0\.5/);
}

function streamed(gw, key) {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify(chatBody('dear', { stream: true, stream_options: { include_usage: true } })));
  });
}

describe('budgets', () => {
  let mock, gw, slow;

  before(async () => {
    mock = await startMock('budget-up');
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-budget-'));
    gw = await startGateway(config(mock, join(dir, 'fast.db'), 0.2));
    // Batches every minute: refusals there come from this instance's own ledger.
    slow = await startGateway(config(mock, join(dir, 'slow.db'), 60));
  });
  after(() => stop(gw, slow, mock));

  test('the request after the one that crossed a key budget is refused, before and after the write', async () => {
    const key = (await ok(await post(slow, '/key/generate', { max_budget: 0.5 }))).key;
    const before = (await mockStats(mock)).chat;
    assert.equal((await chat(slow, key)).status, 200, 'under budget: served');
    await assertOverBudget(await chat(slow, key));
    await assertOverBudget(await chat(slow, key));
    assert.equal((await mockStats(mock)).chat - before, 1, 'no provider call once over budget');
  });

  test('a budget crossed by a stream refuses the next request; the stored spend keeps refusing', async () => {
    const key = (await ok(await post(gw, '/key/generate', { max_budget: 0.5 }))).key;
    assert.equal(await streamed(gw, key), 200);
    await assertOverBudget(await chat(gw, key));
    await sleep(600);  // the batch is written and the key's row read again
    const info = await ok(await fetch(`${gw.url}/key/info?key=${key}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }));
    assert.ok(info.info.spend >= 0.5, `stored spend ${info.info.spend}`);
    await assertOverBudget(await chat(gw, key));
  });

  test("a team's budget is shared by its keys", async () => {
    await ok(await post(gw, '/team/new', { team_id: 'budget-team', max_budget: 0.5 }));
    const one = (await ok(await post(gw, '/key/generate', { team_id: 'budget-team' }))).key;
    const two = (await ok(await post(gw, '/key/generate', { team_id: 'budget-team' }))).key;
    assert.equal((await chat(gw, one)).status, 200);
    await assertOverBudget(await chat(gw, two), 'Team=budget-team');
  });

  test("a user's budget covers the user's keys", async () => {
    await ok(await post(gw, '/user/new', { user_id: 'budget-user', max_budget: 0.5 }));
    const key = (await ok(await post(gw, '/key/generate', { user_id: 'budget-user' }))).key;
    assert.equal((await chat(gw, key)).status, 200);
    await assertOverBudget(await chat(gw, key), 'User=budget-user');
  });

  test("a customer's budget refuses requests that name the customer", async () => {
    await ok(await post(gw, '/customer/new', { user_id: 'budget-cust', max_budget: 0.5 }));
    const key = (await ok(await post(gw, '/key/generate', {}))).key;
    assert.equal((await chat(gw, key, { user: 'budget-cust' })).status, 200);
    await assertOverBudget(await chat(gw, key, { user: 'budget-cust' }), 'End User=budget-cust');
    assert.equal((await chat(gw, key, { user: 'someone-else' })).status, 200, 'other customers are not limited');
  });

  test('an Anthropic client gets the refusal in its own dialect', async () => {
    const key = (await ok(await post(gw, '/key/generate', { max_budget: 0.5 }))).key;
    const body = { model: 'dear', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await post(gw, '/v1/messages', body, { key })).status, 200);
    const refused = await post(gw, '/v1/messages', body, { key });
    assert.equal(refused.status, 400);
    const json = await refused.json();
    assert.equal(json.type, 'error');
    assert.match(json.error.message, /Budget has been exceeded!/);
  });
});
