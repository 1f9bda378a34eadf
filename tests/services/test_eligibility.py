"""The 2026 rules (core/services/eligibility.py, plugins/toan_tinh): a per-unit, per-year
flag that bars a unit from being proposed; the share of women as a tie-break of the ranking;
the Cờ thi đua to the leading unit. Defaults from the province-wide plugin, which a bloc
plugin overrides (``thidua_award_rules``)."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest
from sqlalchemy import select

import plugins.toan_tinh as toan_tinh
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db
from core.models import AuditEvent, Bloc, Campaign, UnitYearFlag, User
from core.plugin_api import AwardRules, PollContext, hookimpl
from core.services import campaigns, eligibility, scoring
from core.unit_of_work import unit_of_work
from tests.support import row_counts


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def khoi8():
    return campaigns.get_campaign("khoi-8", 2021)


def bloc_rules(app, rules: AwardRules, *, bloc: str = "khoi-8", year: int = 2021) -> None:
    """A bloc plugin answering ``thidua_award_rules`` for one bloc's year, and that year's
    campaign (when open) as if it had been opened with them: opening freezes the rules in the
    snapshot (see test_a_year_keeps_the_rules_it_was_opened_with)."""
    module = types.SimpleNamespace(__version__="1.0")

    @hookimpl
    def thidua_award_rules(bloc: str, year: int):  # noqa: F811 - the hook's own name
        return rules if (bloc, year) == (bloc_code, year_wanted) else None

    bloc_code, year_wanted = bloc, year
    module.thidua_award_rules = thidua_award_rules
    app.extensions["thidua"].register(module, f"regles_{bloc}_{year}")
    with unit_of_work():
        found = db.session.scalar(select(Campaign).join(Bloc).where(Bloc.code == bloc,
                                                                   Campaign.year == year))
        if found is not None:
            found.snapshot = {**found.snapshot,
                              "award_rules": eligibility.snapshot_rules(bloc, year)}


def test_a_year_keeps_the_rules_it_was_opened_with(app, demo):
    """Opening a year freezes the award rules the plugins give; a plugin answering otherwise
    later changes only the years opened after it."""
    from tests.support.cycle import Api
    from tests.support.plugins import Khoi8NextYear

    app.extensions["thidua"].register(Khoi8NextYear(), "khoi8_2022")
    assert khoi8().snapshot["award_rules"] == eligibility.NO_RULES.to_dict()
    module = types.SimpleNamespace(__version__="1.0")

    @hookimpl
    def thidua_award_rules(bloc: str, year: int):  # noqa: F811 - the hook's own name
        return AwardRules(barring_flags=("inspection",), women_tiebreak=True,
                          women_threshold=70) if bloc == "khoi-8" else None

    module.thidua_award_rules = thidua_award_rules
    app.extensions["thidua"].register(module, "regles_moi")
    assert eligibility.rules(khoi8()) == eligibility.NO_RULES  # the open year keeps its own
    client = app.test_client()
    opened = client.post("/api/v1/campaigns", headers=Api(client, "admin").headers,
                         json={"bloc": "khoi-8", "year": 2022, "members": []})
    assert opened.status_code == 201, opened.get_json()
    next_year = campaigns.get_campaign("khoi-8", 2022)
    assert next_year.snapshot["award_rules"]["barring_flags"] == ["inspection"]
    assert eligibility.rules(next_year).women_tiebreak is True


def refused(error, call, *args, **kwargs):
    before = row_counts()
    with pytest.raises(error) as caught:
        with unit_of_work():
            call(*args, **kwargs)
    db.session.rollback()
    assert row_counts() == before
    return caught.value


def test_hook_thidua_award_rules(app, demo):
    """The province-wide defaults from 2026; a bloc's own answer wins over them."""
    app.extensions["thidua"].register(toan_tinh, "tinh_2026")  # toan_tinh is off in tests
    rules = eligibility.rules_for("khoi-8", 2026)
    assert rules.barring_flags == ("discipline", "inspection", "complaint")
    assert (rules.women_tiebreak, rules.women_threshold) == (True, 70)
    assert eligibility.rules_for("khoi-8", 2025) == AwardRules()  # before the 2026 rules
    bloc_rules(app, AwardRules(barring_flags=("discipline",)), year=2026)
    assert eligibility.rules_for("khoi-8", 2026) == AwardRules(barring_flags=("discipline",))
    assert eligibility.rules_for("khoi-vhxh", 2026).women_tiebreak is True
    assert eligibility.snapshot_rules("khoi-8", 2026)["barring_flags"] == ["discipline"]


