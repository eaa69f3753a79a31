// Budgets beside a key's own: an organisation's max_budget, a user's budget
// within a team (team_member_budget, max_budget_in_team), a key's
// model_max_budget per model and period, and router_settings'
// provider_budget_config, which skips a provider's deployments once it has
// spent its budget. Prices make each answer's cost its prompt tokens in USD
// (1 USD per prompt token, completions free), so one answer crosses every
// budget below (0.5 USD) and the next request is refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, ok, UPSTREAM_KEY, chatBody, mockStats, post, startGateway, startMock, stop } from './lib.mjs';

const PRICE = 'model_info: {input_cost_per_token: 1, output_cost_per_token: 0}';

function keysConfig(mock, db) {
  return `model_list:
  - model_name: dear
    litellm_params: {model: openai/gpt-dear, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    ${PRICE}
  - model_name: other
    litellm_params: {model: openai/gpt-other, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    ${PRICE}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${db}"
  proxy_batch_write_at: 60
`;
}

// Two providers behind one group; each may spend 0.5 USD a day.
function providersConfig(mock) {
  return `model_list:
  - model_name: multi
    litellm_params: {model: openai/gpt-a, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {id: on-openai, input_cost_per_token: 1, output_cost_per_token: 0}
  - model_name: multi
    litellm_params: {model: groq/gpt-b, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {id: on-groq, input_cost_per_token: 1, output_cost_per_token: 0}
  - model_name: unbudgeted
    litellm_params: {model: hosted_vllm/gpt-c, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {id: on-vllm, input_cost_per_token: 1, output_cost_per_token: 0}
router_settings:
  provider_budget_config:
    openai: {budget_limit: 0.5, time_period: 1d}
    groq: {budget_limit: 0.5, time_period: 1d}
`;
}

const chat = (gw, key, model = 'dear') => post(gw, '/chat/completions', chatBody(model), { key });

async function served(response) {
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return Number(response.headers.get('x-litellm-response-cost'));
}

async function overBudget(response, message) {
  const body = await response.json();
  assert.equal(response.status, 400, JSON.stringify(body));
  assert.equal(body.error.type, 'budget_exceeded');
  assert.match(body.error.message, message);
  return body.error.message;
}

