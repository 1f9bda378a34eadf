"""Shared by the benchmarks: an app on a temporary SQLite database (or THIDUA_BENCH_DATABASE_URL),
and a timer that reports medians and ratios against a baseline measured in the same run."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "cycle"))
sys.path.insert(0, str(ROOT / "tests"))


def make_bench_app():
    from datetime import datetime

    from core import create_app
    from core.config import TIMEZONE

    url = os.environ.get("THIDUA_BENCH_DATABASE_URL") or \
        f"sqlite:///{tempfile.mkdtemp(prefix='thidua-bench-')}/bench.sqlite"
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
        "THIDUA_NOW": datetime(2022, 2, 20, 9, 0, tzinfo=TIMEZONE),
        "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    })


def median_ms(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def report(title: str, baseline_name: str, baseline: float, rows: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  {'page':<50} {'median ms':>10} {'× baseline':>11}")
    print(f"  {baseline_name:<50} {baseline:>10.2f} {1:>11.1f}")
    for name, value in rows.items():
        print(f"  {name:<50} {value:>10.2f} {value / baseline:>11.1f}")


# -- served by gunicorn on PostgreSQL (bench/pages_http.py) ---------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(prefix: str = "thidua_bench") -> tuple[str, Callable[[], None]]:
    """A throw-away PostgreSQL database (THIDUA_BENCH_DATABASE_URL names the server, default
    the local one): its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("THIDUA_BENCH_DATABASE_URL",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


class Server:
    """``gunicorn -w WORKERS wsgi:app`` on a free port, serving the app and its bare Flask
    endpoint ``/healthz`` (the baseline) from the same workers."""

    def __init__(self, url: str, now: str, workers: int, env: dict[str, str] | None = None):
        import http.client
        import subprocess

        self.port = free_port()
        environment = {**os.environ, "DATABASE_URL": url, "THIDUA_NOW": now,
                       "THIDUA_SECRET_KEY": "bench", "THIDUA_LOAD_ENTRY_POINTS": "0",
                       **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=environment)
        for _ in range(300):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                probe.request("GET", "/healthz")
                probe.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def rate(self, path: str, headers: dict[str, str] | None = None, *, clients: int = 4,
             seconds: float = 1.5, least: int = 8) -> float:
        """Requests per second of ``clients`` keep-alive clients for about ``seconds`` (at
        least ``least`` requests each); every answer must be 200."""
        import http.client
        import threading

        counts = [0] * clients
        failures: list[int] = []
        start = time.perf_counter()
        deadline = start + seconds

        def client(index: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            while counts[index] < least or time.perf_counter() < deadline:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    break
                counts[index] += 1
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise RuntimeError(f"{path} answered {failures[0]}")
        return sum(counts) / (time.perf_counter() - start)

    def stop(self) -> None:
        import signal

        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def ratios(servers: dict[str, tuple[Server, dict[str, tuple[str, dict[str, str]]]]],
           repetitions: int = 3, baseline: str = "/healthz") -> dict[str, dict[str, list[float]]]:
    """Each page's requests/s over its server's bare endpoint, measured right before it, in
    each of ``repetitions`` rounds; servers (e.g. 1 and 5 years of data) taking turns page by
    page, so that they are compared under the same load (the machines are shared and noisy:
    ratios, never absolutes). {server label: {page: [ratio per round]}}."""
    found: dict[str, dict[str, list[float]]] = {
        label: {name: [] for name in pages} for label, (_server, pages) in servers.items()}
    for label, (server, pages) in servers.items():  # warm up every worker
        for name, (path, headers) in pages.items():
            for _ in range(4):
                status, _body = server.get(path, headers)
                if status != 200:
                    raise RuntimeError(f"{label} {name}: {path} answered {status}")
    names = list(dict.fromkeys(n for _s, pages in servers.values() for n in pages))
    for _ in range(repetitions):
        for name in names:
            for label, (server, pages) in servers.items():
                if name not in pages:
                    continue
                path, headers = pages[name]
                bare = server.rate(baseline)
                found[label][name].append(server.rate(path, headers) / bare)
    return found


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)
