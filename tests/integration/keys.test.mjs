// Virtual keys: LiteLLM's /key/* API on the embedded SQLite store, and the
// auth stage that checks them on every request (cache, model access, route
// groups, block, expiry, rotation). Two gateways share one database file to
// show that a change reaches another instance within user_api_key_cache_ttl.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, chatBody, deployment, post, sleep, startGateway, startMock, startProcess, ROUTEIQ_BIN, stop, writeConfig } from './lib.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function config(mock, dbPath, extra = '') {
  return `model_list:
${deployment('gpt-4o', mock)}
${deployment('gpt-4o-mini', mock)}
${deployment('claude-beta', mock, '    model_info: {access_groups: ["beta-models"]}\n')}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${dbPath}"
  user_api_key_cache_ttl: 1
${extra}`;
}

async function get(gw, path, key = MASTER_KEY) {
  return fetch(`${gw.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
}

async function generate(gw, body, key = MASTER_KEY) {
  const r = await post(gw, '/key/generate', body, { key });
  const json = await r.json();
  assert.equal(r.status, 200, JSON.stringify(json));
  return json;
}

describe('virtual keys', () => {
  let mock, gw, other, dir, db;

  before(async () => {
    mock = await startMock('keys-up');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-keys-'));
    db = join(dir, 'keys.db');
    gw = await startGateway(config(mock, db));
    other = await startGateway(config(mock, db));  // a second instance, same database
  });
  after(() => stop(gw, other, mock));

  test('generate answers as LiteLLM does and stores only the hash', async () => {
    assert.equal((await post(gw, '/team/new', { team_id: 'search' })).status, 200);
    const k = await generate(gw, {
      key_alias: 'ci-bot', models: ['gpt-4o-mini'], team_id: 'search', duration: '30d',
      metadata: { owner: 'ana' },
    });
    assert.match(k.key, /^sk-[A-Za-z0-9]{22}$/);
    assert.equal(k.token, sha256(k.key));
    assert.equal(k.token_id, k.token);
    assert.equal(k.key_name, `sk-...${k.key.slice(-4)}`);
    assert.equal(k.key_alias, 'ci-bot');
    assert.deepEqual(k.models, ['gpt-4o-mini']);
    assert.equal(k.team_id, 'search');
    assert.deepEqual(k.metadata, { owner: 'ana' });
    const days = (Date.parse(k.expires) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days < 30.1, k.expires);
    const info = await (await get(gw, `/key/info?key=${k.key}`)).json();
    assert.equal(info.info.token, k.token);
    assert.ok(!JSON.stringify(info.info).includes(k.key), 'the plaintext key is shown once');
  });

  test('bodies are checked field by field', async () => {
    for (const [body, message] of [
      [{ modles: ['x'] }, "Unknown field 'modles'"],
      [{ guardrails: ['pii'] }, "'guardrails' is not supported"],
      [{ models: 'gpt-4o' }, "'models'"],
      [{ duration: 'soon' }, "'duration'"],
      [{ key: 'not-an-sk-key' }, "must start with 'sk-'"],
    ]) {
      const r = await post(gw, '/key/generate', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match((await r.json()).error.message, new RegExp(message.replace(/[()[\]]/g, '\\$&')));
    }
  });

  test('a key calls only its models; /models lists only those', async () => {
    const { key } = await generate(gw, { models: ['gpt-4o-mini'] });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key })).status, 200);
    const refused = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key });
    assert.equal(refused.status, 401);
    const error = (await refused.json()).error;
    assert.equal(error.type, 'auth_error');
    assert.equal(error.code, '401');
    assert.equal(error.param, 'model');
    assert.match(error.message, /key not allowed to access model gpt-4o/);
    const models = await (await get(gw, '/v1/models', key)).json();
    assert.deepEqual(models.data.map((m) => m.id), ['gpt-4o-mini']);
    assert.equal((await get(gw, '/v1/models/gpt-4o', key)).status, 404);
  });

  test('access groups, wildcards and key aliases', async () => {
    const beta = await generate(gw, { models: ['beta-models'] });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('claude-beta'), { key: beta.key })).status, 200);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: beta.key })).status, 401);
    const aliased = await generate(gw, { models: ['gpt-4o-mini'], aliases: { fast: 'gpt-4o-mini' } });
    const r = await post(gw, '/v1/chat/completions', chatBody('fast'), { key: aliased.key });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-model-group'), 'gpt-4o-mini');
    const wild = await generate(gw, { models: ['gpt-4o*'] });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key: wild.key })).status, 200);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('claude-beta'), { key: wild.key })).status, 401);
  });

  test('route groups: virtual keys cannot manage keys; read_only keys cannot call models', async () => {
    const plain = await generate(gw, {});
    const r = await post(gw, '/key/generate', {}, { key: plain.key });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.type, 'auth_error');
    const ro = await generate(gw, { key_type: 'read_only' });
    assert.deepEqual(ro.allowed_routes, ['info_routes']);
    const roChat = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: ro.key });
    assert.equal(roChat.status, 403, "LiteLLM answers a route outside a key's allowed_routes with 403");
    const roError = (await roChat.json()).error;
    assert.equal(roError.type, 'auth_error');
    assert.match(roError.message, /Only allowed to call routes: \[info_routes\]/);
    const own = await get(gw, '/key/info', ro.key);
    assert.equal(own.status, 200);
    assert.equal((await own.json()).info.token, ro.token);
    assert.equal((await get(gw, `/key/info?key=${plain.key}`, ro.key)).status, 403, 'not another key');
    const mgmt = await generate(gw, { key_type: 'management' });
    const made = await post(gw, '/key/generate', { key_alias: 'made-by-mgmt' }, { key: mgmt.key });
    assert.equal(made.status, 200);
    assert.equal((await made.json()).created_by, mgmt.token);
  });

  test('unknown keys get 401 without their hash; the cache forgets them after a generate', async () => {
    const key = 'sk-custom-key-0001';
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key });
    assert.equal(r.status, 401);
    const text = await r.text();
    assert.ok(!text.includes(sha256(key)), 'the hash is not echoed');
    assert.ok(!text.includes(key), 'the key is shown masked');
    await generate(gw, { key });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 200,
      'this instance drops its negative cache entry at once');
  });

  test('update, block and unblock take effect at once here and within the TTL elsewhere', async () => {
    const { key } = await generate(gw, { models: ['gpt-4o'] });
    assert.equal((await post(other, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 200,
      'the other instance reads the shared database');
    const upd = await post(gw, '/key/update', { key, models: ['gpt-4o-mini'] });
    assert.equal(upd.status, 200);
    assert.deepEqual((await upd.json()).models, ['gpt-4o-mini']);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 401);
    const blocked = await post(gw, '/key/block', { key });
    assert.equal((await blocked.json()).blocked, true);
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error.message, /Key is blocked/);
    await sleep(1300);  // user_api_key_cache_ttl: 1
    assert.equal((await post(other, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key })).status, 401,
      'the other instance sees the block after its cache entry expires');
    await post(gw, '/key/unblock', { key });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key })).status, 200);
  });

  test('expired keys are refused', async () => {
    const { key } = await generate(gw, { duration: '1s' });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 200);
    await sleep(1200);
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error.message, /Expired Key/);
  });

  test('delete and regenerate', async () => {
    const a = await generate(gw, { key_alias: 'to-delete' });
    const b = await generate(gw, {});
    const del = await post(gw, '/key/delete', { key_aliases: ['to-delete'] });
    assert.equal(del.status, 200);
    assert.deepEqual((await del.json()).deleted_keys, ['to-delete']);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: a.key })).status, 401);
    assert.equal((await post(gw, '/key/delete', { keys: [a.key] })).status, 404, 'already deleted');
    const re = await post(gw, '/key/regenerate', { key: b.key, models: ['gpt-4o'] });
    const fresh = await re.json();
    assert.equal(re.status, 200, JSON.stringify(fresh));
    assert.notEqual(fresh.key, b.key);
    assert.deepEqual(fresh.models, ['gpt-4o']);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: b.key })).status, 401);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: fresh.key })).status, 200);
  });

  test('list pages and filters on the indexed fields', async () => {
    const team = `team-${Date.now()}`;
    assert.equal((await post(gw, '/team/new', { team_id: team })).status, 200);
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await generate(gw, { team_id: team })).token);
    const page1 = await (await get(gw, `/key/list?team_id=${team}&size=2&page=1`)).json();
    assert.equal(page1.total_count, 3);
    assert.equal(page1.total_pages, 2);
    assert.deepEqual(page1.keys, made.slice(0, 2));
    const page2 = await (await get(gw, `/key/list?team_id=${team}&size=2&page=2&return_full_object=true`)).json();
    assert.equal(page2.keys.length, 1);
    assert.equal(page2.keys[0].token, made[2]);
    assert.equal(page2.keys[0].team_id, team);
    assert.equal((await get(gw, '/key/list?size=0')).status, 400);
  });

  test('hostile values are stored and returned intact; aliases stay unique', async () => {
    const alias = `it's "quoted"; DROP TABLE routeiq_keys; -- ünïcødé ✓ ${Date.now()}`;
    const metadata = { blob: 'x'.repeat(1 << 20), nested: { 'key with \'quotes\'': ['a', 1, null] } };
    const k = await generate(gw, { key_alias: alias, metadata });
    const info = await (await get(gw, `/key/info?key=${encodeURIComponent(k.key)}`)).json();
    assert.equal(info.info.key_alias, alias);
    assert.deepEqual(info.info.metadata, metadata);
    const dup = await post(gw, '/key/generate', { key_alias: alias });
    assert.equal(dup.status, 400);
    assert.match((await dup.json()).error.message, /Unique key aliases/);
    const list = await (await get(gw, `/key/list?key_alias=${encodeURIComponent(alias)}`)).json();
    assert.deepEqual(list.keys, [k.token]);
  });
});

