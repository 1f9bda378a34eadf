"""Drafts of forms (issue 13): one per person and form, replaced as they type, deleted when
given up; a rescue (a form posted after the session expired) found only with its one-time
token, for the same form, once, before it expires; sizes and keys checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from core.models import FormDraft
from core.services import clock, drafts
from core.unit_of_work import unit_of_work
from tests.support.cycle_pages import at, user

KEY = "report:khoi-8:2021:so-vhttdl:mid_year"


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(FormDraft))


def test_a_draft_per_person_and_form_replaced_as_they_type(demo):
    at(demo, 2021, 6, 10, 10, 42)
    officer, other = user("vhttdl.canbo"), user("tttt.canbo")
    with unit_of_work():
        drafts.save(officer, KEY, {"csrf_token": "x", "action": "submit", "body": "Một",
                                   "progress-0-percent": "40", "version": "0"})
        drafts.save(officer, KEY, {"body": "Một hai", "progress-0-percent": "45"})
        drafts.save(other, KEY, {"body": "Của người khác"})
    mine = drafts.get(officer, KEY)
    assert mine.fields == {"body": "Một hai", "progress-0-percent": "45"}  # no token, button
    assert drafts.describe(mine)["updated_at"].startswith("2021-06-10T10:42")
    assert drafts.get(other, KEY).fields == {"body": "Của người khác"}
    assert drafts.get(officer, "report:khoi-8:2021:so-vhttdl:year_end") is None
    assert rows() == 2
    with unit_of_work():
        assert drafts.discard(officer, KEY) is True
        assert drafts.discard(officer, KEY) is False
    assert drafts.get(officer, KEY) is None and drafts.get(other, KEY) is not None


def test_keys_and_sizes_are_checked(demo):
    officer = user("vhttdl.canbo")
    assert drafts.form_key("report", "khoi-8", 2021, "so-tttt", "year_end") == \
        "report:khoi-8:2021:so-tttt:year_end"
    for bad in (("ballot", "khoi-8", 2021, "so-tttt"), ("report", "khoi 8", 2021, "so-tttt")):
        with pytest.raises(ValidationFailed):
            drafts.form_key(*bad)
    with pytest.raises(drafts.DraftTooLarge) as refused:
        drafts.save(officer, KEY, {"body": "x" * (drafts.MAX_DRAFT_BYTES + 1)})
    assert refused.value.status == 413
    with pytest.raises(ValidationFailed):
        drafts.save(officer, KEY, {"body": ["not", "text"]})
    db.session.rollback()
    assert rows() == 0


def test_a_rescue_is_claimed_once_with_its_token_for_its_form(demo):
    at(demo, 2021, 6, 10, 9, 0)
    officer = user("vhttdl.canbo")
    with unit_of_work():
        assert drafts.hold_for_sign_in(KEY, {"csrf_token": "old", "body": "  "}) is None
        token = drafts.hold_for_sign_in(KEY, {"csrf_token": "old", "body": "Đã gõ"})
    stored = db.session.scalar(select(FormDraft).where(FormDraft.user_id.is_(None)))
    assert stored.rescue_hash != token and token not in str(stored.fields)  # only its hash
    with unit_of_work():
        assert drafts.claim_rescue(officer, KEY, "wrong-token") is None
        assert drafts.claim_rescue(officer, "registration:khoi-8:2021:so-vhttdl", token) is None
    # Asked for another form, the rescue is spent: a token works once, for its own form.
    assert rows() == 0
    with unit_of_work():
        token = drafts.hold_for_sign_in(KEY, {"body": "Đã gõ"})
        claimed = drafts.claim_rescue(officer, KEY, token)
    assert claimed.user_id == officer.id and claimed.fields == {"body": "Đã gõ"}
    with unit_of_work():
        assert drafts.claim_rescue(officer, KEY, token) is None  # once
    assert drafts.get(officer, KEY).fields == {"body": "Đã gõ"}


def test_an_expired_rescue_is_not_given_and_old_ones_are_purged(demo):
    at(demo, 2021, 6, 10, 9, 0)
    officer = user("vhttdl.canbo")
    with unit_of_work():
        old = drafts.hold_for_sign_in(KEY, {"body": "Cũ"})
    later = clock.now() + drafts.RESCUE_TTL + timedelta(minutes=1)
    demo.config["THIDUA_NOW"] = later
    with unit_of_work():
        assert drafts.claim_rescue(officer, KEY, old) is None
    assert drafts.get(officer, KEY) is None
    with unit_of_work():
        drafts.hold_for_sign_in(KEY, {"body": "Cũ"})
    demo.config["THIDUA_NOW"] = later + drafts.RESCUE_TTL + timedelta(minutes=1)
    with unit_of_work():
        drafts.hold_for_sign_in(KEY, {"body": "Mới"})
    assert [d.fields["body"] for d in db.session.scalars(select(FormDraft))] == ["Mới"]
