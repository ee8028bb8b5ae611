"""Tutorial step 5: surviving the network: a lost connection, a partner who leaves.

    python docs/tutorial/step5_survive.py                    # player 1 (starts the dev server)
    python docs/tutorial/step5_survive.py --host 127.0.0.1   # player 2, in another terminal

A server restart: run `python -m nakama_sync.devserver --database game.db` and both players with
--host 127.0.0.1, then stop the server (Ctrl+C) and start it again.

Arrow keys move your square (--auto moves it by itself). Enter opens the chat line; Enter sends it.
"""
from __future__ import annotations

import argparse
import json
import math
import uuid
from collections import deque

import pygame

import nakama_sync

WIDTH, HEIGHT, SIZE, SPEED = 480, 360, 28, 180.0   # window, square size, pixels per second
OP_POSITION = 1                                    # our op code for "here is my position"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tutorial step 5: surviving the network.")
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--room", default="tutorial", help="players of the same room meet (one word)")
    parser.add_argument("--auto", action="store_true", help="the square moves by itself")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    args = parser.parse_args(argv)

    server = None
    if args.host is None:
        from nakama_sync.devserver import DevServer
        server = DevServer(port=args.port, matchmaker_interval_sec=1.0).start()   # Nakama's: 15 s
        args.host = server.host
    client = nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl)
    session = client.authenticate_device(f"tutorial-{uuid.uuid4()}", username=f"p-{uuid.uuid4().hex[:6]}")
    socket = client.create_socket()
    socket.connect(session)
    print(f"connected as {session.username}", flush=True)

    x, y = 60.0, 120.0                        # my square
    match: nakama_sync.Match | None = None    # None until the matchmaker found us a partner
    chat: deque[str] = deque(maxlen=5)        # the last chat lines
    typing: str | None = None                 # the chat line being typed (None: not typing)
    status = "looking for a partner..."       # what the top line says
    sent = None                               # the position I told the others last
    others: dict[str, tuple[float, float]] = {}   # session id -> where that player's square is
    names: dict[str, str] = {}                    # session id -> username

    # Handlers run inside socket.poll(), on this thread: they may change the game's state freely.
    def on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData) -> None:
        if event.op_code == OP_POSITION and event.presence is not None:   # None: sent by the server
            pos = json.loads(event.data)
            sid = event.presence.session_id
            if sid not in others:
                print(f"saw {event.presence.username} at {pos['x']},{pos['y']}", flush=True)
            others[sid] = (pos["x"], pos["y"])
            names[sid] = event.presence.username

    def on_presence(sender: nakama_sync.Socket, event: nakama_sync.MatchPresenceEvent) -> None:
        nonlocal sent
        for presence in event.leaves:
            others.pop(presence.session_id, None)
            print(f"{presence.username} left", flush=True)
        if event.joins:
            sent = None                       # a newcomer needs my position: send it again
        elif match is not None and not others:
            back_to_matchmaking(f"{event.leaves[0].username} left")   # alone: find someone else

    def find_partner() -> None:
        # Ask the matchmaker for one partner in the same room. The query is Nakama's (Bleve) syntax:
        # "+properties.room:tutorial" means "their room property must be tutorial".
        ticket = socket.add_matchmaker(query=f"+properties.room:{args.room}", min_count=2, max_count=2,
                                       string_properties={"room": args.room})
        print(f"looking for a partner (ticket {ticket.ticket})", flush=True)

    def back_to_matchmaking(why: str) -> None:
        nonlocal match, status
        if match is not None and socket.is_connected:
            socket.leave_match(match.match_id)
        match, status = None, f"{why}: looking for a partner..."
        others.clear()
        find_partner()

    def on_matched(sender: nakama_sync.Socket, event: nakama_sync.MatchmakerMatched) -> None:
        nonlocal match, sent, status
        match = sender.join_match(token=event.token)   # everyone matched joins the same match
        sent, status = None, "in a match"
        partners = [u.presence.username for u in event.users if u.presence and u.presence.user_id != session.user_id]
        print(f"matched with {', '.join(partners)}", flush=True)

    socket.received_match_state.connect(on_state)
    socket.received_match_presence.connect(on_presence)
    socket.received_matchmaker_matched.connect(on_matched)

    def on_chat(sender: nakama_sync.Socket, event: nakama_sync.ChannelMessage) -> None:
        line = f"{event.username}: {event.content.get('text', '')}"   # content is a dict (JSON)
        chat.append(line)
        print(f"chat {line}", flush=True)

    socket.received_channel_message.connect(on_chat)

    # The network. A dropped connection does not close the socket: it reconnects by itself and
    # tells us on these signals. Only `closed` means it is over (it gave up, or we closed it).
    def on_reconnecting(sender: nakama_sync.Socket, event: nakama_sync.SocketReconnecting) -> None:
        nonlocal status
        status = f"connection lost, reconnecting (attempt {event.attempt})..."
        print(f"reconnecting: {event.cause}", flush=True)

    def on_reconnected(sender: nakama_sync.Socket, event: nakama_sync.SocketReconnected) -> None:
        nonlocal status, match
        lost = event.lost_kinds()             # what the server forgot; the chat channel came back by itself
        print(f"reconnected after {event.downtime:.1f} s; lost: {sorted(lost)}", flush=True)
        status = "in a match" if match is not None else "looking for a partner..."
        if "match" in lost or "matchmaker_ticket" in lost:
            match = None                      # gone on the server: nothing to leave
            back_to_matchmaking("back online")

    def on_closed(sender: nakama_sync.Socket, event: nakama_sync.SocketClosed) -> None:
        nonlocal status, match
        status, match = f"disconnected: {event.reason}", None
        print(f"closed: {event.reason}", flush=True)

    socket.reconnecting.connect(on_reconnecting)
    socket.reconnected.connect(on_reconnected)
    socket.closed.connect(on_closed)

    # The lobby: a chat room (type 1) named after our room. Everyone in it gets every message,
    # their own too. persistence=False: the server keeps no history of it.
    channel = socket.join_chat(args.room, 1, persistence=False)
    socket.write_chat_message(channel.id, {"text": "hello!"})

    find_partner()

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((WIDTH, HEIGHT))
    pygame.display.set_caption("tutorial step 5")
    font = pygame.font.Font(None, 22)
    clock = pygame.time.Clock()
    frames, running, t = 0, True, 0.0
    while running:
        dt = clock.tick(60) / 1000.0          # seconds since the last frame
        t += dt
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                running = False
            elif event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN:
                if typing and socket.is_connected:   # send it (it comes back to on_chat)
                    socket.write_chat_message_nowait(channel.id, {"text": typing})
                typing = "" if typing is None else None
            elif event.type == pygame.KEYDOWN and typing is not None:
                if event.key == pygame.K_BACKSPACE:
                    typing = typing[:-1]
                elif event.unicode.isprintable():
                    typing += event.unicode
        socket.poll()                         # on_state / on_presence run here

        # Move: keys, or a circle with --auto.
        if typing is not None:                # the keys are typing: the square stays
            dx = dy = 0.0
        elif args.auto:
            dx, dy = math.cos(t * 1.5), math.sin(t * 1.5)
        else:
            keys = pygame.key.get_pressed()
            dx = keys[pygame.K_RIGHT] - keys[pygame.K_LEFT]
            dy = keys[pygame.K_DOWN] - keys[pygame.K_UP]
        x = min(max(x + dx * SPEED * dt, 0), WIDTH - SIZE)
        y = min(max(y + dy * SPEED * dt, 0), HEIGHT - 120 - SIZE)   # above the chat

        # Tell the others when my position changed: fire-and-forget match state.
        position = (round(x), round(y))
        if match is not None and position != sent and socket.is_connected:   # not while reconnecting
            data = json.dumps({"x": position[0], "y": position[1]}).encode()
            socket.send_match_state(match.match_id, OP_POSITION, data)
            sent = position

        screen.fill((24, 26, 36))
        for sid, (ox, oy) in others.items():
            pygame.draw.rect(screen, (90, 170, 250), (ox, oy, SIZE, SIZE))
            screen.blit(font.render(names[sid], True, (160, 160, 160)), (ox, oy - 16))
        pygame.draw.rect(screen, (250, 200, 70), (x, y, SIZE, SIZE))
        screen.blit(font.render(f"{session.username}: {status}", True, (220, 220, 220)), (8, 6))
        for i, line in enumerate(chat):
            screen.blit(font.render(line, True, (180, 200, 255)), (8, HEIGHT - 110 + 18 * i))
        if typing is not None:
            screen.blit(font.render(f"> {typing}_", True, (255, 255, 160)), (8, HEIGHT - 20))
        pygame.display.flip()
        frames += 1
        if args.frames and frames >= args.frames:
            running = False

    if match is not None and socket.is_connected:
        socket.leave_match(match.match_id)
    socket.close()
    client.close()
    pygame.quit()
    if server is not None:
        server.stop()
    print("bye", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
