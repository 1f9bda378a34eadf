"""A plugin with a voting procedure of its own: ``register_procedure`` makes the class
rebuildable from a campaign's snapshot, with or without the plugin."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Campaign
from core.plugin_api import hookimpl
from core.voting import (
    BallotRejected,
    PollContext,
    PollDescription,
    PollResult,
    PollSpec,
    ProcedureDescription,
    VotingProcedure,
    procedure_from_snapshot,
    register_procedure,
    registered_procedures,
)
from tests.plugins.fixtures import khoi_thu
from tests.support import api_token, bearer
from tests.support.plugins import THU_MEMBERS, seed_people


@register_procedure
@dataclass(frozen=True)
class ShowOfHands:
    """One question, one choice per unit, elected by more than half of all members."""

    name: ClassVar[str] = "test_show_of_hands"
    question: str = "Đề nghị tặng Cờ thi đua"

    def config(self) -> dict[str, Any]:
        return {"question": self.question}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ShowOfHands:
        return cls(question=config["question"])

    def problems(self) -> list[str]:
        return [] if self.question.strip() else ["Thiếu câu hỏi biểu quyết."]

    def polls(self, ctx: PollContext) -> list[PollSpec]:
        return [PollSpec("bieu-quyet", self.question, "single", 1, 1, 1,
                         tuple(sorted(ctx.members)))]

    def check_ballot(self, poll: PollSpec, voter: str, choices: list[str]) -> None:
        if len(choices) != 1 or choices[0] not in poll.candidates:
            raise BallotRejected("Chọn đúng một đơn vị.", code="one_choice")

    def tally(self, poll: PollSpec, ballots: list[list[str]], ctx: PollContext) -> PollResult:
        votes = {c: sum(1 for b in ballots if b == [c]) for c in poll.candidates}
        elected = tuple(c for c, v in votes.items() if v * 2 > len(ctx.members))
        counts = tuple({"candidate": c, "votes": v} for c, v in sorted(votes.items()))
        return PollResult(len(ctx.members), len(ballots), len(ballots), 0, True, counts,
                          elected)

    def describe(self, ctx: PollContext) -> ProcedureDescription:
        needed = len(ctx.members) // 2 + 1
        return ProcedureDescription(
            rules=(f"Biểu quyết giơ tay: đơn vị được suy tôn khi được ít nhất {needed} trên "
                   f"{len(ctx.members)} đơn vị thành viên đồng ý.",),
            polls=(PollDescription(self.question, "Chọn 1 đơn vị", 1,
                                   "Tất cả đơn vị thành viên"),))


def plugin(question: str):
    @hookimpl
    def thidua_voting_procedure(bloc: str, year: int):
        return ShowOfHands(question) if bloc == khoi_thu.BLOC else None

    return types.SimpleNamespace(thidua_voting_procedure=thidua_voting_procedure)


@pytest.fixture
def world(app):
    seed_people()
    app.extensions["thidua"].register(khoi_thu, "khoi_thu")
    return app


def test_the_class_is_registered_and_satisfies_the_protocol():
    assert registered_procedures()["test_show_of_hands"] is ShowOfHands
    assert isinstance(ShowOfHands(), VotingProcedure)


def test_register_procedure_needs_a_name():
    class Nameless:
        pass

    with pytest.raises(TypeError, match="has no procedure name"):
        register_procedure(Nameless)


def test_campaign_with_an_own_procedure(world, client):
    # Answers for 2025 (the test bloc has no procedure of its own that year).
    world.extensions["thidua"].register(plugin("Biểu quyết Cờ thi đua"), "gio_tay")
    token = api_token(client, "admin")
    response = client.post("/api/v1/campaigns", headers=bearer(token), json={
        "bloc": khoi_thu.BLOC, "year": 2025, "members": THU_MEMBERS})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["voting"] == {"name": "test_show_of_hands",
                                             "config": {"question": "Biểu quyết Cờ thi đua"}}
    snapshot = db.session.scalar(select(Campaign.snapshot))
    assert snapshot["voting"]["plugin"] == "gio_tay"

    world.extensions["thidua"].unregister("gio_tay")
    rebuilt = procedure_from_snapshot(snapshot["voting"]["name"], snapshot["voting"]["config"])
    assert rebuilt == ShowOfHands("Biểu quyết Cờ thi đua")
    units = tuple(m["unit"] for m in THU_MEMBERS)
    (poll,) = rebuilt.polls(PollContext(members=units))
    with pytest.raises(BallotRejected):
        rebuilt.check_ballot(poll, "so-tc", ["so-tc", "so-ct"])
    result = rebuilt.tally(poll, [["so-tc"], ["so-tc"], ["so-tc"], ["so-ct"]],
                           PollContext(members=units))
    assert result.elected == ("so-tc",)


def test_its_problems_are_plan_problems(world, client):
    world.extensions["thidua"].register(plugin("   "), "gio_tay")
    token = api_token(client, "admin")
    response = client.post("/api/v1/campaigns", headers=bearer(token), json={
        "bloc": khoi_thu.BLOC, "year": 2025, "members": THU_MEMBERS})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["plan"] == [
        "Bỏ phiếu: Thiếu câu hỏi biểu quyết."]
