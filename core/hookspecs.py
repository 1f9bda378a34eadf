"""The hook specifications every bloc plugin may implement.

Hooks are called with keyword arguments; an implementation takes only those it needs.
Add hooks, never change one: plugins written for an older core must keep working.
"""

from __future__ import annotations

from typing import Any

import pluggy

from core.plugin_api import PROJECT_NAME, BlocInfo, Criterion, Phase

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def thidua_register_blocs() -> list[BlocInfo]:
    """Return the blocs this plugin supplies (code, name, description, years with a plan)."""


@hookspec(firstresult=True)
def thidua_criteria(bloc: str, year: int) -> list[Criterion] | None:
    """Return the criteria tree (groups, items, bonus and deduction lines) for a bloc's year, or None."""


@hookspec(firstresult=True)
def thidua_phase_calendar(bloc: str, year: int) -> list[Phase] | None:
    """Return the ordered phases of a bloc's year (opens, last day on time, host, deliverable), or None."""


@hookspec(firstresult=True)
def thidua_voting_procedure(bloc: str, year: int) -> Any:
    """Return the VotingProcedure (from core.voting) the bloc's council uses that year, or None."""


@hookspec
def thidua_document_templates(bloc: str, year: int) -> dict[str, str]:
    """Return {document name: template path} to override or add official documents."""
