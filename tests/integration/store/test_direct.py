"""Statements on the driver's cursor (store/direct.py): deferred ones run in their
transaction, in order, or not at all; a driver's error is SQLAlchemy's, so a conflict is
still a conflict."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from parcours import Parcours
from parcours.store.direct import Direct, binary_rows, defer, flush
from tests.conftest import Clock

METADATA = MetaData()
scratch = Table(
    "parcours_test_direct",
    METADATA,
    Column("n", Integer, primary_key=True),
    Column("word", String(20), nullable=False),
)
INSERT = Direct(scratch.insert(), ["n", "word"])
MANY = Direct(scratch.insert(), ["n", "word"], copy=True)  # COPY on PostgreSQL
# A constant of the statement's own (the literal 1) is bound with the caller's values.
BUMP = Direct(scratch.update().where(scratch.c.n == bindparam("b_n")).values(n=scratch.c.n + 1))


@pytest.fixture
def store(app: Parcours) -> Parcours:
    METADATA.create_all(app.pipeline.store.engine)
    return app


def words(session: Session) -> list[tuple[int, str]]:
    return [(r.n, r.word) for r in session.execute(select(scratch).order_by(scratch.c.n))]


def test_deferred_statements_run_in_order_before_the_next_read_and_at_the_commit(
    store: Parcours,
) -> None:
    with store.pipeline.writing() as session:
        defer(session, INSERT, {"n": 1, "word": "one"})
        defer(session, BUMP, {"b_n": 1})
        assert words(session) == [(2, "one")]  # a session's statement sends them first
        defer(session, INSERT, {"n": 5, "word": "five"})
        moved = BUMP.execute(session, {"b_n": 5})  # sent with it, and answered
        assert moved.rowcount == 1
        defer(session, INSERT, {"n": 9, "word": "nine"})  # sent at the commit
    with store.pipeline.reading() as session:
        assert words(session) == [(2, "one"), (6, "five"), (9, "nine")]


# What COPY's text format gives a meaning to (its separator, its line end, its escape, its
# NULL), and what is no ASCII.
HOSTILE = ["a\tb", "x\ny", "back\\slash", "\\N", "\\.", "", "'quoted'", "é—ß", "\r", "NULL"]


def test_many_rows_go_in_as_they_are_whatever_their_characters(store: Parcours) -> None:
    rows = [{"n": n, "word": word} for n, word in enumerate(HOSTILE)]
    with store.pipeline.writing() as session:
        MANY.execute_many(session, rows)
    with store.pipeline.reading() as session:
        assert words(session) == list(enumerate(HOSTILE))


def test_many_rows_with_a_taken_key_are_an_integrity_error(store: Parcours) -> None:
    with store.pipeline.writing() as session:
        INSERT.execute(session, {"n": 3, "word": "three"}).close()
    rows = [{"n": n, "word": str(n)} for n in range(10)]
    # eventsourcing's on the way out of its transaction, as for one statement (above)
    with pytest.raises(IntegrityError) as raised, store.pipeline.writing() as session:
        MANY.execute_many(session, rows)
    assert isinstance(raised.value.__cause__, SAIntegrityError)
    with store.pipeline.reading() as session:
        assert words(session) == [(3, "three")]  # nothing of the batch is kept


def test_copy_is_for_a_plain_insert_of_named_columns() -> None:
    with pytest.raises(TypeError):
        Direct(scratch.update(), ["word"], copy=True)
    with pytest.raises(TypeError):
        Direct(scratch.insert(), copy=True)


def test_deferred_statements_roll_back_with_their_transaction(store: Parcours) -> None:
    def doomed() -> None:
        with store.pipeline.writing() as session:
            defer(session, INSERT, {"n": 1, "word": "one"})
            raise RuntimeError("conflict")

    with pytest.raises(RuntimeError):
        doomed()
    with store.pipeline.writing() as session:
        defer(session, INSERT, {"n": 2, "word": "two"})
    with store.pipeline.reading() as session:
        assert words(session) == [(2, "two")]


def test_a_duplicate_key_is_sqlalchemys_integrity_error(store: Parcours) -> None:
    with store.pipeline.writing() as session:
        INSERT.execute(session, {"n": 1, "word": "one"}).close()

    def again() -> None:
        with store.pipeline.writing() as session:
            defer(session, INSERT, {"n": 1, "word": "again"})
            flush(session)

    # eventsourcing's on the way out of its transaction, as for any statement: the
    # pipeline's `_CONFLICTS` catch it
    with pytest.raises(IntegrityError) as raised:
        again()
    assert isinstance(raised.value.__cause__, SAIntegrityError)
    with store.pipeline.reading() as session:
        assert words(session) == [(1, "one")]


@pytest.mark.postgres
def test_a_binary_read_sends_what_was_deferred_first_and_wraps_its_errors(
    postgres_url: str, clock: Clock
) -> None:
    """PostgreSQL's binary read (a batch's events): the deferred statements go first, a
    bytea column comes as its bytes, and a driver error is SQLAlchemy's."""
    app = Parcours(postgres_url, clock=clock)
    try:
        METADATA.create_all(app.pipeline.store.engine)
        with app.pipeline.writing() as session:
            defer(session, INSERT, {"n": 1, "word": "one"})
            rows = binary_rows(
                session,
                "SELECT n, convert_to(word, 'UTF8') FROM parcours_test_direct WHERE n = ANY(%s)",
                ([1, 2],),
            )
            assert rows == [(1, b"one")]
            with pytest.raises(ProgrammingError):
                binary_rows(session, "SELECT nothing FROM parcours_test_direct", ())
    finally:
        app.close_connections()