def test_flags_refused_for_bad_input_or_the_wrong_person(demo):
    board = user("bantdkt")
    error = refused(ValidationFailed, eligibility.set_flag, "so-khong-co", "20x", "kyluat", "",
                    actor=board)
    assert set(error.fields) == {"unit", "year", "kind", "reason"}
    assert error.fields["unit"] == ["Không có đơn vị mã 'so-khong-co'."]
    refused(Forbidden, eligibility.set_flag, "so-yte", 2021, "inspection", "Thanh tra",
            actor=user("yte.canbo"))
    with unit_of_work():
        eligibility.set_flag("so-yte", 2021, "inspection", "Kết luận thanh tra số 5/KL",
                             actor=board)
    error = refused(Conflict, eligibility.set_flag, "so-yte", 2021, "inspection", "Lần hai",
                    actor=board)
    assert "đã có dấu" in error.message
    flag = db.session.scalar(select(UnitYearFlag))
    error = refused(ValidationFailed, eligibility.clear_flag, flag.id, " ", actor=board)
    assert "reason" in error.fields


def test_a_flag_bars_the_unit_from_award_polls_until_cleared(app, demo):
    bloc_rules(app, AwardRules(barring_flags=("inspection", "complaint")))
    board, admin = user("bantdkt"), user("admin")
    campaign = khoi8()
    with unit_of_work():
        eligibility.set_flag("so-yte", 2021, "inspection", "Đang thanh tra tài chính",
                             actor=board)
        eligibility.set_flag("so-gddt", 2021, "discipline", "Xem xét kỷ luật",  # not barring
                             actor=admin)
        eligibility.set_flag("so-khcn", 2022, "complaint", "Khiếu nại năm sau", actor=admin)
    assert eligibility.barred(campaign) == {"so-yte": ["inspection"]}
    procedure = toan_tinh.default_vote()
    members = tuple(sorted(m.unit.code for m in campaign.memberships))
    specs = eligibility.filter_candidates(campaign, procedure.polls(PollContext(members=members)))
    by_code = {s.code: s for s in specs}
    assert "so-yte" not in by_code["bang-khen"].candidates
    assert "so-gddt" in by_code["bang-khen"].candidates
    assert "so-yte" in by_code["khoi-truong"].candidates  # electing next year's leader
    # the Cờ thi đua goes to the leading unit that may be proposed
    ctx = PollContext(members=members, ranking=("so-yte", "so-gddt", "so-khcn"),
                      scores={"so-yte": 99.0, "so-gddt": 95.0, "so-khcn": 90.0})
    rebuilt = eligibility.filter_candidates(campaign, procedure.polls(ctx),
                                            procedure=procedure, ctx=ctx)
    assert {s.code: s for s in procedure.polls(ctx)}["co-thi-dua"].candidates == ("so-yte",)
    assert {s.code: s for s in rebuilt}["co-thi-dua"].candidates == ("so-gddt",)
    overview = {u["unit"]: u for u in eligibility.overview(campaign)["units"]}
    assert overview["so-yte"]["barred"] and not overview["so-gddt"]["barred"]
    flag = db.session.scalar(select(UnitYearFlag).where(UnitYearFlag.kind == "inspection"))
    with unit_of_work():
        eligibility.clear_flag(flag.id, "Kết luận thanh tra: không vi phạm", actor=board)
    assert eligibility.barred(campaign) == {}
    described = eligibility.describe_flag(flag)
    assert (described["set_by"], described["cleared_by"]) == ("bantdkt", "bantdkt")
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-4:] == ["unit.flag", "unit.flag", "unit.flag", "unit.flag_clear"]


