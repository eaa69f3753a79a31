// Test harness: real routeiq and mock-provider processes on 127.0.0.1, ports
// chosen by the kernel (port 0) and read back from each process's first line.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
export const ROUTEIQ_BIN = resolve(process.env.ROUTEIQ_BIN ?? join(root, 'build', 'routeiq'));
export const MOCK_BIN = process.env.MOCK_PROVIDER_BIN ?? join(root, 'build', 'mock-provider');
export const MASTER_KEY = 'sk-master-test-0123';
export const UPSTREAM_KEY = 'sk-upstream-secret-9876';

const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

// Starts a process and resolves once it prints `listening on host:port`.
// `env` adds to this process's environment, unless `inheritEnv` is false.
export function startProcess(bin, args, { env = {}, timeoutMs = 10_000, cwd, inheritEnv = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: inheritEnv ? { ...process.env, ...env } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not start in time: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on ([\d.]+|[\w.]+):(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[2]), stderr: () => err });
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code} before listening: ${err}`));
    });
  });
}

export async function startMock(name, flags = []) {
  const p = await startProcess(MOCK_BIN, ['--port', '0', '--name', name, '--threads', '1', ...flags]);
  return { ...p, name, base: `http://127.0.0.1:${p.port}` };
}

export function writeConfig(yaml) {
  const dir = mkdtempSync(join(tmpdir(), 'routeiq-test-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return path;
}

export async function startGateway(yaml, extraArgs = [], env = {}) {
  const path = writeConfig(yaml);
  const p = await startProcess(
    ROUTEIQ_BIN,
    ['serve', '--config', path, '--port', '0', '--host', '127.0.0.1', '--threads', '2', ...extraArgs],
    { env },
  );
  return { ...p, url: `http://127.0.0.1:${p.port}` };
}

// This process's environment without any provider key or base URL variable
// (OPENAI_API_KEY, ANTHROPIC_API_BASE, AWS_*, ...): a machine with no provider set up.
export function envWithoutProviders() {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/(_API_KEY|_API_BASE|_API_VERSION)$|^AWS_|^GOOGLE_|^AZURE_/.test(k)) env[k] = v;
  return env;
}

export const REPO_ROOT = root;
export const QUICKSTART = join(root, 'config', 'quickstart.yaml');

// config/quickstart.yaml as written, as `make run` serves it: the demo router
// trained by scripts/train-quickstart-router.sh into build/quickstart of the
// directory routeiq runs in (a fresh temporary one), no provider variable set.
export async function startQuickstart() {
  const dir = mkdtempSync(join(tmpdir(), 'routeiq-quickstart-'));
  const trained = spawnSync('bash', [join(root, 'scripts', 'train-quickstart-router.sh'), ROUTEIQ_BIN,
    join(dir, 'build', 'quickstart')], { encoding: 'utf8', timeout: 120_000 });
  if (trained.status !== 0) throw new Error(`training the demo router failed: ${trained.stderr}`);
  const p = await startProcess(ROUTEIQ_BIN,
    ['serve', '--config', QUICKSTART, '--port', '0', '--host', '127.0.0.1', '--threads', '2'],
    { env: envWithoutProviders(), inheritEnv: false, cwd: dir });
  return { ...p, dir, url: `http://127.0.0.1:${p.port}` };
}

// The mock_response of a model group, as config/quickstart.yaml writes it.
export function quickstartMockText(group) {
  const yaml = readFileSync(QUICKSTART, 'utf8');
  const entry = yaml.split(/\n  - model_name: /).find((e) => e.startsWith(`${group}\n`));
  if (!entry) throw new Error(`no group ${group} in the quickstart`);
  const m = entry.match(/\n\s+mock_response: "(.*)"(\n|$)/);
  if (!m) throw new Error(`no mock_response for ${group} in the quickstart`);
  return m[1];
}

// A deployment entry pointing at a mock.
export function deployment(group, mock, extra = '') {
  return `  - model_name: ${group}
    litellm_params:
      model: openai/${group}
      api_base: ${mock.base}/v1
      api_key: ${UPSTREAM_KEY}
${extra}`;
}

export function stop(...procs) {
  return Promise.all(
    procs.filter(Boolean).map(
      (p) =>
        new Promise((res) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return res();
          p.child.once('exit', res);
          p.child.kill('SIGKILL');
        }),
    ),
  );
}

export function chatBody(model, extra = {}) {
  return { model, messages: [{ role: 'user', content: 'Say hello' }], ...extra };
}

// The JSON of a 200 answer; any other status fails the test with the body.
export async function ok(response) {
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

export async function post(gw, path, body, { key = MASTER_KEY, headers = {}, signal } = {}) {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

export async function mockStats(mock) {
  return (await fetch(`${mock.base}/mock/stats`)).json();
}

export async function mockConfig(mock, settings) {
  const r = await fetch(`${mock.base}/mock/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!r.ok) throw new Error(`mock config failed: ${await r.text()}`);
}

// Parses an SSE body into the JSON payloads of its data lines (and '[DONE]').
export function sseData(text) {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n'))
    .filter((d) => d.length > 0)
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}

export function contentOf(events) {
  return events
    .filter((e) => e !== '[DONE]' && e.choices?.length)
    .map((e) => e.choices[0].delta?.content ?? '')
    .join('');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
