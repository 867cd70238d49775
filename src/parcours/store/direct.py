"""A few statements of a command's transaction, executed on the driver's cursor directly.

Profiled on SQLite, a command's ten statements spent more time in SQLAlchemy's execution
machinery (the statement cache lookup, the execution context, the result object, the event
dispatch) than in the database: about 25 µs a statement against 7 µs in sqlite3. The
statements here are compiled by SQLAlchemy once per dialect, with the same SQL, and their
parameters go through the same bind processors (a date on SQLite, a UUID column): only the
per-execution machinery is skipped. Used for statements that need at most a row count or
the rows they return; a driver error is re-raised as SQLAlchemy's (IntegrityError,
OperationalError), so a conflict is handled as before.

On PostgreSQL each statement is also a round trip. A statement whose answer nothing waits
for (a chain link, the events table's lock and its NOTIFY, the queue's row, a tree node) is
`defer`red: it is sent, in order, in one pipeline with the next statement of this module
(`Direct.execute`), or before any other statement of the session, or at the commit. Every
statement still runs in the command's transaction, in the order it was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Insert


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # bind names in the order a positional paramstyle wants them
    positional: bool
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    constants: dict[str, Any]  # the values the statement itself binds (a literal -1)
    # positional: each bind name in order with its processor, if it has one
    steps: tuple[tuple[str, Callable[[Any], Any] | None], ...]


class Direct:
    """A statement compiled once per dialect and executed on the transaction's cursor.

    `columns`: for an INSERT or UPDATE of table columns, the keys the parameters will have
    (SQLAlchemy otherwise renders every column of the table). `copy`: the statement is a
    plain INSERT of those columns, and many rows go into its table with PostgreSQL's `COPY`
    (see `execute_many`)."""

    def __init__(
        self, statement: ClauseElement, columns: Sequence[str] | None = None, *, copy: bool = False
    ) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._copy = None
        if copy:
            if not isinstance(statement, Insert) or self.columns is None:
                raise TypeError("COPY is for a plain INSERT of named columns")
            table: Any = statement.table
            self._copy = f"COPY {table.fullname} ({', '.join(self.columns)}) FROM STDIN"
        # by the engine's dialect, weakly: a Direct lives in a module, engines come and go
        self._compiled: WeakKeyDictionary[Dialect, _Compiled] = WeakKeyDictionary()

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            compiled: Any = self.statement.compile(dialect=dialect, column_keys=self.columns)
            positional = bool(compiled.positional)
            names = tuple(compiled.positiontup or ()) if positional else ()
            processors = tuple(
                (name, processor)
                for name, processor in compiled._bind_processors.items()
                if callable(processor)
            )
            constants = {
                name: bind.value
                for bind, name in compiled.bind_names.items()
                if bind.value is not None and not bind.callable
            }
            by_name = dict(processors)
            steps = tuple((name, by_name.get(name)) for name in names)
            found = _Compiled(compiled.string, names, positional, processors, constants, steps)
            self._compiled[dialect] = found
        return found

    def _bound(self, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        if compiled.constants:
            params = {**compiled.constants, **params}
        if compiled.positional:
            # one pass, no copy of the parameters: a batch binds thousands of rows
            return tuple(
                [
                    params[name] if proc is None else proc(params[name])
                    for name, proc in compiled.steps
                ]
            )
        if compiled.processors:
            values = dict(params)
            for name, processor in compiled.processors:
                if name in values:
                    values[name] = processor(values[name])
        else:
            values = params  # type: ignore[assignment]
        return values

    def execute(self, session: Session, params: Mapping[str, Any]) -> Any:
        """Execute with one set of parameters; returns the driver's cursor (for its
        `rowcount` or rows). The cursor is the caller's to read, then to drop."""
        connection = session.connection()
        pending: list[Later] | None = session.info.get(_PENDING)
        if pending:
            return _pipelined(connection, pending, Later(self, params))
        dialect = connection.dialect
        compiled = self._for(dialect)
        bound = self._bound(compiled, params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, bound)
        except dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled.sql, bound, error, dialect) from error
        return cursor

    def first(self, session: Session, params: Mapping[str, Any]) -> Any:
        """Execute; the first row returned (None if none), the cursor closed."""
        cursor = self.execute(session, params)
        row = cursor.fetchone()
        cursor.close()
        return row

    def execute_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per set of parameters (`executemany`), nothing returned; after what
        was deferred, as `execute`."""
        flush(session)
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._for(dialect)
        bound = [self._bound(compiled, row) for row in rows]
        cursor = connection.connection.cursor()
        try:
            if self._copy is not None and dialect.name == "postgresql":
                # A row of COPY costs the server half a row of a prepared INSERT (measured:
                # 9 ms against 18 per 2,000 rows); constraints and triggers hold the same.
                self._copy_rows(connection.connection.driver_connection, bound)
            else:
                cursor.executemany(compiled.sql, bound)
        except dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled.sql, bound, error, dialect) from error
        finally:
            cursor.close()

    def _copy_rows(self, driver: Any, bound: list[Any]) -> None:
        assert self._copy is not None
        assert self.columns is not None
        columns = self.columns
        with driver.cursor() as cursor, cursor.copy(self._copy) as copy:
            for values in bound:
                copy.write_row([values[name] for name in columns])


def binary_rows(
    session: Session, sql: str, params: Sequence[Any], *, by_index: bool = False
) -> list[tuple[Any, ...]]:
    """PostgreSQL: the rows of a read (`sql` in the driver's own placeholders) in psycopg's
    binary format, after what was deferred. A bytea column then comes as its bytes, not as
    hex text twice its size decoded on arrival: a mass-due tick reads every event of each
    batch's pilots (text: 0.10 s per 1,000 pilots of 30 events; binary: 0.06).

    `by_index`: the read is planned with a random page read costing at most 1.1 sequential
    ones (the server's setting if lower), for this statement only, in the same round trip.
    A batch asks for the events of 1,000 pilots by id; at 10,000 pilots, that is a tenth of
    the table, and with the default cost (4) the planner chose a parallel scan of the whole
    table and a sort spilled to disk: 45 ms a batch instead of 5 for the index scan, and
    the server's second process took the core the scheduler runs on (benchmark T). The
    pages of a store in use are cached, or on a solid-state disk, where 1.1 is the usual
    setting."""
    flush(session)
    connection = session.connection()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor(binary=True) as cursor:
            if not by_index:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
            with driver.pipeline(), driver.cursor() as setting:
                setting.execute(_INDEX_COSTS)
                cursor.execute(sql, params)
                setting.execute(_SERVER_COSTS)
            return list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        raise _wrapped(sql, params, error, dialect) from error


# The server's value is kept in a setting of our own for the length of the statement, then
# put back (both local to the transaction, as SET LOCAL).
_INDEX_COSTS = (
    "SELECT set_config('parcours.random_page_cost', current_setting('random_page_cost'), true),"
    " set_config('random_page_cost',"
    " least(current_setting('random_page_cost')::float8, 1.1)::text, true)"
)
_SERVER_COSTS = (
    "SELECT set_config('random_page_cost', current_setting('parcours.random_page_cost'), true)"
)


def driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a read (`sql` in the driver's own placeholders) from the driver's cursor,
    after what was deferred: no result object, no row object, no processor per value."""
    flush(session)
    connection = session.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as error:
        raise _wrapped(sql, params, error, dialect) from error
    finally:
        cursor.close()


_PENDING = "parcours_deferred"


class Later:
    """A deferred statement; `cursor` is its driver's cursor once it was sent."""

    __slots__ = ("cursor", "params", "statement")

    def __init__(self, statement: Direct, params: Mapping[str, Any]) -> None:
        self.statement = statement
        self.params = params
        self.cursor: Any = None


def defer(
    session: Session, statement: Direct, params: Mapping[str, Any], *, answer: bool = False
) -> Later:
    """Execute `statement` in the session's transaction, where nothing waits for its answer
    yet: on PostgreSQL with the next one (see the module's docstring), elsewhere now. With
    `answer`, the returned `Later`'s cursor is kept for the caller to read (then close)."""
    later = Later(statement, params)
    if session.get_bind().dialect.name != "postgresql":
        later.cursor = statement.execute(session, params)
        if not answer:
            later.cursor.close()
        return later
    session.info.setdefault(_PENDING, []).append(later)
    return later


def write_rows(session: Session, statement: Direct, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows nothing waits for: a command's few deferred (on PostgreSQL, one round trip with
    the next statement), a batch's many in one `executemany` (a mass-due tick writes
    thousands of chain links and tree nodes: a statement each cost more than the insert)."""
    if len(rows) > _FEW:
        statement.execute_many(session, rows)
        return
    for row in rows:
        defer(session, statement, row)


_FEW = 8


def _pipelined(connection: Connection, pending: list[Later], last: Later | None) -> Any:
    """Send the deferred statements and `last` in one pipeline (one round trip); returns
    `last`'s cursor. The first error stops the rest, as it would have one by one."""
    batch = [*pending, last] if last is not None else list(pending)
    pending.clear()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    sent: list[tuple[str, Any]] = []
    try:
        with driver.pipeline():
            for later in batch:
                compiled = later.statement._for(dialect)
                sent.append((compiled.sql, later.statement._bound(compiled, later.params)))
                later.cursor = driver.cursor()
                later.cursor.execute(*sent[-1])
    except dialect.loaded_dbapi.Error as error:
        # Reported at the pipeline's end: the error names the statement, this all of them.
        sql = ";\n".join(statement for statement, _ in sent)
        raise _wrapped(sql, [params for _, params in sent], error, dialect) from error
    return None if last is None else last.cursor


def flush(session: Session) -> None:
    """Send what was deferred (before another statement of the session, and at the commit)."""
    pending: list[Later] | None = session.info.get(_PENDING)
    if pending:
        _pipelined(session.connection(), pending, None)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: Any) -> None:
    flush(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


# Rolled back: what was deferred is dropped with the rest. (Deferring is for a command's
# transaction, which takes no savepoint.)
@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    pending: list[Later] | None = session.info.get(_PENDING)
    if pending and transaction.parent is None:
        pending.clear()


def _wrapped(sql: str, params: Any, error: Exception, dialect: Dialect) -> BaseException:
    """The driver's error as SQLAlchemy would have raised it (its IntegrityError for a
    unique key another writer took first)."""
    return exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error, dialect=dialect)
