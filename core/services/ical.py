"""The iCalendar feed of a user's deadlines: one all-day event per phase of every campaign the
user's unit belongs to (all campaigns for board and admin users), ending on the last day on
time for that unit (extensions included). Calendar programs fetch it with a signed URL."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from core.extensions import db
from core.models import User
from core.services import campaign_state, campaigns, clock

_SALT = "thidua-ical"


def feed_token(user: User) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps(
        {"u": user.id, "p": user.password_hash[-12:]})


def user_for_feed(token: str) -> User | None:
    """The user a feed token was issued to; a password change revokes old tokens."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token)
    except BadSignature:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-12:] != data.get("p"):
        return None
    return user


def build_feed(user: User) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//thidua//Lich thi dua//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Lịch thi đua")
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    if user.unit_id is not None:
        mine = campaigns.campaigns_of_unit(user.unit_id)
    else:
        mine = campaigns.list_campaigns()
    stamp = clock.now()
    for campaign in mine:
        timeline = campaign_state.timeline(campaign)
        for phase in timeline.plan.calendar:
            due = timeline.due(phase, user.unit_id)
            event = Event()
            event.add("uid", f"{campaign.bloc.code}-{campaign.year}-{phase.code}@thidua")
            event.add("summary", f"{phase.title} — {campaign.bloc.name} {campaign.year}")
            event.add("dtstart", phase.opens)
            event.add("dtend", due + timedelta(days=1))
            event.add("dtstamp", stamp)
            event.add("description",
                      f"Hạn cuối (đúng hạn): {due:%d/%m/%Y}. Mở từ {phase.opens:%d/%m/%Y}.")
            cal.add_component(event)
    return cal.to_ical()
