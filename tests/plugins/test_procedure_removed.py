"""A campaign whose voting procedure came from a plugin that is later removed stays readable
everywhere — pages, API, documents — and its vote is read-only: nothing is opened, cast or
counted any more (409 ``read_only``, in Vietnamese), never a 500."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy import func, select

import plugins.khoi8 as khoi8
from core.cli import build_demo
from core.extensions import db
from core.models import Ballot, Poll, PollOutcome
from core.plugin_api import hookimpl
from core.voting import (
    CouncilVote,
    ProcedureUnavailable,
    procedure_from_snapshot,
    register_procedure,
)
from core.voting import base as voting_base
from tests.support import api_token, bearer, login, make_app
from tests.support.cycle import Api, at
from tests.support.guards import FORCE
from tests.support.shares import api_close
from tests.support.voting import HEADS
from tests.support.year import play_year

POLLS = "/campaigns/khoi-8/2021/polls"
READ_ONLY = ("Năm thi đua này chỉ còn đọc: quy trình bỏ phiếu “test_gone_vote” không còn được "
             "cài đặt.")


@dataclass(frozen=True)
class GoneVote(CouncilVote):
    """Khối 8's own council vote under another name: a class only the removed plugin had."""

    name: ClassVar[str] = "test_gone_vote"


def gone_plugin() -> types.SimpleNamespace:
    @hookimpl(tryfirst=True)
    def thidua_voting_procedure(bloc: str, year: int):
        if (bloc, year) != ("khoi-8", 2021):
            return None
        return GoneVote.from_config(khoi8.voting_2021().config())

    return types.SimpleNamespace(thidua_voting_procedure=thidua_voting_procedure,
                                 __version__="1.0")


@pytest.fixture
def registry(monkeypatch):
    """The procedure registry, restored after the test."""
    monkeypatch.setattr(voting_base, "_REGISTRY", dict(voting_base._REGISTRY))
    register_procedure(GoneVote)
    return voting_base._REGISTRY


@pytest.fixture
def removed(app, client, registry, tmp_path):
    """Khối 8's 2021 year played with the plugin's procedure: 'co-thi-dua' published,
    'bang-khen' open with one ballot, the two leadership polls never opened. Then the
    plugin and its class are removed and the app restarts (a fresh plugin manager and plan
    cache over the same database); yields the restarted app, inside its context."""
    app.extensions["thidua"].register(gone_plugin(), "gio_tay")
    build_demo()
    db.session.commit()
    play_year(app, client, through="verification")
    at(app, 2022, 2, 25, 8, 0)
    leader = Api(client, "tttt.canbo")
    heads = {unit: Api(client, user) for unit, user in HEADS.items()}
    # The 7 units that vote are recorded present at the meeting (so-tuphap absent), so the
    # poll may close on the meeting day, before the vote phase's last day (as play_year does).
    assert leader.put("/attendance", json={"units": [
        {"unit": unit, "present": True, "representative": f"Thủ trưởng {unit}",
         "title": "Giám đốc"} for unit in list(HEADS)[:7]]}).status_code == 200
    assert leader.post("/polls/co-thi-dua/open", json=FORCE).status_code == 200
    for unit in list(HEADS)[:7]:
        assert heads[unit].post("/polls/co-thi-dua/ballots",
                                json={"choices": ["so-vhttdl"]}).status_code == 201
    assert api_close(leader, "co-thi-dua").status_code == 200
    assert leader.post("/polls/co-thi-dua/publish").status_code == 200
    assert leader.post("/polls/bang-khen/open", json=FORCE).status_code == 200
    assert heads["so-yte"].post("/polls/bang-khen/ballots",
                                json={"choices": ["so-yte"]}).status_code == 201
    db.session.remove()

    app.extensions["thidua"].unregister("gio_tay")
    del registry["test_gone_vote"]
    restarted = make_app(tmp_path)
    at(restarted, 2022, 2, 26, 9, 0)
    with restarted.app_context():
        try:
            yield restarted
        finally:
            db.session.remove()
            db.engine.dispose()


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Poll)),
            db.session.scalar(select(func.count()).select_from(Ballot)),
            db.session.scalar(select(func.count()).select_from(PollOutcome)))


