"""Province-wide defaults: the award-vote rules of the provincial council for every bloc that
does not set its own (``trylast``, so a bloc plugin's own answer always wins).

From the law: Điều 26 of the Luật Thi đua, khen thưởng 2022 (in force from 01/01/2024) gives the
province's Cờ thi đua to the unit leading its bloc, so the Cờ thi đua poll's candidates are the
bloc's leading unit by verified total — every unit tied with it included (``top:1``) — and the
poll is marked ``award="co_thi_dua"``: its result warns when the elected unit is not the
leading one (the totals may change between opening and closing).

ASSUMPTION (the council's guidance is not in the project's sources): secret ballot, quorum two
thirds of members, more than half of ALL members to pass, one Cờ thi đua, two Bằng khen, next
year's leader and deputy by single choice, a head may cast a blank ballot (abstain), ties by
verified score then a run-off, which elects by most votes."""

from __future__ import annotations

from core.plugin_api import hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "2025.2"


def default_vote() -> CouncilVote:
    return CouncilVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh", seats=1,
                           candidates="top:1", award="co_thi_dua"),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           seats=2),
            PollDefinition("khoi-truong", "Bầu Khối trưởng năm sau", method="single",
                           elects="leader"),
            PollDefinition("khoi-pho", "Bầu Khối phó năm sau", method="single",
                           elects="deputy"),
        ),
        quorum="2/3", threshold="1/2", threshold_base="members", self_vote=True,
        allow_blank=True, tie_break=("verified_score", "runoff"), runoff_rule="most_votes",
        notes="Quy định chung của tỉnh (plugin toan_tinh) cho khối không tự quy định. Cờ thi "
              "đua của UBND tỉnh xét tặng cho đơn vị dẫn đầu khối (Điều 26 Luật Thi đua, khen "
              "thưởng 2022).",
    )


@hookimpl(trylast=True)
def thidua_voting_procedure(bloc: str, year: int) -> CouncilVote:
    return default_vote()
