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
from typing import Any, TextIO

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


def write_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


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
]


def dashboard_cells(row: Any) -> list[Any]:
    """A dashboard row as CSV cells; `days_left` stays a number (negative when late)."""
    nxt = row.next_deadline
    alerts = "; ".join(f"{a.rule} {a.message}" for a in row.alerts)
    due = (nxt.rule, nxt.due, nxt.days_left) if nxt else (None, None, None)
    return [row.pilot_id, row.name, row.programme, row.phase, row.phase_since, *due, alerts]


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
