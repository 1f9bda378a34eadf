"""The points table: adjusted by the leader before registration closes, locked afterwards,
changed at the mid-year review only with a reason; totals always add up; history kept."""

from core.extensions import db
from core.models import CriterionChange, CriterionRow
from tests.support import row_counts
from tests.support.cycle import Api, at


def test_leader_adjusts_before_registration_closes(app, client, demo):
    at(app, 2021, 5, 1, 9, 0)
    leader = Api(client, "tttt.canbo")
    response = leader.put("/criteria", json={"changes": {"1.1": 6, "1.2": 4}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["max_total"] == 100 and body["stage"] == "covenant"
    group1 = next(c for c in body["criteria"] if c["code"] == "1")
    assert group1["max_points"] == 35
    assert [c["max_points"] for c in group1["children"][:2]] == [6, 4]
    detail = leader.client.get("/api/v1/campaigns/khoi-8/2021", headers=leader.headers)
    assert detail.get_json()["criteria"][0]["children"][0]["max_points"] == 6
    assert db.session.query(CriterionRow).filter_by(code="1.1").one().max_points == 6


def test_total_must_still_add_up(app, client, demo):
    at(app, 2021, 5, 1, 9, 0)
    leader = Api(client, "tttt.canbo")
    before = row_counts()
    response = leader.put("/criteria", json={"changes": {"1.1": 7}})
    assert response.status_code == 422
    assert "Tổng điểm" in response.get_json()["error"]["message"]
    assert row_counts() == before


def test_only_leader_and_locked_after_registration(app, client, demo):
    at(app, 2021, 5, 1, 9, 0)
    assert Api(client, "ldtbxh.canbo").put(
        "/criteria", json={"changes": {"1.1": 6, "1.2": 4}}).status_code == 403
    at(app, 2021, 5, 20, 9, 0)
    locked = Api(client, "tttt.canbo").put("/criteria", json={"changes": {"1.1": 6, "1.2": 4}})
    assert locked.status_code == 409
    assert locked.get_json()["error"]["code"] == "table_locked"


def test_mid_year_change_needs_reason_and_is_kept(app, client, demo):
    at(app, 2021, 6, 20, 9, 0)
    leader = Api(client, "tttt.canbo")
    assert leader.put("/criteria", json={"changes": {"2.1": 6, "2.2": 4}}).status_code == 422
    done = leader.put("/criteria", json={"changes": {"2.1": 6, "2.2": 4},
                                         "reason": "Hội nghị sơ kết thống nhất điều chỉnh"})
    assert done.status_code == 200, done.get_json()
    history = db.session.query(CriterionChange).order_by(CriterionChange.code).all()
    assert [(h.code, int(h.old_max), int(h.new_max), h.stage) for h in history] == [
        ("2.1", 5, 6, "mid_year"), ("2.2", 5, 4, "mid_year")]
    assert history[0].reason == "Hội nghị sơ kết thống nhất điều chỉnh"


def test_each_adjustment_is_a_plan_revision_kept_whole(app, client, demo):
    """The snapshot and the criterion rows are written from one revised plan: they never
    disagree, and every revision stays in the history (revision 1 is the plan as opened)."""
    from core.models import Campaign, PlanRevision
    from core.services import campaign_state

    at(app, 2021, 5, 1, 9, 0)
    leader = Api(client, "tttt.canbo")
    assert leader.put("/criteria", json={"changes": {"1.1": 6, "1.2": 4}}).status_code == 200
    assert leader.put("/criteria", json={"changes": {"1.1": 7, "1.3": 4}}).status_code == 200
    listed = leader.get("/plan/revisions").get_json()
    assert [r["revision"] for r in listed] == [1, 2, 3]
    firsts = [r["criteria"][0]["children"][0]["max_points"] for r in listed]
    assert firsts == [5, 6, 7]
    assert all(r["max_total"] == 100 for r in listed)
    campaign = db.session.query(Campaign).one()
    assert campaign.plan_revision == 3
    assert db.session.query(PlanRevision).count() == 3
    plan = campaign_state.plan(campaign)
    assert plan.revision == 3 and plan.to_snapshot() == campaign.snapshot
    rows = {r.code: r.max_points for r in db.session.query(CriterionRow)}
    assert all(rows[c.code] == c.max_points for c in plan.walk()), "rows follow the plan"
    # Nothing changes: no new revision.
    same = leader.put("/criteria", json={"changes": {"1.1": 7}})
    assert same.status_code == 200 and same.get_json()["changes"] == []
    assert len(leader.get("/plan/revisions").get_json()) == 3
