// `routeiq import litellm-db` and `routeiq db migrate | version` against real
// databases: a PostgreSQL 15 server holds a LiteLLM database built from
// tests/data/litellm/schema.sql (LiteLLM's schema.prisma) with LiteLLM-shaped
// rows, hostile ones included; it is imported into PostgreSQL and into SQLite,
// and a gateway started on the imported store must accept the LiteLLM keys
// (with their model restrictions), show the imported fields on /key/info,
// /team/info and /user/info, and a second import must change nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, REPO_ROOT, ROUTEIQ_BIN, chatBody, deployment, post, startGateway, startMock, stop } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

const PG_BIN = process.env.ROUTEIQ_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SCHEMA = readFileSync(resolve(import.meta.dirname, '..', 'data', 'litellm', 'schema.sql'), 'utf8');
const SECRET = 'pw-Sup3r-SECRET-42';

const sha = (key) => createHash('sha256').update(key).digest('hex');
const lit = (text) => `'${String(text).replaceAll("'", "''")}'`;
const jsonb = (value) => `${lit(JSON.stringify(value))}::jsonb`;
const textArray = (items) => `ARRAY[${items.map(lit).join(', ')}]::text[]`;

function psql(pg, database, sql) {
  const r = spawnSync(join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1',
    '-p', String(pg.port), '-U', 'postgres', '-d', database, '-f', '-'], { input: sql, encoding: 'utf8' });
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
  return r.stdout;
}

function routeiq(args, { cwd, env = {} } = {}) {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const r = spawnSync(ROUTEIQ_BIN, args, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}

// The summary line of one store table: [new, updated, unchanged].
function counts(stdout, table) {
  const m = stdout.match(new RegExp(`${table}\\s+<-\\s+\\S+\\s+(\\d+) new, (\\d+) updated, (\\d+) unchanged`));
  assert.ok(m, `no summary line for ${table} in:\n${stdout}`);
  return m.slice(1).map(Number);
}

const keys = {
  main: `sk-litellm-main-${randomBytes(8).toString('hex')}`,
  open: `sk-litellm-open-${randomBytes(8).toString('hex')}`,
  expired: `sk-litellm-expired-${randomBytes(8).toString('hex')}`,
  blocked: `sk-litellm-blocked-${randomBytes(8).toString('hex')}`,
  inBlockedTeam: `sk-litellm-team-${randomBytes(8).toString('hex')}`,
};
const HOSTILE = `ana "main" key'); DROP TABLE "LiteLLM_VerificationToken";-- ünï 😀 \\ \n`;
const BIG = 'x'.repeat(200_000);
const future = new Date(Date.now() + 30 * 86400_000).toISOString().replace('T', ' ').replace('Z', '');

function keyRow(key, fields) {
  const columns = { token: lit(sha(key)), key_name: lit(`sk-...${key.slice(-4)}`), ...fields };
  return `INSERT INTO "LiteLLM_VerificationToken" (${Object.keys(columns).map((c) => `"${c}"`).join(', ')})
    VALUES (${Object.values(columns).join(', ')});\n`;
}

const ROWS = `
INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, soft_budget, tpm_limit, rpm_limit, budget_duration,
  model_max_budget, created_by, updated_by, created_at, updated_at)
  VALUES ('b1', 100, 80, 1000, 10, '30d', ${jsonb({ 'gpt-4o': { budget_limit: 5 } })}, 'admin', 'admin',
  '2024-01-01 00:00:00', '2024-01-02 00:00:00');
INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, models, metadata,
  created_by, updated_by) VALUES ('o1', ${lit('Acme "R&D" \'s')}, 'b1', ${textArray(['gpt-4o'])},
  ${jsonb({ region: 'eu' })}, 'admin', 'admin');
INSERT INTO "LiteLLM_ModelTable" (id, aliases, created_by, updated_by)
  VALUES (1, ${jsonb({ fast: 'gpt-4o-mini' })}, 'admin', 'admin');
INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, members_with_roles, models, max_budget,
  tpm_limit, spend, model_id, metadata, created_at, updated_at)
  VALUES ('t-search', ${lit("search 'team'; DROP TABLE users;--")}, 'o1',
  ${jsonb([{ role: 'admin', user_id: 'ana', user_email: 'ana@example.com' }])},
  ${textArray(['gpt-4o-mini', 'gpt-4o'])}, 50, 500, 12.5, 1, ${jsonb({ note: HOSTILE })},
  '2024-03-01 10:00:00.250', '2024-03-02 10:00:00');
INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, blocked, models) VALUES ('t-blocked', 'blocked', true, '{}');
INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role, teams, password, models, metadata, organization_id,
  max_budget, spend) VALUES ('ana', 'ana@example.com', 'internal_user', ${textArray(['t-search'])},
  'scrypt-hash-of-the-ui-password', '{}', ${jsonb({ note: 'ünï 😀' })}, 'o1', 30, 2.5);
INSERT INTO "LiteLLM_EndUserTable" (user_id, alias, spend, budget_id, blocked)
  VALUES ('cust-1', ${lit('Customer “One”')}, 3.25, 'b1', false);
INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, spend, budget_id) VALUES ('ana', 't-search', 1.25, 'b1');
INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role)
  VALUES ('ana', 'o1', 'org_admin');
${keyRow(keys.main, {
    key_alias: lit(HOSTILE), models: textArray(['gpt-4o-mini']), team_id: lit('t-search'), user_id: lit('ana'),
    spend: 4.5, max_budget: 20, tpm_limit: 100, rpm_limit: 5, budget_duration: lit('1d'),
    aliases: jsonb({ mini: 'gpt-4o-mini' }), permissions: jsonb({ get_spend_routes: false }),
    model_max_budget: jsonb({ 'gpt-4o-mini': { budget_limit: 1 } }), expires: lit(future),
    metadata: jsonb({ tags: ['prod'], big: BIG, sql: "'; DELETE FROM routeiq_keys; --", many: Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`k${i}`, { i, s: `v${i}"'` }])) }),
    created_at: lit('2024-05-01 12:00:00.123'), updated_at: lit('2024-06-01 00:00:00'), organization_id: lit('o1'),
  })}
