// Learned routing end to end: `routeiq train` on synthetic data whose best
// routing is known, the gateway serving the trained router, and hot reload
// of a new model under load.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  MASTER_KEY, ROUTEIQ_BIN, UPSTREAM_KEY, chatBody, post, sleep, startGateway, startMock, stop,
} from './lib.mjs';

const HARD = ['prove', 'theorem', 'integral', 'derive', 'lemma', 'eigenvalue', 'topology', 'manifold'];
const EASY = ['capital', 'colour', 'weather', 'greeting', 'animal', 'fruit', 'holiday', 'city'];

function prompt(words, i) {
  const pick = (k) => words[(i * 7 + k * 3) % words.length];
  return `Please ${pick(0)} the ${pick(1)} about ${pick(2)} number ${i}`;
}

// Hard prompts: only the strong model answers well. Easy ones: both do, so the
// cheaper weak model is the right choice.
function writeDataset(dir, variant) {
  const rows = [];
  for (let i = 0; i < 120; i++) {
    rows.push({ id: `h${i}`, query: prompt(HARD, i + variant), scores: { 'strong-model': 1, 'weak-model': 0 } });
    rows.push({ id: `e${i}`, query: prompt(EASY, i + variant), scores: { 'strong-model': 1, 'weak-model': 1 } });
  }
  const path = join(dir, `data-${variant}.jsonl`);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

function writePrices(dir) {
  const path = join(dir, 'llm_candidates.json');
  writeFileSync(path, JSON.stringify({
    'strong-model': { size: '400B', feature: 'strong', input_price: 10, output_price: 30, model: 'strong', service: 'x' },
    'weak-model': { size: '8B', feature: 'weak', input_price: 0.1, output_price: 0.1, model: 'weak', service: 'x' },
  }));
  return path;
}

function train(data, out, prices, seed) {
  const r = spawnSync(ROUTEIQ_BIN, ['train', '--router', 'knn', '--data', data, '--out', out,
    '--prices', prices, '--seed', String(seed)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
}

describe('learned routing in the gateway', () => {
  let dir, modelDir, prices, strong, weak, gw;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routeiq-learned-'));
    prices = writePrices(dir);
    modelDir = join(dir, 'model');
    train(writeDataset(dir, 0), modelDir, prices, 1);
    strong = await startMock('strong');
    weak = await startMock('weak');
    gw = await startGateway(`model_list:
  - model_name: strong-model
    litellm_params: {model: openai/strong-model, api_base: "${strong.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: weak-model
    litellm_params: {model: openai/weak-model, api_base: "${weak.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: pool
    litellm_params: {model: openai/strong-model, api_base: "${strong.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: pool
    litellm_params: {model: openai/weak-model, api_base: "${weak.base}/v1", api_key: ${UPSTREAM_KEY}}
  - model_name: auto
    litellm_params:
      model: routeiq/knn
      candidates: [strong-model, weak-model]
      model_path: "${modelDir}"
      llm_data_path: "${prices}"
      cost_weight: 0.2
      hot_reload: true
      reload_interval: 0.2
router_settings:
  routing_strategy: llmrouter-knn
  routing_strategy_args:
    model_path: "${modelDir}"
    llm_data_path: "${prices}"
    cost_weight: 0.2
general_settings:
  master_key: ${MASTER_KEY}
`);
  });
  after(() => stop(gw, strong, weak));

  async function routedTo(model, text, headers = {}) {
    const r = await post(gw, '/v1/chat/completions',
      { model, messages: [{ role: 'user', content: text }] }, { headers });
    assert.equal(r.status, 200, await r.clone().text());
    const body = await r.json();
    return { reply: body.choices[0].message.content, headers: r.headers };
  }

  test('a router group sends hard prompts to the strong model and easy ones to the weak one', async () => {
    for (let i = 500; i < 510; i++) {
      const hard = await routedTo('auto', prompt(HARD, i));
      assert.equal(hard.reply, 'mock reply from strong: strong-model');
      assert.equal(hard.headers.get('x-routeiq-routed-model'), 'strong-model');
      assert.match(hard.headers.get('x-routeiq-router'), /^auto\/[0-9a-f]{12}$/);
      const easy = await routedTo('auto', prompt(EASY, i));
      assert.equal(easy.reply, 'mock reply from weak: weak-model');
    }
  });

  test('the llmrouter-knn strategy picks the deployment inside a group', async () => {
    const hard = await routedTo('pool', prompt(HARD, 900));
    assert.equal(hard.reply, 'mock reply from strong: strong-model');
    assert.match(hard.headers.get('x-routeiq-router'), /^llmrouter-knn\//);
    const easy = await routedTo('pool', prompt(EASY, 900));
    assert.equal(easy.reply, 'mock reply from weak: weak-model');
  });

  test('per-request trade-off: header and RouteLLM-style model names', async () => {
    // With cost weight 0 quality alone decides: on easy prompts both models tie, the cheaper wins;
    // a huge weight makes price dominate even for hard prompts.
    const cheap = await routedTo('auto', prompt(HARD, 700), { 'x-routeiq-cost-weight': '50' });
    assert.equal(cheap.reply, 'mock reply from weak: weak-model');
    const named = await routedTo('router-knn-50', prompt(HARD, 701));
    assert.equal(named.reply, 'mock reply from weak: weak-model');
    const quality = await routedTo('router-knn-0', prompt(HARD, 702));
    assert.equal(quality.reply, 'mock reply from strong: strong-model');
  });

  test('a hot reload under load loses no request, and a corrupt artifact is refused', async () => {
    const statusOf = async () => {
      const r = await fetch(`${gw.url}/hot-reload/status`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      return (await r.json()).routers.find((x) => x.name === 'auto');
    };
    const before = await statusOf();
    assert.ok(before.version && before.path === modelDir);

    const nextDir = join(dir, 'model-next');
    train(writeDataset(dir, 1), nextDir, prices, 2);
    let failures = 0;
    let done = 0;
    const load = (async () => {
      const workers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const r = await post(gw, '/v1/chat/completions', chatBody('auto'));
          if (r.status !== 200) failures++;
          await r.arrayBuffer();
          done++;
        }
      });
      await Promise.all(workers);
    })();
    await sleep(100);
    // Files are replaced one by one: a poll may see a mix, which must be refused.
    for (const f of readdirSync(nextDir)) cpSync(join(nextDir, f), join(modelDir, f));
    await load;
    assert.equal(done, 320);
    assert.equal(failures, 0);
    let after;
    for (let i = 0; i < 50; i++) {
      after = await statusOf();
      if (after.version !== before.version) break;
      await sleep(100);
    }
    assert.notEqual(after.version, before.version, 'the new model was loaded');
    assert.ok(after.reloads >= 1);

    // A corrupted artifact is refused and the current model keeps serving.
    const tensors = readdirSync(modelDir).find((f) => f.endsWith('.safetensors'));
    const bytes = readFileSync(join(modelDir, tensors));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(modelDir, tensors), bytes);
    let refused;
    for (let i = 0; i < 50; i++) {
      refused = await statusOf();
      if (refused.last_error) break;
      await sleep(100);
    }
    assert.ok(refused.last_error, 'the corrupt artifact was refused');
    assert.equal(refused.version, after.version);
    const still = await routedTo('auto', prompt(HARD, 42));
    assert.equal(still.reply, 'mock reply from strong: strong-model');

    // The good files come back (the version being served): the refusal is over.
    cpSync(join(nextDir, tensors), join(modelDir, tensors));
    let restored;
    for (let i = 0; i < 50; i++) {
      restored = await statusOf();
      if (restored.last_error === null) break;
      await sleep(100);
    }
    assert.equal(restored.last_error, null, 'last_error is cleared once the artifact is good again');
    assert.equal(restored.version, after.version);
  });
});

describe('learned routing configuration errors', () => {
  test('a missing model directory stops start-up with its name', async () => {
    const { writeConfig } = await import('./lib.mjs');
    const path = writeConfig(`model_list:
  - model_name: a
    litellm_params: {model: openai/a, api_base: "http://127.0.0.1:9/v1"}
router_settings:
  routing_strategy: llmrouter-knn
  routing_strategy_args: {model_path: /nonexistent/model}
`);
    const r = spawnSync(ROUTEIQ_BIN, ['serve', '--config', path, '--port', '0'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /llmrouter-knn/);
    assert.match(r.stderr, /\/nonexistent\/model/);
  });

  test('a reload_interval too large for milliseconds stops start-up', async () => {
    const { writeConfig } = await import('./lib.mjs');
    const path = writeConfig(`model_list:
  - model_name: a
    litellm_params: {model: openai/a, api_base: "http://127.0.0.1:9/v1"}
router_settings:
  routing_strategy: llmrouter-knn
  routing_strategy_args: {model_path: /nonexistent/model, hot_reload: true, reload_interval: 1e300}
`);
    const r = spawnSync(ROUTEIQ_BIN, ['serve', '--config', path, '--port', '0'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /reload_interval must be between 0 and 1000000 seconds/);
  });
});
