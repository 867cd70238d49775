"""parcours: an event-sourced workflow engine for multi-phase accompaniment programmes."""

from parcours.application import Parcours
from parcours.domain.phases import Phase
from parcours.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    ParcoursError,
    PhaseError,
    PilotNotFound,
    ProgrammeError,
    RuleViolation,
)
from parcours.programme import Programme, load_programme
from parcours.settings import Settings
from parcours.views import PilotSummary, PilotView

__all__ = [
    "ConcurrencyConflict",
    "InvalidInput",
    "NotFound",
    "Parcours",
    "ParcoursError",
    "Phase",
    "PhaseError",
    "PilotNotFound",
    "PilotSummary",
    "PilotView",
    "Programme",
    "ProgrammeError",
    "RuleViolation",
    "Settings",
    "load_programme",
]
