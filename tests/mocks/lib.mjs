// Test-side helpers for the node provider mocks: start one as a process (port
// 0, read back from its first line) and talk to its /mock/* routes.
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { join } from 'node:path';
import { startProcess, stop } from '../integration/lib.mjs';

export const MOCKS_DIR = import.meta.dirname;

// startNodeMock('anthropic', {api_key: 'k'}) -> {child, port, base, name}
export async function startNodeMock(name, settings = {}) {
  const flags = [];
  for (const [key, value] of Object.entries(settings)) {
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    flags.push(`--${key.replaceAll('_', '-')}`, text);
  }
  const p = await startProcess(process.execPath, [join(MOCKS_DIR, `${name}.mjs`), '--port', '0', ...flags]);
  return { ...p, name, base: `http://127.0.0.1:${p.port}` };
}

export async function stats(mock) {
  return (await fetch(`${mock.base}/mock/stats`)).json();
}

export async function configure(mock, settings) {
  const r = await fetch(`${mock.base}/mock/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!r.ok) throw new Error(`mock config failed: ${await r.text()}`);
  return r.json();
}

export async function reset(mock) {
  await fetch(`${mock.base}/mock/reset`, { method: 'POST' });
}

// --- AWS helpers built on the official libraries (for checking the Bedrock mock) ---

// Signs a request like the AWS SDKs do; returns the headers to send.
export async function awsSign({ url, method = 'POST', headers = {}, body = '', credentials, region = 'us-east-1', service = 'bedrock', date }) {
  const u = new URL(url);
  const request = new HttpRequest({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port) || undefined,
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers: { host: u.host, ...headers },
    body,
  });
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(request, date ? { signingDate: date } : {});
  const out = { ...signed.headers };
  delete out.host; // fetch sets it from the URL
  return out;
}

// Splits an application/vnd.amazon.eventstream body into messages (CRCs checked
// by the official codec): [{headers: {name: value}, payload: parsed JSON}].
export function decodeEventStream(bytes) {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const buf = Buffer.from(bytes);
  const messages = [];
  for (let offset = 0; offset < buf.length; ) {
    const length = buf.readUInt32BE(offset);
    const m = codec.decode(new Uint8Array(buf.subarray(offset, offset + length)));
    const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.value]));
    messages.push({ headers, payload: JSON.parse(toUtf8(m.body)) });
    offset += length;
  }
  return messages;
}

// Like stop() of tests/integration/lib.mjs, but also for processes that already
// died of a signal (a crashed gateway must not hang the after() hooks).
export function stopAll(...procs) {
  return stop(...procs.filter((p) => p && p.child.exitCode === null && p.child.signalCode === null));
}
