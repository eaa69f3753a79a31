// A throwaway PostgreSQL 15 server for tests: initdb in a temp dir, listening
// on 127.0.0.1 at a free port, its socket in that dir, stopped (and the dir
// removed) by stop(). Run as `nobody` when the tests run as root (PostgreSQL
// refuses root). The same data dir and port survive stop()/start(), so tests
// can take the database away under a running gateway and bring it back.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.ROUTEIQ_PG_BIN ?? '/usr/lib/postgresql/15/bin';

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

function runAs() {
  if (process.getuid() !== 0) return {};
  const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function check(result, what) {
  if (result.error) throw new Error(`${what}: ${result.error.message} (is postgresql-15 installed? scripts/install-deps.sh)`);
  if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr}`);
}

export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'routeiq-pg-'));
  const user = runAs();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  check(spawnSync(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8',
    '--locale=C', '--no-sync'], { encoding: 'utf8', ...user }), 'initdb');
  const port = await freePort();
  appendFileSync(join(data, 'postgresql.conf'), `
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${dir}'
fsync = off
dynamic_shared_memory_type = mmap
`);
  const pg = { dir, port, url: `postgresql://postgres@127.0.0.1:${port}/routeiq`, child: null };
  pg.start = async () => {
    pg.child = spawn(join(BIN, 'postgres'), ['-D', data], { stdio: 'ignore', ...user });
    for (let i = 0; i < 200; i++) {
      const ready = spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      if (ready.status === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('postgres did not start');
  };
  // SIGKILL: the database vanishes as a crashed server does, mid-query.
  pg.kill = () => new Promise((resolve) => {
    if (!pg.child || pg.child.exitCode !== null) return resolve();
    pg.child.once('exit', () => {
      // Its worker processes follow the postmaster; wait until the port is free.
      setTimeout(resolve, 300);
    });
    pg.child.kill('SIGKILL');
  });
  pg.stop = async () => {
    await pg.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  await pg.start();
  check(spawnSync(join(BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'routeiq'],
    { encoding: 'utf8' }), 'createdb');
  return pg;
}
