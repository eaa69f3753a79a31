#!/usr/bin/env python3
"""Rate limits shared by three gateway instances through one Redis: how exact, how dear.

One redis-server (free port, temp dir, no persistence), one mock provider and
three `routeiq serve --threads 1` instances with the same config (one model
group on the mock, the master key, one SQLite key store in a temp dir,
router_settings.redis_url, ROUTEIQ_INSTANCES=3). Phases:

  rpm         a key with rpm_limit L; a paced open-loop client offers 2 x L requests
              per minute spread evenly over the three instances for --seconds and
              counts 200s, 429s and anything else per instance and per second. The
              client's seconds start on a whole second of Redis's clock (TIME), so
              they line up with the limiter's one-second buckets. Admitted in any 60
              consecutive seconds must be <= L and within 2% of L.
  tpm         the same with a key's tpm_limit T = --tpm-requests requests' worth of
              the mock's real tokens (read from a probe answer's usage); tokens
              admitted = sum of usage.total_tokens of the 200 answers, which must
              be >= T (tpm admits while the window is under T) and exceed T by at most
              the requests in flight when it was crossed.
  throughput  ONE instance pinned to one core with a key whose limits never refuse,
              with and without Redis: wrk runs alternate between the two gateways
              (both pinned to core 0; wrk, the mock and Redis on core 1); medians and
              the median of each round's own ratio (with Redis >= 70% of without).

  python3 bench/rate_limits_fleet.py                       # 60 s rpm, 60 s tpm, throughput
  python3 bench/rate_limits_fleet.py --quick               # smoke run: 10 s, small limits
  python3 bench/rate_limits_fleet.py --phases throughput   # one phase

Prints a table and writes bench/results/<date>-rate-limits-fleet.json. See bench/README.md.
"""
import argparse
import datetime
import http.client
import json
import math
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

INSTANCES = 3
ACCURACY = 0.02          # admitted within 2% of the limit
THROUGHPUT_RATIO = 0.70  # with Redis >= 70% of the no-Redis req/s
NEVER_REFUSES = {"rpm_limit": 1_000_000_000, "tpm_limit": 1_000_000_000_000}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    env = os.environ.get
    p.add_argument("--routeiq-bin", default=env("ROUTEIQ_BIN", str(harness.ROOT / "build/routeiq")))
    p.add_argument("--mock-bin", default=env("MOCK_PROVIDER_BIN", str(harness.ROOT / "build/mock-provider")))
    p.add_argument("--redis-server", default=env("REDIS_SERVER_BIN", shutil.which("redis-server") or "redis-server"))
    p.add_argument("--wrk", default=env("WRK_BIN", shutil.which("wrk") or "wrk"))
    p.add_argument("--phases", default="rpm,tpm,throughput", help="comma-separated subset")
    p.add_argument("--seconds", type=int, default=60, help="length of the rpm and tpm runs")
    p.add_argument("--rpm", type=int, default=6000, help="the key's rpm_limit (6000 = 100 rps)")
    p.add_argument("--tpm-requests", type=int, default=3000,
                   help="tpm_limit = this many requests' worth of the mock's real tokens")
    p.add_argument("--offered", type=float, default=2.0,
                   help="offered load over the limit (2 = twice the limit per minute)")
    p.add_argument("--client-connections", type=int, default=4,
                   help="keep-alive connections (one thread each) per instance")
    p.add_argument("--rounds", type=int, default=6, help="throughput: alternating wrk rounds")
    p.add_argument("--duration", type=int, default=5, help="throughput: seconds per wrk run")
    p.add_argument("--connections", type=int, default=64, help="throughput: wrk connections")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 10 s runs, rpm 600, tpm 300 requests' worth, 2 rounds x 2 s")
    p.add_argument("--out", default=None,
                   help="JSON path (default bench/results/<date>-rate-limits-fleet.json)")
    args = p.parse_args()
    if args.quick:
        args.seconds, args.rpm, args.tpm_requests = 10, 600, 300
        args.rounds, args.duration = 2, 2
    # What harness.start_mock reads.
    args.mock, args.chunk_rate = args.mock_bin, 2000
    return args


