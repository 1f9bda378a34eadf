"""Median time of the status grid, ranking and campaign pages for 40 units, against a bare
page (/healthz) served by the same app in the same run (issue 3)."""

from __future__ import annotations

from _common import make_bench_app, median_ms, report

from core.extensions import db

UNITS = 40
PAGES = {
    "campaign page (HTML)": ("/campaigns/khoi-8/2021", False),
    "campaign detail (API)": ("/api/v1/campaigns/khoi-8/2021", True),
    "status grid (API)": ("/api/v1/campaigns/khoi-8/2021/status", True),
    "ranking (API)": ("/api/v1/campaigns/khoi-8/2021/ranking", True),
    "status grid (HTML)": ("/campaigns/khoi-8/2021/status", False),
    "ranking (HTML)": ("/campaigns/khoi-8/2021/ranking", False),
}


def main() -> None:
    from bulk import build

    app = make_bench_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        build(UNITS)
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "leader",
                                                "password": "Song-Hau-mua-xuan-2021"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/login", data={"username": "leader", "password": "Song-Hau-mua-xuan-2021"})
    baseline = median_ms(lambda: client.get("/healthz"))
    rows = {}
    for name, (path, api) in PAGES.items():
        status = client.get(path, headers=headers if api else {}).status_code
        if status != 200:
            print(f"  (skipped {name}: {path} answered {status})")
            continue
        rows[f"{name} {path}"] = median_ms(
            lambda p=path, a=api: client.get(p, headers=headers if a else {}))
    report(f"Cycle pages, {UNITS} units, in-process test client",
           "bare page /healthz", baseline, rows)
    with app.app_context():
        db.drop_all()


if __name__ == "__main__":
    main()
