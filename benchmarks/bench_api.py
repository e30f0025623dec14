"""The REST API under a dashboard's load: concurrent clients against a real server process.

    .venv/bin/python benchmarks/bench_api.py [--db neighbourhood.duckdb] [--clients 50] \
        [--seconds 20] [--warmup 5] [--workers 1] [--http auto] [--loop auto] [--pause 0]

The store is the demo store (`make demo`: one real ICB, 200,000 synthetic patients) or the
one given by --db. The server is uvicorn in its own process, on 127.0.0.1 and a free port,
running `create_app(ApiSettings.load(db))` (the factory `app` below) with a random JWT key
(NEIGHBOURHOOD_API_SECRET), an audit log in a scratch folder and no access log; the clients
send a token minted for the store's first PCN (role `pcn`), as that PCN's dashboard would.
uvicorn's HTTP parser and event loop are --http and --loop (`auto`: httptools and uvloop
when installed; `--http h11 --loop asyncio` is the pure-Python stack). Each worker keeps its
own caches and the cold requests below reach only one of them: with --workers 2, give the
others time to fill theirs (--warmup 40 on the demo store).

Each client is one keep-alive connection (`Connection`, or `httpx.AsyncClient` with
--client httpx), all in one asyncio loop in this process. Each loops over the dashboard's
requests, starting at a different one, with no pause between them (or, with --pause, pauses
drawn from an exponential distribution of that mean, seeded per client): who am I, the PCN
and what is below it, the PCNs' overview, the library's cohort counts, two cohorts' counts
per practice, the IIF results of the latest shipped year for the PCN, six months of UCR
KPIs, the waiting lists and the PCN's payment statement, all on the store's reference date
(the demo's, 2025-09-30). An answer that is not 2xx, and a request that fails, is an error.

1. Cold: each request once, one client, in order (this fills the server's caches).
2. Warm-up: all clients for --warmup seconds, not recorded.
3. Baseline, same run, same server: all clients for --seconds on `GET /health` (no
   authentication, no store): the floor set by HTTP, the framework and this machine.
4. The dashboard: all clients for --seconds on its requests.

Latency runs from writing a request to having read its whole answer (`time.perf_counter`);
throughput is answers per second of the phase. The CPU time of the server's processes and of
this one is read for each phase: clients and server share the machine. With N clients and no
pause, a client waits for each answer before it asks again, so the mean latency is N divided
by the throughput (Little's law): at 50 clients, a p95 under 100 ms needs well over 500
answers a second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from neighbourhood.api import ApiSettings, create_app, mint_token  # noqa: E402
from neighbourhood.footprints import organisations  # noqa: E402
from neighbourhood.indicators import shipped_definitions  # noqa: E402
from neighbourhood.payments.statement import statement_year  # noqa: E402
from neighbourhood.store import connect  # noqa: E402
from neighbourhood.synthetic import REFERENCE_DATE  # noqa: E402

TARGET_P95_MS = 100.0
DB_ENV = "BENCH_API_DB"


def app():
    """The server's application (`uvicorn --factory bench_api:app`)."""
    return create_app(ApiSettings.load(os.environ[DB_ENV]))


def dashboard(pcn: str, at: dt.date) -> list[tuple[str, str]]:
    """(name, path) of each request a PCN's dashboard makes, on the date `at`."""
    year = max(i.year for i in shipped_definitions().values() if i.period_start <= at)
    first = dt.date(at.year - (at.month <= 5), (at.month - 6) % 12 + 1, 1)  # 6 months to `at`
    return [
        ("me", "/v1/me"),
        ("organisations/{pcn}", f"/v1/organisations/{pcn}?as_of={at}"),
        ("overview/pcns", f"/v1/overview/pcns?as_of={at}"),
        ("cohorts/counts", f"/v1/cohorts/counts?at={at}"),
        ("cohorts/efi/counts", f"/v1/cohorts/efi/counts?at={at}"),
        ("cohorts/smr-priority/counts", f"/v1/cohorts/smr-priority/counts?at={at}"),
        (f"indicators/{year}/results?pcn", f"/v1/indicators/{year}/results?pcn={pcn}"),
        ("access/ucr (6 months, 3 levels)",
         f"/v1/access/ucr?month={first:%Y-%m}&to={at:%Y-%m}&level=team&level=provider&level=icb"),
        ("access/waits", "/v1/access/waits"),
        (f"payments/statement {statement_year(at)}",
         f"/v1/payments/statement?year={statement_year(at)}&pcn={pcn}"),
    ]  # fmt: skip


