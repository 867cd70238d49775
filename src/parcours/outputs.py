"""What the terminal, the CSV and the JSON show of stored data: the data, never an instruction.

A pilot's name is data typed by someone. Shown raw it could be read as rich markup (``[/]``
crashes a table), as a terminal escape (``\\x1b[31m``, an OSC 8 link) or, in a spreadsheet, as
a formula (``=HYPERLINK(…)``, CSV injection). The input policy (inputs.py) refuses control
characters at the door; this module is the second line, for data stored before it and for
everything a message echoes.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TextIO

from rich.markup import escape
from rich.text import Text

# C0 but tab and newline, DEL, C1, line and paragraph separators, bidi controls, surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# OWASP: a cell starting with one of these is read as a formula by spreadsheets. A leading
# quote is neutralised too, so that removing one leading quote always gives the text back.
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def _shown(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with each control character written out (``\\x1b``, ``\\u202e``): seen, inert."""
    return _INVISIBLE.sub(lambda found: _shown(found.group()), text)


def cell(value: object) -> Text:
    """A table cell from data: a rich Text is never read as markup."""
    return Text(visible(str(value)))


def markup(value: object) -> str:
    """Data put inside a markup string (a title, a line with [bold]): escaped."""
    return escape(visible(str(value)))


def one_line(text: str) -> str:
    """A message on one line, control characters visible (the CLI's error boundary)."""
    return visible(re.sub(r"\s*[\r\n]+\s*", " ", text).strip())


# -- CSV ------------------------------------------------------------------------------------


def number(value: float) -> str:
    """A number as a spreadsheet reads it back exactly: 300, -12, 0.1, 1234567.25."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""  # stored before the input policy refused it; not a number to show
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return str(value)


def csv_cell(value: Any) -> str:
    """Numbers stay numbers (a negative `days_left` is -5, not text); text that would start a
    formula is prefixed with a quote (OWASP); None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    text = str(value)
    return "'" + text if text.startswith(CSV_TRIGGERS) else text


# Two ways to write a CSV (issue 20):
# - "fr": what a spreadsheet in French opens as columns of numbers and dates: UTF-8 with a
#   byte order mark (Excel reads accents right only with it), `;` between cells (the comma is
#   the decimal mark), decimal commas, VRAI/FAUX; dates in ISO 8601 (2024-12-31), which Excel
#   and LibreOffice in French take as dates, and which no locale misreads, where 03/04/2025
#   is 4 March to a spreadsheet set to English (a silent swap, not an error).
# - "rfc4180": for machines: commas, dot decimals, no BOM, ISO dates, true/false.
# Both end lines with CRLF (RFC 4180) and keep every text cell inert (`csv_cell`).
CsvDialect = Literal["fr", "rfc4180"]
CSV_DIALECTS: tuple[CsvDialect, ...] = ("fr", "rfc4180")
BOM = "\ufeff"


def csv_cell_fr(value: Any) -> str:
    """A cell as a French spreadsheet reads it: 1,5 ; -5 ; VRAI ; text made inert."""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        return number(value).replace(".", ",")
    return csv_cell(value)


def write_csv(
    stream: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    dialect: CsvDialect = "rfc4180",
) -> None:
    """`header` then `rows`, in `dialect` (see CSV_DIALECTS); the French one starts with the
    byte order mark, so `stream` must be the start of the file."""
    if dialect == "fr":
        stream.write(BOM)
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        shown = csv_cell_fr
    elif dialect == "rfc4180":
        writer = csv.writer(stream, lineterminator="\r\n")
        shown = csv_cell
    else:
        raise ValueError(f"unknown CSV dialect {dialect!r}: {', '.join(CSV_DIALECTS)}")
    writer.writerow([csv_cell(title) for title in header])
    for row in rows:
        writer.writerow([shown(value) for value in row])


DASHBOARD_CSV = [
    "pilot_id",
    "name",
    "programme",
    "phase",
    "phase_since",
    "next_rule",
    "next_due",
    "days_left",
    "alerts",
    # Last, so the columns before keep their places (issue 20): what PILOT arguments accept.
    "slug",
]


def dashboard_cells(row: Any) -> list[Any]:
    """A dashboard row as CSV cells; `days_left` stays a number (negative when late)."""
    nxt = row.next_deadline
    alerts = "; ".join(f"{a.rule} {a.message}" for a in row.alerts)
    due = (nxt.rule, nxt.due, nxt.days_left) if nxt else (None, None, None)
    return [
        row.pilot_id,
        row.name,
        row.programme,
        row.phase,
        row.phase_since,
        *due,
        alerts,
        getattr(row, "slug", None),
    ]


# -- JSON -----------------------------------------------------------------------------------


def json_ready(data: Any) -> Any:
    """`data` with every non-finite float as null: JSON has no NaN or Infinity."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {key: json_ready(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [json_ready(value) for value in data]
    return data
