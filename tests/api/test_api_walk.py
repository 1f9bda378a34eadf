"""The whole year through the API, as the demo's units would live it (issue 3's walk)."""

from decimal import Decimal

from tests.support.cycle import Api, at, full_registration, item_codes
from tests.support.guards import FORCE

UNITS = ["so-tttt", "so-ldtbxh", "so-vhttdl", "so-gddt", "so-yte", "so-khcn", "so-noivu",
         "so-tuphap"]


def test_year_through_the_api(app, client, demo):
    at(app, 2021, 5, 3, 9, 0)
    officer = Api(client, "vhttdl.canbo")
    codes = item_codes(client, officer.headers)
    assert len(codes) == 22

    # Registration: a draft, then submit.
    draft = officer.put("/registrations/so-vhttdl", json={
        "items": full_registration(codes)[:3], "submit": False})
    assert draft.status_code == 200, draft.get_json()
    assert draft.get_json()["status"] == "draft"
    incomplete = officer.put("/registrations/so-vhttdl", json={
        "items": full_registration(codes)[:3], "submit": True})
    assert incomplete.status_code == 422
    assert "Thiếu tiêu chí" in incomplete.get_json()["error"]["fields"]["items"][0]
    done = officer.put("/registrations/so-vhttdl", json={
        "items": full_registration(codes), "submit": True})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "submitted" and body["late"] is False
    assert body["submitted_at"].endswith("+07:00")
    again = officer.put("/registrations/so-vhttdl", json={
        "items": full_registration(codes), "submit": True})
    assert again.status_code == 409

    # The deputy sees it on the grid.
    deputy = Api(client, "ldtbxh.canbo")
    grid = deputy.get("/status").get_json()
    cells = {r["unit"]: r["cells"]["registration"]["status"] for r in grid["rows"]}
    assert cells["so-vhttdl"] == "submitted" and cells["so-yte"] == "missing"
    assert grid["summary"]["registration"] == {"done": 1, "total": 8}

    # Mid-year: progress for each registered target, to the deputy.
    at(app, 2021, 6, 14, 23, 59, 59)
    targets = [c for c in codes[:-1]]
    report = officer.put("/reports/so-vhttdl/mid_year", json={
        "body": "Sáu tháng đầu năm, đơn vị hoàn thành các chỉ tiêu đã đăng ký.",
        "progress": [{"criterion": c, "percent": 50, "note": "Đúng tiến độ"} for c in targets],
        "submit": True})
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["late"] is False
    closed = deputy.post("/mid-year-review/close", json={
        "date": "2021-07-20", "place": "Hội trường Sở LĐ-TB&XH",
        "conclusions": "Các đơn vị thực hiện tốt giao ước thi đua."})
    assert closed.status_code == 200, closed.get_json()

    # Year end: self scores, then the report.
    at(app, 2022, 1, 20, 10, 0)
    self_items = [{"criterion": c, "self_score": 4, "evidence": "Báo cáo số 12/BC"}
                  for c in codes]
    self_items.append({"criterion": "C.1", "self_score": 5, "evidence": "Bằng khen của Bộ"})
    scores = officer.put("/scores/so-vhttdl", json={"items": self_items})
    assert scores.status_code == 200, scores.get_json()
    assert scores.get_json()["self_total"] == 22 * 4 + 5
    year_end = officer.put("/reports/so-vhttdl/year_end", json={
        "body": "Báo cáo tổng kết năm 2021.",
        "progress": [{"criterion": c, "percent": 100, "note": ""} for c in targets],
        "submit": True})
    assert year_end.status_code == 200, year_end.get_json()
    locked = officer.put("/scores/so-vhttdl", json={"items": self_items})
    assert locked.status_code == 409

    # Verification: leader lowers one item with a reason; a change without one is refused.
    at(app, 2022, 2, 5, 9, 0)
    leader = Api(client, "tttt.canbo")
    no_reason = leader.put("/scores/so-vhttdl", json={"items": [
        {"criterion": "1.1", "verified_score": 3}]})
    assert no_reason.status_code == 422
    verified = leader.put("/scores/so-vhttdl", json={"items": [
        {"criterion": "1.1", "verified_score": 3, "reason": "Thiếu minh chứng văn bản"}]})
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["verified_total"] == 22 * 4 + 5 - 1
    board = Api(client, "bantdkt")
    deduction = board.put("/scores/so-yte", json={"items": [
        {"criterion": "T.1", "verified_score": -8, "reason": "Không đăng ký thi đua"}]})
    assert deduction.status_code == 200, deduction.get_json()
    assert leader.post("/verification/lock", json=FORCE).status_code == 200
    assert leader.put("/scores/so-vhttdl", json={"items": [
        {"criterion": "1.1", "verified_score": 4}]}).status_code == 409

    ranking = leader.get("/ranking").get_json()
    assert ranking[0]["unit"] == "so-vhttdl" and ranking[0]["rank"] == 1
    assert Decimal(str(ranking[0]["verified_total"])) == Decimal(92)
    assert ranking[-1]["unit"] == "so-yte" and ranking[-1]["verified_total"] == -8
    tied = [r for r in ranking if r["verified_total"] == 0]
    assert {r["rank"] for r in tied} == {2}
