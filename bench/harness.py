#!/usr/bin/env python3
"""Gateway benchmark: the mock provider alone, nginx in front of it, routeiq in front of it.

Measures added latency at concurrency 1 (alternating rounds), throughput at
concurrency 64 with each proxy pinned to one core, CPU time per request, peak
RSS, and the delay of stream chunks. Prints a table and writes JSON to
bench/results/<date>-gateway.json. See bench/README.md.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = "bench-model"
MASTER_KEY = "sk-bench-master"
# The key clients send: the master key, or a virtual key with --virtual-key.
CLIENT_KEY = MASTER_KEY
# The key store: a SQLite file in the work dir unless --postgres.
DATABASE_URL = None
UPSTREAM_KEY = "sk-bench"
STREAM_CHUNKS = 64
PROXY_CORE = "0"
LOAD_CORE = "1"

# The targets this benchmark is held to (routeiq's numbers against them).
GOALS = {
    "added_p50_vs_nginx": 4.0,
    "added_p50_max_us": 60.0,
    "throughput_min_rps": 15000.0,
    "rss_max_mb": 40.0,
    "chunk_delay_max_us": 100.0,
}


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    env = os.environ.get
    p.add_argument("--routeiq", default=env("ROUTEIQ_BIN", str(ROOT / "build/routeiq")))
    p.add_argument("--mock", default=env("MOCK_PROVIDER_BIN", str(ROOT / "build/mock-provider")))
    p.add_argument("--client", default=env("BENCH_CLIENT_BIN", str(ROOT / "build/bench/bench-client")))
    p.add_argument("--nginx", default=env("NGINX_BIN", shutil.which("nginx") or "/usr/sbin/nginx"))
    p.add_argument("--wrk", default=env("WRK_BIN", shutil.which("wrk") or "wrk"))
    p.add_argument("--targets", default="direct,nginx,routeiq", help="comma-separated subset")
    p.add_argument("--rounds", type=int, default=6, help="alternating latency rounds")
    p.add_argument("--requests", type=int, default=2000, help="requests per target per round")
    p.add_argument("--stream-rounds", type=int, default=6)
    p.add_argument("--streams", type=int, default=8, help="streams per target per round")
    p.add_argument("--chunk-rate", type=float, default=2000, help="mock stream chunks per second")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--min-requests", type=int, default=100000, help="before reading peak RSS")
    p.add_argument("--max-throughput-seconds", type=int, default=30, help="per target")
    p.add_argument("--virtual-key", action="store_true",
                   help="clients send a virtual key (made with /key/generate) instead of the master key")
    p.add_argument("--postgres", action="store_true",
                   help="the key store on a throwaway PostgreSQL 15 (bench/pg.py) instead of SQLite")
    p.add_argument("--out", default=None, help="JSON path (default bench/results/<date>-gateway.json)")
    return p.parse_args()


# ---------------------------------------------------------------- processes


class Service:
    """A child process whose stdout is drained to a log so it never blocks."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.log_path = Path(workdir) / f"{name}.log"
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log_file,
                                     text=True, start_new_session=True)
        self.port = None
        self._port_known = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            match = re.fullmatch(r"listening on \S+:(\d+)", line.strip())
            if match and self.port is None:
                self.port = int(match.group(1))
                self._port_known.set()
            self.log_file.write(line)
        self._port_known.set()  # stdout closed: the process is gone

    def wait_listening(self, timeout):
        """Port from the `listening on <host>:<port>` line, or None."""
        self._port_known.wait(timeout)
        return self.port

    def log_tail(self, lines=8):
        self.log_file.flush()
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def children_of(pid):
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid):
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def can_pin():
    return shutil.which("taskset") is not None and os.cpu_count() >= 2


def pinned(core, argv):
    return ["taskset", "-c", core, *argv] if can_pin() else argv


