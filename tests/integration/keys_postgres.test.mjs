// Virtual keys on PostgreSQL: two gateways share one real PostgreSQL 15 server;
// a key made on one works on the other, a block reaches the other within
// user_api_key_cache_ttl, and when the database is killed under load cached
// keys keep working, uncached keys and management calls get 503, nothing
// crashes, and the gateways reconnect by themselves once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, chatBody, deployment, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

function config(mock, url, extra = '') {
  return `model_list:
${deployment('gpt-4o', mock)}general_settings:
  master_key: ${MASTER_KEY}
  database_url: "${url}"
  database_connection_timeout: 2
  user_api_key_cache_ttl: 2
${extra}`;
}

async function generate(gw, body = {}) {
  const r = await post(gw, '/key/generate', body);
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

const chat = (gw, key) => post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key });

describe('virtual keys on PostgreSQL', () => {
  let pg, mock, a, b, lenient;

  before(async () => {
    pg = await startPostgres();
    mock = await startMock('keys-pg');
    a = await startGateway(config(mock, pg.url));
    b = await startGateway(config(mock, pg.url));
    lenient = await startGateway(config(mock, pg.url, '  allow_requests_on_db_unavailable: true\n'));
  });
  after(async () => {
    await stop(a, b, lenient, mock);
    await pg?.stop();
  });

  test('a key made on one instance works on the other; a block reaches it within the TTL', async () => {
    const { key } = await generate(a, { key_alias: `pg-"it's"-${Date.now()}`, metadata: { note: 'ünï' } });
    assert.equal((await chat(b, key)).status, 200);
    const info = await (await fetch(`${b.url}/key/info?key=${key}`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    assert.equal(info.info.metadata.note, 'ünï');
    assert.equal((await post(a, '/key/block', { key })).status, 200);
    assert.equal((await chat(a, key)).status, 401, 'at once where it was blocked');
    await sleep(2300);
    assert.equal((await chat(b, key)).status, 401, 'within user_api_key_cache_ttl elsewhere');
  });

  test('the database killed under load: cached keys work, others get 503, then all recovers', async () => {
    const cached = (await generate(a)).key;
    const uncached = (await generate(a)).key;
    assert.equal((await chat(a, cached)).status, 200);  // now in a's cache
    let stopLoad = false;
    const statuses = [];
    const load = (async () => {
      while (!stopLoad) statuses.push((await chat(a, cached)).status);
    })();
    await sleep(200);
    await pg.kill();
    await sleep(300);
    const down = await chat(a, uncached);
    assert.equal(down.status, 503);
    assert.equal((await down.json()).error.type, 'api_error');
    const manage = await post(a, '/key/generate', {});
    assert.equal(manage.status, 503);
    assert.equal((await chat(lenient, uncached)).status, 200,
      'allow_requests_on_db_unavailable lets an uncached key through');
    assert.equal((await post(lenient, '/key/generate', {})).status, 503, 'but not a management call');
    assert.equal((await chat(a, cached)).status, 200, 'a cached key needs no database');
    stopLoad = true;
    await load;
    assert.ok(statuses.length > 5, `load ran (${statuses.length} requests)`);
    assert.deepEqual([...new Set(statuses)], [200], 'the cached key never failed under load');
    await pg.start();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await chat(a, uncached)).status;
      if (recovered !== 200) await sleep(200);
    }
    assert.equal(recovered, 200, 'reconnected without a restart');
    assert.equal((await post(a, '/key/generate', {})).status, 200);
    assert.equal(a.child.exitCode, null, 'the gateway is still running');
  });
});
