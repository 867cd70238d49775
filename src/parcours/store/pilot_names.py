"""Pilots by name (issue 20): a short slug per pilot and its SIREN, unique, for people who
type `parcours budget cc-pays-de-bitche` rather than a UUID.

One row per pilot in `parcours_pilot_names`, written in the transaction of the enrolment (as
`parcours_pilot_programmes` is), so the table is never behind the events. Two constraints do
the work, on SQLite and PostgreSQL alike:

- `slug` is unique: two enrolments racing for the same slug cannot both commit; the loser
  is tried again and takes the next suffix (`-2`, `-3`...).
- (`programme`, `siren_key`) is unique: a SIREN enrols once per programme. Two processes
  enrolling the same SIREN at once: exactly one commits; the other's transaction (events
  included) is rolled back and the enrolment refused.

`siren` is the SIREN as enrolled; `siren_key` the same value, except for the pilots of a
database made before this table that were enrolled twice with one SIREN: the first keeps the
key, the later ones have none (NULLs are distinct in a unique constraint), and a reference by
that SIREN is then ambiguous rather than silently the first.

A database made before this table gets its rows once, on start, from the `Enrolled` events
in the order they were recorded (`backfill`): the same slugs as if they had been enrolled
since.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Column, Index, MetaData, String, Table, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parcours.domain.events import Enrolled, stored_topics
from parcours.store.eventstore import PilotStore
from parcours.store.schema import meta

METADATA = MetaData()

SLUG_MAX = 60

names = Table(
    "parcours_pilot_names",
    METADATA,
    Column("pilot_id", String(36), primary_key=True),
    Column("programme", String(64), nullable=False),
    Column("slug", String(SLUG_MAX + 8), nullable=False),
    Column("siren", String(9), nullable=True),
    Column("siren_key", String(9), nullable=True),
    UniqueConstraint("slug", name="parcours_pilot_names_slug"),
    UniqueConstraint("programme", "siren_key", name="parcours_pilot_names_siren"),
    Index("parcours_pilot_names_by_siren", "siren"),
)

_BACKFILLED = "pilot_names_backfilled"
# An enrolment is stored under its class's topic, and under the one it had before
# `domain/events.py` became a package (databases of rounds 1 and 2): both are read.
ENROLLED_TOPICS = stored_topics(Enrolled)

# The kinds of EPCI a French officer abbreviates: "Communauté de communes du Pays de Bitche"
# is "CC du Pays de Bitche" in every letter of the agency, so its slug is cc-pays-de-bitche.
_ABBREVIATED = (
    ("communaute de communes", "cc"),
    ("communaute d agglomeration", "ca"),
    ("communaute urbaine", "cu"),
    ("syndicat intercommunal", "si"),
    ("syndicat mixte", "sm"),
    ("pole d equilibre territorial et rural", "petr"),
)
# The article after the abbreviation says nothing: "cc du pays" -> "cc pays".
_ARTICLE = re.compile(r"^(du|de la|de l|des|de|d)\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXED = re.compile(r"^(?P<base>.+)-(?P<n>[0-9]+)$")


def ascii_words(text: str) -> str:
    """'Communauté de Communes d'Œting' -> 'communaute de communes d oeting'."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def slugify(name: str) -> str:
    """The slug a name gives before any suffix: lower-case ASCII words joined by hyphens, the
    EPCI's kind abbreviated, at most SLUG_MAX characters cut at a word. A slug never reads
    as a UUID or a SIREN (it has a letter and is no UUID): a reference is never two things."""
    words = ascii_words(name)
    for long, short in _ABBREVIATED:
        if words == long or words.startswith(long + " "):
            rest = _ARTICLE.sub("", words[len(long) :].strip())
            words = f"{short} {rest}".strip()
            break
    slug = "-".join(words.split())
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] or slug[:SLUG_MAX]
    if not slug:
        return "pilote"
    if not re.search("[a-z]", slug) or _is_uuid(slug):
        return f"pilote-{slug}"[:SLUG_MAX]
    return slug


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def free_slug(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`... the first that no pilot holds (read in the
    enrolment's transaction; the unique constraint settles a race)."""
    taken = {
        r[0]
        for r in session.execute(
            select(names.c.slug).where((names.c.slug == base) | names.c.slug.like(f"{base}-%"))
        )
    }
    return _first_free(base, taken)


def _first_free(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def siren_holder(session: Session, programme: str, siren: str) -> str | None:
    """The slug of the pilot that enrolled `siren` in `programme`, if one did."""
    found = session.execute(
        select(names.c.slug).where(names.c.programme == programme, names.c.siren_key == siren)
    ).first()
    return None if found is None else str(found[0])


def remember(session: Session, pilot_id: str, programme: str, name: str, siren: str | None) -> str:
    """Written with the enrolment, in its transaction; returns the slug given."""
    slug = free_slug(session, slugify(name))
    session.execute(
        names.insert().values(
            pilot_id=pilot_id, programme=programme, slug=slug, siren=siren, siren_key=siren
        )
    )
    return slug


def by_slug(session: Session, slug: str) -> list[str]:
    rows = session.execute(select(names.c.pilot_id).where(names.c.slug == slug))
    return [str(r[0]) for r in rows]


def by_siren(session: Session, siren: str) -> list[tuple[str, str, str]]:
    """(pilot id, programme, slug) of every pilot enrolled with `siren`."""
    rows = session.execute(
        select(names.c.pilot_id, names.c.programme, names.c.slug)
        .where(names.c.siren == siren)
        .order_by(names.c.programme, names.c.slug)
    )
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def slugs(session: Session, pilot_ids: Sequence[str] | None = None) -> dict[str, str]:
    """The slug of each pilot (all of them, or those of `pilot_ids`), by pilot id."""
    query = select(names.c.pilot_id, names.c.slug)
    if pilot_ids is not None and len(pilot_ids) <= 500:
        query = query.where(names.c.pilot_id.in_(list(pilot_ids)))
    found = {str(r[0]): str(r[1]) for r in session.execute(query)}
    if pilot_ids is not None and len(pilot_ids) > 500:
        wanted = set(pilot_ids)
        found = {k: v for k, v in found.items() if k in wanted}
    return found


def rows(session: Session) -> list[Any]:
    """Every row (pilot id, programme, slug, siren), by slug."""
    return list(session.execute(select(names).order_by(names.c.slug)))


def backfill(store: PilotStore) -> int:
    """Give every pilot enrolled before this table existed its row, in the order the
    enrolments were recorded; once per database (a marker in `parcours_meta`), and
    idempotent all the same (a pilot that has its row keeps it). Returns the rows added."""
    with store.reading() as session:
        if session.execute(select(meta.c.name).where(meta.c.name == _BACKFILLED)).first():
            return 0
    table: Any = store.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.originator_id, table.c.originator_version, table.c.topic, table.c.state)
        .where(table.c.topic.in_(ENROLLED_TOPICS))
        .order_by(table.c.id)
    )
    try:
        with store.writing() as session:
            existing = list(session.execute(select(names)))
            known = {r.pilot_id for r in existing}
            taken = {r.slug for r in existing}
            keys = {(r.programme, r.siren_key) for r in existing if r.siren_key}
            added = []
            for enrolment in _enrolments(store, session.execute(query)):
                if enrolment["pilot_id"] in known:
                    continue
                slug = _first_free(slugify(enrolment["name"]), taken)
                taken.add(slug)
                siren = enrolment["siren"]
                key = (enrolment["programme"], siren)
                added.append({**enrolment, "slug": slug, "siren_key": None})
                if siren and key not in keys:
                    keys.add(key)
                    added[-1]["siren_key"] = siren
            for row in added:
                del row["name"]
            if added:
                session.execute(names.insert(), added)
            session.execute(meta.insert().values(name=_BACKFILLED, value=b"1"))
    except IntegrityError:  # another process started at the same moment and did it
        return 0
    return len(added)


def _enrolments(store: PilotStore, found: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for row in found:
        stored = StoredEvent(row[0], row[1], row[2], bytes(row[3]))
        event: Any = store.mapper.to_domain_event(stored)
        yield {
            "pilot_id": str(event.originator_id),
            "programme": str(event.programme),
            "name": str(event.name),
            "siren": event.siren,
        }
