"""Creating our tables, and the indexes added to tables that exist already."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine


def create_tables(engine: Engine, metadatas: Iterable[MetaData]) -> None:
    """`create_all` skips the indexes of a table that exists, so the dashboard's covering
    index would never reach a database made by an earlier version: add the missing ones.
    One catalogue read per indexed table, not one per index."""
    wanted = list(metadatas)
    for metadata in wanted:
        metadata.create_all(engine)
    catalogue = inspect(engine)
    for metadata in wanted:
        for table in metadata.sorted_tables:
            if not table.indexes:
                continue
            present = {index["name"] for index in catalogue.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in present:
                    index.create(engine)
