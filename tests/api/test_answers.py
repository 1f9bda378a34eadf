"""Read-only API answers kept per data version (core/api/answers.py, issue 15): a kept answer
is exactly the one the view builds now, and it is built again after any write, when the
clock moves, for another person or language, or when the installation's settings change."""

from __future__ import annotations

import threading

import pytest

from core.api import answers
from core.extensions import db
from tests.support import api_token, bearer, database_kind
from tests.support.cycle_pages import at, submit_registration

BASE = "/api/v1/campaigns/khoi-8/2021"
KEPT = [BASE, f"{BASE}/status", f"{BASE}/ranking", "/api/v1/campaigns",
        "/api/v1/history/blocs/khoi-8", "/api/v1/history/units/so-tttt"]


def fresh(app, client, path: str, headers: dict[str, str]):
    """The answer built by the view itself (nothing kept)."""
    app.config["THIDUA_ANSWER_CACHE_SIZE"] = 0
    try:
        return client.get(path, headers=headers).get_json()
    finally:
        app.config["THIDUA_ANSWER_CACHE_SIZE"] = answers.DEFAULT_SIZE


def registration_cell(status: dict, unit: str) -> dict:
    return next(r for r in status["rows"] if r["unit"] == unit)["cells"]["registration"]


@pytest.mark.parametrize("path", KEPT)
def test_a_kept_answer_is_the_one_the_view_builds(app, client, demo, path):
    at(app, 2021, 5, 3, 9, 0)
    leader = bearer(api_token(client, "tttt.canbo"))
    first = client.get(path, headers=leader)
    assert first.status_code == 200
    kept = answers.cache()
    hits = kept.hits
    again = client.get(path, headers=leader)
    assert kept.hits == hits + 1  # served from the kept answer …
    assert again.get_data() == first.get_data()  # … byte for byte
    assert again.get_json() == fresh(app, client, path, leader)  # and it is today's truth
    assert again.headers["Content-Security-Policy"]  # the app's headers on a kept answer too


def test_a_write_is_seen_at_once(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    leader = bearer(api_token(client, "tttt.canbo"))
    before = client.get(f"{BASE}/status", headers=leader).get_json()
    assert client.get(f"{BASE}/status", headers=leader).get_json() == before
    submit_registration()  # through the service, audited, committed
    after = client.get(f"{BASE}/status", headers=leader).get_json()
    assert after != before
    assert after == fresh(app, client, f"{BASE}/status", leader)
    changed = [r["unit"] for r, old in zip(after["rows"], before["rows"], strict=True)
               if r != old]
    assert changed == ["so-vhttdl"]


def test_the_clock_the_person_and_the_settings_are_part_of_the_answer(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    leader = bearer(api_token(client, "tttt.canbo"))
    board = bearer(api_token(client, "bantdkt"))
    officer = bearer(api_token(client, "yte.canbo"))
    in_may = client.get(BASE, headers=leader).get_json()
    at(app, 2021, 6, 10, 9, 0)  # another phase under way
    in_june = client.get(BASE, headers=leader).get_json()
    assert in_june != in_may
    assert in_june == fresh(app, client, BASE, leader)
    # a person who may not read the grid is refused every time, never served someone's answer
    assert client.get(f"{BASE}/status", headers=leader).status_code == 200
    assert client.get(f"{BASE}/status", headers=officer).status_code == 403
    assert client.get(f"{BASE}/status", headers=officer).status_code == 403
    assert client.get(f"{BASE}/status", headers=board).status_code == 200
    kept = answers.cache()
    misses = kept.misses
    app.config["THIDUA_PROVINCE"] = "Vĩnh Long"  # a setting changed while the app runs
    client.get(BASE, headers=leader)
    assert kept.misses == misses + 1


def test_nothing_kept_when_turned_off(app, client, demo):
    app.config["THIDUA_ANSWER_CACHE_SIZE"] = 0
    leader = bearer(api_token(client, "tttt.canbo"))
    client.get(BASE, headers=leader)
    client.get(BASE, headers=leader)
    assert answers.cache() is None


def test_the_cache_keeps_at_most_its_size():
    kept = answers.AnswerCache(2)
    for n in range(3):
        kept.put((n,), (b"{}", "application/json"))
    assert kept.get((0,)) is None and kept.get((2,)) == (b"{}", "application/json")


@pytest.mark.skipif(database_kind() != "postgresql", reason="concurrency is tested on PostgreSQL")
def test_readers_during_a_write_see_it_once_it_commits(app, client, demo):
    """Eight threads read the status grid while a registration is submitted: every answer
    read after the commit shows it; none read after shows the old state."""
    at(app, 2021, 5, 3, 9, 0)
    leader = bearer(api_token(client, "tttt.canbo"))
    before = client.get(f"{BASE}/status", headers=leader).get_json()  # kept before the write
    db.session.remove()
    committed = threading.Event()
    read_after_commit: list[dict] = []
    lock = threading.Lock()

    def reader():
        with app.app_context():
            reader_client = app.test_client()
            for _ in range(20):
                was_committed = committed.is_set()
                body = reader_client.get(f"{BASE}/status", headers=leader).get_json()
                if was_committed:
                    with lock:
                        read_after_commit.append(registration_cell(body, "so-vhttdl"))
                db.session.remove()

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    submit_registration()
    committed.set()
    for t in threads:
        t.join(timeout=60)
    submitted = registration_cell(fresh(app, client, f"{BASE}/status", leader), "so-vhttdl")
    assert submitted != registration_cell(before, "so-vhttdl")
    assert read_after_commit and all(cell == submitted for cell in read_after_commit)


def test_the_boards_dashboard_is_kept_and_true(app, client, demo):
    board = bearer(api_token(client, "bantdkt"))
    first = client.get("/api/v1/board/2021", headers=board)
    assert first.status_code == 200
    hits = answers.cache().hits
    assert client.get("/api/v1/board/2021", headers=board).get_data() == first.get_data()
    assert answers.cache().hits == hits + 1
    assert first.get_json() == fresh(app, client, "/api/v1/board/2021", board)
