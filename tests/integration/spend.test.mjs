// Spend logs: one row per LLM request, written off the request path in
// batches, with the cost the client was told (x-litellm-response-cost, a
// stream's trailer), added to the key's, team's, user's and customer's spend;
// LiteLLM's spend reports over them; every row written on SIGTERM; and one row
// per request after PostgreSQL goes away under load and comes back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, ok, UPSTREAM_KEY, chatBody, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

function config(mock, db, extra = '') {
  return `model_list:
  - model_name: priced
    litellm_params: {model: openai/gpt-spend, api_base: "${mock.base}/v1", api_key: ${UPSTREAM_KEY}}
    model_info: {id: priced-1, input_cost_per_token: 1e-6, output_cost_per_token: 4e-6}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "${db}"
  proxy_batch_write_at: 0.2
  user_api_key_cache_ttl: 60
${extra}`;
}

async function get(gw, path, key = MASTER_KEY) {
  return fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

// A streamed chat through node:http, so the trailer (the stream's cost) is read.
function streamed(gw, key, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${gw.url}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    }, (res) => {
      let sse = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { sse += d; });
      res.on('end', () => {
        // The content the client assembles from the chunks.
        const text = sse.split('\n').filter((l) => l.startsWith('data: {'))
          .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '').join('');
        resolve({ id: res.headers['x-litellm-call-id'], cost: Number(res.trailers['x-litellm-response-cost']), text });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }));
  });
}

async function rowsOf(gw, apiKey, want, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await ok(await get(gw, `/spend/logs?api_key=${apiKey}`));
    if (rows.length >= want || Date.now() > deadline) return rows;
    await sleep(100);
  }
}

const near = (a, b) => Math.abs(a - b) <= 1e-12 + Math.abs(b) * 1e-9;

