"""Our own tables, beside the event store's, in the same database (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
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
    # Wrapped under the key-encryption key named by `kek_id` (store/keyring.py); NULL
    # `kek_id`: a row of an earlier version (plain, or under PARCOURS_MASTER_KEY).
    Column("data_key", LargeBinary, nullable=False),
    # HMAC of the normalised email under a secret derived from the KEK, for the right of
    # access by email (R14); goes with the key, and changes at every rotation.
    Column("email_digest", String(64), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("kek_id", String(16), nullable=True),
    # The email sealed under the person's own data key: a rotation recomputes the digest.
    Column("sealed_email", LargeBinary, nullable=True),
)

# One data key per free-text value (an alert's description, a withdrawal reason...), so that
# a redaction destroys one field for good and the purge destroys every field of a pilot.
text_keys = Table(
    "parcours_text_keys",
    METADATA,
    Column("key_id", String(32), primary_key=True),
    Column("pilot_id", String(36), nullable=False, index=True),
    Column("data_key", LargeBinary, nullable=False),
    Column("kek_id", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The key-encryption keys this database used, by id (never the keys: they live in the key
# file); `destroyed_at` is when a rotation destroyed one, i.e. when every erasure done while
# it was current became irreversible.
keks = Table(
    "parcours_keks",
    METADATA,
    Column("kek_id", String(16), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
)

# Erasures (R14) and purges (R13): when, and under which KEK the destroyed keys were wrapped;
# ids and counts only, never a value.
erasures = Table(
    "parcours_erasures",
    METADATA,
    Column("person_id", String(36), primary_key=True),
    Column("pilot_id", String(36), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("kek_id", String(16), nullable=True),
)
purges = Table(
    "parcours_purges",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("purged_at", DateTime(timezone=True), nullable=False),
    Column("kek_ids", Text, nullable=False),
    # The search of every table and column done inside the purge's transaction (JSON).
    Column("report", Text, nullable=False),
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

# When each pilot next needs its deadlines evaluated (UTC, naive). A tick reads only the rows
# that are due, so its cost follows what falls due, not the number of pilots. Every command
# marks its pilot due at once, so a fulfilment is recorded at the next tick.
deadline_queue = Table(
    "parcours_deadline_queue",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("next_at", DateTime(timezone=False), nullable=True),
    # What the deadline rules read of the pilot (domain/deadline_state.py) and the version it
    # was read at, written with every command's events: a tick judges the pilot from the row
    # and loads it only when a fact is owed. NULL: a row of an earlier version (loaded).
    Column("rules", Text, nullable=True),
    Column("version", BigInteger().with_variant(Integer(), "sqlite"), nullable=True),
    # The due rows in the order a tick reads them (next_at, then pilot): an index scan that
    # stops after a batch, never a sort of every row due or not. On `next_at` alone,
    # PostgreSQL sorted the whole queue on a table whose statistics were stale (a tick with 50
    # due: 30 ms a read at 30,000 pilots). Older databases keep their old index beside it.
    Index("parcours_deadline_queue_due", "next_at", "pilot_id"),
)

# Reminders and breaches waiting for the embedding service's callbacks. Ids only: the
# recipients' contact data is decrypted at delivery time, never copied here.
outbox = Table(
    "parcours_outbox",
    METADATA,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("pilot_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("rule", String(8), nullable=False),
    Column("due", Date, nullable=False),
    Column("detail", Text, nullable=False),
    Column("claimed_by", String(36), nullable=True),
    # A claim is a lease: a scheduler that dies after claiming loses its notices only until
    # the lease ends, then any scheduler claims them again (at-least-once delivery).
    Column("claimed_until", DateTime(timezone=False), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Set after too many failed deliveries: shown by `parcours notices`, no longer claimed.
    Column("parked_at", DateTime(timezone=False), nullable=True),
    Column("delivered_at", DateTime(timezone=False), nullable=True),
    Index("parcours_outbox_pending", "delivered_at", "id"),
)

# Commands already applied, by the caller's command id: a double submit returns the first
# result instead of acting twice. Each row is a leaf of the audit log (store/log.py).
commands = Table(
    "parcours_commands",
    METADATA,
    Column("command_id", String(100), primary_key=True),
    Column("command", String(64), nullable=False),
    Column("pilot_id", String(36), nullable=False),
    Column("result", String(36), nullable=True),
    Column("recorded_at", DateTime(timezone=False), nullable=False),
    # The events the command produced: the pilot's versions first..last (a leaf of the audit
    # log covers the row with them, store/ledger.py).
    Column("first_version", Integer, nullable=True),
    Column("last_version", Integer, nullable=True),
)

# The pilot's version after each command, by recorded time (UTC, naive): `as_of` finds the
# version with one indexed read and replays from the nearest snapshot.
timeline = Table(
    "parcours_timeline",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("recorded_at", DateTime(timezone=False), nullable=False),
    Index("parcours_timeline_at", "pilot_id", "recorded_at"),
)

# Periodic records of every pilot's chain head (tamper evidence of whole tails).
audit_checkpoints = Table(
    "parcours_audit_checkpoints",
    METADATA,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("recorded_at", DateTime(timezone=False), nullable=False),
    Column("pilots", Integer, nullable=False),
    Column("heads", Text, nullable=False),
)
