"""The binding names of CONTRACT.md for personal data (issue 16) exist with their keywords."""

from __future__ import annotations

import inspect

from parcours import Parcours


def test_the_personal_data_contract_names_and_keywords() -> None:
    purge = inspect.signature(Parcours.purge_expired).parameters
    redact = inspect.signature(Parcours.redact).parameters
    assert purge["dry_run"].default is False
    assert "now" in purge
    assert list(redact)[:2] == ["self", "pilot"]
    assert redact["actor"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(Parcours.rotate_master_key).parameters) == ["self"]
