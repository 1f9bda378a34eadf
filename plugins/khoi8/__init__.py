"""Khối thi đua Khối 8, tỉnh Trà Vinh — the 2021 plan (Kế hoạch ngày 23/4/2021 of Sở Thông tin
và Truyền thông, Khối trưởng).

What comes from the plan: the three groups of criteria in the plan's own words — 7, 5 and 10
items (the plan's section II.3 has ten bullets; DOMAIN.md decodes the same ten but calls them
nine, so this plugin follows the plan); the dates of the mid-year reports (to the deputy, "trước ngày 15/6/2021"), the mid-year
review ("trong tháng 7/2021"), the year-end reports and self-scores (to the leader, "trước
ngày 01/02/2022") and the council vote ("trong tháng 02/2022"); the leader (Sở TT&TT) and the
deputy (Sở LĐ-TB&XH), who hosts the mid-year review.

What is an ASSUMPTION, because the plan does not say it (the bloc adjusts it at the covenant):
- the points: a 100-point table — group 1: 35 (5 per item), group 2: 25 (5 per item),
  group 3: 40 (4 per item) — plus capped bonus lines (điểm cộng, at most +10 in all)
  and deduction lines (điểm trừ), as is the practice in other provinces' blocs;
- the registration deadline: 15/5/2021 (three weeks after the plan), late registrations
  accepted and marked late;
- the windows for opening each phase, verification (1–14/02/2022) and the vote
  (15–28/02/2022);
- the voting numbers (quorum two thirds of members, more than half of ALL members to pass,
  1 Cờ thi đua, 2 Bằng khen, self-vote allowed, ties by verified score then a run-off); the
  plan defers these to the provincial council's guidance.
"""

from __future__ import annotations

from datetime import date

from core.plugin_api import BlocInfo, Criterion, Phase, hookimpl
from core.voting import CouncilVote, PollDefinition

__version__ = "2021.1"

BLOC = "khoi-8"
YEARS = (2021,)

GROUP_1 = (
    "Nghiên cứu, tham mưu xây dựng các văn bản quy phạm pháp luật theo kế hoạch hàng năm",
    "Nghiên cứu, tham mưu, đề xuất các chủ trương, mục tiêu, chương trình phát triển kinh tế "
    "ngành và các chính sách của ngành và lĩnh vực",
    "Các giải pháp chủ yếu thực hiện kế hoạch phát triển kinh tế - xã hội hàng năm theo Nghị "
    "quyết của Tỉnh ủy, HĐND tỉnh giao hoặc các chỉ tiêu kế hoạch do UBND tỉnh giao",
    "Công tác nghiên cứu khoa học, bồi dưỡng và đào tạo cán bộ",
    "Đảm bảo quốc phòng, an ninh, trật tự an toàn xã hội",
    "Thực hiện cải cách hành chính",
    "Thực hành tiết kiệm, phòng, chống tham nhũng, lãng phí",
)
GROUP_2 = (
    "Tổ chức học tập, quán triệt, triển khai các chủ trương của Đảng, chính sách và pháp luật "
    "của Nhà nước",
    "Tổ chức phong trào thi đua yêu nước thiết thực, có nhiều cách làm mới đem lại hiệu quả "
    "cao. Đẩy mạnh “Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh” theo Chỉ "
    "thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị",
    "Giảm tỷ lệ tổ chức cơ sở Đảng yếu kém so năm trước (hoặc không tăng)",
    "Tỷ lệ tổ chức đoàn thể vững mạnh, xuất sắc",
    "Phát triển đảng viên mới so kế hoạch",
)
GROUP_3 = (
    "Triển khai kịp thời, có hiệu quả các chủ trương của Đảng, chính sách, pháp luật của Nhà "
    "nước về công tác thi đua, khen thưởng và chỉ đạo của Hội đồng Thi đua – Khen thưởng tỉnh. "
    "Có quy chế (quy định) công tác thi đua, khen thưởng và các văn bản chỉ đạo, hướng dẫn về "
    "công tác thi đua, khen thưởng; quy chế hoạt động của Hội đồng Thi đua – Khen thưởng, Hội "
    "đồng Sáng kiến của đơn vị",
    "Tổ chức, triển khai các phong trào thi đua do Chủ tịch UBND tỉnh, Hội đồng Thi đua – Khen "
    "thưởng tỉnh phát động và phong trào thi đua “Trà Vinh cùng cả nước chung sức xây dựng "
    "nông thôn mới”",
    "Phát động, triển khai các phong trào thi đua thường xuyên, thi đua theo đợt, theo chuyên "
    "đề của đơn vị; đánh giá kết quả và tác động của các phong trào thi đua đến việc thực hiện "
    "nhiệm vụ chính trị tại đơn vị",
    "Kết quả hưởng ứng các phong trào thi đua yêu nước do các Sở, ban, ngành, Mặt trận Tổ quốc "
    "và các đoàn thể tỉnh phát động",
    "Có nhiều cách làm mới, sáng tạo trong việc tổ chức thực hiện các phong trào thi đua thiết "
    "thực, hiệu quả phù hợp với đặc điểm, tình hình của đơn vị",
    "Công tác thẩm định hồ sơ khen thưởng đảm bảo công khai, minh bạch, chính xác, kịp thời và "
    "có quy định, hướng dẫn cụ thể về khen thưởng người lao động trực tiếp, có tỷ lệ cao khen "
    "thưởng cấp sở, ngành và cấp tỉnh đối với người lao động trực tiếp. Nêu rõ biện pháp, kết "
    "quả hàng năm về việc khen thưởng cho người lao động trực tiếp",
    "Phân công công chức phụ trách công tác thi đua, khen thưởng; củng cố kiện toàn Hội đồng "
    "Thi đua – Khen thưởng của Sở; thực hiện công tác bồi dưỡng nghiệp vụ cho cán bộ làm công "
    "tác thi đua, khen thưởng",
    "Công tác kiểm tra, giám sát; giải quyết đơn thư khiếu nại, tố cáo; có biện pháp cụ thể để "
    "phòng, chống các biểu hiện tiêu cực trong công tác khen thưởng theo Chỉ thị số 07/CT-TTg "
    "ngày 19/3/2014 của Thủ tướng Chính phủ về việc đẩy mạnh phòng, chống tiêu cực trong công "
    "tác quản lý công chức, viên chức và thi đua, khen thưởng",
    "Xây dựng kế hoạch và quan tâm phát hiện, bồi dưỡng, tổng kết và nhân rộng các điển hình "
    "tiên tiến; biện pháp, giải pháp xây dựng, tuyên truyền và nhân điển hình. Đánh giá việc "
    "phát huy, lan tỏa của tập thể, cá nhân sau khi nhận được các hình thức khen thưởng cấp "
    "Nhà nước, các danh hiệu vinh dự nhà nước đối với cơ quan, đơn vị",
    "Thực hiện chế độ thông tin báo cáo định kỳ 6 tháng, năm và các báo cáo chuyên đề, đột "
    "xuất khác",
)

