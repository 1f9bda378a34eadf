"""SQLAlchemy models, one module per aggregate. Import models from here."""

from core.models.audit import GENESIS_HASH, AuditEvent
from core.models.ballots import (
    POLL_STATUSES,
    Ballot,
    OpenedBallot,
    Poll,
    PollOutcome,
    Receipt,
    VoterRoll,
)
from core.models.blocs import (
    CAMPAIGN_STATUSES,
    MEMBER_ROLES,
    Bloc,
    Campaign,
    CriterionRow,
    Membership,
    PlanRevision,
)
from core.models.documents import DocumentRegister, IssuedDocument
from core.models.drafts import FormDraft
from core.models.jobs import JOB_STATUSES, Job
from core.models.lineage import (
    UNIT_EVENT_KINDS,
    UNIT_FLAG_KINDS,
    UnitEvent,
    UnitEventLink,
    UnitName,
    UnitWomenShare,
    UnitYearFlag,
)
from core.models.meetings import MeetingAttendance
from core.models.notices import NOTICE_KINDS, Notice, NoticePreference, Nudge, ReminderSent
from core.models.people import UNIT_ROLES, ApiToken, Unit, User
from core.models.plans import DataBloc, PlanDocument
from core.models.security import SignInFailures
from core.models.totals import VerifiedTotal
from core.models.work import (
    REPORT_KINDS,
    WORK_STATUSES,
    Attachment,
    CriterionChange,
    DeadlineExtension,
    PhaseRecord,
    Registration,
    RegistrationItem,
    Report,
    ReportProgress,
    Score,
    ScoreSheet,
)

__all__ = [
    "ApiToken", "AuditEvent", "Bloc", "Campaign", "CriterionRow", "Membership", "PlanRevision", "Unit",
    "User", "GENESIS_HASH", "CAMPAIGN_STATUSES", "MEMBER_ROLES", "UNIT_ROLES",
    "Attachment", "CriterionChange", "DeadlineExtension", "PhaseRecord", "Registration",
    "RegistrationItem", "Report", "ReportProgress", "Score", "ScoreSheet", "REPORT_KINDS",
    "WORK_STATUSES", "DocumentRegister", "IssuedDocument", "Ballot", "OpenedBallot", "Receipt", "Poll", "PollOutcome", "VoterRoll", "POLL_STATUSES",
    "MeetingAttendance", "UNIT_EVENT_KINDS", "UNIT_FLAG_KINDS", "UnitEvent", "UnitEventLink",
    "UnitName", "UnitWomenShare", "UnitYearFlag", "DataBloc", "PlanDocument", "NOTICE_KINDS", "Notice", "NoticePreference", "Nudge", "ReminderSent",
    "SignInFailures", "FormDraft", "VerifiedTotal",
    "Job", "JOB_STATUSES",
]
