"""Unit tests of the plan rules (core/services/plans.py): pure functions, no app needed."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

import plugins.khoi8 as khoi8
from core.plugin_api import Criterion, Phase
from core.services.plans import calendar_problems, criteria_problems, voting_problems
from core.voting import CouncilVote, PollDefinition
from tests.plugins.fixtures import khoi_thu, tinh_thu_nghiem
from tests.support.plugins import phase

D = date


def item(code: str, pts, **kwargs) -> Criterion:
    return Criterion(code, f"Mục {code}", pts, **kwargs)


def group(code: str, pts, *children: Criterion, **kwargs) -> Criterion:
    return Criterion(code, f"Nhóm {code}", pts, children=children, **kwargs)


# -- criteria ----------------------------------------------------------------------------

@pytest.mark.parametrize("criteria", [
    khoi8.criteria_2021(), khoi_thu.criteria(2024),
    [group("1", "2.5", item("1.1", "1.25"), item("1.2", 1.25))],
], ids=["khoi8", "khoi_thu", "decimals"])
def test_valid_tables_have_no_problems(criteria):
    assert criteria_problems(criteria) == []


@pytest.mark.parametrize(("criteria", "expected"), [
    ([group("A", 600, item("A.1", 250), item("A.2", 300))],
     ["Tiêu chí A: điểm tối đa của nhóm (600) khác tổng các mục con (550)."]),
    ([group("A", 10, group("A.1", 10, item("A.1.1", 4), item("A.1.2", 5)))],
     ["Tiêu chí A.1: điểm tối đa của nhóm (10) khác tổng các mục con (9)."]),
    ([item("1", 5), item("1", 5)], ["Tiêu chí 1: mã bị trùng."]),
    ([item("1 a", 5)], ["Tiêu chí 1 a: mã không hợp lệ (chữ, số, '.', '-', tối đa 40 ký tự)."]),
    ([item("x" * 41, 5)],
     [f"Tiêu chí {'x' * 41}: mã không hợp lệ (chữ, số, '.', '-', tối đa 40 ký tự)."]),
    ([Criterion("1", "   ", 5)], ["Tiêu chí 1: thiếu tên tiêu chí."]),
    ([item("1", 5), item("B", 5, kind="extra")], ["Tiêu chí B: loại 'extra' không hợp lệ."]),
    ([group("C", 5, item("C.1", 5), kind="bonus"), item("1", 5)],
     ["Tiêu chí C.1: loại 'item' khác loại của nhóm ('bonus')."]),
    ([item("1", "năm")], ["Tiêu chí 1: điểm tối đa 'năm' không phải là số."]),
    ([item("1", -1)], ["Tiêu chí 1: điểm tối đa phải là số không âm."]),
    ([item("1", float("nan"))], ["Tiêu chí 1: điểm tối đa phải là số không âm."]),
    ([item("1", "Infinity")], ["Tiêu chí 1: điểm tối đa phải là số không âm."]),
    ([item("1", "2.125")], ["Tiêu chí 1: điểm tối đa phải có nhiều nhất 2 chữ số thập phân "
                            "và không quá 1.000.000."]),
    ([item("1", 10**9)], ["Tiêu chí 1: điểm tối đa phải có nhiều nhất 2 chữ số thập phân "
                          "và không quá 1.000.000."]),
    ([item("1", 5, scorer="someone")],
     ["Tiêu chí 1: người chấm 'someone' không hợp lệ (unit, board)."]),
    ([Criterion("C", "Điểm cộng", 5, kind="bonus")],
     ["Bảng tiêu chí không có mục chấm điểm nào (loại 'item')."]),
    ([], ["Bảng tiêu chí trống hoặc không phải danh sách Criterion."]),
    (None, ["Bảng tiêu chí trống hoặc không phải danh sách Criterion."]),
    ("1. Tiêu chí", ["Bảng tiêu chí trống hoặc không phải danh sách Criterion."]),
    ([item("1", 5), {"code": "2"}], ["Mục {'code': '2'} không phải Criterion."]),
], ids=["group-sum", "nested-sum", "duplicate", "bad-code", "long-code", "no-title",
        "kind", "kind-mismatch", "not-number", "negative", "nan", "infinite", "decimals",
        "huge", "scorer", "no-item", "empty", "none", "string", "not-criterion"])
def test_criteria_problems(criteria, expected):
    assert criteria_problems(criteria) == expected


def test_every_problem_of_a_table_is_reported():
    table = [group("A", 10, item("A.1", 4), item("A.1", 5)), item("B", -2, kind="other")]
    assert criteria_problems(table) == [
        "Tiêu chí A: điểm tối đa của nhóm (10) khác tổng các mục con (9).",
        "Tiêu chí A.1: mã bị trùng.",
        "Tiêu chí B: loại 'other' không hợp lệ.",
        "Tiêu chí B: điểm tối đa phải là số không âm.",
    ]


# -- calendar ----------------------------------------------------------------------------

def good(year: int = 2024) -> list[Phase]:
    return khoi_thu.calendar(year)


def replace(phases: list[Phase], target: str, **changes) -> list[Phase]:
    return [dataclasses.replace(p, **changes) if p.code == target else p for p in phases]


@pytest.mark.parametrize(("calendar", "year"), [
    (khoi8.calendar_2021(), 2021), (good(2024), 2024), (good(2025), 2025)])
def test_valid_calendars_have_no_problems(calendar, year):
    assert calendar_problems(calendar, year) == []


@pytest.mark.parametrize(("calendar", "expected"), [
    (replace(good(), "dang-ky", opens=D(2024, 3, 5)),
     ["Giai đoạn dang-ky: ngày mở (05/03/2024) sau hạn (29/02/2024)."]),
    (replace(good(), "ky-giao-uoc", opens=D(2022, 12, 31)),
     ["Giai đoạn ky-giao-uoc: ngày nằm ngoài khoảng 01/01/2023–31/12/2025 của năm 2024."]),
    (replace(good(), "binh-xet", due=D(2026, 1, 1)),
     ["Giai đoạn binh-xet: ngày nằm ngoài khoảng 01/01/2023–31/12/2025 của năm 2024."]),
    ([good()[0], good()[2], good()[1], *good()[3:]],
     ["Giai đoạn dang-ky: mở trước giai đoạn đứng trước nó (bao-cao-so-ket); các giai đoạn "
      "phải theo thứ tự thời gian."]),
    (replace(good(), "tham-dinh", host="province"),
     ["Giai đoạn tham-dinh: đơn vị chủ trì 'province' không hợp lệ."]),
    (replace(good(), "dang-ky", late="maybe"),
     ["Giai đoạn dang-ky: quy định gửi trễ hạn 'maybe' không hợp lệ."]),
    (replace(good(), "hoi-nghi-so-ket", deliverable="minutes"),
     ["Giai đoạn hoi-nghi-so-ket: hồ sơ 'minutes' không hợp lệ."]),
    (replace(good(), "hoi-nghi-so-ket", deliverable="mid_year_report"),
     ["Giai đoạn hoi-nghi-so-ket: hồ sơ 'mid_year_report' đã có ở giai đoạn "
      "bao-cao-so-ket."]),
    ([p for p in good() if p.code != "tham-dinh"],
     ["Không có giai đoạn nào cho hồ sơ 'verification'."]),
    (replace(good(), "hoi-nghi-so-ket", code="bao-cao-so-ket"),
     ["Giai đoạn bao-cao-so-ket: mã bị trùng."]),
    (replace(good(), "ky-giao-uoc", code="ký"), ["Giai đoạn ký: mã không hợp lệ."]),
    (replace(good(), "ky-giao-uoc", opens="2024-01-15"),
     ["Giai đoạn ky-giao-uoc: ngày mở và hạn phải là ngày (date)."]),
    ([*good(), "họp"], ["Mục 'họp' không phải Phase."]),
    ([], ["Lịch các giai đoạn trống hoặc không phải danh sách Phase."]),
    (None, ["Lịch các giai đoạn trống hoặc không phải danh sách Phase."]),
], ids=["opens-after-due", "too-early", "too-late", "out-of-order", "host", "late",
        "deliverable", "deliverable-twice", "missing-deliverable", "duplicate-code",
        "bad-code", "not-a-date", "not-a-phase", "empty", "none"])
def test_calendar_problems(calendar, expected):
    assert calendar_problems(calendar, 2024) == expected


def test_deliverables_must_end_in_the_cycle_order():
    """A year-end report due before the mid-year report is refused even if phases are
    listed by opening date."""
    phases = [
        phase("dk", D(2024, 1, 1), D(2024, 1, 31), host="members", deliverable="registration"),
        phase("tk", D(2024, 2, 1), D(2024, 3, 1), deliverable="year_end_report"),
        phase("sk", D(2024, 2, 2), D(2024, 6, 30), deliverable="mid_year_report"),
        phase("td", D(2024, 7, 1), D(2024, 7, 10), deliverable="verification"),
        phase("bx", D(2024, 7, 11), D(2024, 7, 20), deliverable="vote"),
    ]
    assert calendar_problems(phases, 2024) == [
        "Giai đoạn tk (year_end_report) kết thúc trước giai đoạn sk (mid_year_report)."]


def test_a_calendar_without_deliverables_names_each_missing_one():
    only = [phase("hop", D(2024, 1, 1), D(2024, 1, 2))]
    assert calendar_problems(only, 2024) == [
        f"Không có giai đoạn nào cho hồ sơ '{d}'." for d in
        ("registration", "mid_year_report", "year_end_report", "verification", "vote")]


# -- voting ------------------------------------------------------------------------------

@pytest.mark.parametrize("procedure", [
    khoi8.voting_2021(), khoi_thu.voting(2024), tinh_thu_nghiem.province_vote()],
    ids=["khoi8", "khoi_thu", "tinh_thu_nghiem"])
def test_valid_procedures_have_no_problems(procedure):
    assert voting_problems(procedure) == []


def vote(*polls: PollDefinition, **kwargs) -> CouncilVote:
    return CouncilVote(poll_definitions=polls or (PollDefinition("co", "Cờ"),), **kwargs)


@pytest.mark.parametrize(("procedure", "expected"), [
    (None, ["Không có quy trình bỏ phiếu (thidua_voting_procedure không trả lời)."]),
    (vote(quorum="3/2"), ["Bỏ phiếu: Tham số quorum = '3/2' không phải là tỷ lệ từ 0 đến 1."]),
    (vote(threshold="một nửa"),
     ["Bỏ phiếu: Tham số threshold = 'một nửa' không phải là tỷ lệ từ 0 đến 1."]),
    (vote(threshold="1/0"), ["Bỏ phiếu: Tham số threshold = '1/0' không phải là tỷ lệ từ 0 đến 1."]),
    (vote(threshold_base="all"),
     ["Bỏ phiếu: Tham số threshold_base = 'all' không hợp lệ (chọn một trong: members, "
      "voters, valid, present)."]),
    (vote(tie_break=("coin",)),
     ["Bỏ phiếu: Bước phân định tie_break = 'coin' không hợp lệ (chọn trong: "
      "verified_score, runoff)."]),
    (CouncilVote(poll_definitions=()), ["Bỏ phiếu: Chưa khai báo cuộc bỏ phiếu nào."]),
    (vote(PollDefinition("co", "Cờ"), PollDefinition("co", "Cờ nữa")),
     ["Bỏ phiếu: Mã các cuộc bỏ phiếu bị trùng."]),
    (vote(PollDefinition("co", "Cờ", method="borda")),
     ["Bỏ phiếu: Cuộc bỏ phiếu co: cách bầu 'borda' không hợp lệ (chọn một trong: "
      "approval, single)."]),
    (vote(PollDefinition("bk", "Bằng khen", seats=0)),
     ["Bỏ phiếu: Cuộc bỏ phiếu bk: số suất (seats) phải từ 1 trở lên.",
      "Bỏ phiếu: Cuộc bỏ phiếu bk: min_choices phải từ 0 đến số lựa chọn tối đa."]),
    (vote(PollDefinition("bk", "Bằng khen", seats=2, min_choices=3)),
     ["Bỏ phiếu: Cuộc bỏ phiếu bk: min_choices phải từ 0 đến số lựa chọn tối đa."]),
    (vote(PollDefinition("bk", "Bằng khen", candidates="top:0")),
     ["Bỏ phiếu: Cuộc bỏ phiếu bk: danh sách ứng viên (candidates) phải là 'members' hoặc "
      "'top:K' (K ≥ 1)."]),
    (vote(PollDefinition("bk", "Bằng khen", candidates="best")),
     ["Bỏ phiếu: Cuộc bỏ phiếu bk: danh sách ứng viên (candidates) phải là 'members' hoặc "
      "'top:K' (K ≥ 1)."]),
    (vote(PollDefinition("bk", "Bằng khen", seats="2")),
     ["Không kiểm tra được tham số bỏ phiếu: TypeError: '<' not supported between instances "
      "of 'str' and 'int'"]),
], ids=["none", "quorum", "threshold-text", "threshold-zero-division", "base", "tie-break",
        "no-polls", "duplicate-polls", "method", "seats", "min-choices", "top-0",
        "candidates", "seats-type"])
def test_voting_problems(procedure, expected):
    assert voting_problems(procedure) == expected


def test_an_unregistered_procedure_is_refused():
    class ShowOfHands:
        name = "gio_tay_khong_dang_ky"

        def config(self):
            return {}

    assert voting_problems(ShowOfHands()) == [
        "Quy trình bỏ phiếu 'gio_tay_khong_dang_ky' chưa được đăng ký (register_procedure)."]


def test_a_config_that_is_not_json_is_refused():
    class Odd(CouncilVote):
        def config(self):
            return {**super().config(), "when": D(2024, 1, 1)}

    problems = voting_problems(Odd(poll_definitions=(PollDefinition("co", "Cờ"),)))
    assert len(problems) == 1
    assert problems[0].startswith("Không lưu/khôi phục được cấu hình bỏ phiếu: ")
    assert "not JSON serializable" in problems[0]
