"""Model classes: frozen dataclasses named after Nakama's protocol messages.

Attribute names are the protocol's snake_case field names (``self`` is ``self_presence``); int64 fields
are ``int``, bytes are ``bytes``, timestamps are aware UTC ``datetime``, JSON-in-a-string fields such
as ``content`` are parsed ``dict``. Every model has ``Model.from_wire(dict)``.
"""
from ._base import Model
from .account import *  # noqa: F401,F403
from .account import __all__ as _account_all
from .chat_lists import *  # noqa: F401,F403
from .chat_lists import __all__ as _chat_lists_all
from .leaderboard import *  # noqa: F401,F403
from .leaderboard import __all__ as _leaderboard_all
from .misc import *  # noqa: F401,F403
from .misc import __all__ as _misc_all
from .party import *  # noqa: F401,F403
from .party import __all__ as _party_all
from .realtime import *  # noqa: F401,F403
from .realtime import __all__ as _realtime_all
from .social import *  # noqa: F401,F403
from .social import __all__ as _social_all
from .storage import *  # noqa: F401,F403
from .storage import __all__ as _storage_all

__all__ = ["Model", *_account_all, *_realtime_all, *_party_all, *_social_all, *_storage_all,
           *_leaderboard_all, *_misc_all, *_chat_lists_all]
