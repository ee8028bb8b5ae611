"""What every Client mixin may rely on: ``self._call`` and ``self._quote`` (implemented in client.py).

Contract for the API mixins (``_client_*.py``)::

    self._call(method, path, session=None, *, query=None, body=None, basic_auth=False, retry=None) -> Any

- ``path`` is the URL path with each variable segment already escaped by ``_quote(segment)``;
- ``session``: the Session for Bearer auth (refreshed first when auto_refresh_session is on);
  ``basic_auth=True`` uses the server key instead; neither means no auth;
- ``query``: a mapping; ``None`` values are left out, bools become ``true``/``false``, lists repeat the key;
- ``body``: any JSON value (``None`` sends no body);
- ``retry``: ``None`` = retry only when the method is idempotent (GET/PUT/DELETE), True/False forces it;
- returns the parsed JSON reply (``{}`` for an empty one) or raises ApiError / TransportError / HttpTimeout.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from .session import Session

__all__ = ["_ClientBase", "_quote"]


def _quote(segment: str) -> str:
    """Escape one path segment (``/`` included)."""
    return quote(segment, safe="")


class _ClientBase:
    def _call(self, method: str, path: str, session: Session | None = None, *,
              query: Mapping[str, Any] | None = None, body: Any = None, basic_auth: bool = False,
              retry: bool | None = None) -> Any:
        raise NotImplementedError  # implemented by Client
