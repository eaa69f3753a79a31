// store_model_in_db: deployments added with /model/new, changed with
// /model/update and removed with /model/delete are served at once beside the
// config's, kept in the store with their credentials encrypted (the SQLite
// file is read raw to show it), served again after a restart, and on
// PostgreSQL reach a second gateway within the poll interval.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MASTER_KEY, chatBody, deployment, mockStats, post, sleep, startGateway, startMock, stop } from './lib.mjs';
import { startPostgres } from './postgres.mjs';

// The official client, installed with the e2e tests (tests/e2e/package-lock.json).
const openai = createRequire(new URL('../e2e/package.json', import.meta.url))('openai');
const OpenAI = openai.OpenAI ?? openai.default ?? openai;

const SALT = 'test-salt-key-3f9c2a71b8d4';
const DB_SECRET = 'sk-db-model-secret-6502';  // the db deployment's upstream key

function config(mock, databaseUrl, { store = true } = {}) {
  return `model_list:
${deployment('gpt-4o', mock)}general_settings:
  master_key: ${MASTER_KEY}
  database_url: "${databaseUrl}"
  user_api_key_cache_ttl: 1
${store ? '  store_model_in_db: true\n' : ''}`;
}

async function get(gw, path, key = MASTER_KEY) {
  const r = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, json: await r.json() };
}

const modelIds = async (gw) => (await get(gw, '/v1/models')).json.data.map((m) => m.id);

function client(gw) {
  return new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 10_000 });
}

function newModel(upstream, extra = {}) {
  return {
    model_name: 'db-gpt',
    litellm_params: { model: 'openai/db-gpt', api_base: `${upstream.base}/v1`, api_key: DB_SECRET },
    model_info: { id: 'db-model-1', team: 'search' },
    ...extra,
  };
}

