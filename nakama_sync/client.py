"""The HTTP client (being written: see issue 2). The API mixins are its bases."""
from __future__ import annotations

from ._client_chat import _ChatApi
from ._client_leaderboard import _LeaderboardApi
from ._client_misc import _MiscApi
from ._client_social import _SocialApi
from ._client_storage import _StorageApi

__all__ = ["Client"]


class Client(_SocialApi, _StorageApi, _LeaderboardApi, _ChatApi, _MiscApi):
    pass
