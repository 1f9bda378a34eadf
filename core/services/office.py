"""The province's emulation office as people read its name: configuration, never a literal.

Since 2025 several provinces run emulation and rewards from a division of the Sở Nội vụ
("Phòng Thi đua, khen thưởng") rather than a "Ban Thi đua – Khen thưởng" (shared/DOMAIN.md):
``THIDUA_OFFICE_NAME`` and ``THIDUA_OFFICE_PARENT`` say which. Messages, labels and pages that
name the office take it from :func:`office` (documents use the campaign's own settings,
``documents.province(campaign).office``, written by the same rule :func:`office_words`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext

from core.domain import Deliverable, FrozenPlan, Host, policy

#: The label of the board as a step's host or a line's scorer (core/domain/vocabulary.py):
#: the default name, replaced by :func:`office` wherever a message names the host.
BOARD_LABEL = Host.BOARD.label
DEFAULT_NAME = "Ban Thi đua – Khen thưởng"


def office_words(name: str, parent: str = "") -> str:
    """The office as a recipient: "<office> tỉnh", or "<office> (<parent>)" when it belongs
    to a department (e.g. "Phòng Thi đua, khen thưởng (Sở Nội vụ)")."""
    return f"{name} ({parent})" if parent else f"{name} tỉnh"


def office() -> str:
    """The installation's emulation office (``THIDUA_OFFICE_NAME`` / ``_PARENT``)."""
    if not has_app_context():
        return office_words(DEFAULT_NAME)
    config = current_app.config
    return office_words(config.get("THIDUA_OFFICE_NAME") or DEFAULT_NAME,
                        config.get("THIDUA_OFFICE_PARENT") or "")


def naming_the_office(params: dict[str, str],
                      translate: Callable[[str], Any]) -> dict[str, Any]:
    """A message's parameters, each through ``translate``, but a host that is the board (its
    default label) named as the configured office; and ``office`` set for messages that name
    it."""
    named: dict[str, Any] = {k: office() if v == BOARD_LABEL else translate(v)
                             for k, v in params.items()}
    named.setdefault("office", office())
    return named


def as_host(label: Any, office_text: str) -> Any:
    """``label`` (a host's label), or ``office_text`` when it is the board's default label."""
    return office_text if label == BOARD_LABEL else label


def host_words(plan: FrozenPlan, step: Deliverable | str) -> Any:
    """Who hosts a step, as people read it: the role's label in the reader's language, or the
    configured office when the board hosts it."""
    if plan.host_of(step) is Host.BOARD:
        return office()
    return lazy_gettext(policy.host_label(plan, step))
