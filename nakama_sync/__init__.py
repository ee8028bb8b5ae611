"""nakama-sync: a Nakama client for games with a frame loop and no asyncio.

Example::

    import nakama_sync
    client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
    session = client.authenticate_device("device-id-123")
    socket = client.create_socket()
    socket.connect(session)
    while running:
        socket.poll()          # your handlers run here, on the game's thread
"""
import logging as _logging

from . import models
from ._version import __version__
from .client import Client
from .exceptions import (ApiError, ConnectionClosed, HttpTimeout, NakamaError, ReentrantPollError,
                         RequestTimeout, SessionError, SocketError, TransportError)
from .models import *  # noqa: F401,F403
from .models import __all__ as _models_all
from .session import Session
from .socket import Socket

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

__all__ = ["__version__", "Client", "Session", "Socket", "models", "NakamaError", "ApiError", "SocketError",
           "RequestTimeout", "ConnectionClosed", "TransportError", "HttpTimeout", "SessionError",
           "ReentrantPollError", *_models_all]
