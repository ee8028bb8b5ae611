"""Presence-change batching shared by matches, chat channels and streams.

Nakama's tracker queues joins and leaves and sends them asynchronously, one event per stream holding every
change of the batch, to every session in the stream at send time (so a joiner gets its own join, before or
after its reply, and a leaver never gets its own leave). :class:`PresenceBatcher` does the same on the loop:
changes added during one loop iteration go out together on the next, through the ``deliver(key, joins,
leaves)`` function of the registry that owns the stream. Loop thread only.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["PresenceBatcher"]

K = TypeVar("K", bound=Hashable)
Presence = dict[str, Any]


class PresenceBatcher(Generic[K]):
    def __init__(self, deliver: Callable[[K, list[Presence], list[Presence]], None]) -> None:
        self._deliver = deliver
        self._pending: dict[K, tuple[list[Presence], list[Presence]]] = {}

    def add(self, key: K, join: Presence | None = None, leave: Presence | None = None) -> None:
        """Queue a join and/or a leave for ``key``'s next presence event."""
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        joins, leaves = self._pending.setdefault(key, ([], []))
        if join is not None:
            joins.append(join)
        if leave is not None:
            leaves.append(leave)

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for key, (joins, leaves) in pending.items():
            self._deliver(key, joins, leaves)
