"""Self-score, verification and ranking pages: bounds and evidence checked by the service and
shown next to the fields, totals computed by the server, the leader's lock, the tie rule."""

from __future__ import annotations

import re
from decimal import Decimal

from core.extensions import db
from core.services import deadlines, scoring
from tests.support import row_counts
from tests.support.cycle_pages import (
    OFFICER,
    UNIT,
    B,
    at,
    campaign,
    campaign_unit,
    item_codes,
    page_client,
    save_self_scores,
    submit_registration,
    submit_year_end,
    text,
    unit_lines,
)
from tests.support.guards import confirmation

SCORES = f"{B}/scores/{UNIT}"
VERIFY = f"{B}/verification/{UNIT}"


def lines() -> dict[str, object]:
    db.session.expire_all()
    sheet = scoring.sheet_of(campaign(), campaign_unit(UNIT))
    return {s.criterion.code: s for s in sheet.scores} if sheet else {}


def score_form(values: dict[str, tuple[str, str]], field: str = "self_score",
               note: str = "evidence", order: list[str] | None = None) -> dict[str, str]:
    order = order or unit_lines()
    data = {}
    for code, (score, text_value) in values.items():
        index = order.index(code)
        data[f"items-{index}-{field}"] = score
        data[f"items-{index}-{note}"] = text_value
    return data


def test_self_score_with_server_totals(demo):
    at(demo, 2022, 1, 20, 9, 0)
    client = page_client(demo, OFFICER)
    page = text(client.get(SCORES))
    assert page.count('name="items-') == len(unit_lines()) * 2
    assert "T.1" in page and "Ban Thi đua – Khen thưởng tỉnh chấm; đơn vị không tự chấm." in page
    assert "từ −8 đến 0" in page and "từ 0 đến 5" in page

    values = {code: ("4", "Báo cáo số 12/BC") for code in item_codes()}
    values["C.1"] = ("4,5", "Bằng khen của Bộ")
    values["T.2"] = ("-2", "Gửi báo cáo sơ kết trễ")
    response = client.post(SCORES, data=score_form(values))
    assert response.status_code == 303
    saved = lines()
    assert saved["1.1"].self_score == Decimal(4) and saved["1.1"].evidence == "Báo cáo số 12/BC"
    assert saved["C.1"].self_score == Decimal("4.5")
    assert saved["T.2"].self_score == Decimal(-2)
    page = text(client.get(SCORES))
    assert "Đã lưu bảng tự chấm điểm." in page
    assert '<dd id="self-total">90,5</dd>' in page  # 22 × 4 + 4,5 − 2


def test_bad_scores_are_shown_next_to_their_fields(demo):
    at(demo, 2022, 1, 20, 9, 0)
    client = page_client(demo, OFFICER)
    before = row_counts()
    response = client.post(SCORES, data=score_form({
        "1.1": ("7", "Có minh chứng"), "1.2": ("abc", ""), "1.3": ("3", ""),
        "T.2": ("2", "Điểm trừ phải âm")}))
    assert response.status_code == 422
    page = text(response)
    order = unit_lines()
    # (The service writes the bounds as stored: "5" or "5.00" depending on the database.)
    assert re.search(r"Tiêu chí 1\.1: điểm phải từ 0 đến 5(\.00)?\.", page)
    assert f'id="items-{order.index("1.1")}-self_score-error"' in page
    assert "Tiêu chí 1.2: điểm phải là số." in page
    assert "Tiêu chí 1.3: cần ghi minh chứng cho điểm lớn hơn 0." in page
    assert f'id="items-{order.index("1.3")}-evidence-error"' in page
    assert re.search(r"Tiêu chí T\.2: điểm phải từ -5(\.00)? đến 0\.", page)
    assert 'value="7"' in page and 'value="abc"' in page and "Có minh chứng" in page
    assert row_counts() == before


def test_another_unit_cannot_self_score(demo):
    at(demo, 2022, 1, 20, 9, 0)
    client = page_client(demo, "yte.canbo")
    assert 'name="items-0-self_score"' not in text(client.get(SCORES))
    before = row_counts()
    response = client.post(SCORES, data=score_form({"1.1": ("5", "x")}))
    assert response.status_code == 403
    assert row_counts() == before


def test_self_scores_are_read_only_after_the_year_end_report(demo):
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2022, 1, 20, 9, 0)
    save_self_scores()
    submit_year_end()
    client = page_client(demo, OFFICER)
    page = text(client.get(SCORES))
    assert "bảng tự chấm điểm chỉ đọc" in page and 'name="items-0-self_score"' not in page
    before = row_counts()
    response = client.post(SCORES, data=score_form({"1.1": ("5", "x")}))
    assert response.status_code == 409
    assert row_counts() == before


