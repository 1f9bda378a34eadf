"""The counting committee in the tests: the key shares a poll hands out when it opens, kept as
the committee's members would keep them, and two of them entered to close the poll.

The default seal is the committee's (docs/voting.md §6): a poll's private key exists only as
shares, shown once when the poll opens (the open page, the API's open answer, the service's
``issued_shares``). ``keep_issued_shares`` (installed once per process by tests/conftest.py)
wraps ``ballot_seal.new_committee_key`` so each set of shares is kept by the poll's public
key, wherever the poll was opened (a page, the API, a service call, a database template).
The close helpers look the poll's key up and send two of its shares — the test then closes
the poll as the committee does, through the real check of the shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.extensions import db
from core.models import Campaign, Poll
from core.services import ballot_seal

KEPT: dict[str, list[str]] = {}  # public key (hex) -> the shares issued with it


def keep_issued_shares() -> None:
    """Keep every set of shares the app issues (idempotent)."""
    original = ballot_seal.new_committee_key
    if getattr(original, "_keeps_shares", False):
        return

    def issue(needed: int = 2, total: int = 3) -> tuple[list[str], str]:
        shares, public = original(needed, total)
        KEPT[public] = list(shares)
        return shares, public

    issue._keeps_shares = True  # type: ignore[attr-defined]
    ballot_seal.new_committee_key = issue


def shares_of(public_key: str | None, which: tuple[int, int] = (0, 2)) -> list[str]:
    """Two of the shares issued with this public key (by default the 1st and the 3rd
    member's); [] for a poll sealed by the server."""
    if not public_key or public_key not in KEPT:
        return []
    shares = KEPT[public_key]
    return [shares[i] for i in which]


def poll_shares(campaign: Campaign | None, code: str, *, bloc: str = "khoi-8",
                year: int = 2021) -> list[str]:
    """Two shares of the open poll ``code`` (needs an app context)."""
    from core.models import Bloc

    query = select(Poll.public_key).join(Campaign, Campaign.id == Poll.campaign_id)
    if campaign is not None:
        query = query.where(Campaign.id == campaign.id)
    else:
        query = query.join(Bloc, Bloc.id == Campaign.bloc_id).where(
            Bloc.code == bloc, Campaign.year == year)
    return shares_of(db.session.scalar(query.where(Poll.code == code)))


def close_poll(campaign: Campaign, code: str, *, actor: Any):
    """``voting.close_poll`` with two of the committee's shares (none in server mode)."""
    from core.services import voting

    return voting.close_poll(campaign, code, actor=actor,
                             shares=poll_shares(campaign, code) or None)


def api_close(api: Any, code: str, path: str = "/polls"):
    """Close through the API (a ``tests.support.cycle.Api`` client) with two shares, read
    from the poll's public key (``GET …/polls/<code>``)."""
    key = api.get(f"{path}/{code}").get_json().get("public_key")
    shares = shares_of(key)
    return api.post(f"{path}/{code}/close", json={"shares": shares} if shares else None)


def close_json(client: Any, base: str, code: str, headers: dict[str, str]):
    """The same close with a raw test client and an absolute ``base`` (…/polls)."""
    key = client.get(f"{base}/{code}", headers=headers).get_json().get("public_key")
    shares = shares_of(key)
    return client.post(f"{base}/{code}/close", headers=headers,
                       json={"shares": shares} if shares else None)


def close_form(client: Any, url: str, public_key: str | None) -> Any:
    """Close on the page (``…/polls/<code>/close``), entering two shares."""
    return client.post(url, data={"share": shares_of(public_key)})


def use_server_seal(bloc: str = "khoi-8", year: int = 2021) -> None:
    """Make the campaign's frozen voting parameters say ``seal="server"`` (a bloc that chose
    the simpler mode), for tests about something else than the committee (app context)."""
    from sqlalchemy.orm.attributes import flag_modified

    from core.models import Bloc

    campaign = db.session.scalar(select(Campaign).join(Bloc, Bloc.id == Campaign.bloc_id)
                                 .where(Bloc.code == bloc, Campaign.year == year))
    campaign.snapshot["voting"]["config"]["seal"] = "server"
    flag_modified(campaign, "snapshot")
    db.session.commit()
    from flask import current_app

    current_app.extensions.pop("thidua_plans", None)  # the frozen plans cached by revision
