#!/usr/bin/env python3
"""What cost, spend logs, budgets and rate limits add per request, measured A/B.

Two gateways of the same binary run side by side, both pinned to one core, in
front of one mock provider:

  off  the model has no price, general_settings.disable_spend_logs is on, and
       the virtual key has no budget and no limit: none of the features works.
  on   the model is priced (so every answer's cost is computed), spend-log rows
       are written to SQLite in batches, and the key, its team and its user
       each have a max_budget, the key an rpm_limit, tpm_limit and
       max_parallel_requests (all high enough never to refuse), so every
       request passes every check and is counted in every limit.

wrk runs alternate between the two, round after round, keeping each run's ok
requests per second and the gateway's CPU time per request (utime+stime from
/proc). The paired median of on/off is the cost of the features. With --soak N
the `on` gateway then serves N more seconds of load and its RSS is sampled
every 30 s (it should stay flat).

  python3 bench/spend_ab.py [--rounds 12] [--duration 3] [--soak 600]
                            [--plain-key | --no-spend-logs]

Writes bench/results/<date>-spend-ab.json.
"""
import argparse
import datetime
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

CONFIGS = {
    "off": """model_list:
  - model_name: {model}
    litellm_params: {{model: openai/{model}, api_base: "http://127.0.0.1:{mock_port}/v1", api_key: {upstream_key}}}
general_settings:
  master_key: {master_key}
  database_url: "sqlite://{workdir}/off.db"
  disable_spend_logs: true
""",
    "on": """model_list:
  - model_name: {model}
    litellm_params: {{model: openai/{model}, api_base: "http://127.0.0.1:{mock_port}/v1", api_key: {upstream_key}}}
    model_info: {{input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001}}
general_settings:
  master_key: {master_key}
  database_url: "sqlite://{workdir}/on.db"
""",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    env = os.environ.get
    p.add_argument("--routeiq", default=env("ROUTEIQ_BIN", str(harness.ROOT / "build/routeiq")))
    p.add_argument("--mock", default=env("MOCK_PROVIDER_BIN", str(harness.ROOT / "build/mock-provider")))
    p.add_argument("--wrk", default=env("WRK_BIN", "wrk"))
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--soak", type=int, default=0, help="seconds of load on `on` afterwards, RSS sampled")
    p.add_argument("--plain-key", action="store_true",
                   help="`on` uses a key without budgets or limits (what spend logs alone cost)")
    p.add_argument("--no-spend-logs", action="store_true",
                   help="`on` sets disable_spend_logs too (what the checks alone cost)")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    args.chunk_rate = 2000
    return args


def admin(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, json.dumps(body), {
            "Content-Type": "application/json", "Authorization": f"Bearer {harness.MASTER_KEY}"})
        res = conn.getresponse()
        answer = json.loads(res.read())
    finally:
        conn.close()
    if res.status != 200:
        raise RuntimeError(f"{path}: HTTP {res.status}: {answer}")
    return answer


def start_gateway(args, workdir, name, mock_port):
    config = Path(workdir) / f"{name}.yaml"
    text = CONFIGS[name]
    if name == "on" and args.no_spend_logs:
        text += "  disable_spend_logs: true\n"
    config.write_text(text.format(model=harness.MODEL, mock_port=mock_port, workdir=workdir,
                                           upstream_key=harness.UPSTREAM_KEY,
                                           master_key=harness.MASTER_KEY))
    argv = harness.pinned(harness.PROXY_CORE, [args.routeiq, "serve", "--config", str(config),
                                               "--port", "0"])
    service = harness.Service(f"routeiq-{name}", argv, workdir)
    port = service.wait_listening(10)
    if port is None:
        raise RuntimeError(f"routeiq ({name}) did not start: {service.log_tail()}")
    service.measured_pid = service.proc.pid
    return service, port


def make_key(port, name, plain=False):
    if name == "off" or plain:
        return admin(port, "/key/generate", {"models": [harness.MODEL]})["key"]
    admin(port, "/team/new", {"team_id": "bench-team", "max_budget": 1e9})
    admin(port, "/user/new", {"user_id": "bench-user", "max_budget": 1e9})
    return admin(port, "/key/generate", {
        "models": [harness.MODEL], "team_id": "bench-team", "user_id": "bench-user",
        "max_budget": 1e9, "rpm_limit": 1_000_000_000, "tpm_limit": 1_000_000_000_000,
        "max_parallel_requests": 100_000})["key"]


def one_run(args, workdir, key, port, pid, seconds):
    harness.CLIENT_KEY = key
    script = harness.wrk_script(workdir)
    before = harness.cpu_seconds(pid)
    result = harness.run_wrk(args, script, port, seconds)
    cpu = harness.cpu_seconds(pid) - before
    ok = result["requests"] - result["non_2xx"]
    if ok == 0 or result["non_2xx"]:
        raise RuntimeError(f"{result['non_2xx']} failed answers of {result['requests']}")
    return {"ok_rps": ok / result["seconds"], "cpu_us_per_request": cpu * 1e6 / ok,
            "latency_p50_us": result.get("latency_p50_us")}


def soak(args, workdir, key, port, pid, seconds):
    samples = []
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        run = one_run(args, workdir, key, port, pid, 30)
        samples.append({"t_s": round(time.monotonic() - start), "ok_rps": round(run["ok_rps"]),
                        **{k: round(v, 1) for k, v in harness.memory_mb(pid).items()}})
        harness.log(f"soak {samples[-1]}")
    return samples


def paired(runs, metric):
    return statistics.median(b[metric] / a[metric] for a, b in zip(runs["off"], runs["on"]))


def main():
    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="routeiq-bench-spend-")
    services = []
    try:
        mock, mock_port = harness.start_mock(args, workdir)
        services.append(mock)
        harness.repin(mock.proc.pid, harness.LOAD_CORE)
        gateways, keys = {}, {}
        for name in ("off", "on"):
            service, port = start_gateway(args, workdir, name, mock_port)
            services.append(service)
            gateways[name] = (port, service.measured_pid)
            keys[name] = make_key(port, name, args.plain_key)
            one_run(args, workdir, keys[name], port, service.measured_pid, 2)  # warm-up
        runs = {"off": [], "on": []}
        for i in range(args.rounds):
            order = ("off", "on") if i % 2 == 0 else ("on", "off")
            for name in order:
                port, pid = gateways[name]
                runs[name].append(one_run(args, workdir, keys[name], port, pid, args.duration))
            harness.log(f"round {i + 1}: off {runs['off'][-1]['cpu_us_per_request']:.1f} us, "
                        f"on {runs['on'][-1]['cpu_us_per_request']:.1f} us")
        med = {name: {m: statistics.median(r[m] for r in rs)
                      for m in ("ok_rps", "cpu_us_per_request", "latency_p50_us")}
               for name, rs in runs.items()}
        report = {
            "date": datetime.date.today().isoformat(),
            "binary": args.routeiq,
            "machine": harness.machine_info(),
            "rounds": args.rounds, "duration_s": args.duration, "connections": args.connections,
            "median": med,
            "paired_median_on_over_off": {"throughput": paired(runs, "ok_rps"),
                                          "cpu_per_request": paired(runs, "cpu_us_per_request")},
            "added_cpu_us_per_request": statistics.median(
                b["cpu_us_per_request"] - a["cpu_us_per_request"]
                for a, b in zip(runs["off"], runs["on"])),
            "runs": runs,
        }
        if args.soak:
            port, pid = gateways["on"]
            report["soak_on"] = soak(args, workdir, keys["on"], port, pid, args.soak)
        out = Path(args.out or harness.ROOT / "bench/results" / f"{report['date']}-spend-ab.json")
        out.write_text(json.dumps(report, indent=2) + "\n")
        shown = ("median", "paired_median_on_over_off", "added_cpu_us_per_request")
        print(json.dumps({k: report[k] for k in shown}, indent=2))
        harness.log(f"wrote {out}")
    finally:
        for service in reversed(services):
            service.stop()


if __name__ == "__main__":
    main()
