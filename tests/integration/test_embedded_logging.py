"""A library does not reconfigure its host (issue 20 item 8): `Parcours(...)` never calls
`structlog.configure`; each instance logs through a logger of its own, built from its
settings, and an embedding service's structlog configuration stays as the service set it."""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
import structlog

from parcours import NotAuthorised, Parcours, Settings, logs
from tests.support.roles import LEAD, REGION, staffed
from tests.support.scenarios import enrolled

CLOCK = lambda: datetime(2024, 10, 1, 10, tzinfo=UTC)  # noqa: E731


@pytest.fixture
def host() -> Iterator[None]:
    """As an embedding process starts: nothing configured by parcours; the configuration
    of structlog and parcours' own flag are put back afterwards for the other tests."""
    was_configured = structlog.is_configured()
    saved = structlog.get_config()
    flag = logs._Process.configured
    logs._Process.configured = False
    structlog.reset_defaults()
    try:
        yield
    finally:
        structlog.reset_defaults()
        if was_configured:
            structlog.configure(**saved)
        logs._Process.configured = flag


def _work(app: Parcours) -> None:
    """Commands, a read and a refusal: every path that logs."""
    staffed(app)
    pilot = enrolled(app)
    app.get_pilot(pilot, actor=LEAD)
    app.dashboard()
    with pytest.raises(NotAuthorised):
        app.decide_communication(pilot, uuid4(), approved=True, actor=LEAD)
    assert REGION  # the Region, not the agency, decides (R10/R15): the refusal above


def test_a_service_that_configured_structlog_keeps_its_configuration(
    host: None, capsys: Any
) -> None:
    seen: list[dict[str, Any]] = []

    def keep(_l: Any, _m: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        seen.append(dict(event))
        raise structlog.DropEvent

    processors = [keep]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(10),
        cache_logger_on_first_use=False,
    )
    before = structlog.get_config()

    app = Parcours(settings=Settings(log_format="json", log_level="info"), clock=CLOCK)
    _work(app)
    structlog.get_logger("service").info("service.line", n=1)

    after = structlog.get_config()
    assert after == before
    assert after["processors"] is processors
    assert after["processors"] == [keep]
    # The service's own lines still go through its own processors, and only its lines.
    assert [e["event"] for e in seen] == ["service.line"]
    # Parcours' lines went to stderr, as its own settings say (JSON, from info up).
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    events = {line["event"] for line in lines}
    assert {"command", "command.refused"} <= events
    assert all(line["level"] in ("info", "warning", "error") for line in lines)


def test_a_service_on_structlog_s_defaults_keeps_them(host: None, capsys: Any) -> None:
    assert not structlog.is_configured()
    app = Parcours(settings=Settings(log_level="warning"), clock=CLOCK)
    _work(app)
    assert not structlog.is_configured()
    # structlog's defaults print every level: the service's debug line still shows.
    structlog.get_logger().debug("service.debug.line")
    err_and_out = "".join(capsys.readouterr())
    assert "service.debug.line" in err_and_out
    # At parcours' "warning", its info lines (one per command) are not printed.
    assert "command.refused" not in err_and_out


def test_the_level_of_one_application_is_its_own(host: None, capsys: Any) -> None:
    quiet = Parcours(settings=Settings(log_level="error"), clock=CLOCK)
    chatty = Parcours(settings=Settings(log_format="json", log_level="info"), clock=CLOCK)
    _work(quiet)
    assert "command" not in capsys.readouterr().err
    _work(chatty)
    assert '"event": "command"' in capsys.readouterr().err


def test_the_command_line_configures_the_process(host: None, capsys: Any) -> None:
    """The `parcours` command owns its process: `logs.configure` routes every application's
    lines through the process's configuration, also one made before."""
    app = Parcours(settings=Settings(log_level="error"), clock=CLOCK)
    logs.configure("json", "info")
    assert structlog.is_configured()
    _work(app)
    assert '"event": "command"' in capsys.readouterr().err
