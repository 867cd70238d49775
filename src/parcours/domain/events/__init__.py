"""The facts a pilot's history is made of, in the past tense, one module per concern.

Each `apply` only mutates; the guards live in the commands of `pilot.Pilot`, because
`apply` runs again on every replay. Every event carries who did it (`actor`), the command that
caused it (`command_id`), the request or tick that command belonged to (`correlation_id`), and
its business date (`on`, None where the act has none). Personal values arrive here already
sealed by `parcours.privacy`: the domain only ever holds ciphertext.

Class paths are a storage contract: the database stores each event's topic. Events written
before the split into modules (issue 21) name this package (`parcours.domain.events:Closed`);
they stay loadable because every class is registered under that old path below (and imported
here). Never rename a class without an upcaster.
"""

from __future__ import annotations

from eventsourcing.utils import get_topic, register_topic

from parcours.domain.events.base import PilotEvent
from parcours.domain.events.deadline_facts import (
    DeadlineApproaching,
    DeadlineMet,
    DeadlineMissed,
    DeadlineRetracted,
    ExperimentEnded,
    RetentionNoticeDue,
)
from parcours.domain.events.people import (
    ContactRectified,
    ObjectionRecorded,
    PersonalDataPurged,
    PersonErased,
    ReferentDesignated,
    TextRedacted,
)
from parcours.domain.events.phases import (
    Closed,
    DeploymentStarted,
    DiagnosticCompleted,
    DiagnosticStarted,
    Enrolled,
    EvaluationStarted,
    PhaseChanged,
    Withdrawn,
)
from parcours.domain.events.support import (
    AlertRaised,
    BlockerLifted,
    BlockerRaised,
    CommunicationDecided,
    CommunicationPublished,
    CommunicationRequested,
    FundingDecided,
    FundingIdentified,
    SolutionSourced,
)
from parcours.domain.events.work import (
    EvaluationRecorded,
    FollowUpRecorded,
    IndicatorReported,
    ProjectFramed,
    ProjectRecommended,
    RexAttended,
    TimeLogged,
)

__all__ = [
    "AlertRaised",
    "BlockerLifted",
    "BlockerRaised",
    "Closed",
    "CommunicationDecided",
    "CommunicationPublished",
    "CommunicationRequested",
    "ContactRectified",
    "DeadlineApproaching",
    "DeadlineMet",
    "DeadlineMissed",
    "DeadlineRetracted",
    "DeploymentStarted",
    "DiagnosticCompleted",
    "DiagnosticStarted",
    "Enrolled",
    "EvaluationRecorded",
    "EvaluationStarted",
    "ExperimentEnded",
    "FollowUpRecorded",
    "FundingDecided",
    "FundingIdentified",
    "IndicatorReported",
    "ObjectionRecorded",
    "PersonErased",
    "PersonalDataPurged",
    "PhaseChanged",
    "PilotEvent",
    "ProjectFramed",
    "ProjectRecommended",
    "ReferentDesignated",
    "RetentionNoticeDue",
    "RexAttended",
    "SolutionSourced",
    "TextRedacted",
    "TimeLogged",
    "Withdrawn",
]

# The topics of events stored before the split (round 1 and 2 databases, the fixtures of
# tests/fixtures): one registration per class, so they resolve even if this package stops
# importing a name one day.
for _name in __all__:
    register_topic(f"parcours.domain.events:{_name}", globals()[_name])


def stored_topics(*classes: type) -> list[str]:
    """Every topic a stored event of these classes may carry: its path now and, for a class
    of this package, its path before the split. A query over the events table by topic must
    use this, or it misses the events of older databases."""
    found = {get_topic(cls) for cls in classes}
    ours = [cls for cls in classes if cls.__name__ in __all__]
    found |= {f"parcours.domain.events:{cls.__qualname__}" for cls in ours}
    return sorted(found)
