"""structlog, configured in one place. Personal values never reach a line (R12, R13).

The application never logs a personal value in the first place; `mask_personal` is the
second line of defence, for whatever an embedding service adds to our loggers.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

PERSONAL_KEYS = frozenset({"first_name", "last_name", "email", "phone", "title", "fields"})
_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")
# International (+33 3 24 …) or French national (03 24 …) numbers; not dates or ids.
_PHONE = re.compile(r"\+\d[\d .-]{7,}\d|\b0\d(?:[ .-]?\d{2}){4}\b")
MASK = "***"


def mask_personal(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if key in PERSONAL_KEYS:
            event_dict[key] = MASK
        elif isinstance(value, str):
            event_dict[key] = _PHONE.sub(MASK, _EMAIL.sub(MASK, value))
    return event_dict


def configure(renderer: Literal["console", "json"] = "console", level: str = "warning") -> None:
    """Route parcours' logs to stderr; called by the CLI, or by an embedding service."""
    final: Any = (
        structlog.processors.JSONRenderer()
        if renderer == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            mask_personal,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            final,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        # sys.stderr is looked up at each line: a test runner or a daemon may swap it.
        logger_factory=lambda *_: structlog.PrintLogger(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger() -> Any:
    if not structlog.is_configured():
        configure()
    return structlog.get_logger("parcours")
