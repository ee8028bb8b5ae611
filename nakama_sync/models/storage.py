"""Models: storage (see nakama_sync.models)."""
from __future__ import annotations

__all__: list[str] = []