def repin(pid, core):
    if can_pin():
        subprocess.run(["taskset", "-apc", core, str(pid)], check=False, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------- targets


def start_mock(args, workdir):
    argv = [args.mock, "--port", "0", "--threads", "1", "--name", "bench",
            "--chunks", str(STREAM_CHUNKS), "--tokens-per-second", str(args.chunk_rate)]
    mock = Service("mock", argv, workdir)
    port = mock.wait_listening(5)
    if port is None:
        raise SystemExit(f"mock-provider did not start: {mock.log_tail()}")
    return mock, port


NGINX_CONF = """
worker_processes 1;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream mock {{
    server 127.0.0.1:{mock_port};
    keepalive 128;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 32m;
    location / {{
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""


def start_nginx(args, workdir, mock_port):
    port = free_port()
    # As root the master would hand the worker to "nobody"; keep the current user.
    user = ""
    if os.geteuid() == 0:
        user = "user root root;"
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port, mock_port=mock_port, user=user))
    argv = pinned(PROXY_CORE, [args.nginx, "-p", str(workdir), "-c", str(conf),
                               "-e", f"{workdir}/nginx-error.log"])
    service = Service("nginx", argv, workdir)
    if not wait_port(port, 5):
        raise RuntimeError(f"nginx did not listen: {service.log_tail()}")
    # taskset execs nginx, so the Popen pid is the master; its child is the worker.
    workers = children_of(service.proc.pid)
    service.measured_pid = workers[0] if workers else service.proc.pid
    return service, port


ROUTEIQ_CONFIG = """model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_base: http://127.0.0.1:{mock_port}/v1
      api_key: {upstream_key}
general_settings:
  master_key: {master_key}
  database_url: "{database_url}"
"""


def start_routeiq(args, workdir, mock_port):
    if not Path(args.routeiq).exists():
        raise RuntimeError(f"{args.routeiq} does not exist")
    config = Path(workdir) / "routeiq.yaml"
    config.write_text(ROUTEIQ_CONFIG.format(model=MODEL, mock_port=mock_port,
                                            upstream_key=UPSTREAM_KEY, master_key=MASTER_KEY,
                                            database_url=DATABASE_URL or f"sqlite://{workdir}/keys.db"))
    argv = [args.routeiq, "serve", "--config", str(config), "--port", "0"]
    if getattr(args, "gateway_threads", None):
        argv += ["--threads", str(args.gateway_threads)]
    argv = pinned(PROXY_CORE, argv)
    service = Service("routeiq", argv, workdir)
    port = service.wait_listening(10)
    if port is None:
        exit_code = service.proc.poll()
        tail = service.log_tail()
        service.stop()
        state = "still running" if exit_code is None else f"exit {exit_code}"
        raise RuntimeError(f"routeiq did not print its port ({state}): {tail}")
    service.measured_pid = service.proc.pid
    if args.virtual_key:
        make_virtual_key(port)
    return service, port


def make_virtual_key(port):
    """Clients send a virtual key (SQLite store in the work dir) instead of the master key."""
    global CLIENT_KEY
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/key/generate", json.dumps({"models": [MODEL]}),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {MASTER_KEY}"})
        res = conn.getresponse()
        body = json.loads(res.read())
    finally:
        conn.close()
    if res.status != 200:
        raise RuntimeError(f"/key/generate: HTTP {res.status}: {body}")
    CLIENT_KEY = body["key"]


# ---------------------------------------------------------------- requests


def chat_body(stream=False):
    text = ("Please tell me about the history of the city of Lyon in France, its founding by the "
            "Romans as Lugdunum, its role in the silk trade during the Renaissance and its "
            "importance as a gastronomic capital today. Keep it short but mention the main "
            "periods and at least three famous landmarks that a visitor should see, such as the "
            "Basilica of Notre-Dame de Fourviere, the Vieux Lyon district with its traboules and "
            "the Place Bellecour. Thanks a lot for your help with this question, I am planning a "
            "trip there next spring with my family and we would like to plan our days well.")
    body = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant that answers questions "
                                          "about geography, history and science precisely."},
            {"role": "user", "content": text},
        ],
        "temperature": 0.7,
        "max_tokens": 256,
    }
    if stream:
        body["stream"] = True
    return json.dumps(body, separators=(",", ":"))


def smoke_test(port, stream):
    """One request through a target; raises with the reason when it is not usable."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/v1/chat/completions", chat_body(stream),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {CLIENT_KEY}"})
        res = conn.getresponse()
        body = res.read().decode(errors="replace")
    finally:
        conn.close()
    if res.status != 200:
        raise RuntimeError(f"HTTP {res.status}: {body[:300]}")
    expected = "data: [DONE]" if stream else "mock reply from bench"
    if expected not in body:
        raise RuntimeError(f"unexpected body: {body[:300]}")
    if stream and body.count("mock_sent_ns") < STREAM_CHUNKS:
        raise RuntimeError("stream chunks lost their mock_sent_ns field")


def run_client(args, workdir, mode, ports, rounds, requests, warmup):
    body_file = Path(workdir) / f"{mode}-body.json"
    body_file.write_text(chat_body(stream=mode == "stream"))
    argv = [args.client, "--mode", mode, "--body", str(body_file), "--rounds", str(rounds),
            "--requests", str(requests), "--warmup", str(warmup),
            "--header", f"Authorization: Bearer {CLIENT_KEY}"]
    for name, port in ports.items():
        argv += ["--target", f"{name}=127.0.0.1:{port}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    if out.returncode != 0:
        raise RuntimeError(f"bench-client failed: {out.stderr.strip()}")
    return json.loads(out.stdout)["targets"]


# ---------------------------------------------------------------- throughput


def wrk_script(workdir):
    path = Path(workdir) / "post.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {CLIENT_KEY}"\n'
        f"wrk.body = [==[{chat_body()}]==]\n")
    return path


def to_us(value, unit):
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def parse_wrk(text):
    result = {"requests": 0, "seconds": 0.0, "non_2xx": 0, "socket_errors": 0}
    if m := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text):
        result["requests"] = int(m.group(1))
        scale = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[m.group(3)]
        result["seconds"] = float(m.group(2)) * scale
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        result["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
            result[f"latency_p{pct}_us"] = to_us(m.group(1), m.group(2))
    return result


def run_wrk(args, script, port, seconds):
    argv = pinned(LOAD_CORE, [args.wrk, "-t1", f"-c{args.connections}", f"-d{seconds}s",
                              "--latency", "-s", str(script),
                              f"http://127.0.0.1:{port}/v1/chat/completions"])
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    return parse_wrk(out.stdout)


def throughput(args, script, port, pid):
    """wrk runs until `pid` served --min-requests; the first run gives the rate."""
    cpu_before = cpu_seconds(pid)
    first = run_wrk(args, script, port, args.duration)
    cpu_first = cpu_seconds(pid) - cpu_before
    total, spent = first["requests"], args.duration
    while total < args.min_requests and spent < args.max_throughput_seconds and first["requests"]:
        rate = first["requests"] / max(first["seconds"], 1e-9)
        extra = min(args.max_throughput_seconds - spent,
                    max(2, int((args.min_requests - total) / rate) + 1))
        total += run_wrk(args, script, port, extra)["requests"]
        spent += extra
    ok = first["requests"] - first["non_2xx"]
    result = dict(first)
    result["ok_rps"] = ok / first["seconds"] if first["seconds"] else 0.0
    result["cpu_us_per_request"] = cpu_first * 1e6 / ok if ok else None
    result["requests_before_rss"] = total
    result.update({k: round(v, 1) for k, v in memory_mb(pid).items()})
    return result


# ---------------------------------------------------------------- report


def added(targets, name, metric, pct):
    base = targets.get("direct", {}).get(metric)
    own = targets.get(name, {}).get(metric)
    if not base or not own or "p50" not in base or "p50" not in own:
        return None
    return own[pct] - base[pct]


def goal_checks(report):
    t = report["targets"]
    r, n = t.get("routeiq", {}), t.get("nginx", {})
    checks = []

    def check(name, value, goal, ok, note=None):
        checks.append({"goal": name, "value": value, "target": goal,
                       "pass": None if value is None else bool(ok), "note": note})

    ra = r.get("added_latency_us", {}).get("p50")
    na = n.get("added_latency_us", {}).get("p50")
    limit = GOALS["added_p50_max_us"]
    if na is not None:
        limit = min(limit, GOALS["added_p50_vs_nginx"] * max(na, 0.0))
    check("routeiq added p50 (c=1) <= 4x nginx and < 60 us", ra, round(limit, 1),
          ra is not None and ra <= limit)
    rps = r.get("throughput", {}).get("ok_rps")
    check("routeiq req/s on one core >= 15000", rps, GOALS["throughput_min_rps"],
          rps is not None and rps >= GOALS["throughput_min_rps"])
    rss = r.get("throughput", {}).get("VmHWM")
    served = r.get("throughput", {}).get("requests_before_rss", 0)
    note = None
    if rss is not None and served < 100000:
        note = f"only {served:,} requests served (VmHWM then {rss} MB)"
        rss = None  # not comparable: fewer requests than the goal speaks of
    check("routeiq peak RSS after 100k requests < 40 MB", rss, GOALS["rss_max_mb"],
          rss is not None and rss < GOALS["rss_max_mb"], note)
    delay = r.get("chunk_delay_us", {}).get("p99")
    check("routeiq stream chunk delay p99 < 100 us", delay, GOALS["chunk_delay_max_us"],
          delay is not None and delay < GOALS["chunk_delay_max_us"])
    return checks


def fmt(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def print_table(report):
    t = report["targets"]
    names = [n for n in ("direct", "nginx", "routeiq") if n in t]
    rows = [
        ("latency c=1 p50 (us)", lambda x: x.get("latency_us", {}).get("p50")),
        ("latency c=1 p99 (us)", lambda x: x.get("latency_us", {}).get("p99")),
        ("added p50 over direct (us)", lambda x: x.get("added_latency_us", {}).get("p50")),
        ("added p99 over direct (us)", lambda x: x.get("added_latency_us", {}).get("p99")),
        ("throughput c=64 (req/s)", lambda x: x.get("throughput", {}).get("ok_rps")),
        ("wrk p50 c=64 (us)", lambda x: x.get("throughput", {}).get("latency_p50_us")),
        ("wrk p99 c=64 (us)", lambda x: x.get("throughput", {}).get("latency_p99_us")),
        ("CPU per request (us)", lambda x: x.get("throughput", {}).get("cpu_us_per_request")),
        ("peak RSS VmHWM (MB)", lambda x: x.get("throughput", {}).get("VmHWM")),
        ("requests before RSS read", lambda x: x.get("throughput", {}).get("requests_before_rss")),
        ("stream chunk delay p50 (us)", lambda x: x.get("chunk_delay_us", {}).get("p50")),
        ("stream chunk delay p99 (us)", lambda x: x.get("chunk_delay_us", {}).get("p99")),
        ("chunk delay added p50 (us)", lambda x: x.get("added_chunk_delay_us", {}).get("p50")),
        ("chunk delay added p99 (us)", lambda x: x.get("added_chunk_delay_us", {}).get("p99")),
        ("errors (latency+stream+wrk)", lambda x: x.get("errors_total")),
    ]
    width = 30
    print()
    print("metric".ljust(width) + "".join(n.rjust(14) for n in names))
    print("-" * (width + 14 * len(names)))
    for label, get in rows:
        cells = []
        for n in names:
            v = get(t[n])
            cells.append((fmt(v, 0) if isinstance(v, int) else fmt(v)).rjust(14))
        print(label.ljust(width) + "".join(cells))
    print()
    for c in report["checks"]:
        status = {True: "PASS", False: "FAIL", None: "n/a "}[c["pass"]]
        note = f" ({c['note']})" if c["note"] else ""
        print(f"  [{status}] {c['goal']}: measured {fmt(c['value'])}, target {fmt(c['target'])}"
              f"{note}")
    for name, reason in report["unavailable"].items():
        print(f"  [n/a ] {name} not measured: {reason}")
    for name, reason in report["phase_failures"].items():
        print(f"  [fail] {name} phase: {reason}")
    for note in report["notes"]:
        print(f"  note: {note}")
    print()


def machine_info():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "loadavg_start": os.getloadavg()[0]}


# ---------------------------------------------------------------- main


def start_targets(args, workdir, wanted, mock_port):
    ports, services, unavailable = {}, {}, {}
    starters = {"nginx": start_nginx, "routeiq": start_routeiq}
    if "direct" in wanted:
        ports["direct"] = mock_port
    for name in ("nginx", "routeiq"):
        if name not in wanted:
            continue
        try:
            service, port = starters[name](args, workdir, mock_port)
            services[name] = service
            ports[name] = port
        except Exception as e:  # a target that cannot start is reported, the rest measured
            unavailable[name] = str(e)
            log(f"{name} unavailable: {e}")
    return ports, services, unavailable


def drop_unusable(ports, services, unavailable):
    """Smoke-tests every target; returns the ports that also stream correctly.

    A target whose plain request fails is dropped; one whose stream fails is
    kept for the other phases and left out of the stream phase only.
    """
    stream_ports = {}
    for name in list(ports):
        try:
            smoke_test(ports[name], stream=False)
        except Exception as e:
            unavailable[name] = f"smoke test failed: {e}"
            log(f"{name} excluded: {e}")
            del ports[name]
            if name in services:
                services.pop(name).stop()
            continue
        try:
            smoke_test(ports[name], stream=True)
            stream_ports[name] = ports[name]
        except Exception as e:
            unavailable[f"{name} (streams)"] = f"stream smoke test failed: {e}"
            log(f"{name} left out of the stream phase: {e}")
    return stream_ports


def latency_phase(args, workdir, ports, targets):
    log(f"latency: {args.rounds} alternating rounds x {args.requests} requests, concurrency 1")
    for name, r in run_client(args, workdir, "latency", ports, args.rounds, args.requests,
                              200).items():
        targets[name].update(latency_us=r["latency_us"], latency_errors=r["errors"],
                             round_p50_us=r["round_p50_us"])


def stream_phase(args, workdir, ports, targets):
    if not ports:
        raise RuntimeError("no target streams correctly")
    log(f"streams: {args.stream_rounds} rounds x {args.streams} streams of {STREAM_CHUNKS} chunks")
    for name, r in run_client(args, workdir, "stream", ports, args.stream_rounds, args.streams,
                              2).items():
        targets[name].update(chunk_delay_us=r["chunk_delay_us"], stream_us=r["stream_us"],
                             stream_errors=r["errors"])


def throughput_phase(args, workdir, mock, ports, services, targets):
    script = wrk_script(workdir)
    for name, port in ports.items():
        log(f"throughput: {name}, wrk -c{args.connections} for {args.duration}s")
        if name == "direct":
            repin(mock.proc.pid, PROXY_CORE)
            pid = mock.proc.pid
        else:
            repin(mock.proc.pid, LOAD_CORE)
            pid = services[name].measured_pid
        targets[name]["throughput"] = throughput(args, script, port, pid)


def measure(args, workdir, mock, ports, stream_ports, services, failures):
    """Runs every phase; a phase that fails is recorded and the next one still runs."""
    targets = {name: {"port": port} for name, port in ports.items()}
    phases = {
        "latency": lambda: latency_phase(args, workdir, ports, targets),
        "stream": lambda: stream_phase(args, workdir, stream_ports, targets),
        "throughput": lambda: throughput_phase(args, workdir, mock, ports, services, targets),
    }
    for name, phase in phases.items():
        try:
            phase()
        except Exception as e:
            failures[name] = str(e)
            log(f"{name} phase failed: {e}")
    return targets


def finish_report(report):
    t = report["targets"]
    for name, x in t.items():
        x["added_latency_us"] = {p: added(t, name, "latency_us", p) for p in ("p50", "p99")}
        x["added_chunk_delay_us"] = {p: added(t, name, "chunk_delay_us", p) for p in ("p50", "p99")}
        x["errors_total"] = (x.get("latency_errors", 0) + x.get("stream_errors", 0)
                             + x.get("throughput", {}).get("non_2xx", 0)
                             + x.get("throughput", {}).get("socket_errors", 0))
    report["checks"] = goal_checks(report)


def main():
    args = parse_args()
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    for tool in (args.mock, args.client):
        if not Path(tool).exists():
            raise SystemExit(f"missing {tool}: build with `make bench` first")
    workdir = tempfile.mkdtemp(prefix="routeiq-bench-")
    services = {}
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "machine": machine_info(), "unavailable": {}, "phase_failures": {},
              "notes": []}
    report["settings"] = {k: v for k, v in vars(args).items() if k not in ("out",)}
    started = time.monotonic()
    postgres = None
    try:
        if args.postgres:
            global DATABASE_URL
            sys.path.insert(0, str(ROOT / "bench"))
            from pg import Postgres
            postgres = Postgres().start()
            DATABASE_URL = postgres.url
        mock, mock_port = start_mock(args, workdir)
        services["mock"] = mock
        ports, proxies, report["unavailable"] = start_targets(args, workdir, wanted, mock_port)
        services.update(proxies)
        stream_ports = drop_unusable(ports, proxies, report["unavailable"])
        report["targets"] = measure(args, workdir, mock, ports, stream_ports, proxies,
                                    report["phase_failures"])
    finally:
        for service in services.values():
            service.stop()
        if postgres:
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report["machine"]["loadavg_end"] = os.getloadavg()[0]
    report["seconds"] = round(time.monotonic() - started, 1)
    report["notes"] = layout_notes(report)
    finish_report(report)
    print_table(report)
    out = Path(args.out) if args.out else (
        ROOT / "bench/results" / f"{datetime.date.today().isoformat()}-gateway.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {out} in {report['seconds']} s")


def layout_notes(report):
    notes = []
    if can_pin():
        notes.append(f"throughput: proxy pinned to core {PROXY_CORE}; wrk and the mock share core "
                     f"{LOAD_CORE} (for 'direct' the mock has core {PROXY_CORE} to itself)")
    else:
        notes.append("throughput: not pinned (taskset missing or fewer than 2 cores)")
    notes.append("latency and stream rounds: proxies stay on their core, the mock and the client "
                 "are not pinned; chunk delay = client receipt minus the mock's CLOCK_REALTIME "
                 "write time, so 'direct' is the floor")
    load = report["machine"]["loadavg_start"]
    if load > 0.5:
        notes.append(f"machine was busy at start (load average {load:.2f}): numbers are noisy")
    return notes


if __name__ == "__main__":
    main()