_EVENTS_LIKE = (
    "CREATE TABLE parcours_test_events (originator_id uuid NOT NULL, "
    "originator_version int NOT NULL, state bytea NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version))",
    "INSERT INTO parcours_test_events "
    "SELECT md5((n / 30)::text)::uuid, mod(n, 30), convert_to(repeat('x', 300), 'UTF8') "
    "FROM generate_series(0, 299999) AS n",
    "ANALYZE parcours_test_events",
)
_READ = (
    "EXPLAIN SELECT originator_id, originator_version, state FROM parcours_test_events "
    "WHERE originator_id = ANY(%s::uuid[]) ORDER BY originator_id, originator_version"
)


@pytest.mark.postgres
@pytest.mark.parametrize("server_cost", [None, "1.0", "40"])
def test_a_read_by_index_is_planned_so_for_itself_alone(
    postgres_url: str, clock: Clock, server_cost: str | None
) -> None:
    """A batch's events by the ids of a tenth of the pilots (10,000 pilots of 30 events, as
    benchmark T's medium scale): planned as a scan of the whole table and a sort by
    default, as an index scan `by_index`; the server's own cost is back for the next
    statement, a lower one kept (issue 23)."""
    app = Parcours(postgres_url, clock=clock)
    try:
        with app.pipeline.store.engine.begin() as connection:
            for statement in _EVENTS_LIKE:
                connection.exec_driver_sql(statement)
        with app.pipeline.writing() as session:
            if server_cost is not None:
                session.connection().exec_driver_sql(f"SET LOCAL random_page_cost = {server_cost}")
            before = session.connection().exec_driver_sql("SHOW random_page_cost").scalar()
            ids = binary_rows(
                session,
                "SELECT array_agg(originator_id)::text FROM parcours_test_events "
                "WHERE originator_version = 0 "
                "AND originator_id < '1a000000-0000-0000-0000-000000000000'",
                (),
            )[0][0]
            assert ids.count(",") > 900  # about 1,000 of the 10,000 pilots: a tenth
            plain = " ".join(r[0] for r in binary_rows(session, _READ, (ids,)))
            indexed = " ".join(r[0] for r in binary_rows(session, _READ, (ids,), by_index=True))
            after = session.connection().exec_driver_sql("SHOW random_page_cost").scalar()
        assert after == before
        assert "Index Scan" in indexed
        assert "Seq Scan" not in indexed
        if server_cost != "1.0":
            assert "Seq Scan" in plain  # what the read is planned as without it
    finally:
        app.close_connections()