${keyRow(keys.open, { key_alias: lit('open'), models: "'{}'" })}
${keyRow(keys.expired, { key_alias: lit('expired'), models: "'{}'", expires: lit('2020-01-01 00:00:00') })}
${keyRow(keys.blocked, { key_alias: lit('blocked'), models: "'{}'", blocked: 'true' })}
${keyRow(keys.inBlockedTeam, { key_alias: lit('in-blocked-team'), models: "'{}'", team_id: lit('t-blocked') })}
INSERT INTO "LiteLLM_DeletedVerificationToken" (id, token, key_alias, deleted_at, deleted_by)
  VALUES ('d1', ${lit(sha('sk-gone'))}, 'gone-first', '2024-01-01 00:00:00', 'admin'),
         ('d2', ${lit(sha('sk-gone'))}, 'gone-last', '2024-02-01 00:00:00', 'admin');
`;

function gatewayConfig(mock, url) {
  return `model_list:
${deployment('gpt-4o', mock)}${deployment('gpt-4o-mini', mock)}general_settings:
  master_key: ${MASTER_KEY}
  database_url: "${url}"
`;
}

async function getJson(gw, path) {
  const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body;
}

const chat = (gw, key, model) => post(gw, '/v1/chat/completions', chatBody(model), { key });

// What a gateway on an imported store must show.
async function checkImported(gw) {
  assert.equal((await chat(gw, keys.main, 'gpt-4o-mini')).status, 200, 'an imported key authenticates');
  assert.equal((await chat(gw, keys.main, 'mini')).status, 200, 'with its aliases');
  const refused = await chat(gw, keys.main, 'gpt-4o');
  assert.equal(refused.status, 401, 'its models are enforced');
  assert.equal((await refused.json()).error.type, 'auth_error');
  assert.equal((await chat(gw, keys.open, 'gpt-4o')).status, 200, 'no models: every model');
  assert.equal((await chat(gw, keys.expired, 'gpt-4o')).status, 401, 'expired');
  assert.equal((await chat(gw, keys.blocked, 'gpt-4o')).status, 401, 'blocked');
  assert.equal((await chat(gw, keys.inBlockedTeam, 'gpt-4o')).status, 401, 'its team is blocked');
  assert.equal((await chat(gw, 'sk-not-imported-0000', 'gpt-4o')).status, 401);

  const { info } = await getJson(gw, `/key/info?key=${keys.main}`);
  assert.equal(info.key_alias, HOSTILE);
  assert.equal(info.token, sha(keys.main));
  assert.equal(info.team_id, 't-search');
  assert.equal(info.user_id, 'ana');
  assert.equal(info.spend, 4.5);
  assert.equal(info.max_budget, 20);
  assert.equal(info.tpm_limit, 100);
  assert.equal(info.rpm_limit, 5);
  assert.equal(info.budget_duration, '1d');
  assert.deepEqual(info.models, ['gpt-4o-mini']);
  assert.deepEqual(info.tags, ['prod']);
  assert.deepEqual(info.model_max_budget, { 'gpt-4o-mini': { budget_limit: 1 } });
  assert.deepEqual(info.permissions, { get_spend_routes: false });
  assert.equal(info.metadata.big, BIG);
  assert.equal(info.metadata.sql, "'; DELETE FROM routeiq_keys; --");
  assert.equal(info.metadata.many.k499.s, 'v499"\'');
  assert.equal(info.created_at, '2024-05-01T12:00:00.123Z');
  assert.equal(info.updated_at, '2024-06-01T00:00:00.000Z');
  assert.match(info.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const team = await getJson(gw, '/team/info?team_id=t-search');
  assert.equal(team.team_info.team_alias, "search 'team'; DROP TABLE users;--");
  assert.equal(team.team_info.organization_id, 'o1');
  assert.equal(team.team_info.max_budget, 50);
  assert.equal(team.team_info.tpm_limit, 500);
  assert.equal(team.team_info.spend, 12.5);
  assert.equal(team.team_info.metadata.note, HOSTILE);
  assert.deepEqual(team.team_info.model_aliases, { fast: 'gpt-4o-mini' });
  assert.deepEqual(team.team_info.members_with_roles.map((m) => m.user_id), ['ana']);
  assert.equal(team.team_info.created_at, '2024-03-01T10:00:00.250Z');
  assert.deepEqual(team.keys.map((k) => k.token), [sha(keys.main)]);
  const blockedTeam = await getJson(gw, '/team/info?team_id=t-blocked');
  assert.deepEqual(blockedTeam.team_info.members_with_roles, [], "Prisma's {} default reads as no members");

  const user = await getJson(gw, '/user/info?user_id=ana');
  assert.equal(user.user_info.user_email, 'ana@example.com');
  assert.equal(user.user_info.user_role, 'internal_user');
  assert.equal(user.user_info.metadata.note, 'ünï 😀');
  assert.equal(user.user_info.spend, 2.5);
  assert.equal('password' in user.user_info, false, 'the UI password hash is not imported');
  assert.deepEqual(user.teams.map((t) => t.team_id), ['t-search']);
  assert.deepEqual(user.keys.map((k) => k.token), [sha(keys.main)]);

  const list = await getJson(gw, '/key/list?size=100');
  assert.equal(list.total_count, 5);
}

function checkSummary(stdout, expected) {
  for (const [table, numbers] of Object.entries(expected)) assert.deepEqual(counts(stdout, table), numbers, table);
}

describe('routeiq import litellm-db', () => {
  let pg, mock, dir, source;

  before(async () => {
    pg = await startPostgres();
    mock = await startMock('litellm-import');
    dir = mkdtempSync(join(tmpdir(), 'routeiq-litellm-'));
    psql(pg, 'routeiq', 'CREATE DATABASE litellm; CREATE DATABASE target; CREATE DATABASE empty;');
    psql(pg, 'litellm', SCHEMA + ROWS);
    // As LiteLLM's DATABASE_URL is written: a password (ignored: trust authentication) and Prisma's ?schema=.
    source = `postgresql://postgres:${SECRET}@127.0.0.1:${pg.port}/litellm?schema=public&connection_limit=5`;
  });
  after(async () => {
    await stop(mock);
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('into PostgreSQL: keys work unchanged, fields shown, re-import idempotent', async () => {
    const target = `postgresql://postgres@127.0.0.1:${pg.port}/target`;
    const first = routeiq(['import', 'litellm-db', '--from', source, '--to', target]);
    assert.equal(first.status, 0, first.output);
    assert.ok(!first.output.includes(SECRET), 'the password is never printed');
    assert.match(first.stdout, /postgres:\*\*\*@127\.0\.0\.1/);
    checkSummary(first.stdout, {
      routeiq_keys: [5, 0, 0], routeiq_teams: [2, 0, 0], routeiq_users: [1, 0, 0], routeiq_end_users: [1, 0, 0],
      routeiq_organizations: [1, 0, 0], routeiq_budgets: [1, 0, 0], routeiq_memberships: [1, 0, 0],
      routeiq_deleted_keys: [1, 0, 0],
    });
    const gw = await startGateway(gatewayConfig(mock, target));
    try {
      await checkImported(gw);
      const again = routeiq(['import', 'litellm-db', '--from', source, '--to', target]);
      assert.equal(again.status, 0, again.output);
      checkSummary(again.stdout, {
        routeiq_keys: [0, 0, 5], routeiq_teams: [0, 0, 2], routeiq_users: [0, 0, 1], routeiq_end_users: [0, 0, 1],
        routeiq_organizations: [0, 0, 1], routeiq_budgets: [0, 0, 1], routeiq_memberships: [0, 0, 1],
        routeiq_deleted_keys: [0, 0, 1],
      });
      // Spend moved on in LiteLLM, and a key was added: the next import updates and adds.
      psql(pg, 'litellm', `UPDATE "LiteLLM_VerificationToken" SET spend = 9.75 WHERE token = ${lit(sha(keys.main))};
        UPDATE "LiteLLM_EndUserTable" SET spend = 4 WHERE user_id = 'cust-1';
        ${keyRow('sk-litellm-late-0001', { key_alias: lit('late'), models: "'{}'" })}`);
      const third = routeiq(['import', 'litellm-db', '--from', source, '--to', target]);
      assert.equal(third.status, 0, third.output);
      checkSummary(third.stdout, { routeiq_keys: [1, 1, 4], routeiq_end_users: [0, 1, 0], routeiq_teams: [0, 0, 2] });
      const { info } = await getJson(gw, `/key/info?key=${keys.main}`);
      assert.equal(info.spend, 9.75);
      assert.equal(info.created_at, '2024-05-01T12:00:00.123Z', 'times still the source rows\'');
      assert.equal((await chat(gw, 'sk-litellm-late-0001', 'gpt-4o')).status, 200);
      assert.equal((await getJson(gw, '/key/list?size=100')).total_count, 6, 'nothing duplicated');
    } finally {
      await stop(gw);
    }
    psql(pg, 'litellm', `DELETE FROM "LiteLLM_VerificationToken" WHERE key_alias = 'late';
      UPDATE "LiteLLM_VerificationToken" SET spend = 4.5 WHERE token = ${lit(sha(keys.main))};
      UPDATE "LiteLLM_EndUserTable" SET spend = 3.25 WHERE user_id = 'cust-1';`);
  });

  test('into SQLite: --config, then the default ./routeiq.db', async () => {
    const file = join(dir, 'keys.db');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, gatewayConfig(mock, `sqlite://${file}`));
    const byConfig = routeiq(['import', 'litellm-db', '--from', source, '--config', config]);
    assert.equal(byConfig.status, 0, byConfig.output);
    assert.match(byConfig.stdout, /\(sqlite\)/);
    checkSummary(byConfig.stdout, { routeiq_keys: [5, 0, 0], routeiq_teams: [2, 0, 0] });
    const gw = await startGateway(gatewayConfig(mock, `sqlite://${file}`));
    try {
      await checkImported(gw);
    } finally {
      await stop(gw);
    }
    const again = routeiq(['import', 'litellm-db', '--from', source, '--config', config]);
    assert.equal(again.status, 0, again.output);
    checkSummary(again.stdout, { routeiq_keys: [0, 0, 5], routeiq_deleted_keys: [0, 0, 1] });

    const cwd = mkdtempSync(join(dir, 'default-'));
    const byDefault = routeiq(['import', 'litellm-db', '--from', source, '--no-deleted-keys'], { cwd });
    assert.equal(byDefault.status, 0, byDefault.output);
    assert.match(byDefault.stdout, /into sqlite:\/\/routeiq\.db/);
    assert.ok(!byDefault.stdout.includes('routeiq_deleted_keys'), '--no-deleted-keys');
    assert.ok(existsSync(join(cwd, 'routeiq.db')));
    assert.ok(!existsSync(join(REPO_ROOT, 'routeiq.db')));
  });

  test('a failure exits non-zero, names the cause, writes nothing and hides the password', () => {
    const target = join(dir, 'failed.db');
    const noDb = routeiq(['import', 'litellm-db', '--to', `sqlite://${target}`, '--from',
      `postgresql://postgres:${SECRET}@127.0.0.1:${pg.port}/nosuchdb`]);
    assert.equal(noDb.status, 1, noDb.output);
    assert.match(noDb.stderr, /nosuchdb/);
    assert.ok(!noDb.output.includes(SECRET));

    const notLitellm = routeiq(['import', 'litellm-db', '--to', `sqlite://${target}`, '--from',
      `postgresql://postgres:${SECRET}@127.0.0.1:${pg.port}/empty`]);
    assert.equal(notLitellm.status, 1, notLitellm.output);
    assert.match(notLitellm.stderr, /not a LiteLLM database/);

    // A row the store cannot hold (metadata nested past the JSON depth limit) after good rows: all or nothing.
    let deep = {};
    for (let i = 0; i < 300; i++) deep = { d: deep };
    psql(pg, 'routeiq', 'CREATE DATABASE litellm_bad;');
    psql(pg, 'litellm_bad', SCHEMA + `INSERT INTO "LiteLLM_BudgetTable" (budget_id, created_by, updated_by)
      VALUES ('b-ok', 'a', 'a');\n` + keyRow('sk-deep-000001', { metadata: jsonb(deep) }));
    const bad = routeiq(['import', 'litellm-db', '--to', `sqlite://${target}`, '--from',
      `postgresql://postgres:${SECRET}@127.0.0.1:${pg.port}/litellm_bad`]);
    assert.equal(bad.status, 1, bad.output);
    assert.match(bad.stderr, /LiteLLM_VerificationToken row 1/);
    assert.match(bad.stderr, /nothing was written/);
    const budgets = spawnSync('sqlite3', [target, 'SELECT COUNT(*) FROM routeiq_budgets'], { encoding: 'utf8' });
    assert.equal(budgets.stdout.trim(), '0', 'the budget read before the bad key was rolled back');

    const usage = routeiq(['import', 'litellm-db', '--to', 'sqlite://x.db']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /needs --from/);
  });

  test('the routing-data import forms still answer as before', () => {
    const routellm = routeiq(['import', 'routellm']);
    assert.notEqual(routellm.status, 0);
    assert.match(routellm.stderr, /import routellm needs --csv and --out/);
    const unknown = routeiq(['import', 'bogus']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /unknown import source 'bogus'/);
  });
});

