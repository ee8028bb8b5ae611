"""Client methods: storage (a mixin of Client; see _client_base for the contract)."""
from __future__ import annotations

from ._client_base import _ClientBase, _quote  # noqa: F401

__all__ = ["_StorageApi"]


class _StorageApi(_ClientBase):
    pass