# ASSUMPTION (the plan gives no points): see the module docstring.
POINTS_1 = (5, 5, 5, 5, 5, 5, 5)
POINTS_2 = (5, 5, 5, 5, 5)
POINTS_3 = (4, 4, 4, 4, 4, 4, 4, 4, 4, 4)


def _group(code: str, title: str, items: tuple[str, ...], pts: tuple[int, ...]) -> Criterion:
    children = tuple(
        Criterion(code=f"{code}.{i}", title=text, max_points=p)
        for i, (text, p) in enumerate(zip(items, pts, strict=True), start=1)
    )
    return Criterion(code=code, title=title, max_points=sum(pts), children=children)


def criteria_2021() -> list[Criterion]:
    return [
        _group("1", "Thi đua phát triển kinh tế - xã hội, đảm bảo quốc phòng - an ninh",
               GROUP_1, POINTS_1),
        _group("2", "Thi đua thực hiện các chủ trương của Đảng, chính sách, pháp luật của Nhà "
               "nước; xây dựng hệ thống chính trị", GROUP_2, POINTS_2),
        _group("3", "Thi đua thực hiện nhiệm vụ công tác thi đua, khen thưởng", GROUP_3,
               POINTS_3),
        Criterion(code="C", title="Điểm cộng", kind="bonus", max_points=10, children=(
            Criterion(code="C.1", kind="bonus", max_points=5,
                      title="Được tặng Cờ thi đua hoặc Bằng khen của Chính phủ, Bộ, ngành "
                            "Trung ương trong năm",
                      guidance="Mức điểm đề xuất; Khối điều chỉnh khi ký giao ước."),
            Criterion(code="C.2", kind="bonus", max_points=5,
                      title="Có mô hình, cách làm mới được cấp tỉnh trở lên công nhận, nhân rộng",
                      guidance="Mức điểm đề xuất; Khối điều chỉnh khi ký giao ước."),
        )),
        Criterion(code="T", title="Điểm trừ", kind="deduction", max_points=18, children=(
            Criterion(code="T.1", kind="deduction", max_points=8,
                      title="Không đăng ký thi đua đầu năm", scorer="board",
                      guidance="Ban Thi đua – Khen thưởng tỉnh chấm."),
            Criterion(code="T.2", kind="deduction", max_points=5,
                      title="Gửi báo cáo sơ kết, tổng kết trễ hạn"),
            Criterion(code="T.3", kind="deduction", max_points=5,
                      title="Không tham dự hội nghị sơ kết, tổng kết của Khối không có lý do"),
        )),
    ]


