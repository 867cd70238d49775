"""R16, funding under a call, as the call states it (France Numérique Ensemble, seed 003).

« Les projets sélectionnés pourront bénéficier d'un financement allant jusqu'à 50 000 euros,
pour une durée maximale de 3 ans. Taux d'intervention : 60 % (ou 80 % en Quartier Politique
de la Ville). Les porteurs de projet peuvent soumettre leur candidature jusqu'au 30/04/2024
[…]. Les résultats seront communiqués avant le 30/06/2024. »

So a funding line identified under a scheme may not exceed the applicable rate × the
eligible cost, nor, added to the project's other lines from the same scheme that still stand
(identified or granted), the cap per project over the scheme's duration; an application
outside the call's window is refused, and so is a decision after its date. Every refusal
cites R16, the scheme and the figure. The figures are the programme's (`FundingScheme`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from parcours.catalogue import Fmt, Msg
from parcours.errors import RuleViolation
from parcours.formats import amount, percent
from parcours.programme import FundingScheme


def eur(amount: float) -> str:
    """50000 -> "50,000 €", 1234.5 -> "1,234.50 €"."""
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{text} €"


def _refuse(scheme: FundingScheme, key: str, field: str, **params: Any) -> RuleViolation:
    return RuleViolation(
        "R16", "rule.r16.scheme", field, scheme=scheme.id, detail=Msg(key, **params)
    )


def applicable_rate(scheme: FundingScheme, priority_district: bool) -> float:
    return scheme.max_rate_priority_district if priority_district else scheme.max_rate


def standing(lines: Iterable[dict[str, Any]], scheme: FundingScheme, project_id: str) -> float:
    """What the project's lines from this scheme add up to, refused ones left out."""
    return sum(
        float(line["amount_eur"])
        for line in lines
        if line["project_id"] == project_id
        and line["scheme"] == scheme.id
        and line["status"] != "refused"
    )


def check_application(
    scheme: FundingScheme,
    *,
    on: date,
    amount_eur: float,
    months: int,
    rate: float | None,
    eligible_cost_eur: float | None,
    priority_district: bool,
    already: float,
) -> float:
    """Refuse what breaks the scheme; returns the rate to record (`rate`, or the amount's
    share of the eligible cost when no rate is given)."""
    if scheme.applications_open is not None and on < scheme.applications_open:
        raise _refuse(scheme, "rule.r16.opens", "on", day=scheme.applications_open)
    if scheme.applications_close is not None and on > scheme.applications_close:
        raise _refuse(scheme, "rule.r16.closed", "on", day=scheme.applications_close)
    if months > scheme.max_months:
        raise _refuse(scheme, "rule.r16.months", "months", months=scheme.max_months)
    ceiling_rate = applicable_rate(scheme, priority_district)
    where: Msg | str = Msg("rule.r16.priority_district") if priority_district else ""
    if rate is not None and rate > ceiling_rate:
        raise _refuse(scheme, "rule.r16.rate", "rate", rate=Fmt(percent, ceiling_rate), where=where)
    if eligible_cost_eur is not None:
        ceiling = round(ceiling_rate * eligible_cost_eur, 2)
        if amount_eur > ceiling:
            raise _refuse(
                scheme,
                "rule.r16.share",
                "amount_eur",
                rate=Fmt(percent, ceiling_rate),
                where=where,
                cost=Fmt(amount, eligible_cost_eur),
                ceiling=Fmt(amount, ceiling),
            )
    if already + amount_eur > scheme.max_amount_eur:
        left = max(0.0, scheme.max_amount_eur - already)
        raise _refuse(
            scheme,
            "rule.r16.cap",
            "amount_eur",
            cap=Fmt(amount, scheme.max_amount_eur),
            months=scheme.max_months,
            already=Fmt(amount, already),
            left=Fmt(amount, left),
        )
    if rate is not None:
        return rate
    if eligible_cost_eur is None:
        raise RuleViolation("R16", "rule.r16.rate_or_cost", "eligible_cost_eur")
    return round(amount_eur / eligible_cost_eur, 4)


def check_decision(scheme: FundingScheme, on: date) -> None:
    """The call's decisions come by its date ("résultats communiqués avant le …")."""
    if scheme.decisions_by is not None and on > scheme.decisions_by:
        raise _refuse(scheme, "rule.r16.decisions", "on", day=scheme.decisions_by)
