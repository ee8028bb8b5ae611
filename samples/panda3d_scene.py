"""A small Panda3D scene: each player's smiley moves on a field, driven by the others' match state.

Two windows (two terminals):
    python samples/panda3d_scene.py                      # starts the dev server on 127.0.0.1:7350
    python samples/panda3d_scene.py --host 127.0.0.1     # joins it
Or two players in one window (the second one walks by itself):   python samples/panda3d_scene.py --players 2

Move with the arrow keys. Everyone who uses the same --match name lands in the same relayed match
(Nakama turns a match name into a fixed match id), so no lobby is needed here.
"""
from __future__ import annotations

import argparse
import json
import math
import uuid
import zlib

from direct.gui.OnscreenText import OnscreenText
from direct.showbase.ShowBase import ShowBase
from direct.task import Task
from panda3d.core import AmbientLight, CardMaker, DirectionalLight, Filename, loadPrcFileData

import nakama_sync
from nakama_sync.integrations.panda3d import attach_socket

OP_POSITION = 1     # our op code for "here is my position"
SPEED = 6.0         # units per second
FIELD = 9.0         # the field spans -FIELD..FIELD on x and y


def color_of(user_id: str) -> tuple[float, float, float, float]:
    """A stable colour per player, computed from the user id."""
    h = zlib.crc32(user_id.encode())
    return 0.3 + (h % 256) / 365, 0.3 + ((h >> 8) % 256) / 365, 0.3 + ((h >> 16) % 256) / 365, 1.0


class NetPlayer:
    """One local player: a session, a socket polled by a Panda3D task, and a position."""

    def __init__(self, base: ShowBase, client: nakama_sync.Client, index: int, match_name: str) -> None:
        self.index = index
        username = f"p3d{index}-{uuid.uuid4().hex[:6]}"
        self.session = client.authenticate_device(f"panda3d-{uuid.uuid4()}", username=username)
        self.socket = client.create_socket()
        self.socket.connect(self.session)
        # The integration: a task polls the socket each frame and sends its events to the messenger.
        # Local player 0 uses the usual names ("nakama-match-state"); player 1 gets its own prefix.
        self.task = attach_socket(self.socket, base, prefix="nakama-" if index == 0 else f"nakama{index}-")
        base.accept(self.task.event_name("received_match_state"), self.on_state)
        base.accept(self.task.event_name("received_match_presence"), self.on_presence)
        self.x, self.y, self.heading = -3.0 + 6.0 * index, 0.0, 0.0
        self.others: dict[str, tuple[float, float, float, str]] = {}   # session id -> (x, y, h, user id)
        self.moves_seen: dict[str, int] = {}                             # session id -> states received
        self.last_sent, self.send_timer = None, 0.0
        self.match = self.socket.create_match(name=match_name)   # same name -> same match for all

    def on_state(self, event: nakama_sync.MatchData) -> None:
        """Messenger handler for "nakama-match-state": another player moved."""
        if event.op_code == OP_POSITION:
            pos = json.loads(event.data)
            sid = event.presence.session_id
            self.others[sid] = (pos["x"], pos["y"], pos["h"], event.presence.user_id)
            self.moves_seen[sid] = self.moves_seen.get(sid, 0) + 1

    def on_presence(self, event: nakama_sync.MatchPresenceEvent) -> None:
        """Messenger handler for "nakama-match-presence": players joined or left."""
        for presence in event.leaves:
            self.others.pop(presence.session_id, None)
        if event.joins:
            self.last_sent = None              # make sure newcomers get our position

    def move(self, dt: float, dx: float, dy: float) -> None:
        """Walk, then send our position at most 20 times a second, and only when it changed."""
        if dx or dy:
            self.heading = math.degrees(math.atan2(-dx, dy)) + 180   # the smiley's face looks at -y
        self.x = min(max(self.x + dx * SPEED * dt, -FIELD), FIELD)
        self.y = min(max(self.y + dy * SPEED * dt, -FIELD), FIELD)
        self.send_timer += dt
        position = {"x": round(self.x, 2), "y": round(self.y, 2), "h": round(self.heading)}
        if self.send_timer >= 0.05 and position != self.last_sent and self.socket.is_connected:
            self.send_timer, self.last_sent = 0.0, position
            self.socket.send_match_state(self.match.match_id, OP_POSITION, json.dumps(position).encode())

    def close(self) -> None:
        self.task.remove()
        self.socket.close()


