"""The domain knows no database, scheduler or logger (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_domain_imports_no_infrastructure() -> None:
    probe = (
        "import sys, parcours.domain.pilot, parcours.domain.phases, parcours.domain.events\n"
        "import parcours.domain.roles, parcours.domain.grants\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'apscheduler', 'structlog', 'eventsourcing_sqlalchemy')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
