"""A database made by an earlier version gets the columns added since (the outbox's lease)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from parcours import Parcours

ADDED = ("claimed_until", "attempts", "parked_at")


def test_an_outbox_without_leases_gets_its_columns_on_open(db_url: str) -> None:
    Parcours(db_url).close_connections()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO parcours_outbox (pilot_id, kind, rule, due, detail, claimed_by) "
                "VALUES ('p', 'missed', 'R3', '2024-12-31', '{\"offset\": 0}', 'dead')"
            )
        )
        for column in ADDED:
            connection.execute(text(f"ALTER TABLE parcours_outbox DROP COLUMN {column}"))
    Parcours(db_url).close_connections()
    columns = {c["name"] for c in inspect(engine).get_columns("parcours_outbox")}
    assert set(ADDED) <= columns
    with engine.connect() as connection:
        row = connection.execute(text("SELECT attempts, claimed_until FROM parcours_outbox"))
        assert row.one() == (0, None)  # an old claim with no lease: free to claim again
    engine.dispose()
