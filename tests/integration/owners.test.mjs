// Customers (end users), organisations, budgets and team memberships: LiteLLM's
// /customer/*, /organization/*, /budget/* management API on the embedded SQLite
// store, with LiteLLM's paths, methods, bodies and answers.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, deployment, post, startGateway, startMock, stop } from './lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function config(mock, dbPath) {
  return `model_list:
${deployment('gpt-4o', mock)}
general_settings:
  master_key: ${MASTER_KEY}
  database_url: "sqlite://${dbPath}"
  user_api_key_cache_ttl: 1
`;
}

let mock, gw, dir;

before(async () => {
  mock = await startMock('owners-up');
  dir = mkdtempSync(join(tmpdir(), 'routeiq-owners-'));
  gw = await startGateway(config(mock, join(dir, 'owners.db')));
});
after(() => stop(gw, mock));

async function call(method, path, body, key = MASTER_KEY) {
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${gw.url}${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}
const get = (path, key) => call('GET', path, undefined, key);
const send = (path, body, key) => call('POST', path, body, key);
const patch = (path, body) => call('PATCH', path, body);
const del = (path, body) => call('DELETE', path, body);

async function ok(promise) {
  const r = await promise;
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

// A refusal in OpenAI's error shape, its message matching `pattern`.
async function refused(promise, status, pattern) {
  const r = await promise;
  assert.equal(r.status, status, JSON.stringify(r.json));
  const { error } = r.json;
  assert.equal(typeof error.message, 'string');
  assert.equal(typeof error.type, 'string');
  assert.ok('param' in error && typeof error.code === 'string', JSON.stringify(error));
  if (pattern) assert.match(error.message, pattern);
  return error;
}

describe('customers', () => {
  test('new, info, update, list, delete in LiteLLM shapes', async () => {
    const c = await ok(send('/customer/new', { user_id: 'end-ana', alias: 'Ana', max_budget: 5,
      budget_duration: '30d', allowed_model_region: 'eu', default_model: 'gpt-4o' }));
    assert.equal(c.user_id, 'end-ana');
    assert.equal(c.alias, 'Ana');
    assert.equal(c.blocked, false);
    assert.equal(c.spend, 0);
    assert.equal(c.allowed_model_region, 'eu');
    assert.match(c.budget_id, UUID, 'a budget made from the budget fields');
    assert.equal(c.litellm_budget_table.budget_id, c.budget_id);
    assert.equal(c.litellm_budget_table.max_budget, 5);
    // "30d" resets on the 1st of the next month, midnight UTC (LiteLLM's calendar rule).
    const now = new Date();
    const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    assert.equal(Date.parse(c.litellm_budget_table.budget_reset_at), first);
    assert.ok(!('max_budget' in c), 'budget fields live in the budget row');

    const info = await ok(get('/customer/info?end_user_id=end-ana'));
    assert.deepEqual(info, c);
    assert.deepEqual(await ok(get('/end_user/info?end_user_id=end-ana')), c, 'the old name');

    const upd = await ok(send('/customer/update', { user_id: 'end-ana', alias: 'Ana B', max_budget: 9 }));
    assert.equal(upd.alias, 'Ana B');
    assert.equal(upd.budget_id, c.budget_id, 'its budget is changed, not replaced');
    assert.equal(upd.litellm_budget_table.max_budget, 9);

    await ok(send('/customer/new', { user_id: 'end-bo' }));
    const list = await ok(get('/customer/list'));
    assert.ok(Array.isArray(list));
    const bo = list.find((x) => x.user_id === 'end-bo');
    assert.equal(bo.litellm_budget_table, null);
    assert.equal(bo.budget_id, null);

    const gone = await ok(send('/customer/delete', { user_ids: ['end-ana', 'end-bo'] }));
    assert.deepEqual(gone, { deleted_customers: 2,
      message: "Successfully deleted customers with ids: ['end-ana', 'end-bo']" });
    await refused(get('/customer/info?end_user_id=end-ana'), 404, /End User Id=end-ana does not exist in db/);
  });

  test('block upserts and unblock answers the ids still blocked', async () => {
    await ok(send('/customer/new', { user_id: 'known' }));
    const b = await ok(send('/customer/block', { user_ids: ['known', 'never-seen'] }));
    assert.deepEqual(b.blocked_users.map((x) => [x.user_id, x.blocked]), [['known', true], ['never-seen', true]]);
    assert.equal((await ok(get('/customer/info?end_user_id=never-seen'))).blocked, true,
      'the row id is the end user id, blocked before its first request');
    const u = await ok(send('/customer/unblock', { user_ids: ['known'] }));
    assert.ok(u.blocked_users.includes('never-seen'));
    assert.ok(!u.blocked_users.includes('known'));
    assert.equal((await ok(get('/customer/info?end_user_id=known'))).blocked, false);
    const upd = await ok(send('/customer/update', { user_id: 'known', blocked: true }));
    assert.equal(upd.blocked, true);
  });

  test('refusals: duplicates, unknown ids, unknown models and fields, wrong types', async () => {
    await ok(send('/customer/new', { user_id: 'dup' }));
    await refused(send('/customer/new', { user_id: 'dup' }), 400,
      /Customer already exists, passed user_id=dup. Please pass a new user_id./);
    await refused(send('/customer/update', { user_id: 'nobody', alias: 'x' }), 404, /End User Id=nobody/);
    await refused(send('/customer/delete', { user_ids: ['dup', 'nobody', 'ghost'] }), 404,
      /End User Id\(s\)=nobody, ghost do not exist in db/);
    assert.equal((await get('/customer/info?end_user_id=dup')).status, 200, 'nothing was deleted');
    await refused(send('/customer/new', { user_id: 'm', default_model: 'gpt-9' }), 400, /Default Model not on proxy/);
    await refused(send('/customer/new', { user_id: 'm', max_budget: 1, budget_id: 'b' }), 400, /not both/);
    await refused(send('/customer/new', { user_id: 'm', budget_id: 'no-such-budget' }), 400, /Budget not found/);
    const unknown = await refused(send('/customer/new', { user_id: 'm', metadta: {} }), 400,
      /Unknown field 'metadta' for \/customer\/new/);
    assert.equal(unknown.param, 'metadta');
    for (const body of [{ user_id: 5 }, { user_id: 'm', blocked: 'no' }, { user_id: 'm', max_budget: '5' },
      { user_id: 'm', tpm_limit: -1 }, { user_id: 'm', allowed_model_region: 'mars' }, {}])
      await refused(send('/customer/new', body), 400);
    await refused(send('/customer/block', { user_ids: 'a' }), 400, /'user_ids'/);
    await refused(send('/customer/block', { user_ids: ['a'], extra: 1 }), 400, /Unknown field 'extra'/);
    await refused(get('/customer/info'), 400, /'end_user_id' is required/);
    await refused(send('/customer/new', 'not json'), 400);
  });
});

describe('budgets', () => {
  test('new, info, list, update, settings, delete', async () => {
    const b = await ok(send('/budget/new', { budget_id: 'free-tier', max_budget: 1, tpm_limit: 1000,
      budget_duration: '1d', model_max_budget: { 'gpt-4o': { max_budget: 0.5 } } }));
    assert.equal(b.budget_id, 'free-tier');
    assert.equal(b.max_budget, 1);
    assert.equal(b.tpm_limit, 1000);
    assert.equal(b.created_by, 'proxy_admin');
    // "1d" resets at the next midnight UTC (LiteLLM's calendar rule).
    const today = new Date();
    const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
    assert.equal(Date.parse(b.budget_reset_at), midnight, b.budget_reset_at);
    const made = await ok(send('/budget/new', { max_budget: 2 }));
    assert.match(made.budget_id, UUID);

    const info = await ok(send('/budget/info', { budgets: ['free-tier', 'missing'] }));
    assert.deepEqual(info.map((x) => x.budget_id), ['free-tier'], 'the ones found');
    const list = await ok(get('/budget/list'));
    assert.ok(list.some((x) => x.budget_id === made.budget_id));

    const upd = await ok(send('/budget/update', { budget_id: 'free-tier', max_budget: 3, rpm_limit: null }));
    assert.equal(upd.max_budget, 3);
    assert.equal(upd.rpm_limit, null);
    assert.equal(upd.tpm_limit, 1000, 'what is not given stays');

    const settings = await ok(get('/budget/settings?budget_id=free-tier'));
    const max = settings.find((s) => s.field_name === 'max_budget');
    assert.deepEqual(Object.keys(max).sort(),
      ['field_default_value', 'field_description', 'field_name', 'field_type', 'field_value', 'stored_in_db']);
    assert.equal(max.field_value, 3);
    assert.equal(max.field_type, 'Float');

    const gone = await ok(send('/budget/delete', { id: made.budget_id }));
    assert.equal(gone.budget_id, made.budget_id);
    await refused(send('/budget/delete', { id: made.budget_id }), 404, /Budget not found/);
  });

  test('refusals', async () => {
    await ok(send('/budget/new', { budget_id: 'twice' }));
    await refused(send('/budget/new', { budget_id: 'twice' }), 400, /Budget already exists/);
    await refused(send('/budget/update', { max_budget: 1 }), 400, /budget_id is required/);
    await refused(send('/budget/update', { budget_id: 'nope', max_budget: 1 }), 404);
    await refused(send('/budget/new', { max_budget: -1 }), 400, /'max_budget'/);
    await refused(send('/budget/new', { budget_duration: 'someday' }), 400, /'budget_duration'/);
    await refused(send('/budget/new', { budget_reset_at: 'tomorrow' }), 400, /'budget_reset_at'/);
    await refused(send('/budget/new', { max_parallel_requests: 1.5 }), 400);
    await refused(send('/budget/new', { guardrails: [] }), 400, /Unknown field 'guardrails' for \/budget\/new/);
    await refused(send('/budget/info', { budgets: [] }), 400, /'budgets'/);
    await refused(get('/budget/settings'), 400, /'budget_id' is required/);
    assert.equal((await get('/budget/new')).status, 405);
  });
});

describe('organizations', () => {
  test('new (with its budget), PATCH update, info both ways, list, DELETE', async () => {
    const o = await ok(send('/organization/new', { organization_alias: 'acme', models: ['gpt-4o'],
      max_budget: 100, tpm_limit: 5000, metadata: { tier: 'gold', region: 'eu' } }));
    assert.match(o.organization_id, UUID);
    assert.equal(o.organization_alias, 'acme');
    assert.deepEqual(o.models, ['gpt-4o']);
    assert.equal(o.spend, 0);
    assert.equal(o.created_by, 'proxy_admin');
    assert.match(o.budget_id, UUID);
    assert.equal(o.litellm_budget_table.max_budget, 100);
    assert.equal(o.litellm_budget_table.tpm_limit, 5000);

    const bare = await ok(send('/organization/new', { organization_id: 'org-bare', organization_alias: 'Bare Ltd' }));
    assert.equal(bare.organization_id, 'org-bare');
    assert.ok(bare.budget_id, 'every organisation gets a budget');
    await ok(send('/budget/new', { budget_id: 'shared' }));
    const shared = await ok(send('/organization/new', { organization_alias: 'uses-shared', budget_id: 'shared' }));
    assert.equal(shared.litellm_budget_table.budget_id, 'shared');

    const upd = await ok(patch('/organization/update', { organization_id: o.organization_id,
      organization_alias: 'acme-corp', metadata: { region: 'us' }, max_budget: 200 }));
    assert.equal(upd.organization_alias, 'acme-corp');
    assert.deepEqual(upd.metadata, { tier: 'gold', region: 'us' }, 'metadata merged as LiteLLM does');
    assert.equal(upd.budget_id, o.budget_id);
    assert.equal(upd.litellm_budget_table.max_budget, 200);
    assert.deepEqual(upd.teams, []);
    assert.equal((await send('/organization/update', { organization_id: o.organization_id })).status, 405,
      'LiteLLM takes PATCH');
    const ui = await ok(patch('/organization/update', { organization_id: o.organization_id,
      litellm_budget_table: { rpm_limit: 7 } }));
    assert.equal(ui.litellm_budget_table.rpm_limit, 7, "the UI's nested budget fields");

    const team = await ok(send('/team/new', { team_alias: 'acme-search', organization_id: o.organization_id }));
    const info = await ok(get(`/organization/info?organization_id=${o.organization_id}`));
    assert.deepEqual(info.teams.map((t) => t.team_id), [team.team_id]);
    assert.deepEqual(info.members, []);
    const infos = await ok(send('/organization/info', { organizations: [o.organization_id, 'org-bare', 'nope'] }));
    assert.deepEqual(infos.map((x) => x.organization_id).sort(), [o.organization_id, 'org-bare'].sort());

    const byAlias = await ok(get('/organization/list?org_alias=ACME'));
    assert.deepEqual(byAlias.map((x) => x.organization_id), [o.organization_id], 'part of the alias, any case');
    const byId = await ok(get('/organization/list?org_id=org-bare'));
    assert.deepEqual(byId.map((x) => x.organization_alias), ['Bare Ltd']);

    const key = await ok(send('/key/generate', { organization_id: o.organization_id }));
    const teamKey = await ok(send('/key/generate', { team_id: team.team_id }));
    assert.equal((await send('/organization/delete', { organization_ids: [o.organization_id] })).status, 405,
      'LiteLLM takes DELETE');
    await refused(del('/organization/delete', { organization_ids: [o.organization_id, 'nope'] }), 404,
      /Organization=nope not found/);
    assert.equal((await get(`/organization/info?organization_id=${o.organization_id}`)).status, 200, 'nothing deleted');
    const deleted = await ok(del('/organization/delete', { organization_ids: [o.organization_id] }));
    assert.deepEqual(deleted.map((x) => x.organization_id), [o.organization_id]);
    assert.equal(deleted[0].teams.length, 1);
    await refused(get(`/organization/info?organization_id=${o.organization_id}`), 404, /Organization not found/);
    assert.equal((await get(`/team/info?team_id=${team.team_id}`)).status, 404, 'its teams go with it');
    for (const k of [key, teamKey])
      assert.equal((await get('/key/info', k.key)).status, 401, 'and their keys');
  });

  test('a team names an existing organisation', async () => {
    await refused(send('/team/new', { team_alias: 'orphan', organization_id: 'no-such-org' }), 400,
      /Organization not found for organization_id=no-such-org/);
  });

  test('members: add (making unknown users), update, delete', async () => {
    const o = await ok(send('/organization/new', { organization_alias: 'members-org' }));
    await ok(send('/user/new', { user_id: 'org-ana', user_email: 'ana@example.com', auto_create_key: false }));
    const added = await ok(send('/organization/member_add', { organization_id: o.organization_id,
      member: [{ role: 'org_admin', user_email: 'ana@example.com' }, { role: 'internal_user', user_id: 'org-new' }],
      max_budget_in_organization: 10 }));
    assert.equal(added.organization_id, o.organization_id);
    assert.deepEqual(added.updated_users.map((u) => u.user_id), ['org-ana', 'org-new']);
    assert.equal(added.updated_users[1].user_role, 'internal_user', 'an unknown member becomes a user');
    assert.deepEqual(added.updated_organization_memberships.map((m) => [m.user_id, m.user_role]),
      [['org-ana', 'org_admin'], ['org-new', 'internal_user']]);
    assert.ok(added.updated_organization_memberships[0].budget_id);
    assert.equal((await ok(get('/user/info?user_id=org-new'))).user_id, 'org-new');

    const single = await ok(send('/organization/member_add', { organization_id: o.organization_id,
      member: { role: 'internal_user_viewer', user_id: 'org-viewer' } }));
    assert.equal(single.updated_organization_memberships[0].user_role, 'internal_user_viewer');

    const upd = await ok(patch('/organization/member_update', { organization_id: o.organization_id,
      user_id: 'org-new', role: 'org_admin', max_budget_in_organization: 3 }));
    assert.equal(upd.user_role, 'org_admin');
    assert.equal(upd.litellm_budget_table.max_budget, 3);
    const removed = await ok(del('/organization/member_delete', { organization_id: o.organization_id,
      user_email: 'ana@example.com' }));
    assert.equal(removed.user_id, 'org-ana');
    const info = await ok(get(`/organization/info?organization_id=${o.organization_id}`));
    assert.deepEqual(info.members.map((m) => m.user_id), ['org-new', 'org-viewer']);

    // A virtual key lists the organisations its user belongs to (an info route).
    const k = await ok(send('/key/generate', { user_id: 'org-viewer' }));
    const mine = await ok(get('/organization/list', k.key));
    assert.deepEqual(mine.map((x) => x.organization_id), [o.organization_id]);

    await refused(send('/organization/member_add', { organization_id: 'nope',
      member: { role: 'internal_user', user_id: 'x' } }), 404, /Organization not found for organization_id=nope/);
    await refused(send('/organization/member_add', { organization_id: o.organization_id,
      member: { role: 'admin', user_id: 'x' } }), 400, /org_admin, internal_user or internal_user_viewer/);
    await refused(send('/organization/member_add', { organization_id: o.organization_id, member: [] }), 400);
    await refused(patch('/organization/member_update', { organization_id: o.organization_id,
      user_id: 'org-ana', role: 'org_admin' }), 404, /Member not found in organization for user_id=org-ana/);
    await refused(patch('/organization/member_update', { organization_id: 'nope', user_id: 'x' }), 400,
      /Organization not found/);
    await refused(del('/organization/member_delete', { organization_id: o.organization_id, user_id: 'org-ana' }), 404);
  });

  test('refusals: unknown fields, wrong types, missing ids', async () => {
    await refused(send('/organization/new', { models: [] }), 400, /'organization_alias' is required/);
    await refused(send('/organization/new', { organization_alias: 'x', modles: [] }), 400,
      /Unknown field 'modles' for \/organization\/new/);
    await refused(send('/organization/new', { organization_alias: 'x', object_permission: {} }), 400,
      /'object_permission' is not supported by this gateway yet/);
    for (const body of [{ organization_alias: 7 }, { organization_alias: 'x', models: 'gpt-4o' },
      { organization_alias: 'x', metadata: [] }, { organization_alias: 'x', max_budget: -5 },
      { organization_alias: 'x', rpm_limit: 'many' }, { organization_alias: 'x', budget_id: 'missing' }])
      await refused(send('/organization/new', body), 400);
    await ok(send('/organization/new', { organization_id: 'org-twice', organization_alias: 't' }));
    await refused(send('/organization/new', { organization_id: 'org-twice', organization_alias: 't' }), 400,
      /already exists/);
    await refused(patch('/organization/update', { organization_alias: 'x' }), 400, /'organization_id' is required/);
    await refused(patch('/organization/update', { organization_id: 'nope', organization_alias: 'x' }), 404);
    await refused(del('/organization/delete', { organization_ids: [] }), 400);
    await refused(get('/organization/info'), 400);
    await refused(get('/organization/info?organization_id=nope'), 404);
  });
});

describe('hostile input', () => {
  test('quotes, SQL and unicode in aliases are stored as given', async () => {
    const aliases = ["Robert'); DROP TABLE routeiq_end_users;--", '" OR 1=1 --', 'Zoë 東京 🚀 \u2028 x'];
    for (const [i, alias] of aliases.entries()) {
      const id = `hostile-${i}-'"\\;--`;
      const c = await ok(send('/customer/new', { user_id: id, alias }));
      assert.equal(c.alias, alias);
      const back = await ok(get(`/customer/info?end_user_id=${encodeURIComponent(id)}`));
      assert.equal(back.user_id, id);
      assert.equal(back.alias, alias);
      const o = await ok(send('/organization/new', { organization_alias: alias }));
      assert.equal((await ok(get(`/organization/info?organization_id=${o.organization_id}`))).organization_alias, alias);
    }
    assert.ok((await ok(get('/customer/list'))).length >= aliases.length, 'the table is still there');
    // An alias is an indexed column: the store refuses a NUL in it rather than cut it.
    await refused(send('/customer/new', { user_id: 'nul', alias: 'a\u0000b' }), 400, /NUL/);
    await refused(send('/organization/new', { organization_alias: 'a\u0000b' }), 400, /NUL/);
  });

  test('a 1 MB metadata is stored and returned intact', async () => {
    const blob = 'x'.repeat(1 << 20);
    const metadata = { blob, nested: { list: [1, 2.5, 'ü', null, true] } };
    const o = await ok(send('/organization/new', { organization_alias: 'big', metadata }));
    assert.deepEqual(o.metadata, metadata);
    const info = await ok(get(`/organization/info?organization_id=${o.organization_id}`));
    assert.equal(info.metadata.blob.length, 1 << 20);
    assert.deepEqual(info.metadata, metadata);
  });

  test('management routes need the master key or a management key', async () => {
    const plain = await ok(send('/key/generate', {}));
    for (const [method, path] of [['POST', '/customer/new'], ['POST', '/budget/new'], ['POST', '/organization/new'],
      ['GET', '/customer/list'], ['GET', '/budget/list']])
      assert.equal((await call(method, path, method === 'POST' ? {} : undefined, plain.key)).status, 401, path);
    assert.equal((await get('/budget/list', 'sk-wrong')).status, 401);
  });
});

describe('team memberships', () => {
  test('member_add, member_delete, /team/delete and /user/delete keep the rows in step', async () => {
    for (const id of ['tm-ana', 'tm-bo']) await ok(send('/user/new', { user_id: id, auto_create_key: false }));
    const t = await ok(send('/team/new', { team_alias: 'tm', members_with_roles: [{ role: 'admin', user_id: 'tm-ana' }] }));
    const rows = async (teamId) => (await ok(get(`/team/info?team_id=${teamId}`))).team_memberships;
    assert.deepEqual(await rows(t.team_id), [{ team_id: t.team_id, user_id: 'tm-ana', spend: 0, budget_id: null }]);
    await ok(send('/team/member_add', { team_id: t.team_id,
      member: [{ role: 'user', user_id: 'tm-bo' }, { role: 'user', user_id: 'not-a-user' }] }));
    assert.deepEqual((await rows(t.team_id)).map((m) => m.user_id).sort(), ['tm-ana', 'tm-bo'],
      'a row for each known user');
    const bo = await ok(get('/user/info?user_id=tm-bo'));
    assert.deepEqual(bo.user_info.teams, [t.team_id]);
    assert.deepEqual(bo.teams.map((x) => x.team_id), [t.team_id]);

    await ok(send('/team/member_delete', { team_id: t.team_id, user_id: 'tm-bo' }));
    assert.deepEqual((await rows(t.team_id)).map((m) => m.user_id), ['tm-ana']);
    assert.deepEqual((await ok(get('/user/info?user_id=tm-bo'))).user_info.teams, []);

    const t2 = await ok(send('/team/new', { team_alias: 'tm2' }));
    await ok(send('/team/member_add', { team_id: t2.team_id, member: { role: 'user', user_id: 'tm-ana' } }));
    await ok(send('/user/delete', { user_ids: ['tm-ana'] }));
    assert.deepEqual(await rows(t.team_id), []);
    assert.deepEqual(await rows(t2.team_id), []);

    await ok(send('/team/member_add', { team_id: t2.team_id, member: { role: 'user', user_id: 'tm-bo' } }));
    await ok(send('/team/delete', { team_ids: [t2.team_id] }));
    assert.deepEqual((await ok(get('/user/info?user_id=tm-bo'))).user_info.teams, [], 'the team leaves its members');
    await ok(send('/team/member_add', { team_id: t.team_id, member: { role: 'user', user_id: 'tm-bo' } }));
    assert.deepEqual((await rows(t.team_id)).map((m) => m.user_id), ['tm-bo'], 'no stale row was left');
  });
});