def calendar_2021() -> list[Phase]:
    return [
        Phase("ke-hoach", "Ban hành kế hoạch, ký kết giao ước thi đua",
              date(2021, 4, 23), date(2021, 4, 30), host="leader"),
        Phase("dang-ky", "Đăng ký nội dung, chỉ tiêu, nhiệm vụ thi đua",
              date(2021, 4, 23), date(2021, 5, 15), host="members",
              deliverable="registration", late="accept_marked"),
        Phase("bao-cao-so-ket", "Gửi báo cáo sơ kết 6 tháng đầu năm về Khối phó",
              date(2021, 6, 1), date(2021, 6, 14), host="deputy",
              deliverable="mid_year_report", late="accept_marked"),
        Phase("hoi-nghi-so-ket", "Hội nghị sơ kết 6 tháng đầu năm do Khối phó chủ trì",
              date(2021, 6, 15), date(2021, 7, 31), host="deputy"),
        Phase("bao-cao-tong-ket", "Gửi báo cáo tổng kết và bảng tự chấm điểm về Khối trưởng",
              date(2021, 12, 1), date(2022, 1, 31), host="leader",
              deliverable="year_end_report", late="reject"),
        Phase("tham-dinh", "Khối trưởng tổng hợp, thẩm định điểm",
              date(2022, 2, 1), date(2022, 2, 14), host="leader", deliverable="verification"),
        Phase("binh-xet", "Hội đồng thành viên bình xét, bỏ phiếu kín",
              date(2022, 2, 15), date(2022, 2, 28), host="leader", deliverable="vote"),
        Phase("gui-ket-qua", "Gửi kết quả, hồ sơ đề nghị khen thưởng về Ban Thi đua – Khen "
              "thưởng tỉnh", date(2022, 2, 15), date(2022, 2, 28), host="leader"),
    ]


def voting_2021() -> CouncilVote:
    return CouncilVote(
        poll_definitions=(
            PollDefinition("co-thi-dua", "Đề nghị tặng Cờ thi đua của UBND tỉnh",
                           method="approval", seats=1, candidates="members"),
            PollDefinition("bang-khen", "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh",
                           method="approval", seats=2, candidates="members"),
            PollDefinition("khoi-truong", "Bầu Khối trưởng năm sau", method="single",
                           seats=1, candidates="members", elects="leader"),
            PollDefinition("khoi-pho", "Bầu Khối phó năm sau", method="single",
                           seats=1, candidates="members", elects="deputy"),
        ),
        # Quorum: two thirds of the members **present** at the council meeting (the bloc's
        # practice; the host records the attendance before the first poll opens).
        quorum="2/3",
        quorum_base="present",
        threshold="1/2",
        threshold_base="members",
        self_vote=True,
        tie_break=("verified_score", "runoff"),
        # The key that opens the ballots is split among the counting committee (2 of 3).
        seal="committee",
        notes="Quy ước của Khối 8 (kế hoạch 2021 chưa quy định): kế hoạch 2021 giao tiêu chuẩn, số lượng, quy trình "
              "cho hướng dẫn của Hội đồng Thi đua – Khen thưởng tỉnh. Hội nghị hợp lệ khi có "
              "mặt ít nhất 2/3 số đơn vị thành viên.",
    )


@hookimpl
def thidua_register_blocs() -> list[BlocInfo]:
    return [BlocInfo(
        code=BLOC, name="Khối thi đua Khối 8",
        description="Các sở, ngành tỉnh Trà Vinh thuộc Khối thi đua Khối 8 "
                    "(Khối trưởng 2021: Sở Thông tin và Truyền thông).",
        years=YEARS, issuer="KHỐI THI ĐUA KHỐI 8", abbreviation="TĐK8",
    )]


@hookimpl
def thidua_criteria(bloc: str, year: int) -> list[Criterion] | None:
    if bloc == BLOC and year == 2021:
        return criteria_2021()
    return None


@hookimpl
def thidua_phase_calendar(bloc: str, year: int) -> list[Phase] | None:
    if bloc == BLOC and year == 2021:
        return calendar_2021()
    return None


@hookimpl
def thidua_voting_procedure(bloc: str, year: int) -> CouncilVote | None:
    if bloc == BLOC and year == 2021:
        return voting_2021()
    return None
