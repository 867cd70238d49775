"""Hostile values and what the input policy must say of them, written independently of
parcours.inputs so that a test compares the policy with its specification (issue 18)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

OSC8_LINK = "\x1b]8;;http://example.org\x1b\\lien\x1b]8;;\x1b\\"
FORMULA_NAME = '=HYPERLINK("http://example.org","x") [/]'
ONE_MEGABYTE = "x" * 1_000_000

FIXED_TEXT = [
    "a\x00b",  # NUL: PostgreSQL cannot store it in text
    "\x1b[31mrouge\x1b[0m",  # an ANSI colour
    OSC8_LINK,  # a terminal hyperlink
    "\x07cloche",
    "a\x7fb",
    "a\x85b",  # C1 NEL
    "a\x9b31mb",  # C1 CSI
    "\u202eesreveR",  # RTL override
    "a\u2066b\u2069",  # bidi isolate
    "a\u2028b",  # line separator
    "[/]",
    "Communauté [/] de Communes",
    "[bold red]alerte[/]",
    "[link=http://example.org]x[/link]",
    FORMULA_NAME,
    "+33 formule",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "'=déjà neutralisé",
    "a\ud800b",  # lone surrogates: not Unicode
    "\udfff",
    ONE_MEGABYTE,
    " devant",
    "derrière ",
    "",
    "   ",
    "deux\nlignes",
    "tab\tulation",
    "cr\rlf",
    "Zoë – ŒUVRE ß ﬁ 𝔘 😀 👩‍👩‍👧",  # ordinary Unicode: kept exactly
    "Saint-Étienne-lès-Remiremont",
]
_SHARP = st.sampled_from(
    list("\x00\x1b\x07\x7f\x85\x9b\u202e\u2066\u2028\ud800\udfff[]/=+-@\t\n\r' é😀")
)
hostile_text = st.one_of(
    st.sampled_from(FIXED_TEXT), st.text(st.one_of(st.characters(), _SHARP), max_size=40)
)

_REFUSED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def text_refused(value: str, *, max_length: int, multiline: bool) -> bool:
    """What the policy must refuse: empty, too long, surrounding space, control characters
    (newline and tab only in multi-line text), bidi controls, lone surrogates."""
    if not value.strip() or value != value.strip() or len(value) > max_length:
        return True
    if _REFUSED.search(value):
        return True
    return not multiline and ("\n" in value or "\t" in value)


hostile_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([True, False, 10**400, -(10**400), 1e12, 1e12 + 1, -0.0, 5e-324, 0, 31]),
    st.sampled_from(["74", "nan", "inf", "-inf", "1e400", "", "x"]),
)


def as_number(value: Any) -> float | None:
    """The float a number input stands for, or None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


hostile_dates = st.one_of(
    st.dates(),
    st.dates(min_value=date(2023, 12, 1), max_value=date(2026, 4, 1)),
    st.sampled_from(
        [
            date(1, 1, 1),
            date(9999, 12, 31),
            date(2099, 1, 1),
            date(2023, 12, 31),
            date(2024, 1, 1),
            date(2026, 1, 31),
            date(2026, 2, 1),
        ]
    ),
)
hostile_instants = st.one_of(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),  # naive
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2031, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["2026-02-01", None, 0]),
)

hostile_periods = st.one_of(
    st.sampled_from(
        [
            *("2025-Q2", "2024", "2026", "2026-01", "2026-02", "2023-Q4", "2023-12", "2024-S1"),
            *("2099-Q1", "0000", "0001-Q1", "9999-Q4", "2025-Q5", "2025-13", "2025-S3", "2025-q2"),
            *("٢٠٢٥-Q2", " 2025-Q2", "2025-Q2\n", "2025-Q2\x00", "", "x" * 10_000),
        ]
    ),
    st.from_regex(r"[0-9]{4}(-Q[1-4]|-S[12]|-(0[1-9]|1[0-2]))?", fullmatch=True),
    st.text(max_size=12),
)

_PERIOD = re.compile(r"([0-9]{4})(?:-Q([1-4])|-S([12])|-(0[1-9]|1[0-2]))?")


def period_months(period: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(first year, month), (last year, month) of a well-formed period, else None."""
    found = _PERIOD.fullmatch(period)
    if found is None or int(found.group(1)) == 0:
        return None
    year = int(found.group(1))
    if found.group(2):
        q = int(found.group(2))
        return (year, 3 * q - 2), (year, 3 * q)
    if found.group(3):
        s = int(found.group(3))
        return (year, 6 * s - 5), (year, 6 * s)
    if found.group(4):
        m = int(found.group(4))
        return (year, m), (year, m)
    return (year, 1), (year, 12)


def period_accepted(period: str, opens: date, ends: date) -> bool:
    months = period_months(period)
    if months is None:
        return False
    first, last = months
    return last >= (opens.year, opens.month) and first <= (ends.year, ends.month)