def test_the_share_of_women_breaks_ties_at_70_percent(app, played_year):
    campaign = khoi8()
    plain = scoring.ranking(campaign)
    groups: dict[Decimal, list] = {}
    for row in plain:
        groups.setdefault(row["verified_total"], []).append(row)
    tied = next(rows for rows in groups.values() if len(rows) >= 2)
    rank = tied[0]["rank"]
    assert {r["rank"] for r in tied} == {rank}  # equal totals share a rank
    last, other = tied[-1]["unit"], tied[0]["unit"]
    board = user("bantdkt")
    with unit_of_work():
        eligibility.set_women_share(last.code, 2021, "70", actor=board)
        eligibility.set_women_share(other.code, 2021, "69,99", actor=board)
    # the rule is off for Khối 8 2021: nothing changes
    assert scoring.tie_rule(campaign) == scoring.TIE_RULE
    assert [(r["unit"].code, r["rank"]) for r in scoring.ranking(campaign)] == \
        [(r["unit"].code, r["rank"]) for r in plain]
    bloc_rules(app, AwardRules(women_tiebreak=True, women_threshold=70))
    ranked = scoring.ranking(campaign)
    group = [r for r in ranked if r["verified_total"] == tied[0]["verified_total"]]
    assert group[0]["unit"].code == last.code and group[0]["rank"] == rank
    assert all(r["rank"] == rank + 1 for r in group[1:])
    assert group[0]["women_share"] == Decimal("70.00")
    assert eligibility.tie_rule(campaign).startswith("Các đơn vị bằng điểm: đơn vị có tỷ lệ nữ")
    assert "tỷ lệ nữ từ 70% trở lên được xếp trước" in scoring.tie_rule(campaign)


def test_share_of_women_bad_input(demo):
    board = user("bantdkt")
    for value in ("101", "abc", "70.123", "-1"):
        error = refused(ValidationFailed, eligibility.set_women_share, "so-yte", 2021, value,
                        actor=board)
        assert list(error.fields) == ["percent"], value
    refused(Forbidden, eligibility.set_women_share, "so-yte", 2021, "50",
            actor=user("yte.canbo"))


def test_the_co_thi_dua_goes_to_the_leading_unit():
    """plugins/toan_tinh: the Cờ thi đua poll's candidates are the leading unit by verified
    total, every unit tied with it included."""
    procedure = toan_tinh.default_vote()
    ctx = PollContext(members=("a", "b", "c"), ranking=("b", "a", "c"),
                      scores={"b": 95.0, "a": 90.0, "c": 80.0})
    polls = {p.code: p for p in procedure.polls(ctx)}
    assert polls["co-thi-dua"].candidates == ("b",) and polls["co-thi-dua"].seats == 1
    assert polls["bang-khen"].candidates == ("a", "b", "c")
    tied = PollContext(members=("a", "b", "c"), ranking=("a", "b", "c"),
                       scores={"a": 95.0, "b": 95.0, "c": 80.0})
    assert {p.code: p for p in procedure.polls(tied)}["co-thi-dua"].candidates == ("a", "b")


def test_the_campaigns_award_polls_leave_out_a_barred_unit(app, demo):
    """Through the vote service (what the pages and API list and open): a flagged unit is
    not a candidate of an award poll."""
    from core.services import voting

    bloc_rules(app, AwardRules(barring_flags=("inspection",)))
    board = user("bantdkt")
    campaign = khoi8()
    before = {v.spec.code: v.spec.candidates for v in voting.list_polls(campaign, actor=board)}
    award = next(code for code, candidates in before.items()
                 if "so-yte" in candidates and code not in ("khoi-truong", "khoi-pho"))
    with unit_of_work():
        eligibility.set_flag("so-yte", 2021, "inspection", "Đang thanh tra", actor=board)
    after = {v.spec.code: v.spec.candidates for v in voting.list_polls(campaign, actor=board)}
    assert "so-yte" not in after[award]
    assert set(after[award]) == set(before[award]) - {"so-yte"}
