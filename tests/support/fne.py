"""A pilot of France Numérique Ensemble in Eure-et-Loir (seed 003), the programme that owns
the call for projects (R16): its dates sit inside the call's window (applications until
30 April 2024, decisions by 30 June 2024), on the programme's own calendar (fictional people).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from parcours import Parcours
from parcours.programme import FundingScheme
from tests.support.roles import LEAD, staffed, with_referent
from tests.support.scenarios import INDICATOR, REFERENT

FNE = "fne-eure-et-loir-2024"
SCHEME = "fne-call-for-projects"  # « Appel à projets inclusion numérique » (R16)
DREUX = "Communauté d'agglomération du Pays de Dreux"
SIGNED = date(2024, 2, 20)  # the technical committee of 20 February 2024
DIAGNOSED = date(2024, 3, 28)
DEPLOYED = date(2024, 4, 2)
APPLIED = date(2024, 4, 15)  # R16: inside « jusqu'au 30/04/2024 »
DECIDED = date(2024, 6, 14)  # R16: « avant le 30/06/2024 »


def fne_pilot(app: Parcours, name: str = DREUX) -> UUID:
    """An EPCI enrolled in FNE, its technical referent designated and granted (R11, R15)."""
    staffed(app, programme=FNE)
    pilot = app.enroll(name=name, programme=FNE, charter_signed_on=SIGNED, actor=LEAD)
    with_referent(app, pilot)
    # « référents techniques désignés dans chaque EPCI » : the EPCI's technical referent.
    app.designate_referent(pilot, actor=LEAD, **{**REFERENT, "title": "Référente technique"})
    return pilot


def fne_in_framing(app: Parcours, name: str = DREUX) -> tuple[UUID, UUID]:
    pilot = fne_pilot(app, name)
    app.start_diagnostic(pilot, on=SIGNED, actor=LEAD)
    project = app.recommend_project(
        pilot, title="Conseillers numériques itinérants", theme="inclusion-sociale", actor=LEAD
    )
    app.complete_diagnostic(pilot, on=DIAGNOSED, actor=LEAD)
    return pilot, project


def fne_in_deployment(app: Parcours, name: str = DREUX) -> tuple[UUID, UUID]:
    """Deployed on 2 April 2024, so that a funding line may still be applied for (R16)."""
    pilot, project = fne_in_framing(app, name)
    app.frame_project(
        pilot, project, indicators=[INDICATOR], evaluation_protocol="Bilan semestriel", actor=LEAD
    )
    app.start_deployment(pilot, on=DEPLOYED, actor=LEAD)
    return pilot, project


def call_without_window(app: Parcours) -> FundingScheme:
    """FNE's call with its rate and cap but no window (R16), for a test programme whose pilots
    apply on other days than the call's: the window is not what such a test is about."""
    call = app.programme(FNE).funding_scheme(SCHEME)
    return call.model_copy(update={"applications_close": None, "decisions_by": None})
