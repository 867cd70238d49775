"""Inputs of the commands round 2 of the charter added or widened (issue 19): funding as the
call states it (R16), the project owner (R16), the graphic charter (R10) and the programme's
own contacts (R11). Validated by pydantic before anything reaches an aggregate, as the
models of `parcours.inputs` are (same `validated`, same `InvalidInput` naming the field)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from parcours.inputs import Amount, ContactFields, Flag, Months, Name, Rate


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FundingTerms(_Input):
    """R16: a funding line's terms. Give the eligible cost (the scheme's rate applies to it),
    the rate, or both."""

    scheme: Name
    amount_eur: Amount
    months: Months
    rate: Rate | None = None
    eligible_cost_eur: Amount | None = None
    priority_district: Flag = False


class Owner(_Input):
    """R16 (seed 004): the project owner, « maîtrise d'ouvrage » (an organisation's name)."""

    owner: Name | None = None


class GraphicCharter(_Input):
    """R10: « en respectant la charte graphique de la Région Grand Est, le cas échéant »."""

    graphic_charter_respected: Flag | None = None


class ProgrammeContactInput(ContactFields):
    """R11: a project lead of the Region or of the agency (the title is mandatory: the
    aggregate refuses its absence, citing R11)."""

    organisation: Literal["region", "agency"]