describe('spend logs', () => {
  let mock, gw, db, key, sent;

  before(async () => {
    mock = await startMock('spend-up');
    db = `sqlite://${join(mkdtempSync(join(tmpdir(), 'routeiq-spend-')), 'spend.db')}`;
    gw = await startGateway(config(mock, db));
    await ok(await post(gw, '/team/new', { team_id: 'spend-team', team_alias: 'Spend Team' }));
    await ok(await post(gw, '/user/new', { user_id: 'spend-user' }));
    await ok(await post(gw, '/customer/new', { user_id: 'spend-cust' }));
    key = (await ok(await post(gw, '/key/generate', { team_id: 'spend-team', user_id: 'spend-user', key_alias: 'spender', rpm_limit: 6 }))).key;
    sent = [];
    const body = chatBody('priced', { user: 'spend-cust', metadata: { tags: ['prod'] } });
    for (let i = 0; i < 3; i++) {
      const r = await post(gw, '/chat/completions', body, { key });
      const json = await ok(r);
      sent.push({ id: r.headers.get('x-litellm-call-id'), cost: Number(r.headers.get('x-litellm-response-cost')), usage: json.usage });
    }
    for (let i = 0; i < 2; i++) sent.push(await streamed(gw, key, body));
  });
  after(() => stop(gw, mock));

  test('one row per request, with the cost the client was told', async () => {
    const rows = await rowsOf(gw, key, sent.length);
    assert.equal(rows.length, sent.length);
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    for (const s of sent) {
      const row = byId.get(s.id);
      assert.ok(row, `a row for ${s.id}`);
      assert.ok(s.cost > 0);
      assert.ok(near(row.spend, s.cost), `row spend ${row.spend}, told ${s.cost}`);
      assert.equal(row.model_group, 'priced');
      assert.equal(row.model_id, 'priced-1');
      assert.equal(row.custom_llm_provider, 'openai');
      assert.equal(row.team_id, 'spend-team');
      assert.equal(row.user, 'spend-user');
      assert.equal(row.end_user, 'spend-cust');
      assert.equal(row.status, 'success');
      assert.equal(row.call_type, 'acompletion');
      assert.deepEqual(row.request_tags, ['prod']);
      assert.ok(Date.parse(row.endTime) >= Date.parse(row.startTime));
      // LiteLLM's completionStartTime: a stream's first chunk, a whole answer's end.
      const first = Date.parse(row.completionStartTime);
      assert.ok(first >= Date.parse(row.startTime) && first <= Date.parse(row.endTime), JSON.stringify(row));
      if (s.usage) assert.equal(row.completionStartTime, row.endTime);
      // LiteLLM's columns default to {} when nothing is kept.
      assert.deepEqual(row.messages, {}, 'no prompt kept unless store_prompts_in_spend_logs');
      assert.deepEqual(row.response, {});
      if (s.usage) {
        assert.equal(row.prompt_tokens, s.usage.prompt_tokens);
        assert.equal(row.completion_tokens, s.usage.completion_tokens);
        assert.equal(row.total_tokens, s.usage.total_tokens);
      }
      assert.ok(!JSON.stringify(row).includes(key), 'the key itself is never shown');
    }
  });

  test("the spend is added to the key's, team's, user's and customer's", async () => {
    await rowsOf(gw, key, sent.length);
    const total = sent.reduce((a, s) => a + s.cost, 0);
    await sleep(300);
    const keyInfo = await ok(await get(gw, `/key/info?key=${key}`));
    // The key's cached row may be older than the last batch: /key/info reads the store.
    assert.ok(near(keyInfo.info.spend, total), `key spend ${keyInfo.info.spend}, want ${total}`);
    const team = await ok(await get(gw, '/team/info?team_id=spend-team'));
    assert.ok(near(team.team_info.spend, total), `team spend ${team.team_info.spend}`);
    const user = await ok(await get(gw, '/user/info?user_id=spend-user'));
    assert.ok(near(user.user_info.spend, total), `user spend ${user.user_info.spend}`);
    const cust = await ok(await get(gw, '/customer/info?end_user_id=spend-cust'));
    assert.ok(near(cust.spend, total), `customer spend ${cust.spend}`);
  });

  test('reports: tags, models and the global report', async () => {
    await rowsOf(gw, key, sent.length);
    const total = sent.reduce((a, s) => a + s.cost, 0);
    const tags = await ok(await get(gw, '/spend/tags'));
    const prod = tags.find((t) => t.individual_request_tag === 'prod');
    assert.ok(prod, JSON.stringify(tags));
    assert.equal(prod.log_count, sent.length);
    assert.ok(near(prod.total_spend, total));
    const models = await ok(await get(gw, '/global/spend/models?limit=10'));
    const m = models.find((x) => x.model === 'gpt-spend');
    assert.ok(m, JSON.stringify(models));
    assert.ok(near(m.total_spend, total));
    const today = new Date().toISOString().slice(0, 10);
    const report = await ok(await get(gw, `/global/spend/report?start_date=${today}&end_date=${today}&group_by=team`));
    const teams = report.flatMap((day) => day.teams);
    const named = teams.find((t) => t.team_name === 'Spend Team');
    assert.ok(named, JSON.stringify(report));
    assert.ok(near(named.total_spend, total), JSON.stringify(named));
    const bad = await get(gw, '/global/spend/report?start_date=yesterday&end_date=today');
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /does not match format/);
  });

  test('a request refused by a rate limit is logged as a failure', async () => {
    const limited = (await ok(await post(gw, '/key/generate', { rpm_limit: 1 }))).key;
    assert.equal((await post(gw, '/chat/completions', chatBody('priced'), { key: limited })).status, 200);
    const refused = await post(gw, '/chat/completions', chatBody('priced'), { key: limited });
    assert.equal(refused.status, 429);
    const rows = await rowsOf(gw, limited, 2);
    assert.deepEqual(rows.map((r) => r.status).sort(), ['failure', 'success']);
    const failure = rows.find((r) => r.status === 'failure');
    assert.equal(failure.request_id, refused.headers.get('x-litellm-call-id'));
    assert.equal(failure.spend, 0);
  });

  test("a master-key request is logged under the master key's hash", async () => {
    const r = await post(gw, '/chat/completions', chatBody('priced'));
    await ok(r);
    const hash = createHash('sha256').update(MASTER_KEY).digest('hex');
    const rows = await rowsOf(gw, hash, 1);
    const row = rows.find((x) => x.request_id === r.headers.get('x-litellm-call-id'));
    assert.ok(row, JSON.stringify(rows));
    assert.equal(row.api_key, hash);
    assert.ok(!JSON.stringify(row).includes(MASTER_KEY));
  });

  test('spend reports are for admins; /spend/calculate prices a completion', async () => {
    const plain = (await ok(await post(gw, '/key/generate', {}))).key;
    const denied = await get(gw, '/spend/logs', plain);
    assert.equal(denied.status, 401);
    assert.match((await denied.json()).error.message, /Only proxy admin/);
    const calc = await ok(await post(gw, '/spend/calculate', {
      completion_response: { model: 'priced', usage: { prompt_tokens: 1000, completion_tokens: 500 } },
    }));
    assert.ok(near(calc.cost, 1000 * 1e-6 + 500 * 4e-6), JSON.stringify(calc));
  });

  test('SIGTERM writes every row before the gateway exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-spend-term-'));
    const termDb = `sqlite://${join(dir, 'term.db')}`;
    // Batches every 60 s: only the shutdown flush can write these rows.
    const slow = await startGateway(config(mock, termDb).replace('proxy_batch_write_at: 0.2', 'proxy_batch_write_at: 60'));
    const k = (await ok(await post(slow, '/key/generate', {}))).key;
    const n = 25;
    await Promise.all(Array.from({ length: n }, () => post(slow, '/chat/completions', chatBody('priced'), { key: k }).then((r) => r.arrayBuffer())));
    const exited = new Promise((res) => slow.child.once('exit', res));
    slow.child.kill('SIGTERM');
    await exited;
    const again = await startGateway(config(mock, termDb));
    try {
      const rows = await rowsOf(again, k, n, 1000);
      assert.equal(rows.length, n);
    } finally {
      await stop(again);
    }
  });
});

