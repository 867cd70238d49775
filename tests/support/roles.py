"""The principals the tests act as (R15), and the grants that let them.

A store is closed by default: the `app` fixture (tests/conftest.py) calls `staffed` once, and
`scenarios.enrolled` grants the pilot's referent right after each enrolment. A test that opens
its own `Parcours` calls `staffed` itself.
"""

from __future__ import annotations

from typing import Any

from parcours import Parcours

PROGRAMME = "grand-est-2024"
LEAD = "agency:project-lead"  # the agency (Grand E-Nov+)
REGION = "region:project-lead"  # the Région Grand Est
AUDITOR = "auditor:ccrc-1"  # reads, masked
REFERENT_ID = "pilot:referent"  # a pilot's referent (granted per pilot)


def staffed(app: Parcours, programme: str = PROGRAMME) -> Parcours:
    """The agency (its first grant, to itself), the Region and an auditor, in `programme`;
    idempotent, so a test may call it on an application that reopened a database."""
    held = {(h.principal, h.role, h.programme) for h in app.principals()}
    for principal, role in ((LEAD, "agency"), (REGION, "region"), (AUDITOR, "auditor")):
        if (principal, role, programme) not in held:
            app.grant(principal, role, programme=programme, actor=LEAD)
    return app


def with_referent(app: Parcours, pilot: Any, principal: str = REFERENT_ID) -> Any:
    """Grant the pilot's referent (the agency grants it); returns the pilot."""
    app.grant(principal, "referent", pilot=pilot, actor=LEAD)
    return pilot
