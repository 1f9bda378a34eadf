"""Province-wide defaults: the award-vote rules of the provincial council for every bloc that
does not set its own (``trylast``, so a bloc plugin's own answer always wins).

ASSUMPTION (the council's guidance is not in the project's sources): secret ballot, quorum two
thirds of members, more than half of ALL members to pass, one Cờ thi đua, two Bằng khen, next
year's leader and deputy by single choice, ties by verified score then a run-off."""

from __future__ import annotations

from core.plugin_api import hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "2025.1"


def default_vote() -> CouncilVote:
    return CouncilVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh", seats=1),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           seats=2),
            PollDefinition("khoi-truong", "Bầu Khối trưởng năm sau", method="single",
                           elects="leader"),
            PollDefinition("khoi-pho", "Bầu Khối phó năm sau", method="single",
                           elects="deputy"),
        ),
        quorum="2/3", threshold="1/2", threshold_base="members", self_vote=True,
        tie_break=("verified_score", "runoff"),
        notes="Quy định chung của tỉnh (plugin toan_tinh) cho khối không tự quy định.",
    )


@hookimpl(trylast=True)
def thidua_voting_procedure(bloc: str, year: int) -> CouncilVote:
    return default_vote()