describe('teams', () => {
  let mock, gw, dir;

  before(async () => {
    mock = await startMock('teams-up');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-teams-'));
    gw = await startGateway(config(mock, join(dir, 'teams.db')));
  });
  after(() => stop(gw, mock));

  async function team(body) {
    const r = await post(gw, '/team/new', body);
    const json = await r.json();
    assert.equal(r.status, 200, JSON.stringify(json));
    return json;
  }

  test('a team made, listed, read with its keys, changed and its members managed', async () => {
    const t = await team({ team_alias: 'search', models: ['gpt-4o-mini'],
      members_with_roles: [{ role: 'admin', user_id: 'ana' }], metadata: { cost_center: 7 } });
    assert.match(t.team_id, /^[0-9a-f-]{36}$/);
    assert.equal(t.team_alias, 'search');
    assert.deepEqual(t.members_with_roles, [{ role: 'admin', user_id: 'ana' }]);
    const { key, token } = await generate(gw, { team_id: t.team_id, models: ['all-team-models'] });
    const info = await (await get(gw, `/team/info?team_id=${t.team_id}`)).json();
    assert.equal(info.team_info.team_alias, 'search');
    assert.deepEqual(info.keys.map((k) => k.token), [token]);
    const list = await (await get(gw, '/team/list')).json();
    assert.ok(Array.isArray(list), 'LiteLLM answers /team/list with an array');
    assert.ok(list.some((x) => x.team_id === t.team_id));
    const added = await (await post(gw, '/team/member_add', { team_id: t.team_id,
      member: [{ role: 'user', user_id: 'bo' }, { role: 'admin', user_id: 'ana' }] })).json();
    assert.deepEqual(added.members_with_roles.map((m) => m.user_id), ['ana', 'bo']);
    const updated = await (await post(gw, '/team/member_update', { team_id: t.team_id, user_id: 'bo', role: 'admin' })).json();
    assert.equal(updated.members_with_roles[1].role, 'admin');
    const removed = await (await post(gw, '/team/member_delete', { team_id: t.team_id, user_id: 'ana' })).json();
    assert.deepEqual(removed.members_with_roles.map((m) => m.user_id), ['bo']);
    assert.equal((await post(gw, '/team/member_delete', { team_id: t.team_id, user_id: 'zed' })).status, 404);
    assert.equal((await get(gw, '/team/info', key)).status, 200, 'a key reads its own team');
    const other = await team({});
    assert.equal((await get(gw, `/team/info?team_id=${other.team_id}`, key)).status, 403);
  });

  test("the team's models bound its keys; a blocked team blocks its keys at once", async () => {
    const t = await team({ models: ['gpt-4o-mini'] });
    const refused = await post(gw, '/key/generate', { team_id: t.team_id, models: ['gpt-4o'] });
    assert.equal(refused.status, 400);
    assert.match((await refused.json()).error.message, /not one of team/);
    assert.equal((await post(gw, '/key/generate', { team_id: 'no-such-team' })).status, 400);
    const { key } = await generate(gw, { team_id: t.team_id });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key })).status, 200);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 401,
      'a key without its own list gets the team\'s');
    assert.equal((await post(gw, '/team/block', { team_id: t.team_id })).status, 200);
    const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error.message, /Team=.* is blocked/);
    await post(gw, '/team/unblock', { team_id: t.team_id });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key })).status, 200);
    const wider = await post(gw, '/team/update', { team_id: t.team_id, models: ['gpt-4o', 'gpt-4o-mini'] });
    assert.deepEqual((await wider.json()).models, ['gpt-4o', 'gpt-4o-mini']);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 200);
  });

  test('deleting a team deletes its keys; bad bodies are refused', async () => {
    const t = await team({});
    const { key } = await generate(gw, { team_id: t.team_id });
    const del = await (await post(gw, '/team/delete', { team_ids: [t.team_id] })).json();
    assert.deepEqual(del, { deleted_teams: [t.team_id], deleted_keys: 1 });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key })).status, 401);
    assert.equal((await post(gw, '/team/delete', { team_ids: [t.team_id] })).status, 404);
    for (const body of [{ team_member_budget: -5 }, { team_member_rpm_limit: 5 }, { members_with_roles: [{ role: 'owner', user_id: 'x' }] },
      { modles: [] }]) {
      const r = await post(gw, '/team/new', body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal((await post(gw, '/team/new', { team_id: 'fixed-id' })).status, 200);
    assert.equal((await post(gw, '/team/new', { team_id: 'fixed-id' })).status, 400, 'ids are unique');
    const plain = await generate(gw, {});
    assert.equal((await post(gw, '/team/new', {}, { key: plain.key })).status, 401,
      'a plain virtual key cannot make teams');
  });
});