// Every byte of the database, its write-ahead log included: where a
// plaintext credential would be if one were stored.
function storedBytes(dbPath) {
  return [dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('');
}

async function eventually(check, timeoutMs, what) {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) assert.fail(`${what} not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe('models in the database (SQLite)', () => {
  let mock, moved, gw, dir, dbPath, url;

  before(async () => {
    mock = await startMock('db-up', ['--api-key', DB_SECRET]);
    moved = await startMock('db-moved', ['--api-key', DB_SECRET]);
    dir = mkdtempSync(join(tmpdir(), 'routeiq-models-'));
    dbPath = join(dir, 'models.db');
    url = `sqlite://${dbPath}`;
    gw = await startGateway(config(mock, url), [], { ROUTEIQ_SALT_KEY: SALT });
  });
  after(async () => {
    await stop(gw, mock, moved);
    rmSync(dir, { recursive: true, force: true });
  });

  test('/model/new serves the deployment at once, with its key, and never shows the key', async () => {
    const r = await post(gw, '/model/new', newModel(mock));
    const added = await r.json();
    assert.equal(r.status, 200, JSON.stringify(added));
    assert.equal(added.model_id, 'db-model-1');
    assert.equal(added.model_name, 'db-gpt');
    assert.equal(added.model_info.db_model, true);
    assert.equal(added.model_info.team, 'search');
    assert.equal(added.litellm_params.model, 'openai/db-gpt');
    assert.ok(!JSON.stringify(added).includes(DB_SECRET), 'the answer holds no credential');

    const answer = await client(gw).chat.completions.create(chatBody('db-gpt'));
    assert.equal(answer.object, 'chat.completion');
    assert.ok(answer.choices[0].message.content.length > 0);
    assert.equal((await mockStats(mock)).unauthorized, 0, 'the decrypted key reached the upstream');

    assert.deepEqual((await modelIds(gw)).sort(), ['db-gpt', 'gpt-4o']);
    const info = await get(gw, '/model/info');
    assert.ok(!JSON.stringify(info.json).includes(DB_SECRET));
    const entry = info.json.data.find((d) => d.model_name === 'db-gpt');
    assert.equal(entry.model_info.id, 'db-model-1');
    assert.equal(entry.model_info.db_model, true);
    assert.equal(info.json.data.find((d) => d.model_name === 'gpt-4o').model_info.db_model, undefined,
      'config deployments stay as they are');
  });

  test('the credential is stored encrypted', () => {
    const bytes = storedBytes(dbPath);
    assert.ok(bytes.includes('db-model-1'), 'the row is in the file');
    assert.ok(bytes.includes('routeiq-sealed:v1:'), 'sealed');
    assert.ok(!bytes.includes(DB_SECRET), 'the plaintext key is nowhere in the file');
  });

  test('/model/update changes the deployment in place', async () => {
    const r = await post(gw, '/model/update', {
      model_info: { id: 'db-model-1', team: null, owner: 'ana' },
      litellm_params: { api_base: `${moved.base}/v1` },
    });
    const updated = await r.json();
    assert.equal(r.status, 200, JSON.stringify(updated));
    assert.equal(updated.litellm_params.api_base, `${moved.base}/v1`);
    assert.equal(updated.model_info.owner, 'ana');
    assert.equal(updated.model_info.team, undefined, 'a null removes a model_info key');
    const before = (await mockStats(moved)).chat;
    await client(gw).chat.completions.create(chatBody('db-gpt'));
    assert.equal((await mockStats(moved)).chat, before + 1, 'the next request goes to the new base');
    assert.equal((await mockStats(moved)).unauthorized, 0, 'the stored key was kept');
    assert.ok(!storedBytes(dbPath).includes(DB_SECRET));

    const missing = await post(gw, '/model/update', { model_info: { id: 'no-such-model' } });
    assert.equal(missing.status, 404);
  });

  test('hostile or wrong input is refused with a 400 in OpenAI shape, and nothing is stored', async () => {
    const huge = { ...newModel(mock), model_info: { id: 'huge', blob: 'x'.repeat(100_000) } };
    for (const [body, message] of [
      [newModel(mock, { model_info: { id: 'bad-provider' }, litellm_params: { model: 'nosuch/x' } }),
        /unknown provider "nosuch"/],
      [newModel(mock, { model_info: { id: 'crlf' }, litellm_params: { model: 'openai/x',
        api_base: `${mock.base}/v1\r\nX-Injected: 1` } }), /line break/],
      [newModel(mock, { model_info: { id: 'header' }, litellm_params: { model: 'openai/x',
        api_base: `${mock.base}/v1`, extra_headers: { 'X-Team': 'a\r\nX-Injected: 1' } } }), /line break/],
      [{ ...newModel(mock), model_info: { id: 'unknown' }, modle_name: 'typo' }, /Unknown field 'modle_name'/],
      [huge, /at most 65536/],
      [newModel(mock, { model_info: { id: 'no-params' }, litellm_params: 'openai/x' }), /litellm_params/],
      [newModel(mock, { model_info: { id: 'gpt-4o-clash' }, litellm_params: { model: 'openai/x', timeout: 'soon' } }),
        /litellm_params\.timeout/],
      [newModel(mock), /already exists/],
    ]) {
      const r = await post(gw, '/model/new', body);
      const json = await r.json();
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal(json.error.type, 'invalid_request_error');
      assert.match(json.error.message, message);
    }
    const configId = (await get(gw, '/model/info')).json.data.find((d) => d.model_name === 'gpt-4o').model_info.id;
    const clash = await post(gw, '/model/new', newModel(mock, { model_info: { id: configId } }));
    assert.equal(clash.status, 400);
    assert.match((await clash.json()).error.message, /config file/);
    assert.deepEqual((await modelIds(gw)).sort(), ['db-gpt', 'gpt-4o'], 'nothing was added');
    const broken = await post(gw, '/model/new', '{"model_name": ');
    assert.equal(broken.status, 400);
  });

  test('only the proxy admin may manage models, not a management key', async () => {
    const k = await (await post(gw, '/key/generate', { key_type: 'management' })).json();
    const r = await post(gw, '/model/new', newModel(mock, { model_info: { id: 'by-key' } }), { key: k.key });
    assert.equal(r.status, 403);
    assert.equal((await post(gw, '/model/delete', { id: 'db-model-1' }, { key: k.key })).status, 403);
    assert.equal((await post(gw, '/model/new', newModel(mock), { key: 'sk-wrong-key-0000' })).status, 401);
  });

  test('a restart serves the stored deployment again; another salt key cannot read it', async () => {
    await stop(gw);
    gw = await startGateway(config(mock, url), [], { ROUTEIQ_SALT_KEY: 'another-salt-key' });
    assert.deepEqual(await modelIds(gw), ['gpt-4o'], 'not readable with another salt key');
    assert.match(gw.stderr(), /db-model-1.*could not be decrypted/);
    await stop(gw);
    gw = await startGateway(config(mock, url), [], { LITELLM_SALT_KEY: SALT });
    assert.deepEqual((await modelIds(gw)).sort(), ['db-gpt', 'gpt-4o']);
    const answer = await client(gw).chat.completions.create(chatBody('db-gpt'));
    assert.equal(answer.object, 'chat.completion');
  });

  test('/model/delete removes it at once', async () => {
    const r = await post(gw, '/model/delete', { id: 'db-model-1' });
    const json = await r.json();
    assert.equal(r.status, 200, JSON.stringify(json));
    assert.equal(json.message, 'Model: db-model-1 deleted successfully');
    assert.deepEqual(await modelIds(gw), ['gpt-4o']);
    const gone = await post(gw, '/v1/chat/completions', chatBody('db-gpt'));
    assert.notEqual(gone.status, 200);
    assert.equal((await post(gw, '/model/delete', { id: 'db-model-1' })).status, 404);
  });

  test('without a salt key a credential is refused; an os.environ reference is not one', async () => {
    await stop(gw);
    gw = await startGateway(config(mock, url), [], { ROUTEIQ_SALT_KEY: '', LITELLM_SALT_KEY: '',
      DB_MODEL_KEY: DB_SECRET });
    const r = await post(gw, '/model/new', newModel(mock, { model_info: { id: 'plain' } }));
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /ROUTEIQ_SALT_KEY/);
    assert.ok(!storedBytes(dbPath).includes(DB_SECRET));
    const byEnv = newModel(mock, { model_info: { id: 'by-env' } });
    byEnv.litellm_params.api_key = 'os.environ/DB_MODEL_KEY';
    const added = await post(gw, '/model/new', byEnv);
    assert.equal(added.status, 200, await added.text());
    assert.equal((await post(gw, '/v1/chat/completions', chatBody('db-gpt'))).status, 200);
    assert.ok(!storedBytes(dbPath).includes(DB_SECRET));
  });

  test('without store_model_in_db the routes refuse; STORE_MODEL_IN_DB=True turns it on', async () => {
    const off = await startGateway(config(mock, `sqlite://${join(dir, 'off.db')}`, { store: false }));
    const on = await startGateway(config(mock, `sqlite://${join(dir, 'on.db')}`, { store: false }), [],
      { STORE_MODEL_IN_DB: 'True', ROUTEIQ_SALT_KEY: SALT });
    try {
      const r = await post(off, '/model/new', newModel(mock));
      assert.equal(r.status, 400);
      assert.match((await r.json()).error.message, /store_model_in_db/);
      assert.equal((await post(on, '/model/new', newModel(mock))).status, 200);
      assert.ok((await modelIds(on)).includes('db-gpt'));
    } finally {
      await stop(off, on);
    }
  });
});

