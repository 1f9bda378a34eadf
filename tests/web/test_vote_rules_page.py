"""The campaign page states the vote's rules in the procedure's own words (``describe``),
in the user's language; the page never restates a procedure's rules itself."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from core.plugin_api import hookimpl
from core.voting import (
    CouncilVote,
    PollContext,
    PollDefinition,
    PollDescription,
    ProcedureDescription,
)
from core.voting import base as voting_base
from tests.support import api_token, bearer, login
from tests.support.html import parse
from tests.support.plugins import KHOI8_MEMBERS, seed_people

CAMPAIGN = "/campaigns/khoi-8/2021"


@dataclass(frozen=True)
class Lottery(CouncilVote):
    """A procedure with rules of its own words, to see where the page's sentences come from."""

    name: ClassVar[str] = "test_lottery"

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        return ProcedureDescription(
            rules=(f"Bốc thăm ngẫu nhiên trong {len(ctx.members)} đơn vị.",
                   "Không cần đủ số phiếu tối thiểu."),
            polls=(PollDescription("Cờ thi đua", "Bốc 1 lá thăm", 1, "Các đơn vị tự nguyện"),),
            notes="Chỉ dùng để kiểm thử.")


@dataclass(frozen=True)
class Silent(CouncilVote):
    """A procedure written before describe() joined the protocol."""

    name: ClassVar[str] = "test_silent"
    describe: ClassVar[None] = None


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(voting_base, "_REGISTRY", dict(voting_base._REGISTRY))
    for cls in (Lottery, Silent):
        voting_base.register_procedure(cls)


def open_with(app, client, cls: type) -> None:
    @hookimpl(tryfirst=True)
    def thidua_voting_procedure(bloc: str, year: int) -> Any:
        return cls(poll_definitions=(PollDefinition("co-thi-dua", "Cờ thi đua"),))

    app.extensions["thidua"].register(
        types.SimpleNamespace(thidua_voting_procedure=thidua_voting_procedure), "thu_tuc")
    seed_people()
    response = client.post("/api/v1/campaigns", headers=bearer(api_token(client, "admin")),
                           json={"bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
    assert response.status_code == 201, response.get_json()
    login(client, "tttt.canbo")


def voting_section(client, url: str = CAMPAIGN):
    response = client.get(url)
    assert response.status_code == 200
    return parse(response).find("section", aria_labelledby="voting-h")


def test_the_rules_are_the_procedure_s_own_sentences(app, client, registry):
    open_with(app, client, Lottery)
    section = voting_section(client)
    assert [li.text for li in section.find("ul").find_all("li")] == [
        "Bốc thăm ngẫu nhiên trong 8 đơn vị.", "Không cần đủ số phiếu tối thiểu."]
    row = section.find("table").find("tbody").find("tr")
    assert [c.text for c in row.find_all("th") + row.find_all("td")] == [
        "Cờ thi đua", "Bốc 1 lá thăm", "1", "Các đơn vị tự nguyện"]
    assert "Chỉ dùng để kiểm thử." in section.text
    assert "Hội nghị bình xét hợp lệ" not in section.text  # nothing restated by the page


def test_a_procedure_without_describe_lists_its_stored_parameters(app, client, registry):
    open_with(app, client, Silent)
    section = voting_section(client)
    assert "Quy trình bỏ phiếu: test_silent. Thông số đã chốt:" in section.text
    assert {dt.text for dt in section.find_all("dt")} >= {"quorum", "threshold", "polls"}


def test_the_core_procedure_s_rules_are_translated(demo, client, catalogs):
    login(client, "tttt.canbo")
    rules = [li.text for li in voting_section(client, f"{CAMPAIGN}?lang=en")
             .find("ul").find_all("li")]
    assert len(rules) == 6  # quorum, threshold, self-vote, ties, the run-off, the seal
    assert all("đơn vị" not in rule for rule in rules), rules
