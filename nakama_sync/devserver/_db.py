"""SQLite storage for the dev server, with versioned migrations per component.

Each feature module registers its schema as a list of migrations under its own component name
(``db.register("accounts", [SQL_v1, SQL_v2, ...])``); :meth:`Database.migrate` applies those not yet
recorded in ``schema_migrations``. Append new migrations; never edit one that has shipped.

The connection is used only from the server's event-loop thread.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

__all__ = ["Database"]


class Database:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:   # a file that is not a database fails here: it must not stay open
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))"
            )
        except BaseException:
            self.conn.close()
            raise
        self._pending: dict[str, list[str]] = {}

    def register(self, component: str, migrations: list[str]) -> None:
        """Declare ``component``'s migrations, oldest first (version = index + 1)."""
        self._pending[component] = list(migrations)

    def migrate(self) -> None:
        """Apply every registered migration not applied yet, each in its own transaction."""
        for component, migrations in self._pending.items():
            done = {row[0] for row in self.conn.execute(
                "SELECT version FROM schema_migrations WHERE component = ?", (component,))}
            for version, sql in enumerate(migrations, start=1):
                if version in done:
                    continue
                with self.transaction():
                    for statement in _split_sql(sql):
                        self.conn.execute(statement)
                    self.conn.execute("INSERT INTO schema_migrations (component, version) VALUES (?, ?)",
                                      (component, version))

    def transaction(self) -> _Transaction:
        """``with db.transaction(): ...`` runs the block in BEGIN IMMEDIATE / COMMIT (ROLLBACK on error)."""
        return _Transaction(self.conn)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, tuple(params))

    def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, tuple(params)).fetchone()

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """The first column of the first row (``None`` when there is no row), e.g. a COUNT(*)."""
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return None if row is None else row[0]

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        self.conn.close()


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> sqlite3.Connection:
        self.outer = not self.conn.in_transaction
        if self.outer:
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


def _split_sql(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
