"""Socket request methods for the matchmaker and parties (a mixin of Socket; being written: issue 4)."""
from __future__ import annotations

__all__ = ["_PartyRequests"]


class _PartyRequests:
    pass
