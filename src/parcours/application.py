"""`Parcours`: the service layer. Validate, load the pilot, let it decide, store, project.

Every command: inputs checked by pydantic (`InvalidInput` names the field) → the pilot
loaded (`PilotNotFound`) → the aggregate's guard (`PhaseError`, `RuleViolation`) → one
transaction holding the new events, our own rows (keys, queue, timeline) and the read models
folded up to them. A rejected command appends nothing: nothing is written before the
aggregate has decided, and the write is a single transaction. An optimistic-concurrency
conflict is retried.

The facade is assembled from its parts in `parcours.service`: the core pipeline, then the
commands and queries grouped as the charter groups them.
"""

from __future__ import annotations

from parcours.service.cohort import CohortQueries
from parcours.service.contacts import ContactCommands
from parcours.service.phases import PhaseCommands
from parcours.service.queries import PilotQueries
from parcours.service.support import SupportCommands
from parcours.service.work import WorkCommands

__all__ = ["Parcours"]


class Parcours(
    ContactCommands,
    PhaseCommands,
    WorkCommands,
    SupportCommands,
    PilotQueries,
    CohortQueries,
):
    """The public face of parcours: the commands of the charter and the queries on them."""
