"""Reusable voting procedures, and the registry that rebuilds a campaign's procedure from
its snapshot.

A plugin returns a procedure object from ``thidua_voting_procedure``; the core stores
``procedure.name`` and ``procedure.config()`` in the campaign snapshot and from then on calls
``procedure_from_snapshot(name, config)``, never the plugin. A plugin with a procedure of its
own registers the class with :func:`register_procedure`.
"""

from __future__ import annotations

from core.voting.base import (
    BallotRejected,
    PollContext,
    PollResult,
    PollSpec,
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
    "PollResult",
    "PollSpec",
    "RankedVote",
    "VotingProcedure",
    "procedure_from_snapshot",
    "register_procedure",
    "registered_procedures",
]
