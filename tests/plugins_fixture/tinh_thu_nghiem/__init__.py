"""A province-wide plugin, used only by the tests: the provincial council's voting guidance.

It answers ``thidua_voting_procedure`` for every bloc and every year, marked
``trylast=True`` (the convention for answers that apply to all blocs), so a bloc plugin that
has a procedure of its own (Khối 8, Khối thử nghiệm in 2024) is asked first and wins, and a
bloc without one (Khối thử nghiệm in 2025) gets this one. It supplies no bloc.
"""

from __future__ import annotations

from core.plugin_api import hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "1.0"

NOTES = "Theo hướng dẫn chung của Hội đồng Thi đua – Khen thưởng tỉnh (plugin kiểm thử)."


def province_vote() -> CouncilVote:
    return CouncilVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh",
                           method="approval", seats=1, candidates="members"),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           method="approval", seats=2, candidates="members"),
        ),
        quorum="3/4",
        threshold="1/2",
        threshold_base="voters",
        self_vote=True,
        tie_break=("verified_score", "runoff"),
        notes=NOTES,
    )


@hookimpl(trylast=True)
def thidua_voting_procedure(bloc: str, year: int) -> CouncilVote:
    return province_vote()
