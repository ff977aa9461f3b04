"""SQLAlchemy models, one module per area. Importing this package registers them all."""

from participation.models.audit import AuditEntry, AuditHead
from participation.models.base import MAX_ID, Base, is_id
from participation.models.conference import Accreditation, AgendaItem, Conference
from participation.models.documents import (
    Amendment,
    Catalogue,
    Demand,
    Document,
    DocumentOrganisation,
    Resolution,
    Translation,
    Version,
    WorkingGroup,
    WorkingGroupMember,
)
from participation.models.people import LoginSession, Network, Organisation, Person
from participation.models.room import RoomState, SpeakerRequest
from participation.models.trustees import KeyCeremony, PollDecryption, SealedShare, Trustee
from participation.models.voting import (
    Ballot,
    Poll,
    PollCandidate,
    PollParticipation,
    PollTracker,
    PollVoter,
    Proxy,
)

__all__ = [
    "MAX_ID",
    "is_id",
    "Accreditation",
    "AgendaItem",
    "Amendment",
    "Catalogue",
    "Demand",
    "Document",
    "DocumentOrganisation",
    "Resolution",
    "Translation",
    "Version",
    "WorkingGroup",
    "WorkingGroupMember",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Conference",
    "LoginSession",
    "Network",
    "Organisation",
    "Person",
    "RoomState",
    "SpeakerRequest",
    "Ballot",
    "Poll",
    "PollCandidate",
    "PollParticipation",
    "PollTracker",
    "PollVoter",
    "Proxy",
    "KeyCeremony",
    "PollDecryption",
    "SealedShare",
    "Trustee",
]
