"""Squares: every player moves a square; positions travel as match state. Pygame + nakama-sync.

Two windows (two terminals):
    python samples/pygame_squares.py                      # starts the dev server on 127.0.0.1:7350
    python samples/pygame_squares.py --host 127.0.0.1     # joins it
Or two players side by side in one window:   python samples/pygame_squares.py --players 2

Move with the arrow keys (WASD for the right-hand player with --players 2). Press Enter to chat in the
lobby, type, and press Enter again to send. Players find each other through the matchmaker.

Feel the internet: ``--latency 150 --jitter 40 --loss 0.05`` (the embedded dev server only). Positions
go out 20 times a second (unreliable); press I to toggle drawing the others interpolated (docs/netcode.md).
"""
from __future__ import annotations

import argparse
import json
import uuid
import zlib
from collections import deque

import pygame

import nakama_sync
from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
from nakama_sync.netcode import FixedRateSender, SnapshotBuffer

VIEW_W, VIEW_H, SIZE, SPEED = 480, 360, 28, 180.0   # a view per local player; square size; pixels/s
OP_POSITION, RATE = 1, 20                            # our op code for "here is my position"; sends/s
KEYS = [  # (left, right, up, down) for local player 0 (left view) and 1
    (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN),
    (pygame.K_a, pygame.K_d, pygame.K_w, pygame.K_s),
]


def color_of(user_id: str) -> pygame.Color:
    """A stable, bright colour per player, computed from the user id."""
    color = pygame.Color(0)
    color.hsva = (zlib.crc32(user_id.encode()) % 360, 75, 95, 100)   # hue from the id; vivid and light
    return color


class Player:
    """One local player: a session, a socket bridged to pygame events, and a square."""

    def __init__(self, client: nakama_sync.Client, index: int, room: str) -> None:
        self.index = index
        username = f"p{index}-{uuid.uuid4().hex[:6]}"        # usernames must be unique on a server
        self.session = client.authenticate_device(f"squares-{uuid.uuid4()}", username=username)
        self.socket = client.create_socket()
        self.socket.connect(self.session)
        self.bridge = PygameBridge(self.socket)   # socket events -> pygame events of type NAKAMA_EVENT
        self.x, self.y = 60.0 + 300 * index, 120.0
        self.others: dict[str, tuple[float, float, str]] = {}   # session id -> (x, y, user id)
        self.moves_seen: dict[str, int] = {}                      # session id -> positions received
        self.match_id: str | None = None
        self.sender = FixedRateSender(RATE, self.send_position)   # 20 Hz whatever the frame rate
        self.remote = SnapshotBuffer(delay=0.1)   # others' positions, drawn 100 ms behind, smoothly
        self.smooth = True                        # I toggles: interpolated, or as received
        self.chat: deque[str] = deque(maxlen=5)
        self.status = "looking for a match..."
        # The lobby chat room, and a matchmaker ticket: the server matches 2 players of the same room.
        self.channel = self.socket.join_chat(room, 1, persistence=False)
        self.socket.add_matchmaker(min_count=2, max_count=2, query=f"+properties.room:{room}",
                                   string_properties={"room": room})

    def on_network(self, name: str, payload: object) -> None:
        """A NAKAMA_EVENT from this player's socket: ``name`` is the signal, ``payload`` its model."""
        if name == "received_matchmaker_matched":            # the matchmaker found us a partner
            match = self.socket.join_match(token=payload.token)
            self.match_id, self.status = match.match_id, "in a match"
        elif name == "received_match_presence":              # someone joined or left the match
            for p in payload.leaves:
                self.others.pop(p.session_id, None)
                self.remote.remove(p.session_id)
        elif name == "received_match_state" and payload.op_code == OP_POSITION:
            sid = payload.presence.session_id
            pos = json.loads(payload.data)
            self.others[sid] = (pos["x"], pos["y"], payload.presence.user_id)
            self.remote.push(sid, pos.get("tick", 0) / RATE, (pos["x"], pos["y"]))   # tick: its time
            self.moves_seen[sid] = self.moves_seen.get(sid, 0) + 1
        elif name == "received_channel_message":
            self.chat.append(f"{payload.username}: {payload.content.get('text', '')}")
        elif name == "closed":
            self.status, self.match_id = "disconnected", None

    def update(self, dt: float, dx: float, dy: float) -> None:
        """Move, and tell the match where we are, RATE times a second (fire-and-forget match state)."""
        self.x = min(max(self.x + dx * SPEED * dt, 0), VIEW_W - SIZE)
        self.y = min(max(self.y + dy * SPEED * dt, 0), VIEW_H - 110 - SIZE)
        if self.match_id and self.socket.is_connected:
            self.sender.update()                               # calls send_position on each new tick

    def send_position(self, tick: int) -> None:
        data = json.dumps({"x": round(self.x), "y": round(self.y), "tick": tick}).encode()
        self.socket.send_match_state(self.match_id or "", OP_POSITION, data, reliable=False)

    def say(self, text: str) -> None:
        self.socket.write_chat_message(self.channel.id, {"text": text})

    def draw(self, view: pygame.Surface, font: pygame.font.Font, typing: str | None) -> None:
        view.fill((24, 26, 36))
        for gx in range(0, VIEW_W, 40):                        # a faint grid
            pygame.draw.line(view, (34, 38, 52), (gx, 0), (gx, VIEW_H - 110))
        for sid, (x, y, user_id) in self.others.items():       # the others, where the network says
            if self.smooth:                                    # an outline where the last message said
                pygame.draw.rect(view, color_of(user_id), (x, y, SIZE, SIZE), 1)
                x, y = self.remote.sample(sid) or (x, y)
            pygame.draw.rect(view, color_of(user_id), (x, y, SIZE, SIZE))
        me = pygame.Rect(round(self.x), round(self.y), SIZE, SIZE)
        pygame.draw.rect(view, color_of(self.session.user_id), me)
        pygame.draw.rect(view, (255, 255, 255), me, 2)          # a white border marks "you"
        smooth = "interpolated" if self.smooth else "raw"
        view.blit(font.render(f"{self.session.username}: {self.status} ({smooth}: I)", True, (220, 220, 220)),
                  (8, 6))
        pygame.draw.rect(view, (12, 13, 20), (0, VIEW_H - 110, VIEW_W, 110))   # the chat box
        for i, line in enumerate(self.chat):
            view.blit(font.render(line, True, (180, 200, 255)), (8, VIEW_H - 104 + 18 * i))
        if typing is not None:
            view.blit(font.render(f"> {typing}_", True, (255, 255, 160)), (8, VIEW_H - 16))

    def close(self) -> None:
        self.bridge.close()
        self.socket.close()


