"""The programmes the application knows: the built-in definitions and those registered from
files (kept in the database, so a restart knows them)."""

from __future__ import annotations

from parcours.errors import ProgrammeError
from parcours.programme import Programme, builtin_ids, load_programme
from parcours.projections import readers
from parcours.store import programmes as kept
from parcours.store.eventstore import PilotStore


class Programmes:
    def __init__(self, store: PilotStore, default_id: str) -> None:
        self._store = store
        # The programme of what names none (settings.programme, PARCOURS_PROGRAMME).
        self.default_id = default_id
        self._known: dict[str, Programme] = {}
        with store.reading() as session:
            for programme_id, definition in kept.saved(session):
                self._known[programme_id] = Programme.model_validate_json(definition)

    def get(self, programme_id: str) -> Programme:
        if programme_id not in self._known:
            if programme_id not in builtin_ids():
                raise ProgrammeError(
                    "error.unknown_programme",
                    programme=programme_id,
                    known=sorted({*builtin_ids(), *self._known}),
                )
            self._known[programme_id] = load_programme(programme_id)
        return self._known[programme_id]

    def default(self) -> Programme:
        """The default programme: its calendar's zone is where a day of the cohort begins."""
        return self.get(self.default_id)

    def known_ids(self) -> list[str]:
        """Every programme this application knows: the built-in ones and those registered."""
        return sorted({*builtin_ids(), *self._known})

    def register(self, definition: Programme | str) -> Programme:
        """Make a programme known (a `Programme`, or a TOML file's path); kept in the database."""
        programme = definition if isinstance(definition, Programme) else load_programme(definition)
        if programme.id in builtin_ids():
            raise ProgrammeError("error.builtin_programme", programme=programme.id)
        with self._store.writing() as session:
            # Kept dashboard rows were judged under the old definition.
            readers.forget_kept_board_rows(session)
            kept.save(session, programme.id, programme.model_dump_json())
        self._known[programme.id] = programme
        return programme
