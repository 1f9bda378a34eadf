"""Pages at a province's size, through gunicorn on PostgreSQL (issue 15): requests per second
of each page over those of the bare Flask endpoint ``/healthz`` served by the same gunicorn
(same workers) and measured right before it, three repetitions in one run (min / median /
max of the ratio).

- the campaign page, the status grid and the ranking, HTML and API, with 40 units (target
  ≥ 0.2× bare Flask);
- the board's dashboard with 30 blocs × 12 units, every bloc's verification locked (target
  ≥ 0.05×);
- the history pages (a bloc, a unit, HTML and API), the campaign lists (a unit's home page,
  the API list) with 1 and with 5 years of data (target: 5 years costs at most 20% more);
- a request authenticated by token (``GET /api/v1/me``; target ≥ 0.2×).

The two worlds (1 and 5 years of data) each live in a throw-away PostgreSQL database
(THIDUA_BENCH_DATABASE_URL names the server; default the local one), built through the
migrations, each served by its own gunicorn; they are measured in turns, page by page, so
that both see the same load. ``python bench/pages_http.py
[--repetitions 3] [--workers 2]``."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from _common import ROOT, Server, create_database, ratios, spread

PASSWORD = "Song-Hau-mua-xuan-2021"  # noqa: S105 - a throw-away database
NOW = "2022-02-20T09:00:00+07:00"  # the 2021 verification is locked, the vote under way
AUDIT_KEY = "bench-audit-key-0123456789abcdef"
ANCHORS = tempfile.mkdtemp(prefix="thidua-bench-")  # each world's audit anchor its own
BLOCS, BLOC_UNITS, UNITS = 30, 12, 40  # BLOC_UNITS: tests/support/many_years.py


def env_for(years: int) -> dict[str, str]:
    return {"THIDUA_AUDIT_KEY": AUDIT_KEY,
            "THIDUA_AUDIT_ANCHOR": os.path.join(ANCHORS, f"anchor-{years}.json")}


def prepare(url: str, years: int) -> dict[str, dict[str, dict[str, str]]]:
    """Khối 8 with 40 units (tests/support/bulk.py), and BLOCS blocs of 12 units with a
    campaign in each of the last ``years`` years, verification locked
    (tests/support/many_years.py). Returns the request headers of each signed-in person."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from core import create_app
    from core.config import parse_now
    from core.extensions import db
    from core.models import User

    sys.path.insert(0, str(ROOT))
    from tests.support.bulk import build
    from tests.support.many_years import build_years

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "THIDUA_NOW": parse_now(NOW),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "THIDUA_LOAD_ENTRY_POINTS": False, "THIDUA_TOKEN_TTL_HOURS": 24 * 365,
                      "THIDUA_ARGON2": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
                      **env_for(years)})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        build(UNITS)
        build_years(app, BLOCS, years,
                    admin=db.session.scalar(select(User).where(User.username == "admin")))
        client = app.test_client()
        people = {}
        for username in ("leader", "board", "officer"):
            token = client.post("/api/v1/tokens", json={"username": username,
                                                        "password": PASSWORD}).get_json()
            signed = app.test_client()
            answer = signed.post("/login", data={"username": username, "password": PASSWORD})
            assert answer.status_code == 302, answer.status_code
            cookie = signed.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
            people[username] = {"api": {"Authorization": f"Bearer {token['token']}"},
                                "html": {"Cookie": f"{cookie.key}={cookie.value}"}}
        db.session.commit()
        app.extensions["thidua"].unregister(name="many-years")
        db.engine.dispose()
    return people


def pages_of(people: dict[str, dict[str, dict[str, str]]], years: int
             ) -> dict[str, tuple[str, dict[str, str]]]:
    leader, board, officer = people["leader"], people["board"], people["officer"]
    found = {}
    if years == 1:
        found.update({
            "campaign page (HTML), 40 units": ("/campaigns/khoi-8/2021", leader["html"]),
            "campaign (API), 40 units": ("/api/v1/campaigns/khoi-8/2021", leader["api"]),
            "status grid (HTML), 40 units": ("/campaigns/khoi-8/2021/status", leader["html"]),
            "status grid (API), 40 units": ("/api/v1/campaigns/khoi-8/2021/status",
                                            leader["api"]),
            "ranking (HTML), 40 units": ("/campaigns/khoi-8/2021/ranking", leader["html"]),
            "ranking (API), 40 units": ("/api/v1/campaigns/khoi-8/2021/ranking", leader["api"]),
            "token request GET /api/v1/me": ("/api/v1/me", leader["api"]),
            f"dashboard (HTML), {BLOCS}×{BLOC_UNITS}": ("/board/2021", board["html"]),
            f"dashboard (API), {BLOCS}×{BLOC_UNITS}": ("/api/v1/board/2021", board["api"]),
        })
    found.update({
        "bloc history (HTML)": ("/history/blocs/khoi-t00", board["html"]),
        "bloc history (API)": ("/api/v1/history/blocs/khoi-t00", board["api"]),
        "unit history (HTML)": ("/history/units/u00-00", officer["html"]),
        "unit history (API)": ("/api/v1/history/units/u00-00", officer["api"]),
        "a unit's campaigns (home page)": ("/", officer["html"]),
        "campaign list (API)": ("/api/v1/campaigns", officer["api"]),
    })
    return found


def run(repetitions: int, workers: int) -> dict[str, dict[str, list[float]]]:
    """Both worlds (1 and 5 years of data) served side by side, measured in turns."""
    made, servers = [], {}
    try:
        for years in (1, 5):
            url, drop = create_database()
            made.append(drop)
            people = prepare(url, years)
            server = Server(url, NOW, workers, env_for(years))
            made.append(server.stop)
            servers[f"{years}"] = (server, pages_of(people, years))
        return ratios(servers, repetitions)
    finally:
        for undo in reversed(made):
            undo()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    found = run(args.repetitions, args.workers)
    one, five = found["1"], found["5"]
    print(f"\nRequests/s over bare Flask (/healthz), gunicorn -w {args.workers}, PostgreSQL, "
          f"{args.repetitions} repetitions (min / median / max)")
    print(f"  {'page':<40}{'min':>8}{'median':>8}{'max':>8}  target")
    failures = []
    for name, values in one.items():
        low, mid, high = spread(values)
        target = 0.05 if name.startswith("dashboard") else 0.2
        met = mid >= target
        failures += [] if met else [name]
        print(f"  {name:<40}{low:>8.3f}{mid:>8.3f}{high:>8.3f}  ≥ {target}× "
              f"{'met' if met else 'NOT MET'}")
    print("\n5 years of data against 1, measured in turns (cost: 1-year ratio / 5-year ratio;"
          " target ≤ 1.2)")
    print(f"  {'page':<40}{'1 year':>8}{'5 years':>8}{'cost':>8}")
    for name, values in five.items():
        first, later = statistics.median(one[name]), statistics.median(values)
        cost = first / later
        met = cost <= 1.2
        failures += [] if met else [f"{name} (5 years)"]
        print(f"  {name:<40}{first:>8.3f}{later:>8.3f}{cost:>8.2f}  "
              f"{'met' if met else 'NOT MET'}")
    print("\nevery target met" if not failures else f"\nnot met: {', '.join(failures)}")


if __name__ == "__main__":
    main()
