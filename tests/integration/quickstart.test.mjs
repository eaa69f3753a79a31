// config/quickstart.yaml as written, on a machine with no provider key: what
// `make run` serves. The README's curl and the one the start-up log prints get
// an answer; the learned demo router routes; the rate-limited demo falls back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, post, quickstartMockText, sleep, startQuickstart, stop } from './lib.mjs';

const KEY = 'sk-routeiq-local';
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

// The curl commands of the README's sh blocks, continuation lines joined.
function readmeCurls() {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.startsWith('curl ')));
}

function runShell(command) {
  return execFileSync('bash', ['-c', command], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('the quickstart config with no provider key', () => {
  let gw;
  before(async () => {
    gw = await startQuickstart();
  });
  after(() => stop(gw));

  test("the README's first screen shows the demo curl first, then a real model", () => {
    const curls = readmeCurls();
    const demo = curls.findIndex((c) => c.includes('"model": "demo"'));
    const real = curls.findIndex((c) => c.includes('"model": "gpt-4o-mini"'));
    assert.ok(demo === 0, `the first curl is not the demo one: ${curls[0]}`);
    assert.ok(real > demo, 'a curl for gpt-4o-mini follows');
    const firstScreen = readme.split('\n').slice(0, 40).join('\n');
    assert.ok(firstScreen.includes('"model": "demo"') && firstScreen.includes('"model": "gpt-4o-mini"'));
  });

  test("the README's curl gets the demo answer", () => {
    const curl = readmeCurls().find((c) => c.includes('"model": "demo"'));
    const out = JSON.parse(runShell(curl.replace('localhost:4000', `127.0.0.1:${gw.port}`)));
    assert.equal(out.object, 'chat.completion');
    assert.equal(out.model, 'demo');
    assert.equal(out.choices[0].message.content, quickstartMockText('demo'));
    assert.ok(out.usage.total_tokens > 0);
  });

  test('the start-up log names the key the real groups need and prints a curl that works', async () => {
    for (let i = 0; i < 100 && !gw.stderr().includes(' try: curl '); i++) await sleep(50);
    const log = gw.stderr();
    assert.match(log, /model groups gpt-4o, gpt-4o-mini need OPENAI_API_KEY, which is not set/);
    assert.match(log, /need no provider key: demo, demo-rate-limited, demo-fast, demo-smart, demo-auto/);
    // No warning but the two unset OpenAI keys: the demo groups need neither key nor api_base.
    const warnings = log.split('\n').filter((l) => / WARN /.test(l));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    for (const w of warnings) assert.match(w, /OPENAI_API_KEY is not set/);
    const line = log.split('\n').find((l) => l.includes(' try: curl '));
    assert.ok(line, log);
    const curl = line.slice(line.indexOf('curl '));
    assert.ok(curl.includes(`127.0.0.1:${gw.port}/v1/chat/completions`), curl);
    assert.ok(curl.includes('"model": "demo"'), curl);
    const out = JSON.parse(runShell(curl));
    assert.equal(out.choices[0].message.content, quickstartMockText('demo'));
  });

  test('demo-auto routes each bundled example as its scores say', async () => {
    const data = readFileSync(join(gw.dir, 'build', 'quickstart', 'demo-data.jsonl'), 'utf8')
      .trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(data.length >= 4);
    const seen = new Set();
    for (const row of data) {
      // Only the strong model right: the strong group; both right (or both wrong): the cheap one.
      const strongOnly = row.scores['gpt-4-1106-preview'] > row.scores['mistralai/Mixtral-8x7B-Instruct-v0.1'];
      const expected = strongOnly ? 'demo-smart' : 'demo-fast';
      const r = await post(gw, '/v1/chat/completions',
        { model: 'demo-auto', messages: [{ role: 'user', content: row.query }] }, { key: KEY });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-routeiq-routed-model'), expected, row.id);
      assert.match(r.headers.get('x-routeiq-router'), /^demo-auto\/[0-9a-f]{12}$/);
      assert.equal((await r.json()).choices[0].message.content, quickstartMockText(expected));
      seen.add(expected);
    }
    assert.deepEqual([...seen].sort(), ['demo-fast', 'demo-smart'], 'the sample routes both ways');
    // Price first: every question goes to the cheap model.
    const cheap = await post(gw, '/v1/chat/completions',
      { model: 'demo-auto', messages: [{ role: 'user', content: data.find((d) => d.scores['gpt-4-1106-preview'] === 1 && d.scores['mistralai/Mixtral-8x7B-Instruct-v0.1'] === 0).query }] },
      { key: KEY, headers: { 'x-routeiq-cost-weight': '50' } });
    assert.equal(cheap.headers.get('x-routeiq-routed-model'), 'demo-fast');
  });

  test('demo-rate-limited is retried, then falls back to demo', async () => {
    const r = await post(gw, '/v1/chat/completions',
      { model: 'demo-rate-limited', messages: [{ role: 'user', content: 'Hi' }] }, { key: KEY });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(r.headers.get('x-litellm-model-group'), 'demo');
    assert.equal((await r.json()).choices[0].message.content, quickstartMockText('demo'));
    const alone = await post(gw, '/v1/chat/completions',
      { model: 'demo-rate-limited', disable_fallbacks: true, messages: [{ role: 'user', content: 'Hi' }] },
      { key: KEY });
    assert.equal(alone.status, 429);
    assert.equal(alone.headers.get('x-litellm-attempted-retries'), '2');
  });
});