# ---------------------------------------------------------------- redis


def read_reply(f):
    line = f.readline()
    if not line:
        raise RuntimeError("redis closed the connection")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(f"redis: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode(errors="replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read_reply(f) for _ in range(n)]
    raise RuntimeError(f"redis: unexpected reply {line!r}")


def redis_call(port, *parts):
    """One command on its own connection (RESP by hand: the stdlib has no client)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        out = f"*{len(parts)}\r\n"
        for part in map(str, parts):
            out += f"${len(part.encode())}\r\n{part}\r\n"
        s.sendall(out.encode())
        with s.makefile("rb") as f:
            return read_reply(f)


def info_section(port, section):
    values = {}
    for line in redis_call(port, "INFO", section).splitlines():
        if ":" in line and not line.startswith("#"):
            key, _, value = line.partition(":")
            values[key] = value
    return values


def command_stats(port):
    """{command: {calls, usec, usec_per_call, ...}} from INFO commandstats."""
    stats = {}
    for key, value in info_section(port, "commandstats").items():
        fields = dict(item.split("=", 1) for item in value.split(","))
        stats[key.removeprefix("cmdstat_")] = {k: float(v) for k, v in fields.items()}
    return stats


def redis_clock_offset(port):
    """Redis TIME minus the local wall clock, from the midpoint of a round trip."""
    best = None
    for _ in range(5):
        before = time.time()
        sec, usec = redis_call(port, "TIME")
        after = time.time()
        sample = (after - before, int(sec) + int(usec) / 1e6 - (before + after) / 2)
        best = sample if best is None or sample[0] < best[0] else best
    return best[1]


def start_redis(args, workdir):
    port = harness.free_port()
    data = Path(workdir) / "redis"
    data.mkdir()
    argv = [args.redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(data)]
    service = harness.Service("redis", argv, workdir)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if redis_call(port, "PING") == "PONG":
                return service, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"redis-server did not start: {service.log_tail()}")


# ---------------------------------------------------------------- gateways


CONFIG = """model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_base: http://127.0.0.1:{mock_port}/v1
      api_key: {upstream_key}
{router}general_settings:
  master_key: {master_key}
  database_url: "sqlite://{db}"
"""


def start_gateway(args, workdir, name, mock_port, db, redis_port, core=None):
    """`routeiq serve --threads 1`; with redis_port, router_settings.redis_url."""
    router = f'router_settings:\n  redis_url: "redis://127.0.0.1:{redis_port}/0"\n' if redis_port else ""
    config = Path(workdir) / f"{name}.yaml"
    config.write_text(CONFIG.format(model=harness.MODEL, mock_port=mock_port, router=router,
                                    upstream_key=harness.UPSTREAM_KEY,
                                    master_key=harness.MASTER_KEY, db=db))
    # No REDIS_* from the caller's environment: only the config says whether Redis is used.
    argv = ["env", "-u", "REDIS_URL", "-u", "REDIS_HOST", "-u", "REDIS_PORT", "-u", "REDIS_PASSWORD",
            f"ROUTEIQ_INSTANCES={INSTANCES if redis_port else 1}",
            args.routeiq_bin, "serve", "--config", str(config), "--port", "0", "--threads", "1"]
    if core is not None:
        argv = harness.pinned(core, argv)
    service = harness.Service(name, argv, workdir)
    port = service.wait_listening(15)
    if port is None:
        tail = service.log_tail()
        service.stop()
        raise SystemExit(f"{name} did not print its port: {tail}")
    return service, port


def fallback_warnings(service):
    service.log_file.flush()
    return service.log_path.read_text(errors="replace").count("redis unreachable")


def redis_log_lines(service, limit=6):
    service.log_file.flush()
    lines = [line for line in service.log_path.read_text(errors="replace").splitlines()
             if "redis" in line.lower()]
    return lines[:limit]


def thread_cpu(pid):
    """{tid: utime + stime seconds} of every thread of `pid`."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = harness.cpu_seconds(f"{pid}/task/{task.name}")
        except OSError:
            pass
    return out


