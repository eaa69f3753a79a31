#!/usr/bin/env python3
"""Cold virtual keys among many: how long the first request with a key takes
when the store holds 100k keys (each with a team and a user), against the same
key once cached, on SQLite and on PostgreSQL; and, on PostgreSQL, how many
statements a cold key costs (counted in the server's statement log).

    python3 bench/cold_keys.py [--keys 100000] [--sample 1000] [--backends sqlite,postgresql]

Needs build/routeiq and build/mock-provider (`make bench` builds them). Writes
bench/results/<date>-cold-keys.json.
"""
import argparse
import datetime
import hashlib
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from harness import Service  # noqa: E402
from pg import Postgres  # noqa: E402

MASTER_KEY = "sk-bench-master"
MODEL = "bench-model"


def log(message):
    print(f"[cold-keys] {message}", file=sys.stderr, flush=True)


def start(argv, workdir, name):
    service = Service(name, argv, workdir)
    port = service.wait_listening(15)
    if port is None:
        raise RuntimeError(f"{name} did not start: {service.log_tail()}")
    return service, port


def request(conn, path, body, key):
    conn.request("POST", path, json.dumps(body),
                 {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    res = conn.getresponse()
    data = res.read()
    if res.status != 200:
        raise RuntimeError(f"{path}: HTTP {res.status}: {data[:300]!r}")
    return json.loads(data)


def key_of(i):
    return f"sk-bench-cold-{i:08d}"


def doc_of():
    return {"key_name": "sk-...cold", "models": [MODEL], "user_id": "bench-user",
            "team_id": "bench-team", "key_type": "default", "allowed_routes": [],
            "blocked": False, "expires": None, "spend": 0.0, "metadata": {}, "aliases": {}}


def fill_sqlite(path, n):
    db = sqlite3.connect(path, timeout=30)
    doc = json.dumps(doc_of())
    rows = ((hashlib.sha256(key_of(i).encode()).hexdigest(), doc, None, "bench-user",
             "bench-team", None, 0, 0) for i in range(n))
    db.executemany("INSERT INTO routeiq_keys (id, doc, key_alias, user_id, team_id, "
                   "organization_id, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()


def fill_postgres(pg, n):
    doc = json.dumps(doc_of()).replace("'", "''")
    pg.psql("routeiq", f"""INSERT INTO routeiq_keys (id, doc, user_id, team_id, created_ms, updated_ms)
        SELECT encode(sha256(convert_to('sk-bench-cold-' || lpad(i::text, 8, '0'), 'UTF8')), 'hex'),
               '{doc}'::jsonb, 'bench-user', 'bench-team', 0, 0
        FROM generate_series(0, {n - 1}) AS i; ANALYZE routeiq_keys;""")


def chat(conn, key):
    t0 = time.perf_counter()
    request(conn, "/v1/chat/completions",
            {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}, key)
    return (time.perf_counter() - t0) * 1e6


def summary(samples):
    s = sorted(samples)
    return {"p50_us": round(s[len(s) // 2], 1), "p90_us": round(s[int(len(s) * 0.9)], 1),
            "mean_us": round(statistics.fmean(s), 1)}


def count_statements(pg, conn, keys):
    """Statements the gateway sends for `keys` cold keys, from PostgreSQL's log."""
    pg.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'")
    pg.psql("postgres", "SELECT pg_reload_conf()")
    time.sleep(0.5)
    start = pg.log.stat().st_size
    for key in keys:
        chat(conn, key)
    time.sleep(0.5)
    pg.psql("postgres", "ALTER SYSTEM SET log_statement = 'none'")
    pg.psql("postgres", "SELECT pg_reload_conf()")
    with open(pg.log, "rb") as f:
        f.seek(start)
        text = f.read().decode(errors="replace")
    lines = [l for l in text.splitlines() if ("statement:" in l or "execute" in l) and "routeiq_" in l]
    return len(lines) / len(keys), lines[:1]


def run_backend(args, backend, mock_port, workdir):
    pg = Postgres().start() if backend == "postgresql" else None
    url = pg.url if pg else f"sqlite://{workdir}/cold.db"
    config = Path(workdir) / f"{backend}.yaml"
    config.write_text(f"""model_list:
  - model_name: {MODEL}
    litellm_params:
      model: openai/{MODEL}
      api_base: http://127.0.0.1:{mock_port}/v1
      api_key: sk-bench
general_settings:
  master_key: {MASTER_KEY}
  database_url: "{url}"
""")
    gw = None
    try:
        gw, port = start([args.routeiq, "serve", "--config", str(config), "--port", "0"], workdir,
                         f"routeiq-{backend}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # The team and user every key belongs to (the store migrates on first use).
        request(conn, "/team/new", {"team_id": "bench-team", "models": [MODEL]}, MASTER_KEY)
        request(conn, "/user/new", {"user_id": "bench-user", "auto_create_key": False}, MASTER_KEY)
        t0 = time.monotonic()
        if pg:
            fill_postgres(pg, args.keys)
        else:
            fill_sqlite(f"{workdir}/cold.db", args.keys)
        log(f"{backend}: {args.keys} keys stored in {time.monotonic() - t0:.1f} s")
        picked = random.Random(7).sample(range(args.keys), args.sample + 200)
        keys = [key_of(i) for i in picked]
        result = {"keys_stored": args.keys, "sample": args.sample}
        if pg:
            per_key, example = count_statements(pg, conn, keys[args.sample:])
            result["statements_per_cold_key"] = round(per_key, 2)
            result["statement_example"] = example
        cold = [chat(conn, k) for k in keys[:args.sample]]
        warm = [chat(conn, k) for k in keys[:args.sample]]
        result["cold"] = summary(cold)
        result["warm"] = summary(warm)
        result["cold_minus_warm_p50_us"] = round(result["cold"]["p50_us"] - result["warm"]["p50_us"], 1)
        conn.close()
        return result
    finally:
        if gw:
            gw.stop()
        if pg:
            pg.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--routeiq", default=os.environ.get("ROUTEIQ_BIN", str(ROOT / "build/routeiq")))
    p.add_argument("--mock", default=os.environ.get("MOCK_PROVIDER_BIN", str(ROOT / "build/mock-provider")))
    p.add_argument("--keys", type=int, default=100_000)
    p.add_argument("--sample", type=int, default=1000, help="cold keys timed per backend")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    workdir = tempfile.mkdtemp(prefix="routeiq-cold-keys-")
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "backends": {}}
    mock = None
    try:
        mock, mock_port = start([args.mock, "--port", "0", "--name", "cold"], workdir, "mock")
        for backend in args.backends.split(","):
            report["backends"][backend] = run_backend(args, backend, mock_port, workdir)
            log(f"{backend}: {json.dumps(report['backends'][backend])}")
    finally:
        if mock:
            mock.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    out = Path(args.out) if args.out else (
        ROOT / "bench/results" / f"{datetime.date.today().isoformat()}-cold-keys.json")
    out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
