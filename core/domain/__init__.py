"""The model of a bloc's year, pure (no Flask, no database): the vocabulary, the campaign's
frozen plan, the timeline (where each step stands) and the policy (who may act).

Services build these from rows and ask them; pages and the API ask the services. Nothing
else decides whether a step is open or who may act.
"""

from core.domain import policy
from core.domain.plan import FrozenPlan, PlanCache, ProcedureUnavailable
from core.domain.policy import Action, Actor, allows, refusal
from core.domain.timeline import Extension, StepStatus, Timeline
from core.domain.vocabulary import (
    CLOSED_BY_RECORD,
    CLOSING_RECORD,
    YEAR_MAX,
    YEAR_MIN,
    CampaignStatus,
    CovenantStage,
    CriterionKind,
    Deliverable,
    Host,
    LatePolicy,
    PollStatus,
    ReportKind,
    Role,
    Scorer,
    StepState,
    WorkStatus,
    format_points,
    valid_year,
)

__all__ = [
    "CLOSED_BY_RECORD",
    "CLOSING_RECORD",
    "YEAR_MAX",
    "YEAR_MIN",
    "Action",
    "Actor",
    "CampaignStatus",
    "CovenantStage",
    "CriterionKind",
    "Deliverable",
    "Extension",
    "FrozenPlan",
    "Host",
    "LatePolicy",
    "PlanCache",
    "PollStatus",
    "ProcedureUnavailable",
    "ReportKind",
    "Role",
    "Scorer",
    "StepState",
    "StepStatus",
    "Timeline",
    "WorkStatus",
    "allows",
    "policy",
    "format_points",
    "refusal",
    "valid_year",
]
