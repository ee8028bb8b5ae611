"""Client methods: leaderboard (a mixin of Client; see _client_base for the contract)."""
from __future__ import annotations

from ._client_base import _ClientBase, _quote  # noqa: F401

__all__ = ["_LeaderboardApi"]


class _LeaderboardApi(_ClientBase):
    pass
