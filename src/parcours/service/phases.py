"""Moving a pilot along the charter's phases (R1–R4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from parcours import inputs as inp
from parcours.service.pipeline import Service
from parcours.service.sealed_text import Sealer


class PhaseCommands(Service):
    # -- phase changes (R1–R4) --------------------------------------------------------------

    def start_diagnostic(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "start_diagnostic",
            pilot,
            actor,
            lambda p, act, _w: p.start_diagnostic(act, self.pipeline.date(on, act)),
        )

    def complete_diagnostic(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "complete_diagnostic",
            pilot,
            actor,
            lambda p, act, _w: p.complete_diagnostic(act, self.pipeline.date(on, act)),
        )

    def start_deployment(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "start_deployment",
            pilot,
            actor,
            lambda p, act, _w: p.start_deployment(act, self.pipeline.date(on, act)),
        )

    def start_evaluation(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "start_evaluation",
            pilot,
            actor,
            lambda p, act, _w: p.start_evaluation(act, self.pipeline.date(on, act)),
        )

    def close(
        self, pilot: Any, *, actor: str, on: date | None = None, command_id: str | None = None
    ) -> None:
        self.pipeline.run(
            command_id,
            "close",
            pilot,
            actor,
            lambda p, act, _w: p.close(act, self.pipeline.date(on, act)),
        )

    def withdraw(
        self,
        pilot: Any,
        *,
        reason: str,
        actor: str,
        on: date | None = None,
        command_id: str | None = None,
    ) -> None:
        text = inp.check_text("reason", reason)
        self.pipeline.run(
            command_id,
            "withdraw",
            pilot,
            actor,
            lambda p, act, w: p.withdraw(
                act, self.pipeline.date(on, act), Sealer(self.pipeline, p, act, w)("reason", text)
            ),
        )
