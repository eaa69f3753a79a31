// A throwaway Redis 7 server for tests: redis-server from Debian's package on
// 127.0.0.1 at a free port, no persistence, its files in a temp dir; stopped
// (and the dir removed) by stop(). stop() and start() keep the port, so tests
// can take Redis away under running gateways and bring it back.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis({ password } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'routeiq-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (password) args.push('--requirepass', password);
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  const redis = { dir, port, url: `redis://${auth}127.0.0.1:${port}/0`, child: null };
  redis.cli = (...command) => {
    const r = spawnSync('redis-cli', ['-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), ...command], { encoding: 'utf8' });
    if (r.error) throw new Error(`redis-cli: ${r.error.message} (is redis-server installed? scripts/install-deps.sh)`);
    return r.stdout.trim();
  };
  redis.start = async () => {
    redis.child = spawn('redis-server', args, { stdio: 'ignore' });
    redis.child.once('error', () => {});
    for (let i = 0; i < 200; i++) {
      try {
        if (redis.cli('ping') === 'PONG') return;
      } catch (e) {
        if (i === 0 && /not installed/.test(e.message)) throw e;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('redis-server did not start');
  };
  redis.stop = () =>
    new Promise((resolve) => {
      const child = redis.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  redis.remove = async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  await redis.start();
  return redis;
}
