"""Client methods: social (a mixin of Client; see _client_base for the contract)."""
from __future__ import annotations

from ._client_base import _ClientBase, _quote  # noqa: F401

__all__ = ["_SocialApi"]


class _SocialApi(_ClientBase):
    pass
