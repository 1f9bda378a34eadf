"""Khối thi đua Văn hóa – Xã hội (MINH HỌA) — an illustrative second bloc that differs from
Khối 8 in all three respects, to show that a bloc is only a plugin away:

- a 1,000-point table (four groups) with bonus and deduction lines;
- its own calendar: registration by 31/3, mid-year reports by 10/7 (late refused), year-end
  reports by 15/12, verification by 31/12, the council's vote in the first half of January;
- a ranked ballot counted by Borda points (``core.voting.RankedVote``), with a quorum of half
  the members and no self-vote.

Its criteria and dates are illustrative, not a real bloc's plan.
"""

from __future__ import annotations

from datetime import date

from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.voting import PollDefinition, RankedVote

__version__ = "2021.1"

BLOC = "khoi-vhxh"
YEARS = (2021, 2026)


def _group(code: str, title: str, items: list[tuple[str, int]]) -> Criterion:
    children = tuple(Criterion(f"{code}.{i}", text, pts)
                     for i, (text, pts) in enumerate(items, start=1))
    return Criterion(code, title, sum(p for _t, p in items), children=children)


def criteria(year: int) -> list[Criterion]:
    return [
        _group("A", "Thực hiện nhiệm vụ chuyên môn được giao", [
            ("Hoàn thành các chỉ tiêu kế hoạch năm của ngành", 150),
            ("Tham mưu cơ chế, chính sách về văn hóa, xã hội", 100),
            ("Chuyển đổi số, cải cách hành chính trong lĩnh vực phụ trách", 100),
            ("Kiểm tra, thanh tra, giải quyết khiếu nại, tố cáo", 50),
        ]),
        _group("B", "Công tác an sinh xã hội và phát triển nguồn nhân lực", [
            ("Chăm lo đời sống người có công, đối tượng bảo trợ xã hội", 100),
            ("Đào tạo, bồi dưỡng cán bộ, công chức, viên chức", 100),
            ("Phối hợp giảm nghèo bền vững", 50),
        ]),
        _group("C", "Xây dựng Đảng, đoàn thể và văn hóa công sở", [
            ("Xây dựng tổ chức cơ sở Đảng trong sạch, vững mạnh", 100),
            ("Đoàn thể hoạt động hiệu quả; văn hóa công sở", 50),
        ]),
        _group("D", "Công tác thi đua, khen thưởng", [
            ("Tổ chức phong trào thi đua thường xuyên, chuyên đề", 100),
            ("Phát hiện, nhân rộng điển hình tiên tiến", 50),
            ("Thực hiện chế độ báo cáo đúng hạn", 50),
        ]),
        Criterion("CONG", "Điểm thưởng", 50, kind="bonus", children=(
            Criterion("CONG.1", "Mô hình mới được cấp tỉnh trở lên công nhận", 30, kind="bonus"),
            Criterion("CONG.2", "Được khen thưởng cấp Bộ, ngành Trung ương trở lên", 20,
                      kind="bonus"),
        )),
        Criterion("TRU", "Điểm trừ", 100, kind="deduction", children=(
            Criterion("TRU.1", "Không đăng ký thi đua", 50, kind="deduction", scorer="board"),
            Criterion("TRU.2", "Tập thể hoặc cá nhân vi phạm kỷ luật trong năm", 50,
                      kind="deduction"),
        )),
    ]


def calendar(year: int) -> list[Phase]:
    return [
        Phase("dang-ky", "Đăng ký thi đua", date(year, 3, 1), date(year, 3, 31),
              host="members", deliverable="registration", late="accept_marked"),
        Phase("so-ket", "Báo cáo sơ kết 6 tháng", date(year, 6, 15), date(year, 7, 10),
              host="deputy", deliverable="mid_year_report", late="reject"),
        Phase("tong-ket", "Báo cáo tổng kết, tự chấm điểm", date(year, 11, 15),
              date(year, 12, 15), host="leader", deliverable="year_end_report",
              late="accept_marked"),
        Phase("tham-dinh", "Thẩm định điểm", date(year, 12, 16), date(year, 12, 31),
              host="leader", deliverable="verification"),
        Phase("kiem-tra", "Ban Thi đua – Khen thưởng tỉnh kiểm tra kết quả thẩm định",
              date(year, 12, 16), date(year + 1, 1, 5), host="board"),
        Phase("binh-xet", "Bình xét bằng phiếu xếp hạng", date(year + 1, 1, 6),
              date(year + 1, 1, 15), host="leader", deliverable="vote"),
    ]


def voting(year: int) -> RankedVote:
    return RankedVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh",
                           method="ranked", seats=1, candidates="top:3", max_choices=3),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           method="ranked", seats=2, candidates="members", max_choices=3),
            PollDefinition("khoi-truong", "Bầu Khối trưởng năm sau", method="ranked",
                           seats=1, candidates="members", max_choices=2, elects="leader"),
        ),
        quorum="1/2",
        self_vote=False,
    )


@hookimpl
def thidua_register_blocs() -> list[BlocInfo]:
    return [BlocInfo(code=BLOC, name="Khối thi đua Văn hóa – Xã hội (minh họa)",
                     description="Khối minh họa: thang điểm 1.000, lịch riêng, phiếu xếp hạng.",
                     years=YEARS, issuer="KHỐI THI ĐUA VĂN HÓA – XÃ HỘI",
                     abbreviation="TĐVHXH")]


@hookimpl
def thidua_criteria(bloc: str, year: int) -> list[Criterion] | None:
    return criteria(year) if bloc == BLOC and year in YEARS else None


@hookimpl
def thidua_phase_calendar(bloc: str, year: int) -> list[Phase] | None:
    return calendar(year) if bloc == BLOC and year in YEARS else None


@hookimpl
def thidua_voting_procedure(bloc: str, year: int) -> RankedVote | None:
    return voting(year) if bloc == BLOC and year in YEARS else None
