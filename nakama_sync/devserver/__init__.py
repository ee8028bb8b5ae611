"""The embedded, Nakama-compatible development server.

Example::

    from nakama_sync.devserver import DevServer
    with DevServer(port=0) as server:
        server.register_rpc("echo", lambda ctx, payload: payload)
        print(server.url)

Needs the ``devserver`` extra (aiohttp): ``pip install nakama-sync[devserver]``.
"""
from ._conditions import InvalidConditions, NetworkConditions
from ._config import DevServerConfig
from ._hub import RpcContext
from ._server import DevServer

__all__ = ["DevServer", "DevServerConfig", "InvalidConditions", "NetworkConditions", "RpcContext"]
