// Budget periods: budget_duration resets (keys, teams, users, customers) by
// the gateway's reset job, kept across restarts; soft budgets and budget
// crossings told once through LiteLLM's webhook; the proxy-wide budget of
// litellm_settings.max_budget. On SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, ok, UPSTREAM_KEY, chatBody, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

// Every request costs more than the budgets below: 1 USD per token.
function config(mock, url, extra = '') {
  return `model_list:
  - model_name: dear
    litellm_params: {model: openai/gpt-dear, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {input_cost_per_token: 1, output_cost_per_token: 1}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "${url}"
  proxy_batch_write_at: 0.2
  proxy_budget_rescheduler_min_time: 0.5
  proxy_budget_rescheduler_max_time: 1
  alerting: ["webhook"]
${extra}`;
}

const get = (gw, path) => fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
const chat = (gw, key, extra = {}) => post(gw, '/chat/completions', chatBody('dear', extra), { key });

async function status(responsePromise) {
  const r = await responsePromise;
  await r.arrayBuffer();
  return r.status;
}

async function assertOverBudget(response, who) {
  const body = await response.json();
  assert.equal(response.status, 400, JSON.stringify(body));
  assert.equal(body.error.type, 'budget_exceeded');
  if (who) assert.ok(body.error.message.includes(who), body.error.message);
}

