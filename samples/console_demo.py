"""Two players, Alice and Bob, chat and exchange match state, printing everything that happens.

Run it (no setup needed: it starts the embedded dev server on a free port, and exits by itself):

    python samples/console_demo.py

or against a real Nakama server:

    python samples/console_demo.py --host 127.0.0.1 --port 7350 --server-key defaultkey

What to look for in the code:
  1. a Client talks HTTP: it signs players in and gives each a Session;
  2. a Socket is the realtime connection of one player;
  3. we connect *handlers* to the socket's signals (``received_match_state`` ...);
  4. the handlers run only when we call ``socket.poll()``, on our own thread, like in a game loop.
"""
from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable

import nakama_sync

Log = Callable[[str], None]


def pump_until(done: Callable[[], bool], sockets: list[nakama_sync.Socket], timeout: float = 5.0) -> None:
    """Poll every socket (running their handlers) until ``done()`` is true, like a tiny game loop."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the expected events did not arrive in time")
        for socket in sockets:
            socket.poll(timeout=0.01)   # waits at most 10 ms for an event, then runs the handlers


def sign_in(client: nakama_sync.Client, name: str) -> nakama_sync.Session:
    """Create a brand-new player. A device id is any unique string the game keeps on the device."""
    device_id = f"console-demo-{uuid.uuid4()}"
    username = f"{name}-{uuid.uuid4().hex[:6]}"      # usernames are unique on a server
    return client.authenticate_device(device_id, create=True, username=username)


def run(client: nakama_sync.Client, log: Log = print, timeout: float = 5.0) -> dict[str, list[str]]:
    """The whole demo. Returns what each player received (``{"alice": [...], "bob": [...]}``)."""
    seen: dict[str, list[str]] = {"alice": [], "bob": []}
    sockets: dict[str, nakama_sync.Socket] = {}

    # --- 1. Sign in and open one realtime socket per player --------------------------------------
    sessions = {name: sign_in(client, name) for name in ("alice", "bob")}
    for name, session in sessions.items():
        log(f"{name} signed in as {session.username!r} (user id {session.user_id})")
        socket = client.create_socket()
        socket.connect(session)
        sockets[name] = socket

    # --- 2. Handlers: plain functions called as handler(socket, event=...) during poll() ---------
    def make_handlers(name: str) -> None:
        def on_chat(sender: nakama_sync.Socket, event: nakama_sync.ChannelMessage) -> None:
            text = f"chat from {event.username}: {event.content.get('text')}"
            seen[name].append(text)
            log(f"  [{name}] {text}")

        def on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData) -> None:
            text = f"match state op {event.op_code} from {event.presence.username}: {event.data.decode()}"
            seen[name].append(text)
            log(f"  [{name}] {text}")

        def on_presence(sender: nakama_sync.Socket, event: nakama_sync.MatchPresenceEvent) -> None:
            for presence in event.joins:
                seen[name].append(f"join {presence.username}")
                log(f"  [{name}] {presence.username} joined the match")

        # weak=False keeps these inner functions alive after make_handlers() returns
        sockets[name].received_channel_message.connect(on_chat, weak=False)
        sockets[name].received_match_state.connect(on_state, weak=False)
        sockets[name].received_match_presence.connect(on_presence, weak=False)

    for name in sockets:
        make_handlers(name)
    alice, bob = sockets["alice"], sockets["bob"]
    everyone = [alice, bob]

    try:
        # --- 3. Chat: both join the room "lobby", then talk ------------------------------------
        log("both players join the chat room 'lobby'")
        channel = alice.join_chat("lobby", 1, persistence=False)   # 1 = a room (2 = direct, 3 = group)
        bob.join_chat("lobby", 1, persistence=False)
        alice.write_chat_message(channel.id, {"text": "hello Bob!"})   # content is a JSON object
        pump_until(lambda: any("hello Bob!" in s for s in seen["bob"]), everyone, timeout)
        bob.write_chat_message(channel.id, {"text": "hi Alice, want to play?"})
        pump_until(lambda: any("want to play" in s for s in seen["alice"]), everyone, timeout)

        # --- 4. A relayed match: Alice creates it, Bob joins it by its id -----------------------
        match = alice.create_match()
        log(f"alice created match {match.match_id}")
        bob.join_match(match.match_id)
        log("bob joined it")
        bob_joined = f"join {sessions['bob'].username}"
        pump_until(lambda: bob_joined in seen["alice"], everyone, timeout)

        # --- 5. Match state: any bytes, with an op code the game chooses (1 = "move" here) -------
        alice.send_match_state(match.match_id, 1, b'{"x": 3, "y": 4}')
        pump_until(lambda: any("match state" in s for s in seen["bob"]), everyone, timeout)
        bob.send_match_state(match.match_id, 1, b'{"x": 7, "y": 1}')
        pump_until(lambda: any("match state" in s for s in seen["alice"]), everyone, timeout)

        alice.leave_match(match.match_id)
        bob.leave_match(match.match_id)
        log("both left the match: done!")
    finally:
        for socket in everyone:
            socket.close()
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    args = parser.parse_args(argv)

    server = None
    if args.host is None:                      # no server given: run one inside this process
        from nakama_sync.devserver import DevServer
        server = DevServer(port=0).start()     # port 0 = any free port
        args.host, args.port, args.ssl = server.host, server.port, False
        print(f"started the embedded dev server at {server.url}")
    try:
        with nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl) as client:
            run(client)
    except nakama_sync.TransportError as exc:                   # no server there, or unreachable
        print(f"cannot reach the Nakama server: {exc}")
        return 1
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:                                   # Ctrl-C: quit quietly
        raise SystemExit(130) from None
