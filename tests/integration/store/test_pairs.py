"""`one_of` and `array_of` (store/pairs.py): a list of keys as one array parameter on
PostgreSQL, sent as the text of an array literal. The values must come back as they were
(a comma, a quote, a backslash, a brace or the word NULL in a value is that value), and the
planner must still see the values: sent as text and cast on the server, the array was
unknown when the plan was made, and the outbox's marks of a mass-due tick scanned the table
comparing each row to 2,000 ids (0.57 s a tick instead of 0.04)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    update,
)

from parcours.store.pairs import array_text, one_of

HOSTILE = [
    "a,b",
    'say "hi"',
    "back\\slash",
    "{brace}",
    "NULL",
    "null",
    " spaced ",
    "",
    "é – ß",
    "tab\there",
    "new\nline",
    "x" * 10_000,
]

metadata = MetaData()
things = Table(
    "pairs_things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=True),
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    instance = create_engine(db_url)
    metadata.create_all(instance)
    yield instance
    metadata.drop_all(instance)
    instance.dispose()


def test_an_array_literal_quotes_every_element() -> None:
    assert array_text(["a,b", 'q"', "b\\", "NULL"]) == '{"a,b","q\\"","b\\\\","NULL"}'
    assert array_text([]) == "{}"


def test_hostile_values_are_found_as_themselves(engine: Engine) -> None:
    with engine.begin() as connection:
        rows = [{"id": i, "name": name} for i, name in enumerate(HOSTILE)]
        connection.execute(insert(things), [*rows, {"id": len(HOSTILE), "name": None}])
        dialect = connection.dialect.name
        found = connection.execute(
            select(things.c.name).where(one_of(things.c.name, HOSTILE, dialect))
        )
        assert sorted(name for (name,) in found) == sorted(HOSTILE)
        # the text "NULL" is not SQL's NULL: the row without a name is not among them
        by_id = connection.execute(
            select(things.c.id).where(one_of(things.c.id, [len(HOSTILE), 0], dialect))
        )
        assert sorted(i for (i,) in by_id) == [0, len(HOSTILE)]


def test_no_value_finds_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(things), [{"id": 1, "name": "x"}])
        where = one_of(things.c.id, [], connection.dialect.name)
        assert connection.execute(select(things.c.id).where(where)).all() == []


@pytest.mark.postgres
def test_the_planner_sees_the_values_of_a_fresh_table(postgres_url: str) -> None:
    """A table filled at once and never analysed (the outbox after a batch's notices): a
    statement on 2,000 of its 20,000 ids is planned knowing the 2,000 (PostgreSQL then
    hashes them, or looks each up by the key; it compared every row to each of them)."""
    instance = create_engine(postgres_url)
    metadata.create_all(instance)
    try:
        with instance.begin() as connection:
            connection.execute(insert(things), [{"id": i, "name": f"n{i}"} for i in range(20_000)])
            wanted = list(range(5_000, 7_000))
            where = one_of(things.c.id, wanted, "postgresql")
            statement = update(things).where(where).values(name="done")
            compiled = statement.compile(dialect=connection.dialect)
            plan = connection.exec_driver_sql(
                f"EXPLAIN {compiled.string}", compiled.construct_params()
            ).all()
            text = "\n".join(line for (line,) in plan)
            # the array parsed when planned (its values in the plan), not a cast of a text
            # parameter left to the execution
            assert "'{5000,5001,5002," in text, text[:300]
            assert connection.execute(statement).rowcount == 2_000
    finally:
        metadata.drop_all(instance)
        instance.dispose()
