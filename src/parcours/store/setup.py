"""Creating our tables, and what later versions added to tables that exist already."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, MetaData, Table, inspect
from sqlalchemy.engine import Connection, Engine


def create_tables(engine: Engine, metadatas: Iterable[MetaData]) -> set[str]:
    """Create what is missing, in one transaction: tables, then the columns and indexes added
    to tables made by an earlier version (`create_all` skips a table that exists, so the
    dashboard's covering index or the outbox's lease would never reach an older database).
    One catalogue read per table, not one per column or index. Returns the names of the
    tables that were given a column (their old rows hold only its default)."""
    wanted = list(metadatas)
    widened: set[str] = set()
    with engine.begin() as connection:
        for metadata in wanted:
            metadata.create_all(connection)
        catalogue = inspect(connection)
        for metadata in wanted:
            for table in metadata.sorted_tables:
                present = {column["name"] for column in catalogue.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in present:
                        _add_column(connection, table, column)
                        widened.add(table.name)
                if not table.indexes:
                    continue
                indexed = {index["name"] for index in catalogue.get_indexes(table.name)}
                for index in table.indexes:
                    if index.name not in indexed:
                        index.create(connection)
    return widened


def _add_column(connection: Connection, table: Table, column: Column[object]) -> None:
    """Added columns are nullable or carry a server default, so old rows stay valid."""
    kind = column.type.compile(dialect=connection.dialect)
    default = column.server_default
    clause = ""
    if default is not None:
        clause = f" DEFAULT {getattr(default, 'arg', '')}"
    nullable = "" if column.nullable else " NOT NULL"
    connection.exec_driver_sql(
        f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{clause}{nullable}'
    )
