"""Reusable voting procedures, and the registry that rebuilds a campaign's procedure from
its snapshot.

A plugin returns a procedure object from ``thidua_voting_procedure``; the core stores
``procedure.name`` and ``procedure.config()`` in the campaign snapshot and from then on calls
``procedure_from_snapshot(name, config)``, never the plugin. A plugin with a procedure of its
own registers the class with :func:`register_procedure`. When a snapshot names a class that is
not registered any more, :func:`procedure_from_snapshot` raises :class:`ProcedureUnavailable`
and the campaign's vote is read-only.
"""

from __future__ import annotations

from core.voting.base import (
    BallotRejected,
    PollContext,
    PollDescription,
    PollResult,
    PollSpec,
    ProcedureDescription,
    ProcedureUnavailable,
    VotingProcedure,
    procedure_from_snapshot,
    register_procedure,
    registered_procedures,
)
from core.voting.council import CouncilVote, PollDefinition
from core.voting.ranked import RankedVote

__all__ = [
    "BallotRejected",
    "CouncilVote",
    "PollContext",
    "PollDefinition",
    "PollDescription",
    "PollResult",
    "PollSpec",
    "ProcedureDescription",
    "ProcedureUnavailable",
    "RankedVote",
    "VotingProcedure",
    "procedure_from_snapshot",
    "register_procedure",
    "registered_procedures",
]
