"""Our factory keeps eventsourcing's infrastructure factory contract on every backend.

Constructed from the module topic `parcours.store.factory`, as eventsourcing resolves a
`PERSISTENCE_MODULE`: the case fails if that module holds more than one factory class.
"""

from __future__ import annotations

import pytest

from tests.contract import cases


class TestTheFactoryKeepsTheInfrastructureFactoryContractOnSQLiteFile(
    cases.SQLiteFile, cases.FactoryCase
):
    pass


class TestTheFactoryKeepsTheInfrastructureFactoryContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.FactoryCase
):
    pass


@pytest.mark.postgres
class TestTheFactoryKeepsTheInfrastructureFactoryContractOnPostgreSQL(
    cases.PostgreSQL, cases.FactoryCase
):
    pass
