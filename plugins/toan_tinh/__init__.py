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

from core.plugin_api import AwardRules, hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "2026.1"

# The 2026 rules about units, from the first year opened under Nghị định 152/2025/NĐ-CP (in
# force 01/07/2025) and the Luật Thi đua, khen thưởng 2022: defaults for every bloc, which a
# bloc plugin overrides by answering ``thidua_award_rules`` itself. What was verified of the
# articles: docs/units.md.
RULES_FROM_YEAR = 2026
AWARD_RULES_BASIS = (
    "Tập thể đang bị xem xét kỷ luật, đang bị thanh tra, kiểm tra hoặc có khiếu nại, tố cáo "
    "chưa được giải quyết thì chưa được đề nghị khen thưởng; khi các tập thể có thành tích "
    "như nhau, ưu tiên tập thể có tỷ lệ nữ từ 70% trở lên (Luật Thi đua, khen thưởng 2022; "
    "Nghị định 152/2025/NĐ-CP — điều khoản cụ thể: xem docs/units.md).")


def default_award_rules() -> AwardRules:
    return AwardRules(barring_flags=("discipline", "inspection", "complaint"),
                      women_tiebreak=True, women_threshold=70, basis=AWARD_RULES_BASIS)


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


@hookimpl(trylast=True)
def thidua_award_rules(bloc: str, year: int) -> AwardRules | None:
    return default_award_rules() if year >= RULES_FROM_YEAR else None