describe('users', () => {
  let mock, gw;

  before(async () => {
    mock = await startMock('users-up');
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-users-'));
    gw = await startGateway(config(mock, join(dir, 'users.db')));
  });
  after(() => stop(gw, mock));

  test('/user/new makes the user and a key for it; info shows its keys and teams', async () => {
    assert.equal((await post(gw, '/team/new', { team_id: 'u-team' })).status, 200);
    const r = await post(gw, '/user/new', { user_id: 'ana', user_email: 'ana@example.com',
      models: ['gpt-4o-mini'], teams: ['u-team'], key_alias: 'ana-key', duration: '1h' });
    const u = await r.json();
    assert.equal(r.status, 200, JSON.stringify(u));
    assert.equal(u.user_id, 'ana');
    assert.equal(u.user_role, 'internal_user', "LiteLLM's default role");
    assert.match(u.key, /^sk-/);
    assert.ok(Date.parse(u.expires) > Date.now());
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key: u.key })).status, 200);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: u.key })).status, 401,
      "the user's models bound its key");
    const info = await (await get(gw, '/user/info?user_id=ana')).json();
    assert.equal(info.user_info.user_email, 'ana@example.com');
    assert.deepEqual(info.keys.map((k) => k.key_alias), ['ana-key']);
    assert.deepEqual(info.teams.map((t) => t.team_id), ['u-team']);
    assert.equal((await get(gw, '/user/info', u.key)).status, 200, 'a key reads its own user');
    assert.equal((await post(gw, '/user/new', { user_id: 'ana' })).status, 400, 'ids are unique');
    const quiet = await (await post(gw, '/user/new', { user_id: 'bo', auto_create_key: false })).json();
    assert.equal(quiet.key, undefined);
    assert.equal((await get(gw, '/user/info?user_id=bo', u.key)).status, 403, "not another user's");
  });

  test('update, list, delete (with the keys), bad bodies', async () => {
    const u = await (await post(gw, '/user/new', { user_id: 'cy', models: [] })).json();
    const up = await (await post(gw, '/user/update', { user_id: 'cy', user_role: 'proxy_admin_viewer' })).json();
    assert.equal(up.user_role, 'proxy_admin_viewer');
    assert.equal((await post(gw, '/user/update', { user_id: 'cy', user_role: 'king' })).status, 400);
    assert.equal((await post(gw, '/user/update', { user_id: 'nobody-here', metadata: {} })).status, 404);
    const page = await (await get(gw, '/user/list?page=1&page_size=2')).json();
    assert.equal(page.page_size, 2);
    assert.ok(page.total >= 3);
    assert.equal(page.users.length, 2);
    const del = await (await post(gw, '/user/delete', { user_ids: ['cy'] })).json();
    assert.deepEqual(del, { deleted_users: ['cy'], deleted_keys: 1 });
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: u.key })).status, 401);
    for (const body of [{ password: 'x' }, { user_rol: 'x' }, { teams: 'a' }])
      assert.equal((await post(gw, '/user/new', body)).status, 400, JSON.stringify(body));
  });
});

