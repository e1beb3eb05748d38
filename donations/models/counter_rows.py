"""The rollups' counter rows: a delta added to a row by one upsert, and the row dropped once it counts nothing.

Every recording flush moves a few of these rows, so their statements are built once per table and
database dialect and executed with the row's values as parameters: building an INSERT ... ON CONFLICT
and a DELETE for each row moved cost more of a webhook's CPU than running them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite


class CounterRows:
    """The rows of `table`, one per `key`, whose `counters` only ever move by additions."""

    def __init__(self, table: Table, key: Sequence[str], counters: Sequence[str]) -> None:
        self.table, self.key, self.counters = table, tuple(key), tuple(counters)
        self._built: dict[tuple[str, ...], Executable] = {}

    def _upsert(self, dialect: str, returning: str) -> Executable:
        built = self._built.get(("add", dialect, returning))
        if built is None:
            statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.table)
            built = statement.on_conflict_do_update(
                index_elements=list(self.key),
                set_={c: self.table.c[c] + statement.excluded[c] for c in self.counters},
            )
            if returning:
                built = built.returning(self.table.c[returning])
            self._built[("add", dialect, returning)] = built
        return built

    def _drop(self, dialect: str, empty: tuple[str, ...], test: str) -> Executable:
        name = ("drop", dialect, test, *empty)
        built = self._built.get(name)
        if built is None:
            columns = self.table.c
            nothing = (columns[c] <= 0 if test == "<=" else columns[c] == 0 for c in empty)
            built = delete(self.table).where(*(columns[k] == bindparam(f"key_{k}") for k in self.key), *nothing)
            self._built[name] = built
        return built

    def add(self, connection: Connection, key: Sequence[Any], deltas: Mapping[str, int], returning: str = "") -> Any:
        """Add `deltas` (every counter, 0 where it does not move) to the row of `key`, created by its first
        addition; with `returning`, that counter's new value."""
        values = dict(zip(self.key, key, strict=True)) | {c: deltas.get(c, 0) for c in self.counters}
        result = connection.execute(self._upsert(connection.dialect.name, returning), values)
        return result.scalar_one() if returning else None

    def drop_when_empty(
        self, connection: Connection, key: Sequence[Any], empty: Sequence[str], test: str = "<="
    ) -> None:
        """Remove the row of `key` if each counter of `empty` is at most 0 (`test` "<=") or exactly 0 ("==")."""
        statement = self._drop(connection.dialect.name, tuple(empty), test)
        connection.execute(statement, {f"key_{k}": v for k, v in zip(self.key, key, strict=True)})
