"""The embedded, Nakama-compatible development server.

Example::

    from nakama_sync.devserver import DevServer
    with DevServer(port=0) as server:
        server.register_rpc("echo", lambda ctx, payload: payload)
        print(server.url)

Server code in Python (RPCs, hooks, authoritative matches, the runtime API ``server.nk``): see
docs/runtime.md and ``python -m nakama_sync.devserver --modules DIR``.

Needs the ``devserver`` extra (aiohttp): ``pip install "nakama-sync[devserver]"``. Without it, importing
``DevServer`` raises an ``ImportError`` that names the extra, and ``python -m nakama_sync.devserver``
says so in one line.
"""
from __future__ import annotations

import importlib
import typing

if typing.TYPE_CHECKING:
    from ._conditions import InvalidConditions, NetworkConditions
    from ._config import DevServerConfig
    from ._hub import RpcContext
    from ._runtime import RuntimeFunctionError
    from ._runtime_hooks import Initializer
    from ._runtime_loader import ModuleLoadError
    from ._runtime_nk import NakamaModule
    from ._server import DevServer, DevServerError

__all__ = ["DevServer", "DevServerConfig", "DevServerError", "Initializer", "InvalidConditions", "ModuleLoadError",
           "NakamaModule", "NetworkConditions", "RpcContext", "RuntimeFunctionError"]

_MISSING_EXTRA = ('the nakama-sync dev server needs the "devserver" extra: '
                 'python -m pip install "nakama-sync[devserver]"')
_HOMES = {"DevServer": "._server", "DevServerError": "._server", "DevServerConfig": "._config",
          "RpcContext": "._hub",
          "RuntimeFunctionError": "._runtime", "Initializer": "._runtime_hooks", "ModuleLoadError": "._runtime_loader",
          "NakamaModule": "._runtime_nk",
          "InvalidConditions": "._conditions", "NetworkConditions": "._conditions"}


def _require_extra() -> None:
    """Raise ``ImportError`` naming the ``devserver`` extra when aiohttp is not installed."""
    try:
        import aiohttp  # noqa: F401
    except ImportError as exc:
        raise ImportError(_MISSING_EXTRA) from exc


def __getattr__(name: str) -> typing.Any:
    # Imported on first use, so that a missing aiohttp gives one clear error instead of a traceback
    # from deep inside the package.
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _require_extra()
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value
