"""The realtime socket (being written: see issue 3)."""
from __future__ import annotations

__all__ = ["Socket"]


class Socket:
    pass