describe('routeiq db migrate | version', () => {
  let pg, dir;

  before(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'routeiq-db-'));
  });
  after(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('SQLite: version reads without creating, migrate creates, then is current', () => {
    const url = `sqlite://${join(dir, 'fresh.db')}`;
    const none = routeiq(['db', 'version', '--database-url', url]);
    assert.equal(none.status, 0, none.output);
    assert.match(none.stdout, /schema version 0 \(this build writes \d+\)/);
    assert.ok(!existsSync(join(dir, 'fresh.db')), 'version changes nothing');
    const migrated = routeiq(['db', 'migrate', '--database-url', url]);
    assert.equal(migrated.status, 0, migrated.output);
    assert.match(migrated.stdout, /\(sqlite\): schema version [1-9]\d* \(was 0\)/);
    assert.ok(existsSync(join(dir, 'fresh.db')));
    const current = routeiq(['db', 'migrate', '--database-url', url]);
    assert.match(current.stdout, /\(already current\)/);
    assert.match(routeiq(['db', 'version', '--database-url', url]).stdout, /schema version [1-9]/);
  });

  test('PostgreSQL: from --config, and from DATABASE_URL; the password never printed', () => {
    const url = `postgresql://postgres:${SECRET}@127.0.0.1:${pg.port}/routeiq`;
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `model_list: []\ngeneral_settings:\n  database_url: "${url}"\n`);
    const before = routeiq(['db', 'version', '--config', config]);
    assert.equal(before.status, 0, before.output);
    assert.match(before.stdout, /schema version 0/);
    const migrated = routeiq(['db', 'migrate', '--config', config]);
    assert.equal(migrated.status, 0, migrated.output);
    assert.match(migrated.stdout, /\(postgresql\): schema version [1-9]\d* \(was 0\)/);
    const byEnv = routeiq(['db', 'version'], { env: { DATABASE_URL: url } });
    assert.equal(byEnv.status, 0, byEnv.output);
    assert.match(byEnv.stdout, /schema version [1-9]/);
    for (const r of [before, migrated, byEnv]) assert.ok(!r.output.includes(SECRET));
    const down = routeiq(['db', 'migrate', '--database-url',
      `postgresql://postgres:${SECRET}@127.0.0.1:1/routeiq?connect_timeout=2`]);
    assert.equal(down.status, 1);
    assert.ok(!down.output.includes(SECRET));
  });

  test('bad usage exits 2', () => {
    assert.equal(routeiq(['db']).status, 2);
    assert.equal(routeiq(['db', 'drop']).status, 2);
    assert.equal(routeiq(['db', 'migrate', '--config', 'a.yaml', '--database-url', 'sqlite://b.db']).status, 2);
  });
});
