// Who may call what, as LiteLLM decides it: a virtual key acts with its
// user's role (proxy_admin, proxy_admin_viewer, internal_user,
// internal_user_viewer), its allowed_routes bind every role, a team's admins
// manage the team's keys and members. Also key rotation with a grace period
// and blocked end users (customers), which the auth stages check per request.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, ok, chatBody, deployment, post, sleep, startGateway, startMock, stop } from './lib.mjs';

function config(mock, dbPath) {
  return `model_list:
${deployment('gpt-4o', mock)}
${deployment('gpt-4o-mini', mock)}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${dbPath}"
  user_api_key_cache_ttl: 60
`;
}

async function get(gw, path, key = MASTER_KEY) {
  return fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

async function refused(response, status, pattern) {
  const body = await response.json();
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error.type, 'auth_error');
  assert.equal(body.error.code, String(status));
  if (pattern) assert.match(body.error.message, pattern);
}

// A user with a role, and a key of theirs (made by the master key).
async function userWithKey(gw, user_id, user_role) {
  const made = await ok(await post(gw, '/user/new', { user_id, user_role }));
  assert.equal(made.user_role, user_role);
  return made.key;
}

describe('roles', () => {
  let mock, gw, dir;
  let adminKey, viewerKey, anaKey, boKey, watcherKey;

  before(async () => {
    mock = await startMock('roles-up');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-roles-'));
    gw = await startGateway(config(mock, join(dir, 'roles.db')));
    adminKey = await userWithKey(gw, 'root-admin', 'proxy_admin');
    viewerKey = await userWithKey(gw, 'auditor-1', 'proxy_admin_viewer');
    anaKey = await userWithKey(gw, 'ana-internal', 'internal_user');
    boKey = await userWithKey(gw, 'bo-internal', 'internal_user');
    watcherKey = await userWithKey(gw, 'watcher-01', 'internal_user_viewer');
    await ok(await post(gw, '/team/new', {
      team_id: 'search', members_with_roles: [{ role: 'admin', user_id: 'ana-internal' }],
    }));
    await ok(await post(gw, '/team/new', {
      team_id: 'billing', members_with_roles: [{ role: 'admin', user_id: 'bo-internal' }],
    }));
  });
  after(() => stop(gw, mock));

  test("a proxy_admin user's key manages everything", async () => {
    await ok(await post(gw, '/team/new', { team_id: 'made-by-admin' }, { key: adminKey }));
    const k = await ok(await post(gw, '/key/generate', { user_id: 'bo-internal' }, { key: adminKey }));
    assert.equal(k.user_id, 'bo-internal');
  });

  test('a proxy_admin_viewer reads everything and changes nothing', async () => {
    const all = await ok(await get(gw, '/key/list?size=100', viewerKey));
    assert.ok(all.total_count >= 5, 'every key, not only its own');
    await ok(await get(gw, '/user/info?user_id=ana-internal', viewerKey));
    await refused(await post(gw, '/key/generate', {}, { key: viewerKey }), 403,
      /role= proxy_admin_viewer\. Trying to access: \/key\/generate/);
    await refused(await post(gw, '/team/new', { team_id: 'nope' }, { key: viewerKey }), 403);
    await refused(await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: viewerKey }), 403,
      /not allowed to access this OpenAI routes/);
  });

  test('an internal_user manages only its own keys', async () => {
    const own = await ok(await post(gw, '/key/generate', { key_alias: 'ana-laptop' }, { key: anaKey }));
    assert.equal(own.user_id, 'ana-internal', "a user's key is the user's unless an admin says otherwise");
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: own.key }));
    const forOther = await post(gw, '/key/generate', { user_id: 'bo-internal' }, { key: anaKey });
    await refused(forOther, 403, /only manage keys of its own user/);
    const boOwn = await ok(await post(gw, '/key/generate', {}, { key: boKey }));
    await refused(await post(gw, '/key/update', { key: boOwn.key, models: [] }, { key: anaKey }), 403);
    await refused(await post(gw, '/key/delete', { keys: [boOwn.key] }, { key: anaKey }), 403);
    await refused(await get(gw, `/key/info?key=${boOwn.key}`, anaKey), 403);
    assert.equal((await get(gw, `/key/info?key=${boOwn.key}`, boKey)).status, 200);
    const mine = await ok(await get(gw, '/key/list?return_full_object=true', anaKey));
    assert.ok(mine.keys.length >= 2);
    assert.ok(mine.keys.every((k) => k.user_id === 'ana-internal'), JSON.stringify(mine.keys));
    await ok(await post(gw, '/key/update', { key: own.key, metadata: { laptop: true } }, { key: anaKey }));
    await refused(await post(gw, '/key/update', { key: own.key, user_id: 'bo-internal' }, { key: anaKey }),
      403, /own user/);
    const rotated = await ok(await post(gw, `/key/${own.key}/regenerate`, {}, { key: anaKey }));
    assert.notEqual(rotated.key, own.key);
    await ok(await post(gw, '/key/delete', { keys: [rotated.key] }, { key: anaKey }));
    await refused(await post(gw, '/team/new', { team_id: 'ana-team' }, { key: anaKey }), 401,
      /Only proxy admin can be used.*Your role=internal_user\. Your user_id=ana-in\*+al/);
    await refused(await post(gw, '/key/block', { key: boOwn.key }, { key: anaKey }), 401);
    await refused(await post(gw, '/user/new', { user_id: 'x' }, { key: anaKey }), 401);
  });

  test("an internal_user cannot make keys for another user's team; a team admin can for its own", async () => {
    await refused(await post(gw, '/key/generate', { team_id: 'billing' }, { key: anaKey }), 403,
      /not an admin of team_id=billing/);
    const teamKey = await ok(await post(gw, '/key/generate', { team_id: 'search' }, { key: anaKey }));
    assert.equal(teamKey.team_id, 'search');
    assert.equal(teamKey.user_id, 'ana-internal');
    await refused(await post(gw, '/key/update', { key: teamKey.key, team_id: 'billing' }, { key: anaKey }), 403);
  });

  test("a team admin manages its team's members, and only its team's", async () => {
    const added = await ok(await post(gw, '/team/member_add',
      { team_id: 'search', member: { role: 'user', user_id: 'bo-internal' } }, { key: anaKey }));
    assert.ok(added.members_with_roles.some((m) => m.user_id === 'bo-internal'));
    await refused(await post(gw, '/team/member_add',
      { team_id: 'billing', member: { role: 'user', user_id: 'ana-internal' } }, { key: anaKey }), 403,
      /Only an admin of team_id=billing/);
    await refused(await post(gw, '/team/member_add',
      { team_id: 'search', member: { role: 'admin', user_id: 'watcher-01' } }, { key: boKey }), 403,
      /Only an admin of team_id=search/);
    await ok(await post(gw, '/team/member_delete', { team_id: 'search', user_id: 'bo-internal' }, { key: anaKey }));
  });

  test('an internal_user_viewer reads its own keys and makes none', async () => {
    await refused(await post(gw, '/key/generate', {}, { key: watcherKey }), 401, /Your role=internal_user_viewer/);
    const own = await ok(await get(gw, '/key/info', watcherKey));
    assert.equal(own.info.user_id, 'watcher-01');
    await refused(await get(gw, '/user/info?user_id=ana-internal', watcherKey), 403);
  });

  test("a key's allowed_routes bind every role; a read_only key cannot write", async () => {
    const readOnly = await ok(await post(gw, '/key/generate', { user_id: 'root-admin', key_type: 'read_only' }));
    await refused(await post(gw, '/key/generate', {}, { key: readOnly.key }), 403,
      /Only allowed to call routes: \[info_routes\]/);
    await ok(await get(gw, '/key/info', readOnly.key));
  });

  test("a role change applies at once on the instance that made it", async () => {
    const before = await post(gw, '/team/new', { team_id: 'promoted' }, { key: boKey });
    assert.equal(before.status, 401);
    await ok(await post(gw, '/user/update', { user_id: 'bo-internal', user_role: 'proxy_admin' }));
    await ok(await post(gw, '/team/new', { team_id: 'promoted' }, { key: boKey }));
    await ok(await post(gw, '/user/update', { user_id: 'bo-internal', user_role: 'internal_user' }));
    await refused(await post(gw, '/team/new', { team_id: 'demoted' }, { key: boKey }), 401);
  });
});