describe('virtual keys without a database', () => {
  test('a wrong key leaves no database file behind; a bad database path is a 503', async () => {
    const mock = await startMock('keys-none');
    const dir = mkdtempSync(join(tmpdir(), 'routeiq-nodb-'));
    const yaml = `model_list:\n${deployment('gpt-4o', mock)}general_settings:\n  master_key: ${MASTER_KEY}\n`;
    const gw = await startProcess(ROUTEIQ_BIN, ['serve', '--config', writeConfig(yaml), '--port', '0',
      '--host', '127.0.0.1', '--threads', '1'], { cwd: dir, env: { DATABASE_URL: '' } });
    gw.url = `http://127.0.0.1:${gw.port}`;
    const broken = await startGateway(`model_list:\n${deployment('gpt-4o', mock)}general_settings:
  master_key: ${MASTER_KEY}\n  database_url: "sqlite:///nonexistent-dir/keys.db"\n`);
    try {
      const r = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: 'sk-never-issued' });
      assert.equal(r.status, 401);
      assert.ok(!existsSync(join(dir, 'routeiq.db')), 'no file made for a lookup');
      const made = await post(gw, '/key/generate', {});
      assert.equal(made.status, 200);
      assert.ok(existsSync(join(dir, 'routeiq.db')), './routeiq.db once a key is made');
      const down = await post(broken, '/key/generate', {});
      assert.equal(down.status, 503);
      const error = (await down.json()).error;
      assert.match(error.message, /key database is unavailable/);
      assert.equal((await post(broken, '/v1/chat/completions', chatBody('gpt-4o'))).status, 200,
        'the master key needs no database');
    } finally {
      await stop(gw, broken, mock);
    }
  });
});