def test_an_unknown_procedure_is_a_specific_lookup_error(registry):
    with pytest.raises(ProcedureUnavailable) as info:
        procedure_from_snapshot("khong_co", {})
    assert isinstance(info.value, LookupError) and info.value.name == "khong_co"


def test_pages_stay_readable(removed):
    client = removed.test_client()
    login(client, "tttt.canbo")
    page = client.get("/campaigns/khoi-8/2021")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Quy trình bỏ phiếu “test_gone_vote” của năm thi đua này không còn được cài đặt" \
        in text
    assert "quorum" in text  # the stored parameters are listed

    polls = client.get(POLLS)
    assert polls.status_code == 200
    text = polls.get_data(as_text=True)
    assert READ_ONLY in text
    # Only what was stored: the polls never opened are not drafted from a missing procedure.
    assert 'id="poll-co-thi-dua"' in text and 'id="poll-bang-khen"' in text
    assert 'id="poll-khoi-truong"' not in text
    assert f"{POLLS}/bang-khen/close" not in text  # no step the service would refuse

    assert client.get(f"{POLLS}/co-thi-dua/results").status_code == 200
    assert client.get("/campaigns/khoi-8/2021/documents/").status_code == 200
    pdf = client.get("/campaigns/khoi-8/2021/documents/bien-ban-kiem-phieu.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    member = removed.test_client()
    login(member, "gddt.thutruong")
    assert member.get(f"{POLLS}/co-thi-dua/results").status_code == 200
    ballot = member.get(f"{POLLS}/bang-khen/ballot")
    assert ballot.status_code == 409
    assert READ_ONLY in ballot.get_data(as_text=True)


def test_the_api_stays_readable(removed):
    client = removed.test_client()
    headers = bearer(api_token(client, "tttt.canbo"))
    base = "/api/v1/campaigns/khoi-8/2021"
    detail = client.get(base, headers=headers)
    assert detail.status_code == 200
    assert detail.get_json()["voting"]["name"] == "test_gone_vote"
    polls = client.get(f"{base}/polls", headers=headers)
    assert polls.status_code == 200
    assert sorted(p["code"] for p in polls.get_json()) == ["bang-khen", "co-thi-dua"]
    assert client.get(f"{base}/polls/bang-khen", headers=headers).status_code == 200
    result = client.get(f"{base}/polls/co-thi-dua/result", headers=headers)
    assert result.status_code == 200 and result.get_json()["elected"] == ["so-vhttdl"]
    receipts = client.get(f"{base}/polls/co-thi-dua/receipts", headers=headers)
    assert receipts.status_code == 200 and len(receipts.get_json()) == 7
    assert client.get(f"{base}/polls/bang-khen/roll", headers=headers).status_code == 200
    assert client.get(f"{base}/documents", headers=headers).status_code == 200
    pdf = client.get(f"{base}/documents/bien-ban-kiem-phieu.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_writes_are_refused_with_409_and_change_nothing(removed):
    client = removed.test_client()
    leader = bearer(api_token(client, "tttt.canbo"))
    head = bearer(api_token(client, "gddt.thutruong"))
    base = "/api/v1/campaigns/khoi-8/2021/polls"
    before = counts()
    for response in (
        client.post(f"{base}/bang-khen/ballots", headers=head, json={"choices": ["so-yte"]}),
        client.post(f"{base}/bang-khen/close", headers=leader),
        client.post(f"{base}/khoi-truong/open", headers=leader),
    ):
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"] == {"code": "read_only", "message": READ_ONLY}
    assert counts() == before

    page = removed.test_client()
    login(page, "tttt.canbo")
    refused = page.post(f"{POLLS}/bang-khen/close")
    assert refused.status_code == 409
    assert READ_ONLY in refused.get_data(as_text=True)
    assert counts() == before
