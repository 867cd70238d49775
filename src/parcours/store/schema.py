"""Our own tables, beside the event store's, in the same database (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

METADATA = MetaData()

# One data key per person (R12–R14). Deleting the row is erasing the person: every
# ciphertext sealed under it becomes unreadable, in events and snapshots alike.
person_keys = Table(
    "parcours_person_keys",
    METADATA,
    Column("person_id", String(36), primary_key=True),
    Column("pilot_id", String(36), nullable=False, index=True),
    Column("data_key", LargeBinary, nullable=False),
    # HMAC of the normalised email, for the right of access by email (R14); goes with the key.
    Column("email_digest", String(64), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Installation-wide values created once (the secret of the email digests).
meta = Table(
    "parcours_meta",
    METADATA,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

# Programme definitions registered from files, so a restart knows them.
programmes = Table(
    "parcours_programmes",
    METADATA,
    Column("id", String(64), primary_key=True),
    Column("definition", Text, nullable=False),
)

# How far each projector has read the notification log (exactly-once projections).
projection_positions = Table(
    "parcours_projection_positions",
    METADATA,
    Column("projection", String(64), primary_key=True),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
)
