"""What a read-only request works out once (issue 15): the timeline, the status grid and the
user's role, per GET request only; a request that writes always sees its own changes."""

from __future__ import annotations

from core.demo_year import LEADER, user
from core.domain import Role
from core.extensions import db
from core.models import PhaseRecord
from core.services import campaign_state, campaigns, clock, progress
from tests.support import counting


def test_once_per_get_request_and_never_in_a_request_that_writes(app, demo):
    with app.app_context():
        campaign = campaigns.get_campaign("khoi-8", 2021)
        with app.test_request_context("/", method="GET"):
            first, grid = campaign_state.timeline(campaign), progress.status_grid(campaign)
            with counting() as statements:
                assert campaign_state.timeline(campaign) is first
                assert progress.status_grid(campaign) is grid
            assert statements == []
        with app.test_request_context("/", method="POST"):
            assert not campaign_state.step(campaign, "verification").settled
            db.session.add(PhaseRecord(campaign_id=campaign.id, step="verification",
                                       closed_at=clock.now(), details={}))
            db.session.flush()
            assert campaign_state.step(campaign, "verification").settled  # seen at once
        db.session.rollback()


def test_prefetch_answers_as_each_campaign_alone(app, demo):
    with app.app_context():
        found = campaigns.list_campaigns()
        leader = user(LEADER)
        today = clock.today()
        alone = {c.id: campaign_state._timeline(c, today).current_phases() for c in found}
        with app.test_request_context("/", method="GET"):
            campaign_state.prefetch(found, leader, today)
            with counting() as statements:
                got = {c.id: campaign_state.timeline(c).current_phases() for c in found}
                roles = {c.bloc.code: campaign_state.role_of(leader, c) for c in found}
            assert statements == []
        assert got == alone
        assert roles["khoi-8"] is Role.LEADER
        assert all(role is None for code, role in roles.items() if code != "khoi-8")
