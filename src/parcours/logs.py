"""structlog, per application. Personal values never reach a line (R12, R13).

A library must not reconfigure its host: `Parcours(...)` never calls `structlog.configure`.
Each instance gets its own logger (`logger_for`), built from its settings (`log_format`,
`log_level`; `PARCOURS_LOG_FORMAT` and `PARCOURS_LOG_LEVEL` through `Settings.from_env`),
with its own processors and writing to stderr, so an embedding service's structlog
configuration, defaults included, stays exactly as the service left it. Only a program that
owns its process, the `parcours` command, calls `configure`; from then on the instances of
that process log through the configuration it set (`-v` raises the level for all of them).

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
Renderer = Literal["console", "json"]


class _Process:
    """Whether `configure` was called in this process (by the CLI, or a service that asked)."""

    configured = False


def mask_personal(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if key in PERSONAL_KEYS:
            event_dict[key] = MASK
        elif isinstance(value, str):
            event_dict[key] = _PHONE.sub(MASK, _EMAIL.sub(MASK, value))
    return event_dict


class _Stderr:
    """Writes a rendered line to the stderr of the moment (a test runner or a daemon may
    swap `sys.stderr`)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _processors(renderer: str) -> list[Any]:
    final: Any = (
        structlog.processors.JSONRenderer()
        if renderer == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        mask_personal,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        final,
    ]


def _level(level: str) -> int:
    return logging.getLevelNamesMapping()[level.upper()]


def configure(renderer: Renderer = "console", level: str = "warning") -> None:
    """Route the process's structlog lines to stderr, parcours' and everyone's: for a
    program that owns its process (the `parcours` command). An embedding service does not
    call it: each `Parcours` logs through a logger of its own (`logger_for`)."""
    structlog.configure(
        processors=_processors(renderer),
        wrapper_class=structlog.make_filtering_bound_logger(_level(level)),
        # sys.stderr is looked up at each line: a test runner or a daemon may swap it.
        logger_factory=lambda *_: structlog.PrintLogger(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    _Process.configured = True


class _ApplicationLogger:
    """One application's logger. Each call goes to the process's configuration if
    `configure` was called (whenever: before or after the application was made), else to
    the application's own logger."""

    def __init__(self, own: Any) -> None:
        self._own = own

    def __getattr__(self, name: str) -> Any:
        target = structlog.get_logger("parcours") if _Process.configured else self._own
        return getattr(target, name)


def logger_for(renderer: str = "console", level: str = "warning") -> Any:
    """The logger of one application: its own processors, level and output, leaving
    structlog's global configuration alone (the process's once `configure` was called)."""
    own = structlog.wrap_logger(
        _Stderr(),
        processors=_processors(renderer),
        wrapper_class=structlog.make_filtering_bound_logger(_level(level)),
        context_class=dict,
    )
    return _ApplicationLogger(own)


def get_logger() -> Any:
    """A logger with the default settings (console, warning), for code that has no
    application's at hand; never configures structlog."""
    return logger_for()
