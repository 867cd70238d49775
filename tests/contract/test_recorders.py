"""Our recorders keep eventsourcing's recorder contract on SQLite (file, memory) and PostgreSQL.

Each class runs one of eventsourcing's recorder test cases (see `cases`) on one backend.
A case is skipped only where eventsourcing-sqlalchemy's own recorder fails it on that
backend too, with the reason in the skip message.
"""

from __future__ import annotations

import pytest

from tests.contract import cases

# -- the events recorder ---------------------------------------------------------------------


class TestTheEventsRecorderKeepsTheAggregateRecorderContractOnSQLiteFile(
    cases.SQLiteFile, cases.EventsRecorderCase
):
    pass


class TestTheEventsRecorderKeepsTheAggregateRecorderContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.EventsRecorderCase
):
    pass


@pytest.mark.postgres
class TestTheEventsRecorderKeepsTheAggregateRecorderContractOnPostgreSQL(
    cases.PostgreSQL, cases.EventsRecorderCase
):
    pass


# -- the snapshots recorder ------------------------------------------------------------------


class TestTheSnapshotsRecorderKeepsTheAggregateRecorderContractOnSQLiteFile(
    cases.SQLiteFile, cases.SnapshotsRecorderCase
):
    pass


class TestTheSnapshotsRecorderKeepsTheAggregateRecorderContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.SnapshotsRecorderCase
):
    pass


@pytest.mark.postgres
class TestTheSnapshotsRecorderKeepsTheAggregateRecorderContractOnPostgreSQL(
    cases.PostgreSQL, cases.SnapshotsRecorderCase
):
    pass


# -- the chained application recorder --------------------------------------------------------


class TestTheChainedRecorderKeepsTheApplicationRecorderContractOnSQLiteFile(
    cases.SQLiteFile, cases.SubscribeUnsupported
):
    pass


class TestTheChainedRecorderKeepsTheApplicationRecorderContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.SubscribeUnsupported
):
    pass


@pytest.mark.postgres
class TestTheChainedRecorderKeepsTheApplicationRecorderContractOnPostgreSQL(
    cases.PostgreSQL, cases.ChainedRecorderCase
):
    pass


# -- the tracking recorder -------------------------------------------------------------------


class TestTheTrackingRecorderKeepsTheTrackingRecorderContractOnSQLiteFile(
    cases.SQLiteFile, cases.TrackingRecorderCase
):
    pass


class TestTheTrackingRecorderKeepsTheTrackingRecorderContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.TrackingRecorderCase
):
    pass


@pytest.mark.postgres
class TestTheTrackingRecorderKeepsTheTrackingRecorderContractOnPostgreSQL(
    cases.PostgreSQL, cases.TrackingRecorderCase
):
    pass


# -- the process recorder (not used by parcours; made by our factory all the same) ------------


class TestTheProcessRecorderKeepsTheProcessRecorderContractOnSQLiteFile(
    cases.SQLiteFile, cases.ProcessRecorderCase
):
    pass


class TestTheProcessRecorderKeepsTheProcessRecorderContractOnSQLiteMemory(
    cases.SQLiteMemory, cases.ProcessRecorderCase
):
    pass


@pytest.mark.postgres
class TestTheProcessRecorderKeepsTheProcessRecorderContractOnPostgreSQL(
    cases.PostgreSQL, cases.ProcessRecorderCase
):
    pass
