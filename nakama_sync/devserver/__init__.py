"""The embedded, Nakama-compatible development server.

Example::

    from nakama_sync.devserver import DevServer
    with DevServer(port=0) as server:
        server.register_rpc("echo", lambda ctx, payload: payload)
        print(server.url)

Server code in Python (RPCs, hooks, authoritative matches, the runtime API ``server.nk``): see
docs/runtime.md and ``python -m nakama_sync.devserver --modules DIR``.

Needs the ``devserver`` extra (aiohttp): ``pip install nakama-sync[devserver]``.
"""
from ._config import DevServerConfig
from ._hub import RpcContext
from ._runtime import RuntimeFunctionError
from ._runtime_hooks import Initializer
from ._runtime_loader import ModuleLoadError
from ._runtime_nk import NakamaModule
from ._server import DevServer

__all__ = ["DevServer", "DevServerConfig", "Initializer", "ModuleLoadError", "NakamaModule", "RpcContext",
           "RuntimeFunctionError"]
