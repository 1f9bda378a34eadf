"""Play Khối 8's 2021 year through the services, act by act, each at its own moment.

One way to play a year, for the demo (``flask --app wsgi demo --until DATE``) and for the tests
(``tests/support/year.py``, the "year" database template): a :class:`Story` says what each
unit writes and when; :func:`acts` turns it into dated acts in the order of the year (the
registrations, the mid-year reports and review, the year-end reports with self-scores, the
verification and its lock, the council meeting, the polls opened, voted by the heads, closed
with two of the counting committee's key shares and published, and — in the demo — the
documents issued once their step is settled); :func:`play` runs the acts up to a moment.

Each act runs as the person who does it (the unit's officer, the deputy, the leader, the
board, each head), through the same services the pages and the API call, with the app's
clock (``THIDUA_NOW``) set to the act's moment; the clock is put back when the play ends,
whatever happens. Each act is one unit of work: inside an outer unit of work (the ``demo``
command) the whole play commits or rolls back together.

The demo's story (:func:`demo_story`) is deterministic: its variations come from a
``random.Random`` with a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.config import TIMEZONE
from core.errors import DomainError
from core.extensions import db
from core.models import Campaign, User
from core.unit_of_work import unit_of_work

BLOC, YEAR = "khoi-8", 2021
# The demo's member units in the order of the plan's list (core/cli.py DEMO_UNITS).
UNITS = ("so-tttt", "so-ldtbxh", "so-vhttdl", "so-gddt", "so-yte", "so-khcn", "so-noivu",
         "so-tuphap")
LEADER, DEPUTY, BOARD = "tttt.canbo", "ldtbxh.canbo", "bantdkt"
POLLS = ("co-thi-dua", "bang-khen", "khoi-truong", "khoi-pho")


def officer(unit: str) -> str:
    """The unit's emulation officer in the demo (``so-tttt`` → ``tttt.canbo``)."""
    return f"{unit.removeprefix('so-')}.canbo"


def head(unit: str) -> str:
    """The unit's head in the demo (``so-tttt`` → ``tttt.thutruong``)."""
    return f"{unit.removeprefix('so-')}.thutruong"


def moment(*args: int) -> datetime:
    """A local (Asia/Ho_Chi_Minh) moment: ``moment(2021, 5, 3, 9, 0)``."""
    return datetime(*args, tzinfo=TIMEZONE)


# -- the story: what is written, by whom, when ------------------------------------------------

@dataclass(frozen=True)
class Registration:
    at: datetime
    unit: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Report:
    at: datetime
    unit: str
    body: str
    progress: list[dict[str, Any]]
    scores: list[dict[str, Any]] | None = None  # the year-end report's self-scores


@dataclass(frozen=True)
class Review:
    """The mid-year review meeting, recorded by the deputy when closing the step."""

    at: datetime
    date: str
    place: str
    conclusions: str


@dataclass(frozen=True)
class Verification:
    at: datetime
    username: str
    unit: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Meeting:
    """The council meeting's record and the units present (``attendance`` rows)."""

    at: datetime
    details: dict[str, Any]
    attendance: list[dict[str, Any]]


@dataclass(frozen=True)
class Vote:
    """One poll: opened, each unit's head's choices, closed, published."""

    code: str
    opened: datetime
    ballots: list[tuple[datetime, str, list[str]]]  # (when, unit, choices)
    closed: datetime
    published: datetime


@dataclass(frozen=True)
class Story:
    registrations: Sequence[Registration]
    mid_year_reports: Sequence[Report]
    review: Review
    year_end_reports: Sequence[Report]
    verifications: Sequence[Verification]
    locked: datetime
    meeting: Meeting
    votes: Sequence[Vote]
    # Moments at which every document whose step is settled is issued (none in the tests).
    documents: Sequence[datetime] = field(default_factory=tuple)
    # The leader locks verification although its checklist has gaps (the unit that never
    # registered nor reported), confirming them with this reason (None: no gap expected).
    lock_reason: str | None = None
    bloc: str = BLOC
    year: int = YEAR