describe('key rotation with a grace period', () => {
  let mock, gw, dir;

  before(async () => {
    mock = await startMock('grace-up');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-grace-'));
    gw = await startGateway(config(mock, join(dir, 'grace.db')));
  });
  after(() => stop(gw, mock));

  test('without a grace period the old key stops at once', async () => {
    const old = await ok(await post(gw, '/key/generate', { models: ['gpt-4o'] }));
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: old.key }));
    const fresh = await ok(await post(gw, '/key/regenerate', { key: old.key }));
    assert.deepEqual(fresh.models, ['gpt-4o'], 'the new key keeps the old one\'s fields');
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: old.key })).status, 401);
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: fresh.key }));
  });

  test('with a grace period the old key works, as the new one, until it ends', async () => {
    const old = await ok(await post(gw, '/key/generate', { models: ['gpt-4o'], key_alias: 'rotating' }));
    const fresh = await ok(await post(gw, `/key/${old.token}/regenerate`,
      { grace_period: '3s', models: ['gpt-4o-mini'] }));
    assert.equal(fresh.key_alias, 'rotating');
    const viaOld = await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key: old.key });
    assert.equal(viaOld.status, 200, 'the old key authenticates during the grace period');
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: old.key })).status, 401,
      'with the new key\'s models');
    const info = await ok(await get(gw, '/key/info', old.key));
    assert.equal(info.info.token, fresh.token);
    await sleep(3500);
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key: old.key })).status, 401,
      'and stops when the grace period ends, cached or not');
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o-mini'), { key: fresh.key }));
  });

  test('a bad grace period is refused and nothing changes', async () => {
    const old = await ok(await post(gw, '/key/generate', {}));
    const r = await post(gw, '/key/regenerate', { key: old.key, grace_period: 'a while' });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /grace_period/);
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o'), { key: old.key }));
  });
});
describe('end users', () => {
  let mock, gw, dir, key;

  before(async () => {
    mock = await startMock('customers-up');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-customers-'));
    gw = await startGateway(config(mock, join(dir, 'customers.db')));
    key = (await ok(await post(gw, '/key/generate', {}))).key;
  });
  after(() => stop(gw, mock));

  test('a blocked end user is refused by its `user`, its header or Anthropic metadata', async () => {
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o', { user: 'cust-42' }), { key }));
    await ok(await post(gw, '/customer/new', { user_id: 'cust-42', blocked: true }));
    const byBody = await post(gw, '/v1/chat/completions', chatBody('gpt-4o', { user: 'cust-42' }), { key });
    await refused(byBody, 401, /End User=cust-42 is blocked/);
    const byHeader = await post(gw, '/v1/chat/completions', chatBody('gpt-4o'),
      { key, headers: { 'x-litellm-customer-id': 'cust-42' } });
    await refused(byHeader, 401, /cust-42/);
    const messages = await post(gw, '/v1/messages', {
      model: 'gpt-4o', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }],
      metadata: { user_id: 'cust-42' },
    }, { key });
    assert.equal(messages.status, 401);
    assert.equal((await messages.json()).type, 'error', 'in the Anthropic dialect');
    await ok(await post(gw, '/v1/chat/completions', chatBody('gpt-4o', { user: 'cust-43' }), { key }));
  });
});
