// Deployments LiteLLM starts with but can only fail when called (an unknown
// provider, an azure or databricks deployment without api_base): the gateway
// starts, warns once per deployment, serves the others, and answers calls to
// them with a 400 that names the problem.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, UPSTREAM_KEY, chatBody, deployment, mockStats, post, startGateway, startMock, stop,
} from './lib.mjs';

describe('deployments that cannot be called', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock('callable');
    gw = await startGateway(`model_list:
${deployment('good', mock)}${deployment('mixed', mock)}
  - model_name: mixed
    litellm_params:
      model: foo/mixed
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
      weight: 1000
  - model_name: mystery
    litellm_params:
      model: foo/bar
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
  - model_name: azure-no-base
    litellm_params:
      model: azure/my-deployment
      api_key: ${UPSTREAM_KEY}
      api_version: "2024-10-21"
  - model_name: databricks-no-base
    litellm_params:
      model: databricks/dbrx-instruct
      api_key: ${UPSTREAM_KEY}
router_settings:
  num_retries: 2
general_settings:
  master_key: ${MASTER_KEY}
`, [], { AZURE_API_BASE: '', DATABRICKS_API_BASE: '' });
  });
  after(() => stop(gw, mock));

  test('start-up warns once per deployment, naming it and its provider', async () => {
    const warnings = gw.stderr().split('\n');
    const about = (text) => warnings.filter((l) => l.includes(text));
    assert.equal(about('unknown provider "foo"').length, 2, gw.stderr());
    assert.equal(about('"mystery"').length, 1, gw.stderr());
    assert.match(about('"mystery"')[0], /model_list\[3\]\.litellm_params\.model/);
    assert.match(about('"mystery"')[0], /unknown provider "foo"/);
    assert.equal(about('"azure-no-base"').length, 1, gw.stderr());
    assert.match(about('"azure-no-base"')[0], /api_base.*"azure".*AZURE_API_BASE/);
    assert.equal(about('"databricks-no-base"').length, 1, gw.stderr());
  });

  test('in a group with a callable deployment, the uncallable one is never picked', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await post(gw, '/v1/chat/completions', chatBody('mixed'));
      assert.equal(r.status, 200, 'the heavily weighted unknown-provider deployment is skipped');
    }
  });

  test('a call to an unknown provider is a 400 naming it, not retried', async () => {
    await fetch(`${mock.base}/mock/reset`, { method: 'POST' });  // the test above used it
    const r = await post(gw, '/v1/chat/completions', chatBody('mystery'));
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-litellm-attempted-retries'), '0');
    const { error } = await r.json();
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /unknown provider "foo"/);
    assert.match(error.message, /mystery/);
    assert.equal((await mockStats(mock)).requests, 0, 'nothing reached the upstream');
  });

  test('a call to azure or databricks without api_base is a 400 naming the missing api_base', async () => {
    for (const [group, variable] of [['azure-no-base', 'AZURE_API_BASE'], ['databricks-no-base', 'DATABRICKS_API_BASE']]) {
      const r = await post(gw, '/v1/chat/completions', chatBody(group));
      assert.equal(r.status, 400, group);
      const { error } = await r.json();
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /api_base/);
      assert.match(error.message, new RegExp(variable));
      assert.ok(!error.message.includes(UPSTREAM_KEY));
    }
  });

  test('the Anthropic endpoint gets the same 400 in its own shape', async () => {
    const r = await post(gw, '/v1/messages', {
      model: 'mystery', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.type, 'error');
    assert.match(body.error.message, /unknown provider "foo"/);
  });

  test('the other deployments are served, and listings include every deployment', async () => {
    const r = await post(gw, '/v1/chat/completions', chatBody('good'));
    assert.equal(r.status, 200);
    const auth = { authorization: `Bearer ${MASTER_KEY}` };
    const models = await (await fetch(`${gw.url}/v1/models`, { headers: auth })).json();
    assert.deepEqual(models.data.map((m) => m.id).sort(),
      ['azure-no-base', 'databricks-no-base', 'good', 'mixed', 'mystery']);
    const infoResponse = await fetch(`${gw.url}/model/info`, { headers: auth });
    assert.equal(infoResponse.status, 200);
    const info = await infoResponse.json();
    assert.equal(info.data.length, 6);  // mixed has two deployments
    assert.equal(info.data.find((d) => d.model_name === 'mystery').litellm_params.model, 'foo/bar');
  });
});
