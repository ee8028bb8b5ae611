"""The JWT session (being written: see issue 2)."""
from __future__ import annotations

__all__ = ["Session"]


class Session:
    pass
