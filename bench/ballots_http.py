"""Cast 2,000 ballots through the HTTP API on PostgreSQL with 16 concurrent clients against
gunicorn; print ballots per second, median and 99th-percentile latency, and check the count is
exact. Baseline in the same run: the same clients hitting /healthz (issue 4).

Needs a PostgreSQL server: THIDUA_BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); a throw-away database is created and
dropped."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm.attributes import flag_modified

ROOT = Path(__file__).resolve().parent.parent
UNITS, POLLS, CLIENTS, WORKERS = 100, 20, 16, 4
NOW = "2022-02-20T09:00:00+07:00"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, object, str]:
    base = make_url(os.environ.get("THIDUA_BENCH_DATABASE_URL",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"thidua_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), admin, name


def prepare(url: str) -> list[tuple[str, str]]:
    """Schema by migrations, 100 units with heads and tokens, a campaign with 20 open polls."""
    from datetime import datetime

    from flask_migrate import upgrade

    from core import create_app
    from core.config import TIMEZONE, parse_now
    from core.extensions import db
    from core.models import Unit, User
    from core.services import accounts, campaigns, clock, voting

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "THIDUA_NOW": parse_now(NOW),
                      "SECRET_KEY": "bench",
                      "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    jobs = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        admin = accounts.create_user("admin", "Quản trị", "MatKhau@2021", admin=True, actor=None)
        now = clock.now()
        codes = [f"so-{i:03d}" for i in range(UNITS)]
        db.session.add_all(Unit(code=c, name=f"Sở {c}", short_name=c, created_at=now)
                           for c in codes)
        db.session.flush()
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        hashed = accounts.hash_password("MatKhau@2021")
        db.session.add_all(User(username=f"head-{c}", full_name=f"Thủ trưởng {c}",
                                password_hash=hashed, unit=units[c], role="head",
                                created_at=now) for c in codes)
        db.session.commit()
        roles = ["leader", "deputy"] + ["member"] * (UNITS - 2)
        campaign = campaigns.open_campaign(
            "khoi-8", 2021, [campaigns.MemberSpec(c, r) for c, r in zip(codes, roles, strict=True)],
            actor=admin)
        config = campaign.snapshot["voting"]["config"]
        config["polls"] = [{"code": f"p{i:02d}", "title": f"Phiếu {i}", "method": "approval",
                            "seats": 2, "candidates": "members", "min_choices": 1,
                            "max_choices": None, "elects": None} for i in range(POLLS)]
        flag_modified(campaign, "snapshot")
        db.session.commit()
        board = accounts.create_user("board", "Ban TĐKT", "MatKhau@2021", board=True, actor=None)
        for i in range(POLLS):
            voting.open_poll(campaign, f"p{i:02d}", actor=board)
        heads = list(db.session.scalars(select(User).where(User.role == "head")))
        for head in heads:
            token = accounts.issue_token(head)
            for i in range(POLLS):
                jobs.append((token, f"p{i:02d}", head.unit.code))
        db.session.commit()  # services only flush: the caller's unit of work commits
        db.engine.dispose()
    assert datetime.now(TIMEZONE)  # keep the import honest
    return jobs


def run_clients(port: int, jobs: list, make_request) -> tuple[list[float], list[int], float]:
    chunks = [jobs[i::CLIENTS] for i in range(CLIENTS)]
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def client(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine_l, mine_s = [], []
        for job in chunk:
            method, path, body, headers = make_request(job)
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine_l.append(time.perf_counter() - start)
            mine_s.append(response.status)
        conn.close()
        with lock:
            latencies.extend(mine_l)
            statuses.extend(mine_s)

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, time.perf_counter() - start


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    url, admin_engine, name = create_database()
    server = None
    try:
        jobs = prepare(url)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "THIDUA_NOW": NOW,
               "THIDUA_SECRET_KEY": "bench", "THIDUA_LOAD_ENTRY_POINTS": "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        warm = [("", "", "")] * 200
        run_clients(port, warm, lambda j: ("GET", "/healthz", None, {}))
        base_lat, base_status, base_elapsed = run_clients(
            port, [("", "", "")] * len(jobs), lambda j: ("GET", "/healthz", None, {}))
        assert set(base_status) == {200}

        def ballot(job):
            token, poll, unit = job
            body = json.dumps({"choices": ["so-000" if unit != "so-000" else "so-001"]})
            return ("POST", f"/api/v1/campaigns/khoi-8/2021/polls/{poll}/ballots", body,
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

        latencies, statuses, elapsed = run_clients(port, jobs, ballot)
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM ballots")).scalar_one()
            marked = conn.execute(text(
                "SELECT count(*) FROM voter_rolls WHERE voted_on IS NOT NULL")).scalar_one()
        engine.dispose()
        ok = statuses.count(201)
        print(f"\n{len(jobs):,} ballots over HTTP, {CLIENTS} clients, gunicorn -w {WORKERS}, "
              "PostgreSQL")
        print(f"  {'':<28}{'per second':>12}{'median ms':>12}{'p99 ms':>10}")
        print(f"  {'GET /healthz (baseline)':<28}{len(base_lat) / base_elapsed:>12.0f}"
              f"{statistics.median(base_lat) * 1000:>12.1f}{p99(base_lat) * 1000:>10.1f}")
        print(f"  {'POST …/ballots':<28}{ok / elapsed:>12.0f}"
              f"{statistics.median(latencies) * 1000:>12.1f}{p99(latencies) * 1000:>10.1f}")
        print(f"  ratio of median latency: {statistics.median(latencies) / statistics.median(base_lat):.1f}× "
              "the bare page")
        print(f"  accepted {ok}/{len(jobs)}; ballots stored {stored}; roll marks {marked}")
        assert ok == stored == marked == len(jobs), "ballot count is not exact"
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


if __name__ == "__main__":
    main()
