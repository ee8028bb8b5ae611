"""Tutorial step 1: open a window, sign in, and connect the realtime socket.

    python docs/tutorial/step1_connect.py                   # starts the dev server on 127.0.0.1:7350
    python docs/tutorial/step1_connect.py --host 127.0.0.1  # uses a server that already runs
"""
from __future__ import annotations

import argparse
import uuid

import pygame

import nakama_sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tutorial step 1: connect.")
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    args = parser.parse_args(argv)

    # 1. A server. Without --host we run the embedded dev server inside this program.
    server = None
    if args.host is None:
        from nakama_sync.devserver import DevServer
        server = DevServer(port=args.port).start()
        args.host = server.host

    # 2. Sign in over HTTP. The device id names this player's account: a real game saves it in a
    #    file so the player gets the same account next time; here every run is a new player.
    client = nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl)
    session = client.authenticate_device(f"tutorial-{uuid.uuid4()}", username=f"p-{uuid.uuid4().hex[:6]}")

    # 3. Open the realtime socket. It reads the network on its own thread; our code runs on ours.
    socket = client.create_socket()
    socket.connect(session)
    print(f"connected as {session.username}", flush=True)

    # 4. The game loop: events, network, drawing, one frame at a time.
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((480, 360))
    pygame.display.set_caption("tutorial step 1")
    font = pygame.font.Font(None, 28)
    clock = pygame.time.Clock()
    frames, running = 0, True
    while running:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:          # the window was closed
                running = False
        socket.poll()                              # runs the socket's handlers (none yet)
        screen.fill((24, 26, 36))
        status = "online" if socket.is_connected else "offline"
        screen.blit(font.render(f"{session.username}: {status}", True, (220, 220, 220)), (16, 16))
        pygame.display.flip()
        clock.tick(60)                             # at most 60 frames per second
        frames += 1
        if args.frames and frames >= args.frames:
            running = False

    # 5. Clean up: close the socket, the HTTP client, the window and the server.
    socket.close()
    client.close()
    pygame.quit()
    if server is not None:
        server.stop()
    print("bye", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