def prepared_year(demo) -> None:
    at(demo, 2021, 5, 3, 9, 0)
    submit_registration()
    at(demo, 2022, 1, 20, 9, 0)
    save_self_scores()
    submit_year_end()
    at(demo, 2022, 2, 5, 9, 0)


def test_leader_verifies_with_a_reason(demo):
    prepared_year(demo)
    leader = page_client(demo, "tttt.canbo")
    page = text(leader.get(VERIFY))
    assert 'id="items-0-verified_score" name="items-0-verified_score" value="4"' in page
    assert '<dd id="verified-total">88</dd>' in page
    assert 'name="items-0-self_score"' not in page

    before = row_counts()
    response = leader.post(VERIFY, data=score_form(
        {"1.1": ("3", "")}, field="verified_score", note="reason"))
    assert response.status_code == 422
    page = text(response)
    assert "Tiêu chí 1.1: điểm thẩm định khác điểm tự chấm, cần nêu lý do." in page
    assert 'id="items-0-reason-error"' in page
    assert 'name="items-0-verified_score" value="3"' in page
    assert row_counts() == before

    response = leader.post(VERIFY, data=score_form(
        {"1.1": ("3", "Thiếu minh chứng văn bản")}, field="verified_score", note="reason"))
    assert response.status_code == 303
    saved = lines()
    assert saved["1.1"].verified_score == Decimal(3)
    assert saved["1.1"].reason == "Thiếu minh chứng văn bản"
    page = text(leader.get(VERIFY))
    assert "Đã lưu điểm thẩm định." in page and '<dd id="verified-total">87</dd>' in page
    # The unit sees the verified scores on its own page.
    own = text(page_client(demo, OFFICER).get(SCORES))
    assert '<dd id="verified-total">87</dd>' in own and "Thiếu minh chứng văn bản" in own


def test_board_scores_only_its_own_lines(demo):
    prepared_year(demo)
    board = page_client(demo, "bantdkt")
    page = text(board.get(f"{B}/verification/so-yte"))
    assert page.count('name="items-') == 2  # T.1: score and reason
    response = board.post(f"{B}/verification/so-yte", data={
        "items-0-verified_score": "-8", "items-0-reason": "Không đăng ký thi đua"})
    assert response.status_code == 303
    db.session.expire_all()
    sheet = scoring.sheet_of(campaign(), campaign_unit("so-yte"))
    assert [(s.criterion.code, s.verified_score) for s in sheet.scores] == [
        ("T.1", Decimal(-8))]


def test_lock_and_ranking(demo):
    prepared_year(demo)
    leader = page_client(demo, "tttt.canbo")
    assert leader.post(VERIFY, data=score_form(
        {"1.1": ("3", "Thiếu minh chứng")}, field="verified_score",
        note="reason")).status_code == 303

    deputy = page_client(demo, "ldtbxh.canbo")
    assert "Khóa kết quả thẩm định" not in text(deputy.get(f"{B}/verification"))
    before = row_counts()
    assert deputy.post(f"{B}/verification/lock").status_code == 403
    assert row_counts() == before

    index = text(leader.get(f"{B}/verification"))
    assert "Khóa kết quả thẩm định dù còn thiếu sót</button>" in index
    unconfirmed = leader.post(f"{B}/verification/lock")
    assert unconfirmed.status_code == 409 and "Chưa thể khóa thẩm định" in text(unconfirmed)
    assert leader.post(f"{B}/verification/lock",
                       data=confirmation(index)).status_code == 303
    assert deadlines.VERIFICATION in deadlines.closing_records(campaign())
    index = text(leader.get(f"{B}/verification"))
    assert "Kết quả thẩm định đã khóa lúc" in index and "dù còn thiếu sót</button>" \
        not in index

    before = row_counts()
    again = leader.post(f"{B}/verification/lock")
    assert again.status_code == 409 and "Giai đoạn này đã được đóng." in text(again)
    late = leader.post(VERIFY, data=score_form(
        {"1.1": ("4", "")}, field="verified_score", note="reason"))
    assert late.status_code == 409
    assert "Giai đoạn “Thẩm định điểm” đã được đóng; không nhận thêm hoặc sửa đổi." in text(late)
    assert row_counts() == before
    assert 'name="items-0-verified_score"' not in text(leader.get(VERIFY))

    ranking = text(page_client(demo, "yte.canbo").get(f"{B}/ranking"))
    assert scoring.TIE_RULE in ranking
    assert "Theo kết quả thẩm định đã khóa lúc" in ranking
    first = ranking.index("Sở Văn hóa, Thể thao và Du lịch")
    assert ranking.rfind('data-label="Hạng">1<', 0, first) != -1
    assert ">87</td>" in ranking[first:first + 400]
