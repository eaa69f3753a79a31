// Rate limits shared by three gateway instances through one real Redis 7
// (password set; each instance configured another way: redis_url,
// redis_host/port/password, REDIS_* variables). A key's rpm and tpm hold for
// the fleet as a whole; with Redis gone every instance keeps serving, counting
// alone at its share of the limit (ROUTEIQ_INSTANCES), and sharing resumes
// when Redis is back.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, chatBody, deployment, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startRedis } from './redis.mjs';

const PASSWORD = 'redis-secret-4321';

function config(mock, db, redisSettings) {
  return `model_list:
${deployment('gpt-4o', mock)}
router_settings:
${redisSettings}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${db}"
`;
}

async function keyWith(gw, body) {
  const r = await post(gw, '/key/generate', body);
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json.key;
}

// Sends `n` requests with `key`, round robin over the gateways, one at a time.
async function statuses(gateways, key, n, body = chatBody('gpt-4o')) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await post(gateways[i % gateways.length], '/chat/completions', body, { key });
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}

const count = (list, status) => list.filter((s) => s === status).length;

describe('rate limits shared through Redis', () => {
  let mock, redis, gws, logs;

  before(async () => {
    mock = await startMock('redis-limits-up');
    redis = await startRedis({ password: PASSWORD });
    const db = join(mkdtempSync(join(tmpdir(), 'routeiq-redis-limits-')), 'keys.db');
    const env = { ROUTEIQ_INSTANCES: '3' };
    gws = [
      await startGateway(config(mock, db, `  redis_url: "${redis.url}"`), [], env),
      await startGateway(config(mock, db, `  redis_host: 127.0.0.1\n  redis_port: ${redis.port}\n  redis_password: "${PASSWORD}"`), [], env),
      await startGateway(config(mock, db, '  routing_strategy: simple-shuffle'), [],
        { ...env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port), REDIS_PASSWORD: PASSWORD }),
    ];
    logs = gws.map(() => '');
    gws.forEach((gw, i) => gw.child.stderr.on('data', (d) => { logs[i] += d; }));
  });
  after(async () => {
    await stop(...gws, mock);
    await redis?.remove();
  });

  test("three instances admit a key's rpm_limit exactly, together", async () => {
    const key = await keyWith(gws[0], { rpm_limit: 6 });
    const got = await statuses(gws, key, 18);
    assert.equal(count(got, 200), 6, `statuses ${got}`);
    assert.equal(count(got, 429), 12, `statuses ${got}`);
    // Six counted in Redis under the key's scope, none left in flight.
    const keys = redis.cli('--scan', '--pattern', 'routeiq:*').split('\n').filter(Boolean);
    assert.ok(keys.length > 0, 'the counters live in Redis');
  });

  test('tpm counted on one instance refuses the next request on another', async () => {
    const key = await keyWith(gws[0], { tpm_limit: 50 });
    const long = { model: 'gpt-4o', messages: [{ role: 'user', content: 'word '.repeat(80) }] };
    const first = await post(gws[0], '/chat/completions', long, { key });
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    const next = await post(gws[1], '/chat/completions', chatBody('gpt-4o'), { key });
    assert.equal(next.status, 429);
    assert.match((await next.json()).error.message, /rate limit type = key/);
  });

  test('the password is in no log line', () => {
    for (const log of logs) assert.ok(!log.includes(PASSWORD));
  });

  test('with Redis down each instance serves at its share of the limit, then sharing resumes', async () => {
    await redis.stop();
    const key = await keyWith(gws[0], { rpm_limit: 6 });
    // rpm 6 over ROUTEIQ_INSTANCES=3: each instance admits 2 on its own.
    const alone = await statuses([gws[0]], key, 4);
    assert.deepEqual(alone, [200, 200, 429, 429]);
    const other = await statuses([gws[1]], key, 3);
    assert.deepEqual(other, [200, 200, 429]);
    assert.equal(logs[0].match(/Redis/gi)?.length > 0, true, 'the outage is logged');

    await redis.start();
    const shared = await keyWith(gws[0], { rpm_limit: 3 });
    let got = [];
    for (let i = 0; i < 40; i++) {
      // Reconnects back off to 2 s; wait until every instance shares again.
      await sleep(250);
      const probe = await keyWith(gws[0], { rpm_limit: 1 });
      const p = await statuses(gws, probe, 3);
      if (count(p, 200) === 1) break;
    }
    got = await statuses(gws, shared, 9);
    assert.equal(count(got, 200), 3, `statuses after Redis returned ${got}`);
  });
});
