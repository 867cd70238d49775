"""The embedded default: `Parcours()` alone is an in-memory SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime

from parcours import Parcours
from tests.support.roles import LEAD, staffed
from tests.support.scenarios import in_deployment


def test_parcours_alone_runs_in_memory() -> None:
    app = staffed(Parcours(clock=lambda: datetime(2026, 1, 10, tzinfo=UTC)))
    pilot, _ = in_deployment(app)
    assert app.get_pilot(pilot, actor=LEAD).phase == "deployment"
    assert [p.id for p in app.list_pilots()] == [pilot]
    assert app.verify_audit_trail().ok


def test_a_naive_clock_is_refused() -> None:
    import pytest

    from parcours.clock import read

    with pytest.raises(ValueError, match="aware"):
        read(lambda: datetime(2026, 1, 10))
