"""A throwaway PostgreSQL 15 server for benchmarks: initdb in a temp dir,
listening on 127.0.0.1 at a free port, stopped and removed by stop(). Runs as
`nobody` when the benchmark runs as root (PostgreSQL refuses root), like the
tests' tests/integration/postgres.mjs."""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN = Path(os.environ.get("ROUTEIQ_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_nobody():
    if os.getuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid}


class Postgres:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="routeiq-bench-pg-"))
        self.user = _as_nobody()
        if self.user:
            os.chown(self.dir, self.user["user"], self.user["group"])
        self.data = self.dir / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/routeiq"
        self.log = self.dir / "postgres.log"
        self.proc = None

    def start(self):
        subprocess.run([BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E",
                        "UTF8", "--locale=C", "--no-sync"], check=True, capture_output=True,
                       **self.user)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                       "dynamic_shared_memory_type = mmap\nlogging_collector = off\n")
        log = open(self.log, "wb")
        if self.user:
            os.chown(self.log, self.user["user"], self.user["group"])
        self.proc = subprocess.Popen([BIN / "postgres", "-D", self.data], stdout=log,
                                     stderr=subprocess.STDOUT, **self.user)
        for _ in range(200):
            if subprocess.run([BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("postgres did not start")
        self.psql("postgres", "CREATE DATABASE routeiq")
        return self

    def psql(self, database, sql):
        out = subprocess.run([BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                              "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c",
                              sql], check=True, capture_output=True, text=True)
        return out.stdout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