def request(port, method, path, body, key, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body if isinstance(body, str) else json.dumps(body),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        res = conn.getresponse()
        return res.status, res.read().decode(errors="replace")
    finally:
        conn.close()


def make_key(port, limits):
    status, body = request(port, "POST", "/key/generate", {"models": [harness.MODEL], **limits},
                           harness.MASTER_KEY)
    if status != 200:
        raise RuntimeError(f"/key/generate: HTTP {status}: {body[:300]}")
    return json.loads(body)["key"]


def wait_sharing(ports, timeout=20):
    """Until a key with rpm_limit 1 admits one request over all instances together."""
    body = harness.chat_body()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        key = make_key(ports[0], {"rpm_limit": 1})
        statuses = [request(port, "POST", "/v1/chat/completions", body, key)[0] for port in ports]
        if statuses.count(200) == 1 and statuses.count(429) == len(ports) - 1:
            return
        time.sleep(0.25)
    raise SystemExit(f"the instances do not share their limits through Redis (last: {statuses})")


# ---------------------------------------------------------------- paced client


class Pacer:
    """Open-loop client: request n leaves at start + (n + 0.5) / rate, for instance n % 3.

    Each instance gets `connections` keep-alive connections, one thread each, and
    request n goes on connection (n // instances) % connections of its instance, so
    every thread sends at fixed times and a slow answer delays only its own thread.
    Answers are counted by the second (since start) their request was sent in.
    """

    def __init__(self, ports, key, body, rate, seconds, connections, start_wall):
        self.ports, self.key, self.body = ports, key, body
        self.total = int(round(rate * seconds))
        self.rate, self.seconds, self.connections = rate, seconds, connections
        # The start as a monotonic time: a whole second of Redis's clock, in local terms.
        self.start = time.monotonic() + (start_wall - time.time())
        self.lock = threading.Lock()
        n = len(ports)
        self.per_second = {s: [[0] * seconds for _ in range(n)] for s in ("200", "429", "other")}
        self.tokens = [0] * n
        self.tokens_per_second = [0] * seconds
        self.other_samples = []
        self.late_ms = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.errors = 0

    def schedule(self, instance, conn):
        n, k = len(self.ports), self.connections
        return [i for i in range(instance + n * conn, self.total, n * k)]

    def run(self):
        threads = [threading.Thread(target=self._worker, args=(i, c), daemon=True)
                   for i in range(len(self.ports)) for c in range(self.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def _worker(self, instance, conn_index):
        port = self.ports[instance]
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        late = []
        for n in self.schedule(instance, conn_index):
            at = self.start + (n + 0.5) / self.rate
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            sent = time.monotonic()
            late.append((sent - at) * 1e3)
            second = min(self.seconds - 1, max(0, int(sent - self.start)))
            with self.lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            status, text = None, ""
            try:
                conn.request("POST", "/v1/chat/completions", self.body, headers)
                res = conn.getresponse()
                status, text = res.status, res.read().decode(errors="replace")
                if res.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as e:
                text = f"{type(e).__name__}: {e}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            tokens = 0
            if status == 200:
                try:
                    tokens = int(json.loads(text)["usage"]["total_tokens"])
                except (ValueError, KeyError, TypeError):
                    pass
            with self.lock:
                self.in_flight -= 1
                bucket = "200" if status == 200 else "429" if status == 429 else "other"
                self.per_second[bucket][instance][second] += 1
                self.tokens[instance] += tokens
                self.tokens_per_second[second] += tokens
                if bucket == "other":
                    self.errors += 1
                    if len(self.other_samples) < 5:
                        self.other_samples.append(f"{status}: {text[:200]}")
        conn.close()
        with self.lock:
            self.late_ms.extend(late)


def max_span(series, width=60):
    """The largest sum of `width` consecutive entries (the whole series when shorter)."""
    if len(series) <= width:
        return sum(series)
    return max(sum(series[i:i + width]) for i in range(len(series) - width + 1))


def aligned_start(redis_port):
    """Local wall time of the next whole second of Redis's clock, at least 0.5 s away."""
    offset = redis_clock_offset(redis_port)
    return math.ceil(time.time() + offset + 0.5) - offset


def offer(args, ports, key, redis_port, limit_requests):
    """Twice (--offered) the limit per minute for --seconds; runs shorter than a minute
    are offered the same over their own length, so they reach the limit too."""
    rate = args.offered * limit_requests / min(args.seconds, 60)
    pacer = Pacer(ports, key, harness.chat_body(), rate, args.seconds, args.client_connections,
                  aligned_start(redis_port))
    harness.log(f"  offering {rate:.1f} req/s over {len(ports)} instances for {args.seconds} s "
                f"({pacer.total} requests)")
    pacer.run()
    return rate, pacer


def client_report(rate, pacer):
    admitted_ps = [sum(col) for col in zip(*pacer.per_second["200"])]
    late = sorted(pacer.late_ms)
    return {
        "offered_rps": round(rate, 2),
        "offered": pacer.total,
        "admitted": sum(admitted_ps),
        "refused_429": sum(map(sum, pacer.per_second["429"])),
        "other_statuses": pacer.errors,
        "other_samples": pacer.other_samples,
        "per_instance": [{"port": port, "admitted": sum(pacer.per_second["200"][i]),
                          "refused_429": sum(pacer.per_second["429"][i]),
                          "other": sum(pacer.per_second["other"][i])}
                         for i, port in enumerate(pacer.ports)],
        "admitted_per_second": admitted_ps,
        "max_in_flight": pacer.max_in_flight,
        "send_late_ms": {"p50": round(late[len(late) // 2], 2),
                         "p99": round(late[int(len(late) * 0.99)], 2),
                         "max": round(late[-1], 2)} if late else None,
    }


def redis_cost(redis_port, before_cpu, requests):
    """Script calls and Redis CPU per request since CONFIG RESETSTAT."""
    stats = command_stats(redis_port)
    cpu = info_section(redis_port, "cpu")
    used = float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]) - before_cpu
    scripts = {k: v for k, v in stats.items() if k in ("evalsha", "eval", "fcall")}
    calls = sum(v["calls"] for v in scripts.values())
    return {
        "commands": {k: {"calls": int(v["calls"]), "usec_per_call": v["usec_per_call"]}
                     for k, v in sorted(stats.items(), key=lambda kv: -kv[1]["calls"])[:6]},
        "script_calls_per_request": round(calls / requests, 3) if requests else None,
        "cpu_us_per_request": round(used * 1e6 / requests, 1) if requests else None,
        "slowlog_entries": redis_call(redis_port, "SLOWLOG", "LEN"),
    }


def reset_redis_stats(redis_port):
    redis_call(redis_port, "CONFIG", "RESETSTAT")
    redis_call(redis_port, "SLOWLOG", "RESET")
    cpu = info_section(redis_port, "cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


def rpm_phase(args, ports, redis_port):
    limit = args.rpm
    key = make_key(ports[0], {"rpm_limit": limit})
    harness.log(f"rpm: key with rpm_limit {limit}")
    cpu0 = reset_redis_stats(redis_port)
    rate, pacer = offer(args, ports, key, redis_port, limit)
    r = client_report(rate, pacer)
    span = max_span(r["admitted_per_second"])
    r.update(limit=limit, max_admitted_60s=span, drift=span - limit,
             drift_pct=round(100 * (span - limit) / limit, 3),
             redis=redis_cost(redis_port, cpu0, r["offered"]))
    r["pass"] = bool(span <= limit and abs(span - limit) <= ACCURACY * limit
                     and r["other_statuses"] == 0)
    return r


def tpm_phase(args, ports, redis_port):
    body = harness.chat_body()
    status, text = request(ports[0], "POST", "/v1/chat/completions", body, harness.MASTER_KEY)
    if status != 200:
        raise RuntimeError(f"probe: HTTP {status}: {text[:300]}")
    usage = json.loads(text)["usage"]
    per_request = int(usage["total_tokens"])
    limit = per_request * args.tpm_requests
    key = make_key(ports[0], {"tpm_limit": limit})
    harness.log(f"tpm: {per_request} tokens a request ({usage['prompt_tokens']} prompt + "
                f"{usage['completion_tokens']} completion), key with tpm_limit {limit}")
    cpu0 = reset_redis_stats(redis_port)
    rate, pacer = offer(args, ports, key, redis_port, args.tpm_requests)
    r = client_report(rate, pacer)
    tokens_ps = pacer.tokens_per_second
    span = max_span(tokens_ps)
    overshoot = span - limit
    r.update(tokens_per_request=per_request, usage=usage, limit=limit,
             admitted_tokens=sum(pacer.tokens), max_admitted_tokens_60s=span,
             overshoot_tokens=overshoot, overshoot_requests=round(overshoot / per_request, 2),
             overshoot_pct=round(100 * overshoot / limit, 3),
             per_instance_tokens=pacer.tokens,
             redis=redis_cost(redis_port, cpu0, r["offered"]))
    # tpm admits while the window is under the limit: at least T, and past it only by
    # what was in flight when it was crossed.
    r["pass"] = bool(span >= limit and overshoot <= max(1, r["max_in_flight"]) * per_request
                     and abs(overshoot) <= ACCURACY * limit and r["other_statuses"] == 0)
    return r


def throughput_phase(args, workdir, mock, mock_port, redis, redis_port):
    core = harness.PROXY_CORE
    harness.repin(mock.proc.pid, harness.LOAD_CORE)
    harness.repin(redis.proc.pid, harness.LOAD_CORE)
    db = Path(workdir) / "throughput-keys.db"
    services = []
    try:
        plain, plain_port = start_gateway(args, workdir, "single-no-redis", mock_port, db, None, core)
        services.append(plain)
        shared, shared_port = start_gateway(args, workdir, "single-redis", mock_port, db, redis_port, core)
        services.append(shared)
        wait_sharing([shared_port, shared_port])  # the second request of a 1-rpm key: 429
        key = make_key(plain_port, NEVER_REFUSES)
        harness.CLIENT_KEY = key
        script = harness.wrk_script(workdir)
        targets = {"no_redis": (plain_port, plain.proc.pid), "redis": (shared_port, shared.proc.pid)}
        runs = {name: [] for name in targets}
        redis_requests = 0

        def one(name):
            nonlocal redis_requests
            port, pid = targets[name]
            before, threads_before = harness.cpu_seconds(pid), thread_cpu(pid)
            w = harness.run_wrk(args, script, port, args.duration)
            cpu = harness.cpu_seconds(pid) - before
            ok = w["requests"] - w["non_2xx"]
            threads = thread_cpu(pid)
            # Each busy thread's share of the CPU per request (tid order: the first is main).
            per_thread = [round((threads[t] - threads_before.get(t, 0)) * 1e6 / ok, 1) if ok else None
                          for t in sorted(threads)]
            if name == "redis":
                redis_requests += w["requests"]
            return {"ok_rps": ok / w["seconds"] if w["seconds"] else 0.0,
                    "cpu_us_per_request": cpu * 1e6 / ok if ok else None,
                    "latency_p50_us": w.get("latency_p50_us"), "latency_p99_us": w.get("latency_p99_us"),
                    "non_2xx": w["non_2xx"], "socket_errors": w["socket_errors"],
                    "thread_cpu_us_per_request": per_thread}

        for name in targets:  # warm-up: the key cached, connections open
            one(name)
        cpu0 = reset_redis_stats(redis_port)
        redis_requests = 0
        for i in range(args.rounds):
            order = ("no_redis", "redis") if i % 2 == 0 else ("redis", "no_redis")
            for name in order:
                runs[name].append(one(name))
            harness.log(f"  round {i + 1}: no Redis {runs['no_redis'][-1]['ok_rps']:.0f} req/s, "
                        f"Redis {runs['redis'][-1]['ok_rps']:.0f} req/s")
        median = {name: {m: statistics.median(r[m] for r in rs if r[m] is not None)
                         for m in ("ok_rps", "cpu_us_per_request", "latency_p50_us", "latency_p99_us")}
                  for name, rs in runs.items()}
        paired = statistics.median(r["ok_rps"] / p["ok_rps"]
                                   for p, r in zip(runs["no_redis"], runs["redis"]) if p["ok_rps"])
        errors = sum(r["non_2xx"] + r["socket_errors"] for rs in runs.values() for r in rs)
        threads = {name: [round(statistics.median(col), 1) for col in zip(*(r["thread_cpu_us_per_request"]
                                                                  for r in rs))]
                   for name, rs in runs.items()}
        ratio = median["redis"]["ok_rps"] / median["no_redis"]["ok_rps"]
        return {
            "rounds": args.rounds, "duration_s": args.duration, "connections": args.connections,
            "layout": f"both gateways pinned to core {core} (--threads 1), wrk, the mock and "
                      f"Redis on core {harness.LOAD_CORE}" if harness.can_pin() else "not pinned",
            "median": median,
            "ratio_of_medians": round(ratio, 3),
            "paired_median_ratio": round(paired, 3),
            "errors": errors,
            "thread_cpu_us_per_request": threads,
            "fallback_warnings": fallback_warnings(shared),
            "redis_log_lines": redis_log_lines(shared),
            "redis": redis_cost(redis_port, cpu0, redis_requests),
            "runs": {name: [round(r["ok_rps"], 1) for r in rs] for name, rs in runs.items()},
            "pass": bool(paired >= THROUGHPUT_RATIO and errors == 0),
        }
    finally:
        for service in reversed(services):
            service.stop()


# ---------------------------------------------------------------- report


def print_summary(report):
    print()
    for name in ("rpm", "tpm"):
        r = report.get(name)
        if not r:
            continue
        unit = "requests" if name == "rpm" else "tokens"
        admitted = r["max_admitted_60s"] if name == "rpm" else r["max_admitted_tokens_60s"]
        print(f"{name}: limit {r['limit']:,} {unit}, offered {r['offered']:,} requests "
              f"({r['offered_rps']} req/s) over {len(r['per_instance'])} instances")
        print(f"  {'instance':<10}{'200':>8}{'429':>8}{'other':>8}")
        for i, x in enumerate(r["per_instance"]):
            print(f"  {i:<10}{x['admitted']:>8,}{x['refused_429']:>8,}{x['other']:>8,}")
        print(f"  admitted requests {r['admitted']:,}; max in any 60 s: {admitted:,} {unit}")
        if name == "rpm":
            print(f"  drift {r['drift']:+,} ({r['drift_pct']:+.2f}%)")
        else:
            print(f"  overshoot {r['overshoot_tokens']:+,} tokens ({r['overshoot_requests']:+} requests, "
                  f"{r['overshoot_pct']:+.2f}%), max in flight {r['max_in_flight']}")
        late = r["send_late_ms"] or {}
        print(f"  statuses other than 200/429: {r['other_statuses']}; send lateness p99 "
              f"{late.get('p99')} ms; Redis script calls/request {r['redis']['script_calls_per_request']}, "
              f"Redis CPU {r['redis']['cpu_us_per_request']} us/request")
        print(f"  [{'PASS' if r['pass'] else 'FAIL'}] within {ACCURACY:.0%} of the limit")
        print()
    t = report.get("throughput")
    if t:
        print(f"throughput, one instance, wrk -c{t['connections']}, {t['rounds']} x {t['duration_s']} s "
              f"alternating ({t['layout']})")
        print(f"  {'':<12}{'req/s':>10}{'CPU us/req':>12}{'p50 us':>10}{'p99 us':>10}")
        for name in ("no_redis", "redis"):
            m = t["median"][name]
            print(f"  {name:<12}{m['ok_rps']:>10,.0f}{m['cpu_us_per_request']:>12,.1f}"
                  f"{m['latency_p50_us']:>10,.0f}{m['latency_p99_us']:>10,.0f}")
        print(f"  Redis/no-Redis: ratio of medians {t['ratio_of_medians']:.3f}, paired median "
              f"{t['paired_median_ratio']:.3f}; errors {t['errors']}; fallback warnings "
              f"{t['fallback_warnings']}; Redis CPU {t['redis']['cpu_us_per_request']} us/request")
        for name in ("no_redis", "redis"):
            print(f"  {name} CPU us/request by thread: {t['thread_cpu_us_per_request'][name]}")
        print(f"  [{'PASS' if t['pass'] else 'FAIL'}] with Redis >= {THROUGHPUT_RATIO:.0%} of without")
        print()
    for name, reason in report["phase_failures"].items():
        print(f"  [fail] {name}: {reason}")
    for note in report["notes"]:
        print(f"  note: {note}")


def main():
    args = parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    for tool in (args.routeiq_bin, args.mock_bin):
        if not Path(tool).exists():
            raise SystemExit(f"missing {tool}: build it first (or --routeiq-bin / --mock-bin)")
    workdir = tempfile.mkdtemp(prefix="routeiq-bench-fleet-")
    services = []
    started = time.monotonic()
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "machine": harness.machine_info(),
              "binaries": {"routeiq": args.routeiq_bin, "mock": args.mock_bin},
              "settings": {k: getattr(args, k) for k in
                           ("phases", "seconds", "rpm", "tpm_requests", "offered",
                            "client_connections", "rounds", "duration", "connections", "quick")},
              "phase_failures": {}, "notes": []}
    try:
        redis, redis_port = start_redis(args, workdir)
        services.append(redis)
        report["redis_version"] = info_section(redis_port, "server").get("redis_version")
        mock, mock_port = harness.start_mock(args, workdir)
        services.append(mock)
        fleet = []
        if "rpm" in phases or "tpm" in phases:
            db = Path(workdir) / "keys.db"
            for i in range(INSTANCES):
                service, port = start_gateway(args, workdir, f"routeiq-{i}", mock_port, db, redis_port)
                services.append(service)
                fleet.append((service, port))
            ports = [port for _, port in fleet]
            wait_sharing(ports)
        for name in ("rpm", "tpm", "throughput"):
            if name not in phases:
                continue
            try:
                if name == "throughput":
                    harness.log(f"throughput: one instance with and without Redis, "
                                f"{args.rounds} rounds x {args.duration} s")
                    report[name] = throughput_phase(args, workdir, mock, mock_port, redis, redis_port)
                else:
                    report[name] = (rpm_phase if name == "rpm" else tpm_phase)(args, ports, redis_port)
                    report[name]["fallback_warnings"] = sum(fallback_warnings(s) for s, _ in fleet)
                    report[name]["redis_log_lines"] = [line for s, _ in fleet
                                                       for line in redis_log_lines(s, 3)]
            except Exception as e:  # a failed phase is reported, the next one still runs
                report["phase_failures"][name] = str(e)
                harness.log(f"{name} failed: {e}")
    finally:
        for service in reversed(services):
            service.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report["machine"]["loadavg_end"] = os.getloadavg()[0]
    report["seconds"] = round(time.monotonic() - started, 1)
    report["notes"].append("rpm/tpm: three instances, Redis, the mock and the client not pinned "
                           "(the client is Python: its sending lateness is reported)")
    if report["machine"]["loadavg_start"] > 0.5:
        report["notes"].append(f"machine was busy at start (load average "
                               f"{report['machine']['loadavg_start']:.2f}): throughput is noisy")
    print_summary(report)
    out = Path(args.out) if args.out else (
        harness.ROOT / "bench/results" / f"{datetime.date.today().isoformat()}-rate-limits-fleet.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    harness.log(f"wrote {out} in {report['seconds']} s")


if __name__ == "__main__":
    main()