// Polls `probe` until it returns something truthy.
async function until(probe, what, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function keyInfo(gw, key) {
  return (await ok(await get(gw, `/key/info?key=${key}`))).info;
}

// A key spends past its budget, is refused, and is served again once the
// period ends; the stored row shows the reset.
async function spendRefuseAndReset(gw, key, who, extra = {}) {
  assert.equal(await status(chat(gw, key, extra)), 200, 'under budget: served');
  await assertOverBudget(await chat(gw, key, extra), who);
  await until(async () => (await status(chat(gw, key, extra))) === 200, 'the budget to reset');
}

// A small webhook receiver, as an alerting endpoint would be.
async function startWebhook() {
  const events = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      events.push({ headers: req.headers, body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { events, url: `http://127.0.0.1:${server.address().port}/hook`, close: () => server.close() };
}

function suite(name, makeDatabase) {
  describe(`budget resets on ${name}`, () => {
    const database = makeDatabase();
    let mock, gw, hook, db;

    before(async () => {
      db = await database.start();
      mock = await startMock(`resets-${name}`);
      hook = await startWebhook();
      gw = await startGateway(config(mock, db.url), [], { WEBHOOK_URL: hook.url });
    });
    after(async () => {
      await stop(gw, mock);
      hook?.close();
      await database.stop();
    });

    test('a key with budget_duration is refused, then served again after the reset', async () => {
      const made = await ok(await post(gw, '/key/generate', { max_budget: 0.5, budget_duration: '2s' }));
      const firstReset = Date.parse(made.budget_reset_at);
      assert.ok(firstReset > Date.now() - 1000 && firstReset <= Date.now() + 2000, made.budget_reset_at);
      assert.equal(firstReset % 2000, 0, 'aligned to the next multiple of 2 s');
      assert.equal(await status(chat(gw, made.key)), 200);
      await assertOverBudget(await chat(gw, made.key));
      // The job resets the stored row: spend 0, the next period's reset time.
      const info = await until(async () => {
        const i = await keyInfo(gw, made.key);
        return i.spend === 0 && Date.parse(i.budget_reset_at) > firstReset && i;
      }, 'the stored reset');
      assert.ok(Date.parse(info.budget_reset_at) > Date.now() - 2000);
      assert.equal(await status(chat(gw, made.key)), 200, 'served in the new period');
    });

    test('a reset comes after a restart that missed it', async () => {
      const made = await ok(await post(gw, '/key/generate', { max_budget: 0.5, budget_duration: '3s' }));
      assert.equal(await status(chat(gw, made.key)), 200);
      await assertOverBudget(await chat(gw, made.key));
      await until(async () => (await keyInfo(gw, made.key)).spend >= 0.5, 'the spend to be stored');
      const stored = await keyInfo(gw, made.key);
      await stop(gw);
      await sleep(Math.max(0, Date.parse(stored.budget_reset_at) - Date.now()) + 300);
      gw = await startGateway(config(mock, db.url), [], { WEBHOOK_URL: hook.url });
      const info = await until(async () => {
        const i = await keyInfo(gw, made.key);
        return i.spend === 0 && i;
      }, 'the reset at start');
      assert.ok(Date.parse(info.budget_reset_at) > Date.parse(stored.budget_reset_at));
      assert.equal(await status(chat(gw, made.key)), 200);
    });

    test('team, user and customer budgets reset too', async () => {
      const team = `reset-team-${name}`, user = `reset-user-${name}`, customer = `reset-cust-${name}`;
      await ok(await post(gw, '/team/new', { team_id: team, max_budget: 0.5, budget_duration: '2s' }));
      await ok(await post(gw, '/user/new', { user_id: user, max_budget: 0.5, budget_duration: '2s' }));
      await ok(await post(gw, '/customer/new', { user_id: customer, max_budget: 0.5, budget_duration: '2s' }));
      const teamKey = (await ok(await post(gw, '/key/generate', { team_id: team }))).key;
      const userKey = (await ok(await post(gw, '/key/generate', { user_id: user }))).key;
      const plainKey = (await ok(await post(gw, '/key/generate', {}))).key;
      await spendRefuseAndReset(gw, teamKey, `Team=${team}`);
      await spendRefuseAndReset(gw, userKey, `User=${user}`);
      await spendRefuseAndReset(gw, plainKey, `End User=${customer}`, { user: customer });
      const t = await ok(await get(gw, `/team/info?team_id=${team}`));
      assert.ok(Date.parse(t.team_info.budget_reset_at) > Date.now() - 2000, t.team_info.budget_reset_at);
    });

    test('a soft budget warns once, in the log and through the webhook', async () => {
      const made = await ok(await post(gw, '/key/generate',
        { soft_budget: 0.1, max_budget: 1000, key_alias: `soft-${name}` }));
      const before = hook.events.length;
      assert.equal(await status(chat(gw, made.key)), 200);  // crosses the soft budget
      for (let i = 0; i < 3; i++) assert.equal(await status(chat(gw, made.key)), 200, 'a soft budget refuses nothing');
      const event = await until(() => hook.events.slice(before).find((e) => e.body.key_alias === `soft-${name}`),
        'the webhook');
      assert.equal(event.headers['content-type'], 'application/json');
      const e = event.body;
      assert.equal(e.event, 'soft_budget_crossed');
      assert.equal(e.event_group, 'key');
      assert.equal(e.event_message, 'Key Budget: Soft Budget Crossed');
      assert.equal(e.soft_budget, 0.1);
      assert.equal(e.max_budget, 1000);
      assert.ok(e.spend >= 0.1, `spend ${e.spend}`);
      assert.match(e.token, /^[0-9a-f]{64}$/, 'the key hash, never the key');
      assert.equal(e.token, made.token);
      for (const field of ['user_id', 'team_id', 'customer_id', 'projected_spend'])
        assert.ok(field in e, field);
      await sleep(500);
      const mine = hook.events.filter((x) => x.body.key_alias === `soft-${name}`);
      assert.equal(mine.length, 1, 'once per crossing');
      assert.match(gw.stderr(), new RegExp(`Soft Budget Crossed for key alias=soft-${name}`));
      assert.ok(!gw.stderr().includes(made.key), 'the key is never logged');
    });

    test('crossing max_budget is told as budget_crossed', async () => {
      const made = await ok(await post(gw, '/key/generate', { max_budget: 0.5, key_alias: `max-${name}` }));
      assert.equal(await status(chat(gw, made.key)), 200);
      await assertOverBudget(await chat(gw, made.key));
      await assertOverBudget(await chat(gw, made.key));
      const event = await until(() => hook.events.find((e) => e.body.key_alias === `max-${name}`), 'the webhook');
      assert.equal(event.body.event, 'budget_crossed');
      assert.equal(event.body.event_message, 'Key Budget: Budget Crossed');
      assert.equal(event.body.max_budget, 0.5);
      await sleep(300);
      assert.equal(hook.events.filter((e) => e.body.key_alias === `max-${name}`).length, 1);
    });
  });

  describe(`the proxy-wide budget on ${name}`, () => {
    const database = makeDatabase();
    let mock, gw, db;
    const proxyConfig = () => `${config(mock, db.url)}litellm_settings:
  max_budget: 1
  budget_duration: 3s
`;

    before(async () => {
      db = await database.start();
      mock = await startMock(`proxy-budget-${name}`);
      gw = await startGateway(proxyConfig());
    });
    after(async () => {
      await stop(gw, mock);
      await database.stop();
    });

    test('litellm_settings.max_budget refuses every key once reached, and resets', async () => {
      const one = (await ok(await post(gw, '/key/generate', {}))).key;
      const two = (await ok(await post(gw, '/key/generate', {}))).key;
      // Wait for the start of a period, so the spend below stays in one.
      const row = async () => (await ok(await get(gw, '/user/info?user_id=litellm-proxy-budget'))).user_info;
      const start = Date.parse((await row()).budget_reset_at);
      await sleep(Math.max(0, start - Date.now()) + 100);
      assert.equal(await status(chat(gw, one)), 200);
      await assertOverBudget(await chat(gw, two));
      await assertOverBudget(await post(gw, '/chat/completions', chatBody('dear')));
      const stored = await until(async () => { const r = await row(); return r.spend >= 1 && r; }, 'the proxy spend');
      assert.equal(stored.max_budget, 1);
      // Its state is stored: a restarted gateway still refuses until the reset.
      await stop(gw);
      gw = await startGateway(proxyConfig());
      if (Date.now() < Date.parse(stored.budget_reset_at) - 500) await assertOverBudget(await chat(gw, two));
      await until(async () => (await status(chat(gw, two))) === 200, 'the proxy budget to reset');
    });
  });
}

function sqliteDatabase() {
  return {
    async start() {
      return { url: `sqlite://${join(mkdtempSync(join(tmpdir(), 'routeiq-resets-')), 'routeiq.db')}` };
    },
    async stop() {},
  };
}

function postgresDatabase() {
  let pg;
  return {
    async start() {
      pg = await startPostgres();
      return { url: pg.url };
    },
    async stop() { await pg?.stop(); },
  };
}

suite('SQLite', sqliteDatabase);
suite('PostgreSQL', postgresDatabase);
