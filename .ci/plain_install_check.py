"""CI's plain-install stage: a package installed with no extras talks to a dev server in another venv.

``python .ci/plain_install_check.py serve PORT_FILE`` (in a venv with the devserver extra) starts a dev
server on a free loopback port with an ``echo`` RPC, writes the port to PORT_FILE and runs until it gets
SIGTERM or SIGINT. ``python .ci/plain_install_check.py client PORT_FILE`` (in the plain venv, run from
a folder outside the repo so that the installed package is imported) authenticates, opens the socket,
calls the RPC over it and prints one line per step.
"""
from __future__ import annotations

import os
import signal
import sys
import time


def serve(port_file: str) -> int:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # delivered to sigwait()
    from nakama_sync.devserver import DevServer

    with DevServer(port=0) as server:
        server.register_rpc("echo", lambda ctx, payload: payload)
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.port))
        os.replace(port_file + ".tmp", port_file)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


def client(port_file: str) -> int:
    import nakama_sync

    deadline = time.monotonic() + 60
    while not os.path.exists(port_file):
        if time.monotonic() > deadline:
            print("the dev server did not start within 60 s", file=sys.stderr)
            return 1
        time.sleep(0.1)
    with open(port_file) as f:
        port = int(f.read())
    print("nakama_sync imported from", os.path.dirname(nakama_sync.__file__))
    client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=port)
    session = client.authenticate_device("ci-plain-install-device", create=True, username="ciplain")
    print("authenticated:", session.username)
    socket = client.create_socket()
    socket.connect(session, connect_timeout=10)
    print("socket connected:", socket.is_connected)
    reply = socket.rpc("echo", '{"hello":"plain"}')
    print("socket rpc echo:", reply.payload)
    socket.close()
    client.close()
    return 0 if reply.payload == '{"hello":"plain"}' else 1


if __name__ == "__main__":
    mode, port_file = sys.argv[1], sys.argv[2]
    raise SystemExit(serve(port_file) if mode == "serve" else client(port_file))
