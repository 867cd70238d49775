"""`WHERE (a, b) IN ((…), …)` written so that both databases use the index on (a, b); and,
for PostgreSQL, a list of keys as rows to join on (`given_rows`) or as one array (`one_of`).

SQLite does not use an index for a row-value IN list: it scans the table (measured: the
audit log's 320,000 tree nodes read whole for the ~20 a receipt needs, 26 ms a tick at
10,000 pilots, benchmark S). Grouped by the first column, each group an equality and an IN
list, the OR of the groups is an index lookup per group on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, and_, any_, bindparam, cast, false, func, or_
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import NullType, TypeEngine


def pairs_in(first: Any, second: Any, pairs: Iterable[tuple[Any, Any]]) -> ColumnElement[bool]:
    groups: dict[Any, list[Any]] = defaultdict(list)
    for a, b in pairs:
        groups[a].append(b)
    if not groups:
        return false()
    return or_(*(and_(first == a, second.in_(bs)) for a, bs in groups.items()))


def given_rows(**arrays: ColumnElement[Any]) -> TableValuedAlias:
    """PostgreSQL: arrays of keys as the rows of a table `given`, a column each, to join or
    correlate on. The planner then looks each key up by index, whatever its statistics say
    (on a table not yet analysed, after a bulk load, an `IN` list was planned as a scan)."""
    return func.unnest(*arrays.values()).table_valued(*arrays).render_derived(name="given")


def one_of(column: ColumnElement[Any], values: Iterable[Any], dialect: str) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`, one parameter however many
    values: a tick's batch asks for 2,000, and psycopg parses a statement of 2,000
    parameters anew each time (too long for its cache of converted statements)."""
    if dialect == "postgresql":
        return column == any_(array_of(values, column.type))
    return column.in_(list(values))


def array_of(values: Iterable[Any], element: TypeEngine[Any]) -> ColumnElement[Any]:
    """PostgreSQL: the values as one array parameter, sent as the text of an array literal
    (`array_text`). psycopg dumps a list element by element in Python: a mass-due tick's
    arrays of a batch's 1,000 or 2,000 ids cost 3 % of it that way. The parameter is sent
    untyped (no `::TEXT`), so the server reads it as the array itself: the planner then
    knows its values (a cast from text is evaluated at execution, and a plan that cannot
    count the values scanned the outbox, comparing each row to 2,000 ids)."""
    return _untyped_array(bindparam(None, array_text(values), type_=NullType()), element)


def array_param(name: str, element: TypeEngine[Any]) -> ColumnElement[Any]:
    """`array_of` as a named parameter of a statement built once: give it `array_text`."""
    return _untyped_array(bindparam(name, type_=NullType()), element)


def _untyped_array(param: Any, element: TypeEngine[Any]) -> ColumnElement[Any]:
    return cast(param, ARRAY(element))


def array_text(values: Iterable[Any]) -> str:
    """PostgreSQL's text of a one-dimensional array: each element quoted, its backslashes
    and double quotes escaped, so that a comma, a brace, a space or the word NULL in a value
    stay that value (the element's own type then reads the text)."""
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"