class Scene(ShowBase):
    """The field, the camera, and a smiley per player, as local player 0 sees the world."""

    def __init__(self, client: nakama_sync.Client, players: int = 1, match_name: str = "panda3d-scene",
                 auto: bool = False) -> None:
        super().__init__()
        self.disableMouse()
        self.setBackgroundColor(0.55, 0.7, 0.9, 1)
        field = CardMaker("field")
        field.setFrame(-FIELD - 1, FIELD + 1, -FIELD - 1, FIELD + 1)
        ground = self.render.attachNewNode(field.generate())
        ground.setP(-90)                                    # a card stands up; lay it flat
        ground.setColor(0.35, 0.6, 0.3, 1)
        sun = self.render.attachNewNode(DirectionalLight("sun"))
        sun.setHpr(30, -60, 0)
        ambient = self.render.attachNewNode(AmbientLight("ambient"))
        ambient.node().setColor((0.45, 0.45, 0.45, 1))
        self.render.setLight(sun)
        self.render.setLight(ambient)
        self.camera.setPos(0, -24, 18)
        self.camera.lookAt(0, 0, 0)

        self.auto, self.time = auto, 0.0
        self.players = [NetPlayer(self, client, i, match_name) for i in range(players)]
        self.me = self.players[0]
        self.my_model = self.make_smiley(self.me.session.user_id)
        self.models: dict[str, object] = {}                 # session id -> the model of another player
        self.label = OnscreenText(text="", pos=(-1.28, 0.9), scale=0.065, align=0, fg=(1, 1, 1, 1),
                                  shadow=(0, 0, 0, 0.8))
        self.keys = {"arrow_left": 0, "arrow_right": 0, "arrow_up": 0, "arrow_down": 0}
        for key in self.keys:
            self.accept(key, self.keys.__setitem__, [key, 1])
            self.accept(f"{key}-up", self.keys.__setitem__, [key, 0])
        self.taskMgr.add(self.update, "update-players")

    def make_smiley(self, user_id: str) -> object:
        model = self.loader.loadModel("models/smiley")
        model.reparentTo(self.render)
        model.setColorScale(*color_of(user_id))
        model.setZ(1)
        return model

    def update(self, task: Task.Task) -> int:
        """Each frame: move the local players, then place the others' models where the network says."""
        dt = min(self.clock.getDt(), 0.1)
        self.time += dt
        for player in self.players:
            if self.auto or player.index > 0:   # the second local player always walks by itself
                angle = self.time * 1.2 + player.index * math.pi
                dx, dy = math.cos(angle), math.sin(angle)
            else:
                dx = self.keys["arrow_right"] - self.keys["arrow_left"]
                dy = self.keys["arrow_up"] - self.keys["arrow_down"]
            player.move(dt, dx, dy)
        self.my_model.setPos(self.me.x, self.me.y, 1)
        self.my_model.setH(self.me.heading)
        for sid, (x, y, heading, user_id) in self.me.others.items():
            if sid not in self.models:
                self.models[sid] = self.make_smiley(user_id)
            self.models[sid].setPos(x, y, 1)
            self.models[sid].setH(heading)
        for sid in [sid for sid in self.models if sid not in self.me.others]:   # players who left
            self.models.pop(sid).removeNode()
        self.label.setText(f"{self.me.session.username}: {len(self.me.others)} other player(s) here")
        return Task.cont

    def screenshot_to(self, path: str) -> None:
        """Render one frame and save it as a PNG (works offscreen too)."""
        self.graphicsEngine.renderFrame()
        self.win.saveScreenshot(Filename.fromOsSpecific(path))

    def close(self) -> None:
        self.taskMgr.remove("update-players")   # the task manager outlives this ShowBase
        self.ignoreAll()
        for player in self.players:
            player.close()


def use_offscreen() -> None:
    """Render into a buffer with the software renderer: no window, no GPU (tests, CI). Call first."""
    loadPrcFileData("", "window-type offscreen\nload-display p3tinydisplay\naudio-library-name null\n"
                        "win-size 640 480\nnotify-level warning\nnotify-level-device fatal\n"
                        "notify-level-x11display fatal\nnotify-level-display fatal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A Panda3D + nakama-sync sample scene.")
    parser.add_argument("--host", help="a Nakama server (default: start the embedded dev server)")
    parser.add_argument("--port", type=int, default=7350)
    parser.add_argument("--server-key", default="defaultkey")
    parser.add_argument("--ssl", action="store_true", help="use https:// and wss://")
    parser.add_argument("--players", type=int, choices=(1, 2), default=1, help="local players")
    parser.add_argument("--room", default="panda3d-scene", help="players in the same room meet (one word)")
    parser.add_argument("--match", dest="room", default=argparse.SUPPRESS, help=argparse.SUPPRESS)  # old name
    parser.add_argument("--auto", action="store_true", help="walk by itself")
    parser.add_argument("--frames", type=int, default=0, help="quit after this many frames (0: never)")
    parser.add_argument("--offscreen", action="store_true", help="no window (with --frames/--screenshot)")
    parser.add_argument("--screenshot", help="save the last frame to this PNG file")
    args = parser.parse_args(argv)

    server = None
    if args.host is None:   # no server given: run the dev server in this process, on --port
        from nakama_sync.devserver import DevServer
        try:
            server = DevServer(port=args.port).start()
        except (OSError, RuntimeError) as exc:               # most often: the port is taken
            print(f"port {args.port} busy or unusable: pass --port N (0 = any free port) or --host ({exc})")
            return 1
        args.host, args.port = server.host, server.port         # --port 0 picked a free port
        print(f"dev server at {server.url}: start a second player with --host {server.host} --port {server.port}")
    if args.offscreen:
        use_offscreen()
    client = nakama_sync.Client(args.server_key, args.host, args.port, ssl=args.ssl)
    scene = None
    try:
        scene = Scene(client, args.players, args.room, args.auto)
    except nakama_sync.TransportError as exc:                   # no server there, or unreachable
        print(f"cannot reach the Nakama server: {exc}")
        return 1
    except Exception as exc:                                    # Panda3D raises a bare Exception
        if "open window" not in str(exc):
            raise
        print(f"{exc} No display here? Run with --offscreen (and --frames N --screenshot out.png).")
        return 1
    finally:
        if scene is None:                                       # failed: nothing else will clean up
            client.close()
            if server is not None:
                server.stop()
    try:
        if args.frames:
            for _ in range(args.frames):
                scene.taskMgr.step()        # one frame: our tasks, the socket task, then rendering
        else:
            scene.run()                     # Panda3D's own loop, until the window is closed
        if args.screenshot:
            scene.screenshot_to(args.screenshot)
    finally:
        scene.close()
        client.close()
        scene.destroy()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:                                   # Ctrl-C: quit quietly
        raise SystemExit(130) from None
