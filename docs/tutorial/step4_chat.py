"""Tutorial step 4: a lobby chat next to the game.

    python docs/tutorial/step4_chat.py                    # player 1 (starts the dev server)
    python docs/tutorial/step4_chat.py --host 127.0.0.1   # player 2, in another terminal

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
    parser = argparse.ArgumentParser(description="Tutorial step 4: chat.")
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--room", default="tutorial", help="players of the same room meet (one word)")
    parser.add_argument("--auto", action="store_true", help="the square moves by itself")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    parser.add_argument("--screenshot", help="save the last frame to this PNG file")
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

    def on_matched(sender: nakama_sync.Socket, event: nakama_sync.MatchmakerMatched) -> None:
        nonlocal match, sent
        match = sender.join_match(token=event.token)   # everyone matched joins the same match
        sent = None
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

    # The lobby: a chat room (type 1) named after our room. Everyone in it gets every message,
    # their own too. persistence=False: the server keeps no history of it.
    channel = socket.join_chat(args.room, 1, persistence=False)
    socket.write_chat_message(channel.id, {"text": "hello!"})

    # Ask the matchmaker for one partner in the same room. The query is Nakama's (Bleve) syntax:
    # "+properties.room:tutorial" means "their room property must be tutorial".
    ticket = socket.add_matchmaker(query=f"+properties.room:{args.room}", min_count=2, max_count=2,
                                   string_properties={"room": args.room})
    print(f"looking for a partner (ticket {ticket.ticket})", flush=True)

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((WIDTH, HEIGHT))
    pygame.display.set_caption("tutorial step 4")
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
                if typing:                    # Enter with text: send it (it comes back on_chat)
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
        if match is not None and position != sent:
            data = json.dumps({"x": position[0], "y": position[1]}).encode()
            socket.send_match_state(match.match_id, OP_POSITION, data)
            sent = position

        screen.fill((24, 26, 36))
        for sid, (ox, oy) in others.items():
            pygame.draw.rect(screen, (90, 170, 250), (ox, oy, SIZE, SIZE))
            screen.blit(font.render(names[sid], True, (160, 160, 160)), (ox, oy - 16))
        pygame.draw.rect(screen, (250, 200, 70), (x, y, SIZE, SIZE))
        status = "in a match" if match is not None else "looking for a partner..."
        screen.blit(font.render(f"{session.username}: {status}", True, (220, 220, 220)), (8, 6))
        for i, line in enumerate(chat):
            screen.blit(font.render(line, True, (180, 200, 255)), (8, HEIGHT - 110 + 18 * i))
        if typing is not None:
            screen.blit(font.render(f"> {typing}_", True, (255, 255, 160)), (8, HEIGHT - 20))
        pygame.display.flip()
        frames += 1
        if args.frames and frames >= args.frames:
            running = False

    if args.screenshot:
        pygame.image.save(screen, args.screenshot)
    if match is not None:
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