@dataclass(frozen=True)
class Act:
    at: datetime
    title: str  # what the demo command prints (Vietnamese)
    run: Callable[[Campaign], Any]


# -- the acts -----------------------------------------------------------------------------------

def user(username: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    if found is None:
        raise LookupError(f"no user {username!r}: build the demo first")
    return found


def criterion_codes(campaign: Campaign) -> list[str]:
    """The scored criteria (the plan's "item" groups' children), in the plan's order."""
    from core.services import campaigns

    return [c["code"] for g in campaigns.describe(campaign)["criteria"] if g["kind"] == "item"
            for c in g["children"]]


def _register(row: Registration) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import registration

        return registration.save(campaign, row.unit, row.items, submit=True,
                                 actor=user(officer(row.unit)))
    return run


def _report(row: Report, kind: str) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import reports, scoring

        actor = user(officer(row.unit))
        if row.scores is not None:
            scoring.save_self_scores(campaign, row.unit, row.scores, actor=actor)
        return reports.save(campaign, row.unit, kind, row.body, row.progress, submit=True,
                            actor=actor)
    return run


def _review(row: Review) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import reports

        reports.close_mid_year_review(campaign, row.date, row.place, row.conclusions,
                                      actor=user(DEPUTY))
    return run


def _verify(row: Verification) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import scoring

        return scoring.verify(campaign, row.unit, row.items, actor=user(row.username))
    return run


def _lock(reason: str | None) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import closing

        closing.lock_verification(campaign, actor=user(LEADER), force=reason is not None,
                                  reason=reason)
    return run


def _meeting(row: Meeting) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import meeting

        meeting.record_meeting(campaign, row.details, actor=user(LEADER))
        meeting.record_attendance(campaign, row.attendance, actor=user(LEADER))
    return run


# The committee's key shares of each open poll, as its members keep them between the opening
# and the closing (in memory: the server stores none of them).
_SHARES: dict[tuple[int, str], list[str]] = {}


def _open(code: str) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import voting

        poll = voting.open_poll(campaign, code, actor=user(LEADER))
        _SHARES[(campaign.id, code)] = list(getattr(poll, "issued_shares", []))
        return poll
    return run


def _cast(code: str, unit: str, choices: list[str]) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import voting

        return voting.cast(campaign, code, choices, actor=user(head(unit)))
    return run


def _close(code: str) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import voting

        shares = _SHARES.pop((campaign.id, code), [])
        # two of the three members (the first and the third) type their shares
        entered = [shares[0], shares[2]] if len(shares) >= 3 else shares or None
        return voting.close_poll(campaign, code, actor=user(LEADER), shares=entered)
    return run


def _publish(code: str) -> Callable[[Campaign], Any]:
    def run(campaign: Campaign) -> Any:
        from core.services import voting

        return voting.publish_poll(campaign, code, actor=user(LEADER))
    return run


def issue_settled_documents(campaign: Campaign) -> list[str]:
    """Issue every document of the campaign whose step is settled, not issued yet and with
    nothing blocking on its checklist, as the person who issues it (the unit's head for a
    unit's own document; for a bloc's document the first of the hosting unit's head, its
    officer, the board who may). Returns the names issued."""
    from core.services import campaign_state, documents

    issued = []
    for kind, unit in documents.every(campaign):
        name = f"{kind.name}-{unit.code}" if unit is not None else kind.name
        if documents.current(campaign, name) is not None:
            continue
        try:
            if not campaign_state.step(campaign, kind.phase, unit.id if unit else None).settled:
                continue
        except (LookupError, ValueError):
            continue
        if any(item["blocking"] for item in documents.checklist(campaign, kind, unit)):
            continue
        issuer_unit = documents.issuing_unit(campaign, kind, unit)
        candidates = []
        if issuer_unit is not None:
            candidates += [head(issuer_unit.code), officer(issuer_unit.code)]
        candidates.append(BOARD)
        for username in candidates:
            person = db.session.scalar(select(User).where(User.username == username))
            if person is not None and documents.may_issue(campaign, kind, unit, person):
                documents.issue(campaign, name, actor=person)
                issued.append(name)
                break
    return issued


def _name(unit: str) -> str:
    return UNIT_NAMES.get(unit, unit)


def _who(username: str) -> str:
    return {LEADER: "Khối trưởng", DEPUTY: "Khối phó",
            BOARD: "Ban Thi đua – Khen thưởng tỉnh"}.get(username, username)


def acts(story: Story) -> list[Act]:
    """The story's acts in the order of the year (acts at the same moment keep the story's
    order)."""
    found: list[Act] = []
    for reg in story.registrations:
        found.append(Act(reg.at, f"{_name(reg.unit)} gửi đăng ký thi đua", _register(reg)))
    for rep in story.mid_year_reports:
        found.append(Act(rep.at, f"{_name(rep.unit)} gửi báo cáo sơ kết", _report(rep, "mid_year")))
    review = story.review
    found.append(Act(review.at, "Khối phó kết thúc hội nghị sơ kết", _review(review)))
    for rep in story.year_end_reports:
        found.append(Act(rep.at, f"{_name(rep.unit)} tự chấm điểm, gửi báo cáo tổng kết",
                         _report(rep, "year_end")))
    for ver in story.verifications:
        found.append(Act(ver.at, f"{_who(ver.username)} chấm điểm thẩm định của {_name(ver.unit)}",
                         _verify(ver)))
    found.append(Act(story.locked, "Khối trưởng khóa kết quả thẩm định",
                     _lock(story.lock_reason)))
    found.append(Act(story.meeting.at, "Khối trưởng ghi cuộc họp bình xét và điểm danh",
                     _meeting(story.meeting)))
    for vote in story.votes:
        found.append(Act(vote.opened, f"Mở bỏ phiếu {vote.code}", _open(vote.code)))
        for at, unit, choices in vote.ballots:
            found.append(Act(at, f"Thủ trưởng {_name(unit)} bỏ phiếu {vote.code}",
                             _cast(vote.code, unit, choices)))
        found.append(Act(vote.closed, f"Ban kiểm phiếu kết thúc bỏ phiếu {vote.code}",
                         _close(vote.code)))
        found.append(Act(vote.published, f"Công bố kết quả {vote.code}", _publish(vote.code)))
    for at in story.documents:
        found.append(Act(at, "Ban hành các văn bản của các bước đã chốt",
                         issue_settled_documents))
    return sorted(found, key=lambda act: act.at)  # stable: ties keep the story's order


@contextmanager
def clock_at(when: datetime | None) -> Iterator[None]:
    """Set the app's clock (``THIDUA_NOW``) for the block, put it back afterwards."""
    config = current_app.config
    saved = config.get("THIDUA_NOW")
    config["THIDUA_NOW"] = when
    try:
        yield
    finally:
        config["THIDUA_NOW"] = saved


def play(story: Story, *, until: datetime | None = None, after: datetime | None = None,
         echo: Callable[[str], None] | None = None) -> list[Act]:
    """Run the story's acts with ``after < act.at <= until`` (either bound optional), each in
    its own unit of work with the app's clock at the act's moment; the clock is put back
    when the play ends. Returns the acts played. A refusal names the act."""
    from core.services import campaigns

    played: list[Act] = []
    try:
        campaign = campaigns.get_campaign(story.bloc, story.year)
        for act in acts(story):
            if after is not None and act.at <= after:
                continue
            if until is not None and act.at > until:
                break
            try:
                with clock_at(act.at), unit_of_work():
                    act.run(campaign)
            except DomainError as exc:
                raise PlayRefused(act, exc) from exc
            played.append(act)
            if echo is not None:
                echo(f"  {act.at:%d/%m/%Y %H:%M}  {act.title}")
    finally:
        _SHARES.clear()
    return played


class PlayRefused(RuntimeError):
    """A service refused one of the story's acts (the story no longer fits the rules)."""

    def __init__(self, act: Act, error: DomainError) -> None:
        super().__init__(f"{act.at:%d/%m/%Y %H:%M} {act.title}: {error.message} "
                         f"{getattr(error, 'fields', '') or ''}".strip())
        self.act, self.error = act, error


def last_moment(story: Story, until: datetime | None = None) -> datetime | None:
    """The moment of the last act played up to ``until`` (None: no act)."""
    moments = [act.at for act in acts(story) if until is None or act.at <= until]
    return moments[-1] if moments else None


# -- the demo's story ---------------------------------------------------------------------------

TARGETS = {
    "1.1": "Tham mưu ban hành {n} văn bản quy phạm pháp luật thuộc lĩnh vực quản lý, đúng "
           "tiến độ chương trình của UBND tỉnh",
    "1.2": "Đề xuất {n} chủ trương, chính sách phát triển ngành được UBND tỉnh chấp thuận",
    "1.3": "Hoàn thành 100% chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm 2021 được giao",
    "1.4": "Cử {n} lượt công chức tham gia bồi dưỡng chuyên môn; thực hiện 1 đề tài khoa học "
           "cấp cơ sở",
    "1.5": "Không để xảy ra vụ việc mất an ninh, trật tự tại cơ quan; 100% công chức tham gia "
           "bồi dưỡng kiến thức quốc phòng - an ninh theo kế hoạch",
    "1.6": "100% thủ tục hành chính đủ điều kiện được cung cấp trực tuyến mức độ 3, 4; giải "
           "quyết hồ sơ đúng hạn đạt trên 98%",
    "1.7": "Tiết kiệm 10% chi thường xuyên; không để xảy ra vụ việc tham nhũng, lãng phí",
    "2.1": "100% cán bộ, công chức, đảng viên học tập, quán triệt Nghị quyết Đại hội XIII "
           "của Đảng",
    "2.2": "Đăng ký và thực hiện có hiệu quả {n} mô hình “Học tập và làm theo tư tưởng, đạo "
           "đức, phong cách Hồ Chí Minh”",
    "2.3": "Không có tổ chức cơ sở Đảng yếu kém",
    "2.4": "Công đoàn, Đoàn Thanh niên cơ sở đạt vững mạnh, xuất sắc",
    "2.5": "Kết nạp {n} đảng viên mới",
    "3.1": "Ban hành quy chế thi đua, khen thưởng của Sở và kiện toàn Hội đồng Thi đua - Khen "
           "thưởng trong quý II",
    "3.2": "Triển khai 100% phong trào thi đua do Chủ tịch UBND tỉnh phát động, trong đó "
           "phong trào “Trà Vinh cùng cả nước chung sức xây dựng nông thôn mới”",
    "3.3": "Phát động {n} đợt thi đua theo chuyên đề gắn với nhiệm vụ trọng tâm của ngành",
    "3.4": "Tham gia đầy đủ các phong trào do các sở, ban, ngành, đoàn thể tỉnh phát động",
    "3.5": "Xây dựng ít nhất 1 mô hình, cách làm mới trong tổ chức phong trào thi đua",
    "3.6": "Thẩm định hồ sơ khen thưởng đúng hạn; tỷ lệ khen thưởng người lao động trực tiếp "
           "đạt trên 30%",
    "3.7": "Phân công 1 công chức phụ trách thi đua, khen thưởng; cử tham gia bồi dưỡng "
           "nghiệp vụ do Ban Thi đua – Khen thưởng tỉnh tổ chức",
    "3.8": "Giải quyết 100% đơn thư khiếu nại, tố cáo thuộc thẩm quyền đúng thời hạn",
    "3.9": "Phát hiện, bồi dưỡng và nhân rộng {n} điển hình tiên tiến",
}
NOT_APPLICABLE = "Đơn vị không có nhiệm vụ chuyên môn thuộc nội dung này"
NOTES_MID = ("Đúng tiến độ", "Đúng tiến độ", "Đang triển khai",
             "Chậm so với kế hoạch do ảnh hưởng của dịch COVID-19")
MID_BODY = (
    "Sáu tháng đầu năm 2021, {name} triển khai đầy đủ các nội dung đã đăng ký thi đua, gắn "
    "phong trào thi đua với nhiệm vụ chính trị của ngành và công tác phòng, chống dịch "
    "COVID-19. Đơn vị đã ban hành kế hoạch tổ chức phong trào thi đua, phân công cụ thể "
    "từng chỉ tiêu cho các phòng, đơn vị trực thuộc.\n\n"
    "Tồn tại, hạn chế: một số chỉ tiêu triển khai chậm do dịch bệnh; việc nhân rộng điển "
    "hình tiên tiến chưa thường xuyên. Sáu tháng cuối năm, đơn vị tập trung hoàn thành các "
    "chỉ tiêu còn lại, đẩy mạnh chuyển đổi số và cải cách hành chính.")
YEAR_BODY = (
    "Năm 2021, trong bối cảnh dịch COVID-19 diễn biến phức tạp, {name} đã hoàn thành các "
    "nội dung, chỉ tiêu đăng ký thi đua với Khối thi đua Khối 8. Phong trào thi đua được "
    "phát động sâu rộng, gắn với nhiệm vụ chuyên môn; công tác khen thưởng kịp thời, đúng "
    "đối tượng, chú trọng người lao động trực tiếp.\n\n"
    "Đơn vị tự chấm {total} điểm theo thang điểm của kế hoạch; các minh chứng được gửi kèm "
    "báo cáo. Năm 2022, đơn vị tiếp tục đổi mới nội dung, hình thức tổ chức phong trào thi "
    "đua, nhân rộng các mô hình hiệu quả.")
UNIT_NAMES = {
    "so-tttt": "Sở Thông tin và Truyền thông",
    "so-ldtbxh": "Sở Lao động – Thương binh và Xã hội",
    "so-vhttdl": "Sở Văn hóa, Thể thao và Du lịch",
    "so-gddt": "Sở Giáo dục và Đào tạo",
    "so-yte": "Sở Y tế",
    "so-khcn": "Sở Khoa học và Công nghệ",
    "so-noivu": "Sở Nội vụ",
    "so-tuphap": "Sở Tư pháp",
}
ABBREVIATIONS = {"so-tttt": "STTTT", "so-ldtbxh": "SLĐTBXH", "so-vhttdl": "SVHTTDL",
                 "so-gddt": "SGDĐT", "so-yte": "SYT", "so-khcn": "SKHCN", "so-noivu": "SNV",
                 "so-tuphap": "STP"}
MISSING = "so-tuphap"  # never registers nor reports: the board deducts T.1
LATE = "so-khcn"  # registers after the deadline (accepted, marked late)
MEETING_PLACE = "Hội trường Sở Thông tin và Truyền thông"
COMMITTEE = ["Ông Lê Văn Đức (Sở Y tế)", "Bà Phạm Thị Hương (Sở Nội vụ)",
             "Ông Võ Minh Tuấn (Sở Khoa học và Công nghệ)"]
MEETING = {"place": MEETING_PLACE,
           "chair": "Ông Nguyễn Văn Này, Giám đốc Sở Thông tin và Truyền thông",
           "secretary": "Bà Trần Thị Ánh, Chánh Văn phòng Sở Thông tin và Truyền thông",
           "committee": COMMITTEE}


def _attendance(units: Iterable[str]) -> list[dict[str, Any]]:
    return [{"unit": unit, "present": True, "representative": f"Thủ trưởng {unit}",
             "title": "Giám đốc"} for unit in units]


def demo_story(codes: Sequence[str], seed: int = 2021) -> Story:
    """The demo's year: six units register on time between 26/04 and 12/05/2021, Sở Khoa học
    và Công nghệ late on 19/05, Sở Tư pháp never (nor reports: the board deducts T.1);
    mid-year reports in June and the review on 20/07; year-end reports with self-scores in
    January 2022; the leader confirms every unit's scores (correcting two), the board scores
    T.1, the leader locks on 10/02 confirming the gaps; the council meets on 25/02 and
    votes; results published the same day; each document issued once its step is
    settled."""
    rng = random.Random(seed)
    reporting = [u for u in UNITS if u != MISSING]
    on_time = (moment(2021, 4, 26, 8, 30), moment(2021, 4, 28, 9, 15), moment(2021, 5, 3, 10, 0),
               moment(2021, 5, 5, 8, 45), moment(2021, 5, 7, 14, 0), moment(2021, 5, 12, 9, 30))
    registrations = [Registration(at, unit, _targets(codes, rng))
                     for at, unit in zip(on_time, [u for u in reporting if u != LATE],
                                         strict=True)]
    registrations.append(Registration(moment(2021, 5, 19, 14, 20), LATE, _targets(codes, rng)))
    mid_year = [Report(moment(2021, 6, 4 + index, 10, 0), unit,
                       MID_BODY.format(name=UNIT_NAMES[unit]),
                       [{"criterion": c, "percent": rng.randrange(35, 75, 5),
                         "note": rng.choice(NOTES_MID)} for c in codes[:-1]])
                for index, unit in enumerate(reporting)]
    review = Review(moment(2021, 7, 20, 16, 30), "2021-07-20",
                    "Hội trường Sở Lao động – Thương binh và Xã hội",
                    "Bảy đơn vị gửi báo cáo sơ kết đúng hạn; Sở Tư pháp chưa đăng ký thi đua và "
                    "chưa gửi báo cáo. Các đơn vị thực hiện tốt giao ước thi đua, nhất là cải "
                    "cách hành chính và chuyển đổi số. Sáu tháng cuối năm: tập trung hoàn "
                    "thành các chỉ tiêu chậm do dịch COVID-19, nhân rộng điển hình tiên tiến.")
    year_end = []
    for index, unit in enumerate(reporting):
        scores = []
        for c in codes:
            top = 4 if c.startswith("3.") else 5
            value = 0 if c == codes[-1] else max(top - rng.choice((0, 0, 0, 0.5, 1)), 0)
            scores.append({"criterion": c, "self_score": value,
                           "evidence": f"Báo cáo số {120 + index * 7}/BC-{ABBREVIATIONS[unit]} "
                                       f"ngày {10 + index}/12/2021"})
        total = sum(s["self_score"] for s in scores)
        year_end.append(Report(
            moment(2022, 1, 10 + index * 2, 9, 30), unit,
            YEAR_BODY.format(name=UNIT_NAMES[unit], total=f"{total:g}".replace(".", ",")),
            [{"criterion": c, "percent": rng.choice((90, 95, 100, 100, 100))}
             for c in codes[:-1]], scores))
    # The leader confirms every unit's lines (two corrected, with the reason); the board
    # scores its own line T.1 for every unit: 0, or the whole deduction for the unit that
    # never registered.
    corrections = {("so-gddt", "1.1"): (3, "Chưa có minh chứng về văn bản quy phạm pháp luật "
                                           "thứ hai"),
                   ("so-noivu", "3.5"): (3, "Mô hình mới chưa được cấp có thẩm quyền công "
                                            "nhận")}
    verifications = []
    for index, report in enumerate(year_end):
        items = []
        for score in report.scores or []:
            fixed = corrections.get((report.unit, score["criterion"]))
            items.append({"criterion": score["criterion"], "verified_score": fixed[0],
                          "reason": fixed[1]} if fixed else
                         {"criterion": score["criterion"], "verified_score": score["self_score"]})
        verifications.append(Verification(moment(2022, 2, 2 + index, 14, 0), LEADER,
                                          report.unit, items))
    for index, unit in enumerate(UNITS):
        verifications.append(Verification(
            moment(2022, 2, 9, 9, index * 5), BOARD, unit,
            [{"criterion": "T.1", "verified_score": -8, "reason": "Không đăng ký thi đua"}
             if unit == MISSING else {"criterion": "T.1", "verified_score": 0}]))
    present = reporting
    meeting = Meeting(moment(2022, 2, 25, 8, 0),
                      {"held_at": "2022-02-25T08:00:00", **MEETING}, _attendance(present))
    plans = {"co-thi-dua": (["so-vhttdl"], ["so-yte"]),
             "bang-khen": (["so-yte", "so-khcn"], ["so-yte", "so-gddt"]),
             "khoi-truong": (["so-ldtbxh"], ["so-ldtbxh"]),
             "khoi-pho": (["so-gddt"], ["so-noivu"])}
    votes = []
    for number, (code, (most, other)) in enumerate(plans.items()):
        start = moment(2022, 2, 25, 8, 30) + timedelta(minutes=20 * number)
        ballots = [(start + timedelta(minutes=1 + i), unit, other if i == 5 else most)
                   for i, unit in enumerate(present)]
        votes.append(Vote(code, start, ballots, start + timedelta(minutes=15),
                          moment(2022, 2, 25, 10, 30)))
    documents = (moment(2021, 7, 21, 9, 0), moment(2022, 2, 10, 16, 0),
                 moment(2022, 2, 25, 14, 0))
    return Story(registrations, mid_year, review, year_end, verifications,
                 moment(2022, 2, 10, 15, 0), meeting, votes, documents,
                 lock_reason="Sở Tư pháp không đăng ký thi đua, không gửi báo cáo; Ban Thi đua "
                             "– Khen thưởng tỉnh đã trừ điểm tiêu chí T.1. Các đơn vị còn lại "
                             "đã được thẩm định đầy đủ.")


def _targets(codes: Sequence[str], rng: random.Random) -> list[dict[str, Any]]:
    items = [{"criterion": c,
              "target": TARGETS.get(c, "Hoàn thành 100% kế hoạch năm 2021").format(
                  n=rng.randint(2, 6))} for c in codes]
    items[-1] = {"criterion": codes[-1], "not_applicable": True, "reason": NOT_APPLICABLE}
    return items


def campaign_codes(bloc: str = BLOC, year: int = YEAR) -> list[str]:
    from core.services import campaigns

    return criterion_codes(campaigns.get_campaign(bloc, year))


# -- the demo command's bookkeeping -----------------------------------------------------------

OPENING = moment(2021, 4, 23, 8, 0)  # the plan's first day: the demo's campaigns open then
PLAYED = "demo.play"  # the audit event that says up to when the demo's year was played


def played_until() -> datetime | None:
    """Up to when the demo's year was played (the last ``demo.play`` event); None: never."""
    from core.models import AuditEvent

    details = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == PLAYED)
                                .order_by(AuditEvent.id.desc()).limit(1))
    if not details or not details.get("until"):
        return None
    return datetime.fromisoformat(details["until"]).astimezone(TIMEZONE)


def play_demo(until: datetime, *, echo: Callable[[str], None] | None = None) -> list[Act]:
    """Play the demo's story from where it was left up to ``until``, and record it (audited,
    so a second run continues from there). The caller's unit of work commits."""
    from core.services import audit

    after = played_until()
    played = play(demo_story(campaign_codes()), until=until, after=after, echo=echo)
    audit.record(PLAYED, "campaign", f"{BLOC}/{YEAR}", actor=None,
                 details={"until": max(until, after or until).isoformat(),
                          "acts": len(played)})
    return played
