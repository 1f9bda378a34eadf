"""Opening a poll whose candidates are the best units by verified total (issue 10): only
once verification is locked, so the candidate list cannot change under the voters."""

from __future__ import annotations

from core.voting import CouncilVote, PollDefinition
from tests.support.cycle import Api, at
from tests.support.guards import FORCE
from tests.support.plugins import Khoi8NextYear

BASE = "/api/v1/campaigns/khoi-8/2022"


def best_two() -> CouncilVote:
    """A flag poll offering the two best units by verified total, and one open to all."""
    return CouncilVote(poll_definitions=(
        PollDefinition("co-thi-dua", "Cờ thi đua", candidates="top:2"),
        PollDefinition("bang-khen", "Bằng khen", seats=2)))


def test_a_top_k_poll_opens_only_after_verification_is_locked(app, client, demo):
    app.extensions["thidua"].register(Khoi8NextYear(voting=best_two), "best_two")
    admin = Api(client, "admin")
    assert client.post("/api/v1/campaigns", headers=admin.headers, json={
        "bloc": "khoi-8", "year": 2022, "members": []}).status_code == 201
    leader = Api(client, "tttt.canbo")
    at(app, 2022, 2, 16, 9, 0)  # the vote phase; verification not locked
    refused = client.post(f"{BASE}/polls/co-thi-dua/open", headers=leader.headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "verification_not_locked"
    # A poll open to every member is not held back.
    assert client.post(f"{BASE}/polls/bang-khen/open", headers=leader.headers
                       ).status_code == 200
    at(app, 2022, 2, 10, 9, 0)
    assert client.post(f"{BASE}/verification/lock", headers=leader.headers, json=FORCE).status_code == 200
    at(app, 2022, 2, 16, 9, 0)
    opened = client.post(f"{BASE}/polls/co-thi-dua/open", headers=leader.headers)
    assert opened.status_code == 200, opened.get_json()