class Game:
    """The local players, the keyboard, and one frame of the game loop."""

    def __init__(self, client: nakama_sync.Client, players: int = 1, room: str = "squares",
                 auto: bool = False) -> None:
        self.players = [Player(client, i, room) for i in range(players)]
        self.auto, self.time, self.typing = auto, 0.0, None   # typing: the chat line being typed
        self.screen = pygame.display.set_mode((VIEW_W * players, VIEW_H))
        pygame.display.set_caption("nakama-sync squares")
        self.font = pygame.font.Font(None, 22)

    def frame(self, dt: float) -> bool:
        """Run one frame; returns False when the window was closed."""
        for player in self.players:
            player.bridge.pump()                               # runs socket.poll(): posts NAKAMA_EVENTs
        for event in pygame.event.get():                       # the usual pygame event loop
            if event.type == pygame.QUIT:
                return False
            if event.type == NAKAMA_EVENT:
                owner = next(p for p in self.players if p.socket is event.socket)
                owner.on_network(event.nakama_signal, event.payload)
            elif event.type == pygame.KEYDOWN:
                self.on_key(event)
        self.time += dt
        pressed = pygame.key.get_pressed()
        for player in self.players:
            if self.auto:                                      # demo/test mode: move by themselves
                phase = self.time * 1.5 + player.index * 2.0
                dx, dy = pygame.math.Vector2(1, 0).rotate_rad(phase)
            elif self.typing is None:
                left, right, up, down = KEYS[player.index]
                dx, dy = pressed[right] - pressed[left], pressed[down] - pressed[up]
            else:
                dx = dy = 0.0
            player.update(dt, dx, dy)
        for player in self.players:
            view = self.screen.subsurface((VIEW_W * player.index, 0, VIEW_W, VIEW_H))
            player.draw(view, self.font, self.typing if player.index == 0 else None)
        if len(self.players) > 1:                              # a line between the two views
            pygame.draw.line(self.screen, (90, 90, 110), (VIEW_W, 0), (VIEW_W, VIEW_H), 2)
        pygame.display.flip()
        return True

    def on_key(self, event: pygame.event.Event) -> None:
        """Enter opens the chat line and sends it; Escape cancels; other keys type."""
        if event.key == pygame.K_RETURN:
            if self.typing:
                self.players[0].say(self.typing)
            self.typing = "" if self.typing is None else None
        elif self.typing is None and event.key == pygame.K_i:   # interpolation on/off
            for player in self.players:
                player.smooth = not player.smooth
        elif self.typing is not None:
            if event.key == pygame.K_ESCAPE:
                self.typing = None
            elif event.key == pygame.K_BACKSPACE:
                self.typing = self.typing[:-1]
            elif event.unicode.isprintable():
                self.typing += event.unicode

    def close(self) -> None:
        for player in self.players:
            player.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Squares: a pygame + nakama-sync sample.")
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--players", type=int, choices=(1, 2), default=1, help="local players (one window)")
    parser.add_argument("--room", default="squares", help="players in the same room meet (one word)")
    parser.add_argument("--auto", action="store_true", help="squares move by themselves")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    parser.add_argument("--screenshot", help="save the last frame to this PNG file")
    for flag, unit in (("--latency", "ms one-way"), ("--jitter", "ms +-"), ("--loss", "0..1, unreliable data")):
        parser.add_argument(flag, type=float, default=0.0, help=f"dev server network condition ({unit})")
    args = parser.parse_args(argv)

    server = None
    if args.host is not None and (args.latency or args.jitter or args.loss):
        print("--latency, --jitter and --loss apply to the embedded dev server only (no --host)")
    if args.host is None:   # no server given: run the dev server in this process, on --port
        from nakama_sync.devserver import DevServer
        try:
            server = DevServer(port=args.port, matchmaker_interval_sec=1.0, latency_ms=args.latency,
                               jitter_ms=args.jitter, loss=args.loss).start()
        except (OSError, RuntimeError) as exc:               # most often: the port is taken
            print(f"port {args.port} busy or unusable: pass --port N (0 = any free port) or --host ({exc})")
            return 1
        args.host, args.port = server.host, server.port         # --port 0 picked a free port
        print(f"dev server at {server.url}: start a second player with --host {server.host} --port {server.port}")
    pygame.display.init()                                      # no sound: only the window and fonts
    pygame.font.init()
    client = nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl)
    game, clock, frames = None, pygame.time.Clock(), 0
    try:
        game = Game(client, args.players, args.room, args.auto)
        while game.frame(clock.tick(60) / 1000.0):             # at most 60 frames per second
            frames += 1
            if args.frames and frames >= args.frames:
                break
        if args.screenshot:
            pygame.image.save(game.screen, args.screenshot)
    except nakama_sync.TransportError as exc:                   # no server there, or unreachable
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
