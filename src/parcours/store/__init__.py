"""Adapters to the database: the event store, our own tables, the SQLite/PostgreSQL set-up."""