describe('models in the database (PostgreSQL)', () => {
  let pg, mock, a, b;

  before(async () => {
    pg = await startPostgres();
    mock = await startMock('db-pg', ['--api-key', DB_SECRET]);
    a = await startGateway(config(mock, pg.url), [], { ROUTEIQ_SALT_KEY: SALT });
    b = await startGateway(config(mock, pg.url), [], { ROUTEIQ_SALT_KEY: SALT });
  });
  after(async () => {
    await stop(a, b, mock);
    await pg?.stop();
  });

  test('a model added on one instance is served by the other within the poll interval', async () => {
    const r = await post(a, '/model/new', newModel(mock, { model_info: { id: 'pg-model' } }));
    assert.equal(r.status, 200, await r.text());
    const waited = await eventually(async () => (await modelIds(b)).includes('db-gpt'), 5000,
      'the model on the second instance');
    assert.ok(waited < 5000, `seen after ${waited} ms`);
    const answer = await client(b).chat.completions.create(chatBody('db-gpt'));
    assert.equal(answer.object, 'chat.completion');

    assert.equal((await post(a, '/model/update', { model_info: { id: 'pg-model' },
      model_name: 'db-gpt-renamed' })).status, 200);
    await eventually(async () => (await modelIds(b)).includes('db-gpt-renamed'), 5000, 'the rename');

    assert.equal((await post(b, '/model/delete', { id: 'pg-model' })).status, 200);
    await eventually(async () => !(await modelIds(a)).includes('db-gpt-renamed'), 5000, 'the delete');
  });
});
