"""Khối 8's whole 2021 year as the tests know it, played through the services by the one
player of the demo (core/demo_year.py): every unit but Sở Tư pháp registers, reports and
self-scores; the deputy closes the review; the leader verifies and locks; the council votes;
results are published. Used by the document and export tests.

``play_year`` is also the "year" database template (tests/support/databases.py): the
``played_year`` fixture and ``played_app`` copy the year played once per process instead of
playing it again. Many tests assert on this story's facts (texts, scores, dates): change
them only with those tests."""

from __future__ import annotations

from collections.abc import Sequence

from core import demo_year
from core.demo_year import (
    Meeting,
    Registration,
    Report,
    Review,
    Story,
    Verification,
    Vote,
    moment,
)
from tests.support.cycle import at, full_registration
from tests.support.databases import DATABASES
from tests.support.guards import FORCE
from tests.support.voting import HEADS

OFFICERS = {unit: user.replace("thutruong", "canbo") for unit, user in HEADS.items()}
ABSENT = "so-tuphap"  # never registers nor reports: the board deducts T.1


def year_story(codes: Sequence[str]) -> Story:
    """The tests' year: everything a step does happens at one moment of that step."""
    units = [(index, unit) for index, unit in enumerate(OFFICERS) if unit != ABSENT]
    registrations = []
    for index, unit in units:
        items = full_registration(list(codes))
        items[0]["target"] = f"Ban hành {index + 2} văn bản quy phạm pháp luật đúng hạn"
        registrations.append(Registration(moment(2021, 5, 3, 9, 0), unit, items))
    mid_year = [Report(moment(2021, 6, 10, 9, 0), unit,
                       "Đơn vị triển khai đầy đủ các nội dung thi đua đã đăng ký.",
                       [{"criterion": c, "percent": 45 + len(unit), "note": "Đúng tiến độ"}
                        for c in codes[:-1]]) for _index, unit in units]
    review = Review(moment(2021, 6, 10, 9, 0), "2021-07-20",
                    "Hội trường Sở Lao động – Thương binh và Xã hội",
                    "Các đơn vị thực hiện tốt giao ước; tiếp tục đẩy mạnh cải cách hành "
                    "chính, chuyển đổi số trong 6 tháng cuối năm.")
    year_end = [Report(moment(2022, 1, 20, 9, 0), unit,
                       "Báo cáo tổng kết phong trào thi đua năm 2021.",
                       [{"criterion": c, "percent": 100} for c in codes[:-1]],
                       [{"criterion": c,
                         "self_score": min(5 - (index % 3), 4 if c.startswith("3.") else 5),
                         "evidence": f"Báo cáo số {10 + index}/BC ngày 15/12/2021"}
                        for c in codes]) for index, unit in units]
    verified = moment(2022, 2, 5, 9, 0)
    verifications = [
        Verification(verified, "tttt.canbo", "so-gddt", [
            {"criterion": "1.1", "verified_score": 3,
             "reason": "Chưa có minh chứng về văn bản thứ hai"}]),
        Verification(verified, "bantdkt", ABSENT, [
            {"criterion": "T.1", "verified_score": -8, "reason": "Không đăng ký thi đua"}])]
    meeting_at = moment(*YEAR_END)
    present = [unit for _index, unit in units]  # the 7 present units vote
    meeting = Meeting(meeting_at, {
        "held_at": "2022-02-25T08:00:00", "place": "Hội trường Sở Thông tin và Truyền thông",
        "chair": "Ông Nguyễn Văn Này, Giám đốc Sở Thông tin và Truyền thông",
        "secretary": "Bà Trần Thị Ánh, Chánh Văn phòng Sở Thông tin và Truyền thông",
        "committee": ["Ông Lê Văn Đức (Sở Y tế)", "Bà Phạm Thị Hương (Sở Nội vụ)",
                      "Ông Võ Minh Tuấn (Sở Khoa học và Công nghệ)"]},
        [{"unit": unit, "present": True, "representative": f"Thủ trưởng {unit}",
          "title": "Giám đốc"} for unit in present])
    plan = {"co-thi-dua": ["so-vhttdl"], "bang-khen": ["so-yte", "so-khcn"],
            "khoi-truong": ["so-ldtbxh"], "khoi-pho": ["so-gddt"]}
    votes = [Vote(code, meeting_at, [(meeting_at, unit, choices) for unit in present],
                  meeting_at, meeting_at) for code, choices in plan.items()]
    return Story(registrations, mid_year, review, year_end, verifications, verified, meeting,
                 votes, lock_reason=FORCE["reason"])


def play_year(app, client=None, *, through: str = "published") -> None:
    """Play the tests' year (``through``: "mid_year", "verification" or "published") and
    leave the app's clock at the last act played. ``client`` is no longer used (the year is
    played through the services, not the API); kept for the callers."""
    with app.app_context():
        story = year_story(demo_year.campaign_codes())
        until = {"mid_year": story.review.at, "verification": story.locked,
                 "published": None}[through]
        played = demo_year.play(story, until=until)
    last = played[-1].at
    at(app, last.year, last.month, last.day, last.hour, last.minute)


# Where play_year leaves the clock (through="published"): the council meeting.
YEAR_END = (2022, 2, 25, 8, 0)


def build_year(app) -> None:
    """The "year" template: the demo, then the whole year played through the services."""
    from core.cli import build_demo

    build_demo()
    play_year(app)


DATABASES.register("year", build_year)


def played_app(tmp_path, **overrides):
    """An app (no app context pushed) over a copy of the played year, its clock where
    ``play_year`` leaves it."""
    app = DATABASES.fresh_app(tmp_path, "year", **overrides)
    at(app, *YEAR_END)
    return app
