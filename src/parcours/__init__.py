"""parcours: an event-sourced workflow engine for multi-phase accompaniment programmes.

The names are loaded on first use (PEP 562), so that importing `parcours.domain` brings in
no database, scheduler or logger.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str  # from the package's metadata, see __getattr__
    from parcours.application import Parcours
    from parcours.domain.phases import Phase
    from parcours.errors import (
        ConcurrencyConflict,
        ConfigurationError,
        InvalidInput,
        NotAuthorised,
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

_WHERE = {
    "Parcours": "parcours.application",
    "Phase": "parcours.domain.phases",
    "ConcurrencyConflict": "parcours.errors",
    "ConfigurationError": "parcours.errors",
    "InvalidInput": "parcours.errors",
    "NotAuthorised": "parcours.errors",
    "NotFound": "parcours.errors",
    "ParcoursError": "parcours.errors",
    "PhaseError": "parcours.errors",
    "PilotNotFound": "parcours.errors",
    "ProgrammeError": "parcours.errors",
    "RuleViolation": "parcours.errors",
    "Programme": "parcours.programme",
    "load_programme": "parcours.programme",
    "Settings": "parcours.settings",
    "PilotSummary": "parcours.views",
    "PilotView": "parcours.views",
}

__all__ = [
    "ConcurrencyConflict",
    "ConfigurationError",
    "InvalidInput",
    "NotAuthorised",
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


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # From the installed distribution's metadata (pyproject's `version`), read once asked.
        from importlib.metadata import version

        return version("parcours")
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'parcours' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
