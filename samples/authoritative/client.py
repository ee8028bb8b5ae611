"""Authoritative squares: the server (server/squares.py) moves every square; this client only asks.

    python samples/authoritative/client.py                     # starts a dev server with the module
    python samples/authoritative/client.py --host 127.0.0.1    # a second player joins it
    python samples/authoritative/client.py --bot               # a player that chases the coin itself

Arrow keys send a wish to move; the squares are drawn where the server's state says. Catch the coin:
the all-time scoreboard on the right is a storage object only the server may write.
"""
from __future__ import annotations

import argparse
import json
import uuid
import zlib
from pathlib import Path
from typing import Any

import pygame

import nakama_sync
from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge

ARENA_W, ARENA_H, SIZE, COIN, PANEL = 480, 320, 28, 14, 180   # as in server/squares.py, plus a side panel
OP_INPUT, OP_STATE, OP_REJECTED = 1, 2, 3
SERVER_MODULES = Path(__file__).resolve().parent / "server"


def color_of(user_id: str) -> pygame.Color:
    color = pygame.Color(0)
    color.hsva = (zlib.crc32(user_id.encode()) % 360, 75, 95, 100)
    return color


class Player:
    """One player: a session, a socket bridged to pygame events, and what the server last said."""

    def __init__(self, client: nakama_sync.Client, matchmaker: bool = False, bot: bool = False) -> None:
        self.client, self.bot = client, bot
        self.session = client.authenticate_device(f"auth-squares-{uuid.uuid4()}",
                                                  username=f"sq-{uuid.uuid4().hex[:8]}")
        self.socket = client.create_socket()
        self.socket.connect(self.session)
        self.bridge = PygameBridge(self.socket)
        self.world: dict[str, Any] = {"players": {}, "coin": [0, 0], "tick": 0}
        self.states_seen, self.rejected = 0, 0
        self.scoreboard: dict[str, int] = {}
        self.match_id: str | None = None
        self.wish = (0.0, 0.0)
        if matchmaker:   # the server's matchmaker hook puts us in a match: the event carries its id
            self.socket.add_matchmaker(min_count=2, max_count=4, query="+properties.game:squares",
                                       string_properties={"game": "squares"})
        else:            # or ask the server for an open match
            self.join(self.socket.rpc("squares_join").payload)

    def join(self, match_id: str) -> None:
        self.match_id = self.socket.join_match(match_id).match_id

    def on_network(self, name: str, payload: Any) -> None:
        if name == "received_matchmaker_matched":
            self.join(payload.match_id)
        elif name == "received_match_state" and payload.op_code == OP_STATE:
            self.world = json.loads(payload.data)
            self.states_seen += 1
        elif name == "received_match_state" and payload.op_code == OP_REJECTED:
            self.rejected += 1

    def me(self) -> dict[str, Any] | None:
        for p in self.world["players"].values():
            if p["user_id"] == self.session.user_id:
                return dict(p)
        return None

    def steer(self, pressed: Any) -> tuple[float, float]:
        me = self.me()
        if self.bot and me is not None:               # head for the coin
            cx, cy = self.world["coin"]
            vx, vy = cx - (me["x"] + SIZE / 2), cy - (me["y"] + SIZE / 2)
            length = max((vx * vx + vy * vy) ** 0.5, 1e-6)
            return round(vx / length, 2), round(vy / length, 2)
        return (float(pressed[pygame.K_RIGHT] - pressed[pygame.K_LEFT]),
                float(pressed[pygame.K_DOWN] - pressed[pygame.K_UP]))

    def update(self, pressed: Any) -> None:
        wish = self.steer(pressed)
        if self.match_id and wish != self.wish:        # tell the server only when the wish changes
            self.wish = wish
            self.socket.send_match_state(self.match_id, OP_INPUT, json.dumps({"dx": wish[0], "dy": wish[1]}))

    def refresh_scoreboard(self) -> None:
        """The all-time scores: a public object of the system user (no owner given)."""
        found = self.client.read_storage_objects(self.session, [("squares", "scoreboard")]).objects
        if found:
            self.scoreboard = dict(found[0].value.get("scores", {}))

    def draw(self, screen: pygame.Surface, font: pygame.font.Font) -> None:
        screen.fill((24, 26, 36))
        pygame.draw.rect(screen, (34, 38, 52), (0, 0, ARENA_W, ARENA_H), 2)
        pygame.draw.circle(screen, (255, 210, 60), self.world["coin"], COIN // 2)
        for p in self.world["players"].values():
            rect = pygame.Rect(round(p["x"]), round(p["y"]), SIZE, SIZE)
            pygame.draw.rect(screen, color_of(p["user_id"]), rect)
            if p["user_id"] == self.session.user_id:
                pygame.draw.rect(screen, (255, 255, 255), rect, 2)
        panel = pygame.Rect(ARENA_W, 0, PANEL, ARENA_H)
        pygame.draw.rect(screen, (12, 13, 20), panel)
        lines = [f"tick {self.world['tick']}", "this match:"]
        lines += [f"  {p['username']}: {p['score']}" for p in self.world["players"].values()]
        lines += ["all time:"] + [f"  {n}: {s}" for n, s in sorted(self.scoreboard.items(), key=lambda i: -i[1])[:8]]
        for i, line in enumerate(lines):
            screen.blit(font.render(line, True, (200, 210, 240)), (ARENA_W + 8, 8 + 18 * i))

    def close(self) -> None:
        self.bridge.close()
        self.socket.close()


class Game:
    """A window, its player, and one frame of the loop."""

    def __init__(self, client: nakama_sync.Client, matchmaker: bool = False, bot: bool = False) -> None:
        self.player = Player(client, matchmaker, bot)
        self.screen = pygame.display.set_mode((ARENA_W + PANEL, ARENA_H))
        pygame.display.set_caption("nakama-sync authoritative squares")
        self.font = pygame.font.Font(None, 20)
        self.frames = 0

    def frame(self) -> bool:
        self.player.bridge.pump()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return False
            if event.type == NAKAMA_EVENT:
                self.player.on_network(event.nakama_signal, event.payload)
        self.player.update(pygame.key.get_pressed())
        if self.frames % 60 == 0:
            self.player.refresh_scoreboard()
        self.frames += 1
        self.player.draw(self.screen, self.font)
        pygame.display.flip()
        return True

    def close(self) -> None:
        self.player.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Authoritative squares: pygame + nakama-sync + Python server code.")
    parser.add_argument("--host", help="a server running server/squares.py (default: start a dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--matchmaker", action="store_true", help="meet through the matchmaker, not the RPC")
    parser.add_argument("--bot", action="store_true", help="chase the coin by itself")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    args = parser.parse_args(argv)
    server = None
    if args.host is None:   # no server given: run the dev server in this process, on --port
        from nakama_sync.devserver import DevServer
        try:
            server = DevServer(port=args.port, matchmaker_interval_sec=1.0).start()
        except (OSError, RuntimeError) as exc:               # most often: the port is taken
            print(f"port {args.port} busy or unusable: pass --port N (0 = any free port) or --host ({exc})")
            return 1
        server.load_modules(str(SERVER_MODULES))
        args.host, args.port = server.host, server.port         # --port 0 picked a free port
        print(f"dev server at {server.url}: start another player with --host {server.host} --port {server.port}")
    pygame.display.init()
    pygame.font.init()
    client = nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl)
    game, clock = None, pygame.time.Clock()
    try:
        game = Game(client, args.matchmaker, args.bot)
        while game.frame() and not (args.frames and game.frames >= args.frames):
            clock.tick(60)
    except nakama_sync.TransportError as exc:
        print(f"cannot reach the Nakama server: {exc}")
        return 1
    finally:
        if game is not None:
            game.close()
        client.close()
        pygame.quit()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:                                   # Ctrl-C: quit quietly
        raise SystemExit(130) from None
