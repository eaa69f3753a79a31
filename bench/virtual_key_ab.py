#!/usr/bin/env python3
"""Master key against virtual key on the same gateway process, alternating.

The whole-gateway benchmark (harness.py) starts a new gateway per variant, so
two variants differ by whatever else the machine did in between. Here one
gateway (pinned to one core) serves both keys: wrk runs alternate between the
master key and a cached virtual key, round after round, and each run's ok
requests per second and the gateway's CPU time per request (utime+stime from
/proc) are kept. The ratios of the medians are the cost of the virtual key.

  python3 bench/virtual_key_ab.py [--postgres] [--rounds 16] [--duration 3]

Writes bench/results/<date>-virtual-key-ab-<backend>.json.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from pg import Postgres  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    env = os.environ.get
    p.add_argument("--routeiq", default=env("ROUTEIQ_BIN", str(harness.ROOT / "build/routeiq")))
    p.add_argument("--mock", default=env("MOCK_PROVIDER_BIN", str(harness.ROOT / "build/mock-provider")))
    p.add_argument("--wrk", default=env("WRK_BIN", "wrk"))
    p.add_argument("--rounds", type=int, default=16)
    p.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--postgres", action="store_true", help="the key store in PostgreSQL 15")
    p.add_argument("--gateway-threads", type=int, default=None,
                   help="routeiq serve --threads (default: its own, one per core)")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    args.virtual_key = False  # harness.start_routeiq must not make the key: done here
    args.chunk_rate = 2000
    return args


def one_run(args, workdir, key, port, pid):
    harness.CLIENT_KEY = key
    script = harness.wrk_script(workdir)
    before = harness.cpu_seconds(pid)
    result = harness.run_wrk(args, script, port, args.duration)
    cpu = harness.cpu_seconds(pid) - before
    ok = result["requests"] - result["non_2xx"]
    if ok == 0 or result["non_2xx"]:
        raise RuntimeError(f"{result['non_2xx']} failed answers with key {key[:6]}...")
    return {"ok_rps": ok / result["seconds"], "cpu_us_per_request": cpu * 1e6 / ok,
            "latency_p50_us": result.get("latency_p50_us")}


def summary(runs):
    return {metric: statistics.median(r[metric] for r in runs)
            for metric in ("ok_rps", "cpu_us_per_request", "latency_p50_us")}


def main():
    args = parse_args()
    postgres = Postgres().start() if args.postgres else None
    workdir = tempfile.mkdtemp(prefix="routeiq-bench-ab-")
    services = []
    try:
        if postgres:
            harness.DATABASE_URL = postgres.url
        mock, mock_port = harness.start_mock(args, workdir)
        services.append(mock)
        harness.repin(mock.proc.pid, harness.LOAD_CORE)
        gateway, port = harness.start_routeiq(args, workdir, mock_port)
        services.append(gateway)
        harness.make_virtual_key(port)
        virtual = harness.CLIENT_KEY
        keys = {"master": harness.MASTER_KEY, "virtual": virtual}
        runs = {"master": [], "virtual": []}
        one_run(args, workdir, virtual, port, gateway.measured_pid)  # warm-up, key cached
        for i in range(args.rounds):
            order = ("master", "virtual") if i % 2 == 0 else ("virtual", "master")
            for name in order:
                runs[name].append(one_run(args, workdir, keys[name], port, gateway.measured_pid))
            harness.log(f"round {i + 1}: master {runs['master'][-1]['ok_rps']:.0f} rps, "
                        f"virtual {runs['virtual'][-1]['ok_rps']:.0f} rps")
        med = {name: summary(r) for name, r in runs.items()}
        report = {
            "date": datetime.date.today().isoformat(),
            "backend": "postgresql" if postgres else "sqlite",
            "machine": harness.machine_info(),
            "rounds": args.rounds, "duration_s": args.duration, "connections": args.connections,
            "median": med,
            "virtual_over_master": {
                "throughput": med["virtual"]["ok_rps"] / med["master"]["ok_rps"],
                "cpu_per_request": med["virtual"]["cpu_us_per_request"]
                / med["master"]["cpu_us_per_request"],
            },
            # Each round's own ratio: slow drifts of the machine cancel out.
            "paired_median": {
                "throughput": statistics.median(
                    v["ok_rps"] / m["ok_rps"] for m, v in zip(runs["master"], runs["virtual"])),
                "cpu_per_request": statistics.median(
                    v["cpu_us_per_request"] / m["cpu_us_per_request"]
                    for m, v in zip(runs["master"], runs["virtual"])),
            },
            "added_cpu_us_per_request": med["virtual"]["cpu_us_per_request"]
            - med["master"]["cpu_us_per_request"],
            "runs": runs,
        }
        out = Path(args.out or harness.ROOT / "bench/results" /
                   f"{report['date']}-virtual-key-ab-{report['backend']}.json")
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps({k: report[k] for k in ("backend", "median", "virtual_over_master", "paired_median",
                                                 "added_cpu_us_per_request")}, indent=2))
        harness.log(f"wrote {out}")
    finally:
        for service in reversed(services):
            service.stop()
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    main()