# ---- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, scratch: Path, secret: str, port: int, args: argparse.Namespace):
    config = scratch / "api.yaml"
    config.write_text(f"audit_log: {scratch / 'audit.sqlite'}\n")
    env = os.environ | {
        DB_ENV: str(db),
        "NEIGHBOURHOOD_API_SECRET": secret,
        "NEIGHBOURHOOD_API_CONFIG": str(config),
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")]),
    }
    log = (scratch / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "bench_api:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(args.workers), "--http", args.http,
         "--loop", args.loop, "--no-access-log", "--log-level", "warning"],
        env=env, cwd=scratch, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"the server did not start:\n{(scratch / 'server.log').read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def server_processes(server: subprocess.Popen) -> list[int]:
    """The server's pid and its children's (uvicorn's workers when there are several)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [server.pid, *(int(p) for p in children.read_text().split())]


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process (and of its children that have ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---- the clients ---------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, GET only, for answers with a Content-Length (as
    every answer of this API has). The load generator shares the machine with the server, so
    it must cost little: on this machine `httpx.AsyncClient` takes about 3.4 ms of CPU a
    request, this about 0.3 ms."""

    def __init__(self, host: str, port: int, token: str | None) -> None:
        self.host, self.port = host, port
        self.headers = f"Host: {host}:{port}\r\nAccept: application/json\r\n" + (
            f"Authorization: Bearer {token}\r\n" if token else ""
        )
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        """The status of the answer, read whole."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n{self.headers}\r\n".encode())
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split()[1])
            fields = dict(line.lower().split(": ", 1) for line in head[1:] if line)
            if "content-length" not in fields:
                raise ValueError(f"an answer without Content-Length: {head[0]}")
            await reader.readexactly(int(fields["content-length"]))
            if fields.get("connection") == "close":
                await self.close()
        except BaseException:
            await self.close()
            raise
        return status

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


class HttpxConnection:
    """The same through `httpx.AsyncClient` (one connection), for comparison."""

    def __init__(self, host: str, port: int, token: str | None) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            headers={"Authorization": f"Bearer {token}"} if token else {},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=600,
        )

    async def get(self, path: str) -> int:
        return (await self.client.get(path)).status_code

    async def close(self) -> None:
        await self.client.aclose()


CLIENTS = {"raw": Connection, "httpx": HttpxConnection}


class Phase:
    """The latencies (s) and statuses of one phase, by request name."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.seconds = self.server_cpu = self.client_cpu = 0.0

    def record(self, name: str, seconds: float, status: int | str) -> None:
        self.latency[name].append(seconds)
        self.status[name][status] += 1

    def all(self) -> list[float]:
        return [x for values in self.latency.values() for x in values]

    def errors(self, name: str | None = None) -> int:
        counts = [self.status[name]] if name else list(self.status.values())
        return sum(n for c in counts for s, n in c.items() if not (isinstance(s, int)
                                                                   and 200 <= s < 300))  # fmt: skip


async def one_client(connection, requests, start: int, until: float, pause: float, phase):
    rng = random.Random(start)  # pauses drawn from an exponential distribution, seeded
    i = start
    while time.perf_counter() < until:
        name, path = requests[i % len(requests)]
        i += 1
        began = time.perf_counter()
        try:
            status = await connection.get(path)
        except (OSError, ValueError, asyncio.IncompleteReadError, httpx.HTTPError) as error:
            status = type(error).__name__
        phase.record(name, time.perf_counter() - began, status)
        if pause:
            await asyncio.sleep(rng.expovariate(1 / pause))
    await connection.close()


async def each_once(port, token, requests, phase) -> None:
    """Each request once, in order, from one client."""
    connection = Connection("127.0.0.1", port, token)
    for name, path in requests:
        began = time.perf_counter()
        status = await connection.get(path)
        phase.record(name, time.perf_counter() - began, status)
    await connection.close()


async def load(port, token, requests, clients, seconds, pause, kind, phase) -> None:
    """`clients` clients looping over `requests` for `seconds` (each ends with the answer
    it is waiting for)."""
    began = time.perf_counter()
    connections = [CLIENTS[kind]("127.0.0.1", port, token) for _ in range(clients)]
    await asyncio.gather(*(one_client(c, requests, i, began + seconds, pause, phase)
                           for i, c in enumerate(connections)))  # fmt: skip
    phase.seconds = time.perf_counter() - began


def run_phase(server, port, token, requests, args, seconds: float) -> Phase:
    phase = Phase()
    pids = server_processes(server)
    server_before = sum(cpu_seconds(p) for p in pids)
    client_before = time.process_time()
    asyncio.run(load(port, token, requests, args.clients, seconds, args.pause, args.client,
                     phase))  # fmt: skip
    phase.server_cpu = sum(cpu_seconds(p) for p in pids) - server_before
    phase.client_cpu = time.process_time() - client_before
    return phase


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(values) < 2:
        return (values[0] * 1000,) * 3 if values else (float("nan"),) * 3
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


