"""Play Khối 8's whole 2021 year through the API: every unit registers, reports, self-scores;
the deputy closes the review; the leader verifies and locks; the council votes; results are
published. Used by the document and export tests.

``play_year`` is also the "year" database template (tests/support/databases.py): the
``played_year`` fixture and ``played_app`` copy the year played once per process instead of
playing it again."""

from __future__ import annotations

from tests.support.cycle import Api, at, full_registration, item_codes
from tests.support.databases import DATABASES
from tests.support.voting import HEADS

OFFICERS = {unit: user.replace("thutruong", "canbo") for unit, user in HEADS.items()}


def play_year(app, client, *, through: str = "published") -> None:
    at(app, 2021, 5, 3, 9, 0)
    officers = {unit: Api(client, user) for unit, user in OFFICERS.items()}
    codes = item_codes(client, officers["so-tttt"].headers)
    for index, (unit, api) in enumerate(officers.items()):
        if unit == "so-tuphap":
            continue  # never registers: the board deducts T.1
        items = full_registration(codes)
        items[0]["target"] = f"Ban hành {index + 2} văn bản quy phạm pháp luật đúng hạn"
        assert api.put(f"/registrations/{unit}", json={"items": items, "submit": True}
                       ).status_code == 200
    at(app, 2021, 6, 10, 9, 0)
    for unit, api in officers.items():
        if unit == "so-tuphap":
            continue
        response = api.put(f"/reports/{unit}/mid_year", json={
            "body": "Đơn vị triển khai đầy đủ các nội dung thi đua đã đăng ký.",
            "progress": [{"criterion": c, "percent": 45 + len(unit), "note": "Đúng tiến độ"}
                         for c in codes[:-1]], "submit": True})
        assert response.status_code == 200, response.get_json()
    deputy = Api(client, "ldtbxh.canbo")
    assert deputy.post("/mid-year-review/close", json={
        "date": "2021-07-20", "place": "Hội trường Sở Lao động – Thương binh và Xã hội",
        "conclusions": "Các đơn vị thực hiện tốt giao ước; tiếp tục đẩy mạnh cải cách hành "
                       "chính, chuyển đổi số trong 6 tháng cuối năm."}).status_code == 200
    if through == "mid_year":
        return
    at(app, 2022, 1, 20, 9, 0)
    for index, (unit, api) in enumerate(officers.items()):
        if unit == "so-tuphap":
            continue
        score = 5 - (index % 3)
        items = [{"criterion": c, "self_score": min(score, 4 if c.startswith("3.") else 5),
                  "evidence": f"Báo cáo số {10 + index}/BC ngày 15/12/2021"} for c in codes]
        assert api.put(f"/scores/{unit}", json={"items": items}).status_code == 200
        assert api.put(f"/reports/{unit}/year_end", json={
            "body": "Báo cáo tổng kết phong trào thi đua năm 2021.",
            "progress": [{"criterion": c, "percent": 100} for c in codes[:-1]],
            "submit": True}).status_code == 200
    at(app, 2022, 2, 5, 9, 0)
    leader = Api(client, "tttt.canbo")
    assert leader.put("/scores/so-gddt", json={"items": [
        {"criterion": "1.1", "verified_score": 3,
         "reason": "Chưa có minh chứng về văn bản thứ hai"}]}).status_code == 200
    assert Api(client, "bantdkt").put("/scores/so-tuphap", json={"items": [
        {"criterion": "T.1", "verified_score": -8, "reason": "Không đăng ký thi đua"}]}
    ).status_code == 200
    assert leader.post("/verification/lock").status_code == 200
    if through == "verification":
        return
    at(app, 2022, 2, 25, 8, 0)
    assert leader.put("/council-meeting", json={
        "held_at": "2022-02-25T08:00:00", "place": "Hội trường Sở Thông tin và Truyền thông",
        "chair": "Ông Nguyễn Văn Này, Giám đốc Sở Thông tin và Truyền thông",
        "secretary": "Bà Trần Thị Ánh, Chánh Văn phòng Sở Thông tin và Truyền thông",
        "committee": ["Ông Lê Văn Đức (Sở Y tế)", "Bà Phạm Thị Hương (Sở Nội vụ)",
                      "Ông Võ Minh Tuấn (Sở Khoa học và Công nghệ)"]}).status_code == 200
    plan = {"co-thi-dua": ["so-vhttdl"], "bang-khen": ["so-yte", "so-khcn"],
            "khoi-truong": ["so-ldtbxh"], "khoi-pho": ["so-gddt"]}
    heads = {unit: Api(client, user) for unit, user in HEADS.items()}
    # so-tuphap is absent: the 7 present units vote, so each poll may close on the meeting day
    assert leader.put("/attendance", json={"units": [
        {"unit": unit, "present": True, "representative": f"Thủ trưởng {unit}",
         "title": "Giám đốc"} for unit in list(HEADS)[:7]]}).status_code == 200
    for code, choices in plan.items():
        assert leader.post(f"/polls/{code}/open").status_code == 200
        for unit in list(HEADS)[:7]:
            assert heads[unit].post(f"/polls/{code}/ballots", json={"choices": choices}
                                    ).status_code == 201
        assert leader.post(f"/polls/{code}/close").status_code == 200
        assert leader.post(f"/polls/{code}/publish").status_code == 200


# Where play_year leaves the clock (through="published"): the council meeting.
YEAR_END = (2022, 2, 25, 8, 0)


def build_year(app) -> None:
    """The "year" template: the demo, then the whole year played through the API."""
    from core.cli import build_demo

    build_demo()
    play_year(app, app.test_client())


DATABASES.register("year", build_year)


def played_app(tmp_path, **overrides):
    """An app (no app context pushed) over a copy of the played year, its clock where
    ``play_year`` leaves it."""
    app = DATABASES.fresh_app(tmp_path, "year", **overrides)
    at(app, *YEAR_END)
    return app
