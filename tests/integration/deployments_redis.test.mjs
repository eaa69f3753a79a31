// Deployment health and usage shared by gateway instances through one real
// Redis 7: a deployment one instance cools down (allowed_fails,
// cooldown_time) is skipped by the others for the rest of the cooldown, and a
// deployment's own rpm counts the requests of every instance. With Redis
// gone no request fails (each instance keeps its own cooldowns and counts the
// rpm at its share), and sharing resumes when Redis is back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chatBody, deployment, mockStats, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startRedis } from './redis.mjs';

// flaky answers 500 to everything and is heavy, so a gateway that does not
// know it is cooling down picks it first; steady is the retry's way out.
function config(flaky, steady, redisUrl) {
  const pair = (group) =>
    deployment(group, flaky, '      weight: 1000\n') + deployment(group, steady, '      weight: 1\n');
  return `model_list:
${pair('g')}${pair('g-after')}${pair('g-down')}${deployment('limited', steady, '      rpm: 3\n')}router_settings:
  num_retries: 1
  allowed_fails: 1
  cooldown_time: 60
  redis_url: "${redisUrl}"
`;
}

const flakyCalls = async (flaky) => (await mockStats(flaky)).requests ?? 0;

async function statuses(gateways, group, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await post(gateways[i % gateways.length], '/chat/completions', chatBody(group));
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}

const count = (list, status) => list.filter((s) => s === status).length;

describe('deployment cooldowns and usage shared through Redis', () => {
  let flaky, steady, redis, gws;

  before(async () => {
    flaky = await startMock('flaky', ['--error-rate', '1', '--error-status', '500']);
    steady = await startMock('steady');
    redis = await startRedis();
    const env = { ROUTEIQ_INSTANCES: '3' };
    gws = [];
    for (let i = 0; i < 3; i++) gws.push(await startGateway(config(flaky, steady, redis.url), [], env));
  });
  after(async () => {
    await stop(...gws, flaky, steady);
    await redis?.remove();
  });

  test('a deployment cooled down on one instance is skipped by the others', async () => {
    const start = await flakyCalls(flaky);
    // Two failures exceed allowed_fails=1 on instance 0; the retries answer.
    assert.deepEqual(await statuses([gws[0]], 'g', 2), [200, 200]);
    assert.equal(await flakyCalls(flaky), start + 2);
    await sleep(400);  // the others read the cooldowns every 100 ms
    assert.deepEqual(await statuses([gws[1], gws[2]], 'g', 10), Array(10).fill(200));
    assert.equal(await flakyCalls(flaky), start + 2, 'the other instances never called it');
    const members = redis.cli('zrange', 'routeiq:cooldowns', '0', '-1');
    assert.ok(members.length > 0, 'the cooldown lives in Redis');
  });

  test("a deployment's rpm counts the requests of every instance", async () => {
    const got = await statuses(gws, 'limited', 9);
    assert.equal(count(got, 200), 3, `statuses ${got}`);
    assert.equal(count(got, 429), 6, `statuses ${got}`);
  });

  test('with Redis down no request fails; sharing resumes when it is back', async () => {
    await redis.stop();
    // Instance 0 cools g-down's flaky deployment down alone; the others still
    // call it, fail, retry, and answer.
    const start = await flakyCalls(flaky);
    assert.deepEqual(await statuses([gws[0]], 'g-down', 2), [200, 200]);
    await sleep(400);
    assert.deepEqual(await statuses([gws[1], gws[2]], 'g-down', 6), Array(6).fill(200));
    assert.ok(await flakyCalls(flaky) > start + 2, 'not shared while Redis is down');
    // The deployment rpm: each instance counts alone at its share (3 / 3 = 1).
    assert.deepEqual(await statuses([gws[1]], 'limited', 2), [200, 429]);

    await redis.start();
    await sleep(2500);  // reconnects back off to 2 s
    const before = await flakyCalls(flaky);
    assert.deepEqual(await statuses([gws[0]], 'g-after', 2), [200, 200]);
    assert.equal(await flakyCalls(flaky), before + 2);
    await sleep(400);
    assert.deepEqual(await statuses([gws[1], gws[2]], 'g-after', 10), Array(10).fill(200));
    assert.equal(await flakyCalls(flaky), before + 2, 'shared again after Redis returned');
  });
});