# ---- the run -------------------------------------------------------------------------------


def describe(db: Path) -> tuple[str, dict[str, int]]:
    con = connect(db, read_only=True)
    try:
        pcn = organisations(con, org_type="pcn")[0]["org_code"]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("patients", "registrations", "clinical_events", "medications_issued",
                            "community_referrals", "care_contacts")}  # fmt: skip
    finally:
        con.close()
    return pcn, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "neighbourhood.duckdb")
    parser.add_argument("--at", type=dt.date.fromisoformat, default=REFERENCE_DATE,
                        help="the date asked for (default: the demo's reference date)")  # fmt: skip
    parser.add_argument("--pcn", help="the dashboard's PCN (default: the store's first)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="mean seconds between a client's requests (exponential)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto",
                        help="uvicorn's HTTP parser (auto: httptools when installed)")  # fmt: skip
    parser.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto",
                        help="uvicorn's event loop (auto: uvloop when installed)")  # fmt: skip
    parser.add_argument("--client", choices=tuple(CLIENTS), default="raw",
                        help="the load generator's HTTP client")  # fmt: skip
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"no store at {args.db}: run `make demo` (or give --db)")
    first_pcn, counts = describe(args.db)
    pcn = (args.pcn or first_pcn).upper()
    requests = dashboard(pcn, args.at)
    secret = secrets.token_urlsafe(48)
    token, _ = mint_token(secret, user="bench", role="pcn", org_code=pcn)
    print(f"store {args.db} ({args.db.stat().st_size / 2**20:,.0f} MiB): "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()))  # fmt: skip
    print(f"PCN {pcn}, date {args.at}; {args.clients} clients ({args.client}), pause "
          f"{args.pause:g} s, {args.workers} uvicorn worker(s) (http {args.http}, loop "
          f"{args.loop}), {os.cpu_count()} CPUs; warm-up "
          f"{args.warmup:g} s, phases {args.seconds:g} s\n")  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="bench-api-"))
    port = free_port()
    server = start_server(args.db, scratch, secret, port, args)
    try:
        cold = Phase()
        asyncio.run(each_once(port, token, requests, cold))
        failed = {n: dict(c) for n, c in cold.status.items() if cold.errors(n)}
        if failed:
            raise SystemExit(f"the dashboard's requests fail: {failed}")
        run_phase(server, port, token, requests, args, args.warmup)
        health = run_phase(server, port, None, [("GET /health", "/health")], args, args.seconds)
        mix = run_phase(server, port, token, requests, args, args.seconds)
        peaks = [peak_mib(p) for p in server_processes(server)]
    finally:
        stop_server(server)
        shutil.rmtree(scratch, ignore_errors=True)
    report(requests, cold, health, mix, peaks)


def report(requests, cold: Phase, health: Phase, mix: Phase, peaks: list[float]) -> None:
    print("| request | first (ms) | answers | p50 (ms) | p95 (ms) | p99 (ms) | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, _ in requests:
        p50, p95, p99 = percentiles(mix.latency[name])
        print(f"| {name} | {cold.latency[name][0] * 1000:,.0f} | {len(mix.latency[name]):,} | "
              f"{p50:,.1f} | {p95:,.1f} | {p99:,.1f} | {mix.errors(name)} |")  # fmt: skip
    print("\n| phase | answers | per second | p50 (ms) | p95 (ms) | p99 (ms) | errors | "
          "server CPU (ms per answer) | client CPU (ms per answer) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for label, phase in (("baseline: `GET /health`", health), ("dashboard", mix)):
        n = len(phase.all())
        p50, p95, p99 = percentiles(phase.all())
        print(f"| {label} | {n:,} | {n / phase.seconds:,.0f} | {p50:,.1f} | {p95:,.1f} | "
              f"{p99:,.1f} | {phase.errors()} | {phase.server_cpu / n * 1000:.2f} | "
              f"{phase.client_cpu / n * 1000:.2f} |")  # fmt: skip
    p95 = percentiles(mix.all())[1]
    floor = percentiles(health.all())[1]
    met = p95 < TARGET_P95_MS and mix.errors() == 0
    print(f"\nDashboard p95 {p95:,.1f} ms with {mix.errors()} errors: the target (p95 under "
          f"{TARGET_P95_MS:g} ms, no errors) is {'met' if met else 'NOT met'}. Its p95 is "
          f"{p95 / floor:.1f}x that of `GET /health`. Server peak RSS: "
          + ", ".join(f"{p:,.0f}" for p in peaks) + " MiB (per process).")  # fmt: skip
    failed = {n: dict(c) for n, c in mix.status.items() if mix.errors(n)}
    if failed:
        print(f"Errors by request: {failed}")


if __name__ == "__main__":
    main()