describe('scoped budgets', () => {
  let mock, gw;

  before(async () => {
    mock = await startMock('scoped-up');
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-scoped-'));
    // Batches every minute: refusals come from this instance's unwritten spend.
    gw = await startGateway(keysConfig(mock, join(dir, 'keys.db')));
  });
  after(() => stop(gw, mock));

  test("an organisation's budget refuses its keys, its teams' keys too; other organisations are not limited", async () => {
    const acme = await ok(await post(gw, '/organization/new', { organization_alias: 'acme', max_budget: 0.5 }));
    const other = await ok(await post(gw, '/organization/new', { organization_alias: 'other', max_budget: 0.5 }));
    await ok(await post(gw, '/team/new', { team_id: 'acme-search', organization_id: acme.organization_id }));
    const own = (await ok(await post(gw, '/key/generate', { organization_id: acme.organization_id }))).key;
    const viaTeam = (await ok(await post(gw, '/key/generate', { team_id: 'acme-search' }))).key;
    const elsewhere = (await ok(await post(gw, '/key/generate', { organization_id: other.organization_id }))).key;

    const before = (await mockStats(mock)).chat;
    const cost = await served(await chat(gw, own));
    assert.ok(cost >= 0.5, `one answer crosses the budget: ${cost}`);
    const message = await overBudget(await chat(gw, own), /^Budget has been exceeded! Organization=/);
    assert.equal(message, `Budget has been exceeded! Organization=${acme.organization_id} Current cost: ${cost}, Max budget: 0.5`);
    await overBudget(await chat(gw, viaTeam), new RegExp(`Organization=${acme.organization_id} `));
    assert.equal((await mockStats(mock)).chat - before, 1, 'no provider call once over budget');
    await served(await chat(gw, elsewhere));
  });

  test("a member's budget in a team: the team's default, a member's own max_budget_in_team, and its update", async () => {
    for (const user_id of ['mem-ana', 'mem-bo', 'mem-cy'])
      await ok(await post(gw, '/user/new', { user_id, auto_create_key: false }));
    const team = await ok(await post(gw, '/team/new', { team_id: 'members', team_member_budget: 0.5,
      members_with_roles: [{ role: 'user', user_id: 'mem-ana' }, { role: 'user', user_id: 'mem-cy' }] }));
    assert.equal(team.team_member_budget, undefined, 'kept in a budget row, as LiteLLM does');
    assert.equal(typeof team.metadata.team_member_budget_id, 'string');
    await ok(await post(gw, '/team/member_add', { team_id: 'members', member: { role: 'user', user_id: 'mem-bo' },
      max_budget_in_team: 100 }));
    const ana = (await ok(await post(gw, '/key/generate', { team_id: 'members', user_id: 'mem-ana' }))).key;
    const bo = (await ok(await post(gw, '/key/generate', { team_id: 'members', user_id: 'mem-bo' }))).key;
    const cy = (await ok(await post(gw, '/key/generate', { team_id: 'members', user_id: 'mem-cy' }))).key;

    const cost = await served(await chat(gw, ana));
    const message = await overBudget(await chat(gw, ana), /User=mem-ana in Team=members/);
    assert.equal(message, `Budget has been exceeded! User=mem-ana in Team=members Current cost: ${cost}, Max budget: 0.5`);
    await served(await chat(gw, bo));
    await served(await chat(gw, bo)); // its own budget (100) wins over the team's default

    await served(await chat(gw, cy));
    await overBudget(await chat(gw, cy), /User=mem-cy in Team=members/);
    await ok(await post(gw, '/team/member_update', { team_id: 'members', user_id: 'mem-cy', max_budget_in_team: 50 }));
    const info = await ok(await fetch(`${gw.url}/team/info?team_id=members`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }));
    const cyMember = info.team_info.members_with_roles.find((m) => m.user_id === 'mem-cy');
    assert.equal(cyMember.role, 'user', 'a budget change keeps the role');
    await served(await chat(gw, cy)); // the cached key was dropped with the change: the new budget applies
    const refused = await post(gw, '/team/member_update', { team_id: 'members', user_id: 'mem-cy', max_budget_in_team: -1 });
    assert.equal(refused.status, 400);
  });

  test("model_max_budget refuses a key's model once its spend in the period reaches the budget; other models still served", async () => {
    const key = (await ok(await post(gw, '/key/generate', { key_alias: 'per-model',
      model_max_budget: { dear: { budget_limit: '0.5', time_period: '1d' } } }))).key;
    const token = createHash('sha256').update(key).digest('hex'); // the key's hash names it, never the key
    await served(await chat(gw, key));
    const message = await overBudget(await chat(gw, key), /exceeded budget for model=dear$/);
    assert.equal(message, `LiteLLM Virtual Key: ${token}, key_alias: per-model, exceeded budget for model=dear`);
    await served(await chat(gw, key, 'other'));
    await served(await chat(gw, key, 'other'));
    const another = (await ok(await post(gw, '/key/generate', { model_max_budget: { dear: { budget_limit: 0.5, time_period: '1d' } } }))).key;
    await served(await chat(gw, another)); // windows are per key

    const bad = await post(gw, '/key/generate', { model_max_budget: { dear: { budget_limit: 'lots' } } });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^Invalid model_max_budget: /);
  });
});

describe('provider budgets', () => {
  let mock, gw;

  before(async () => {
    mock = await startMock('provider-up');
    gw = await startGateway(providersConfig(mock));
  });
  after(() => stop(gw, mock));

  test("a provider over its budget is skipped for the other provider's deployment; all over gives LiteLLM's 429", async () => {
    const first = await post(gw, '/chat/completions', chatBody('multi'));
    await served(first);
    const second = await post(gw, '/chat/completions', chatBody('multi'));
    await served(second);
    const firstId = first.headers.get('x-litellm-model-id');
    const secondId = second.headers.get('x-litellm-model-id');
    assert.deepEqual([firstId, secondId].sort(), ['on-groq', 'on-openai'],
      'the provider that spent its budget is skipped');

    const before = (await mockStats(mock)).chat;
    const refused = await post(gw, '/chat/completions', chatBody('multi'));
    const body = await refused.json();
    assert.equal(refused.status, 429, JSON.stringify(body));
    assert.match(body.error.message, /^No deployments available - crossed budget: /);
    assert.match(body.error.message, /Exceeded budget for provider openai: [0-9.e-]+ >= 0\.5/);
    assert.match(body.error.message, /Exceeded budget for provider groq: [0-9.e-]+ >= 0\.5/);
    assert.equal((await mockStats(mock)).chat, before, 'no provider called');

    await served(await post(gw, '/chat/completions', chatBody('unbudgeted')));
    await served(await post(gw, '/chat/completions', chatBody('unbudgeted'))); // no budget: never skipped
  });
});
