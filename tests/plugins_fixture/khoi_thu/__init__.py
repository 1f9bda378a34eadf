"""Khối thi đua thử nghiệm — a second bloc plugin, used only by the tests.

It exists to prove that the core is generic: it differs from Khối 8 in every respect the
plugin contract covers.

- Points: a 1,000-point table (Khối 8 has 100) — two groups, A (600) and B (400), of three
  items each, plus capped bonus lines (at most +50) and deduction lines (at most −60).
- Calendar: its own dates in 2024 (a leap year: registration is due 29/02), late
  registrations are rejected (``late="reject"``), verification is hosted by the provincial
  board (``host="board"``) and the vote runs into January of the next year.
- Voting: a ``CouncilVote`` with other numbers — quorum one half, a threshold over the
  *valid* ballots, no self-vote, the Cờ thi đua poll limited to the three best units by
  verified total (``candidates="top:3"``), three Bằng khen seats, ties go to a run-off.
- 2025: the same table and calendar one year later, but **no voting procedure of its own**:
  the bloc relies on the province-wide plugin (``tinh_thu_nghiem``) for it.
- Documents: one extra template, to exercise ``thidua_document_templates``.

Loadable by directory discovery (``THIDUA_PLUGINS_DIR=tests/plugins_fixture``) and by
``app.extensions["thidua"].register(module, "khoi_thu")``.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "2024.1"

BLOC = "khoi-thu-nghiem"
NAME = "Khối thi đua thử nghiệm"
YEARS = (2024, 2025)
OWN_VOTING_YEARS = (2024,)


def _group(code: str, title: str, items: tuple[tuple[str, int], ...]) -> Criterion:
    children = tuple(Criterion(code=f"{code}.{i}", title=text, max_points=pts)
                     for i, (text, pts) in enumerate(items, start=1))
    return Criterion(code=code, title=title, max_points=sum(p for _t, p in items),
                     children=children)


def criteria(year: int) -> list[Criterion]:
    """The 1,000-point table (the same for every year of this bloc)."""
    return [
        _group("A", "Thực hiện nhiệm vụ chính trị, chuyên môn được giao", (
            ("Hoàn thành các chỉ tiêu kế hoạch UBND tỉnh giao trong năm", 250),
            ("Cải cách hành chính, chuyển đổi số", 200),
            ("Phối hợp với các đơn vị trong Khối", 150),
        )),
        _group("B", "Xây dựng tổ chức và công tác thi đua, khen thưởng", (
            ("Xây dựng tổ chức đảng, đoàn thể trong sạch, vững mạnh", 150),
            ("Tổ chức các phong trào thi đua", 150),
            ("Phát hiện, nhân rộng điển hình tiên tiến", 100),
        )),
        Criterion(code="CT", title="Điểm thưởng", kind="bonus", max_points=50, children=(
            Criterion(code="CT.1", kind="bonus", max_points=30,
                      title="Có sáng kiến được công nhận cấp tỉnh"),
            Criterion(code="CT.2", kind="bonus", max_points=20,
                      title="Được khen thưởng đột xuất trong năm"),
        )),
        Criterion(code="DT", title="Điểm trừ", kind="deduction", max_points=60, children=(
            Criterion(code="DT.1", kind="deduction", max_points=40, scorer="board",
                      title="Không đăng ký thi đua đúng hạn",
                      guidance="Ban Thi đua – Khen thưởng tỉnh chấm: đăng ký trễ hạn bị "
                               "từ chối, đơn vị không đăng ký bị trừ."),
            Criterion(code="DT.2", kind="deduction", max_points=20,
                      title="Có cán bộ, công chức bị kỷ luật trong năm"),
        )),
    ]


def calendar(year: int) -> list[Phase]:
    """The phases of the bloc's year; February ends on the 29th in a leap year."""
    end_of_february = date(year, 3, 1) - timedelta(days=1)
    return [
        Phase("ky-giao-uoc", "Ký kết giao ước thi đua", date(year, 1, 15), date(year, 1, 31),
              host="leader"),
        Phase("dang-ky", "Đăng ký thi đua (không nhận đăng ký trễ hạn)",
              date(year, 2, 1), end_of_february, host="members",
              deliverable="registration", late="reject"),
        Phase("bao-cao-so-ket", "Gửi báo cáo sơ kết về Khối phó",
              date(year, 6, 20), date(year, 7, 5), host="deputy",
              deliverable="mid_year_report", late="accept_marked"),
        Phase("hoi-nghi-so-ket", "Hội nghị sơ kết do Khối phó chủ trì",
              date(year, 7, 6), date(year, 7, 20), host="deputy"),
        Phase("bao-cao-tong-ket", "Gửi báo cáo tổng kết và bảng tự chấm điểm",
              date(year, 11, 15), date(year, 12, 10), host="leader",
              deliverable="year_end_report", late="reject"),
        Phase("tham-dinh", "Ban Thi đua – Khen thưởng tỉnh thẩm định điểm",
              date(year, 12, 11), date(year, 12, 25), host="board",
              deliverable="verification"),
        Phase("binh-xet", "Bình xét, bỏ phiếu kín", date(year, 12, 26),
              date(year + 1, 1, 10), host="leader", deliverable="vote"),
    ]


def voting(year: int) -> CouncilVote:
    """The bloc's own council vote (2024 only)."""
    return CouncilVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh",
                           method="approval", seats=1, candidates="top:3"),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           method="approval", seats=3, candidates="members"),
        ),
        quorum="1/2",
        threshold="1/2",
        threshold_base="valid",
        self_vote=False,
        tie_break=("runoff",),
        notes="Khối thử nghiệm: quá nửa số phiếu hợp lệ, không tự bầu.",
    )


@hookimpl
def thidua_register_blocs() -> list[BlocInfo]:
    return [BlocInfo(code=BLOC, name=NAME, description="Khối dùng cho kiểm thử.",
                     years=YEARS, issuer="KHỐI THI ĐUA THỬ NGHIỆM", abbreviation="TĐTN")]


@hookimpl
def thidua_criteria(bloc: str, year: int) -> list[Criterion] | None:
    return criteria(year) if bloc == BLOC and year in YEARS else None


@hookimpl
def thidua_phase_calendar(bloc: str, year: int) -> list[Phase] | None:
    return calendar(year) if bloc == BLOC and year in YEARS else None


@hookimpl
def thidua_voting_procedure(bloc: str, year: int) -> CouncilVote | None:
    return voting(year) if bloc == BLOC and year in OWN_VOTING_YEARS else None


@hookimpl
def thidua_document_templates(bloc: str) -> dict[str, str]:
    # Takes only the argument it needs (pluggy passes keywords by name).
    return {"bien-ban-hop-khoi": "khoi_thu/bien_ban_hop_khoi.html"} if bloc == BLOC else {}