describe('spend logs with store_prompts_in_spend_logs', () => {
  let mock, gw, key;

  before(async () => {
    mock = await startMock('spend-prompts-up');
    const db = `sqlite://${join(mkdtempSync(join(tmpdir(), 'routeiq-prompts-')), 'p.db')}`;
    gw = await startGateway(config(mock, db, '  store_prompts_in_spend_logs: true\n'));
    key = (await ok(await post(gw, '/key/generate', {}))).key;
  });
  after(() => stop(gw, mock));

  test('the messages and the answer are kept, a stream assembled', async () => {
    const body = chatBody('priced', { messages: [{ role: 'user', content: 'keep this prompt' }] });
    const r = await post(gw, '/chat/completions', body, { key });
    const whole = await ok(r);
    const s = await streamed(gw, key, body);
    const rows = await rowsOf(gw, key, 2);
    assert.equal(rows.length, 2);
    const byId = new Map(rows.map((row) => [row.request_id, row]));
    const w = byId.get(r.headers.get('x-litellm-call-id'));
    assert.deepEqual(w.messages, [{ role: 'user', content: 'keep this prompt' }]);
    assert.equal(w.response.id, whole.id);
    assert.equal(w.response.choices[0].message.content, whole.choices[0].message.content);
    const st = byId.get(s.id);
    assert.deepEqual(st.messages, [{ role: 'user', content: 'keep this prompt' }]);
    assert.equal(st.response.object, 'chat.completion');
    assert.ok(s.text.length > 0);
    assert.equal(st.response.choices[0].message.content, s.text);
    assert.ok(st.response.usage.completion_tokens > 0, JSON.stringify(st.response));
  });
});

describe('spend logs on PostgreSQL', () => {
  let pg, mock, gw;

  before(async () => {
    pg = await startPostgres();
    mock = await startMock('spend-pg-up');
    gw = await startGateway(config(mock, pg.url, '  database_connection_timeout: 2\n'));
  });
  after(async () => {
    await stop(gw, mock);
    await pg?.stop();
  });

  test('one row per request after the database goes away under load and comes back', async () => {
    const k = (await ok(await post(gw, '/key/generate', {}))).key;
    let served = 0;
    const load = async (count) => {
      for (let i = 0; i < count; i++) {
        const r = await post(gw, '/chat/completions', chatBody('priced'), { key: k });
        await r.arrayBuffer();
        assert.equal(r.status, 200, 'a cached key keeps working while the database is away');
        served++;
      }
    };
    await load(20);
    await pg.kill();
    await load(40);  // rows journaled: the database is gone
    await pg.start();
    await load(20);
    const rows = await rowsOf(gw, k, served, 20_000);
    assert.equal(rows.length, served);
    assert.equal(new Set(rows.map((r) => r.request_id)).size, served, 'no row twice');
  });
});
